//! Rate limits against abuse from the open internet: how many logins, sign-ups, link codes,
//! new chat visitors and their messages, orders, declined cards and test payment methods one
//! address, account or visitor may have per window. Counts live in the store (one atomic upsert
//! per hit), so every instance sharing it enforces the same limit; a refusal says when to try
//! again. The webhooks have none: Facebook's and Stripe's deliveries are signed, never dropped.

use crate::config::LimitsConfig;
use crate::store::{Store, StoreError, now_ms};
use std::net::IpAddr;

/// One limit: what is counted, per what, over which window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    LoginsPerIp,
    SignupsPerIp,
    LinkCodesPerAccount,
    ChatVisitorsPerIp,
    ChatMessagesPerVisitor,
    ChatMessagesPerIp,
    OrdersPerAccount,
    OrdersPerIp,
    DeclinedCardsPerAccount,
    DeclinedCardsPerIp,
    TestPaymentMethodsPerIp,
}

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
/// The longest window of any limit: counters older than this are swept.
pub const LONGEST_WINDOW_MS: i64 = HOUR_MS;

impl Limit {
    /// The counter's name in the store (and the setting's, under `[limits]`).
    pub fn name(self) -> &'static str {
        match self {
            Limit::LoginsPerIp => "logins_per_ip",
            Limit::SignupsPerIp => "signups_per_ip",
            Limit::LinkCodesPerAccount => "link_codes_per_account",
            Limit::ChatVisitorsPerIp => "chat_visitors_per_ip",
            Limit::ChatMessagesPerVisitor => "chat_messages_per_visitor",
            Limit::ChatMessagesPerIp => "chat_messages_per_ip",
            Limit::OrdersPerAccount => "orders_per_account",
            Limit::OrdersPerIp => "orders_per_ip",
            Limit::DeclinedCardsPerAccount => "declined_cards_per_account",
            Limit::DeclinedCardsPerIp => "declined_cards_per_ip",
            Limit::TestPaymentMethodsPerIp => "test_payment_methods_per_ip",
        }
    }

    fn window_ms(self) -> i64 {
        match self {
            Limit::LoginsPerIp => 10 * MINUTE_MS,
            Limit::ChatMessagesPerVisitor | Limit::ChatMessagesPerIp => MINUTE_MS,
            _ => HOUR_MS,
        }
    }

    fn allowed(self, config: &LimitsConfig) -> u32 {
        match self {
            Limit::LoginsPerIp => config.logins_per_ip,
            Limit::SignupsPerIp => config.signups_per_ip,
            Limit::LinkCodesPerAccount => config.link_codes_per_account,
            Limit::ChatVisitorsPerIp => config.chat_visitors_per_ip,
            Limit::ChatMessagesPerVisitor => config.chat_messages_per_visitor,
            Limit::ChatMessagesPerIp => config.chat_messages_per_ip,
            Limit::OrdersPerAccount => config.orders_per_account,
            Limit::OrdersPerIp => config.orders_per_ip,
            Limit::DeclinedCardsPerAccount => config.declined_cards_per_account,
            Limit::DeclinedCardsPerIp => config.declined_cards_per_ip,
            Limit::TestPaymentMethodsPerIp => config.test_payment_methods_per_ip,
        }
    }

    /// What was too much, for the refusal's sentence.
    fn what(self) -> &'static str {
        match self {
            Limit::LoginsPerIp => "Too many logins from your address",
            Limit::SignupsPerIp => "Too many sign-ups from your address",
            Limit::LinkCodesPerAccount => "Too many link codes for this account",
            Limit::ChatVisitorsPerIp => "Too many new chats from your address",
            Limit::ChatMessagesPerVisitor => "Too many messages from this chat",
            Limit::ChatMessagesPerIp => "Too many chat messages from your address",
            Limit::OrdersPerAccount => "Too many orders from this account",
            Limit::OrdersPerIp => "Too many orders from your address",
            Limit::DeclinedCardsPerAccount => "Too many declined cards for this account",
            Limit::DeclinedCardsPerIp => "Too many declined cards from your address",
            Limit::TestPaymentMethodsPerIp => "Too many test payment methods from your address",
        }
    }
}

/// A refusal: the limit reached and in how many seconds its window ends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}; try again in {}.", .limit.what(), wait_words(*.retry_after_secs))]
pub struct Exceeded {
    pub limit: Limit,
    pub retry_after_secs: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum LimitError {
    #[error(transparent)]
    Exceeded(#[from] Exceeded),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// "40 seconds", "1 minute", "12 minutes".
fn wait_words(secs: i64) -> String {
    match secs {
        ..=59 => format!("{} second{}", secs.max(1), if secs == 1 { "" } else { "s" }),
        _ => crate::auth::duration_words(secs, false),
    }
}

/// Counts hits against the configured limits.
#[derive(Clone)]
pub struct Limits {
    store: Store,
    config: LimitsConfig,
}

/// A hit counted ahead of an outcome that may not count (a card that is not declined): give it
/// back with [`Limits::give_back`].
#[derive(Debug)]
pub struct Reserved {
    limit: Limit,
    subject: String,
    window_start: i64,
}

impl Limits {
    pub fn new(store: Store, config: &LimitsConfig) -> Limits {
        Limits { store, config: config.clone() }
    }

    /// Whether addresses come from `X-Forwarded-For` (behind a trusted proxy).
    pub fn trust_forwarded_for(&self) -> bool {
        self.config.trust_forwarded_for
    }

    /// Counts one hit of `limit` for `subject`; refused when it goes over the limit (refused
    /// hits count too, so hammering does not help).
    pub async fn hit(&self, limit: Limit, subject: &str) -> Result<(), LimitError> {
        self.count(limit, subject).await.map(drop)
    }

    /// Counts one hit that [`Limits::give_back`] takes back if it turns out not to count; a hit
    /// over the limit is refused and not kept.
    pub async fn reserve(&self, limit: Limit, subject: &str) -> Result<Option<Reserved>, LimitError> {
        let reserved = self.count(limit, subject).await;
        if let Err(LimitError::Exceeded(_)) = &reserved {
            let window_start = window_start(limit, now_ms());
            self.store.give_back_rate_hit(limit.name(), subject, window_start).await?;
        }
        reserved
    }

    /// [`Limits::reserve`] for several limits at once: all reserved, or none (the ones already
    /// reserved are given back when a later one refuses).
    pub async fn reserve_all(&self, wanted: &[(Limit, &str)]) -> Result<Vec<Reserved>, LimitError> {
        let mut reserved = Vec::new();
        for (limit, subject) in wanted {
            match self.reserve(*limit, subject).await {
                Ok(taken) => reserved.extend(taken),
                Err(refused) => {
                    for taken in reserved {
                        self.give_back(taken).await?;
                    }
                    return Err(refused);
                }
            }
        }
        Ok(reserved)
    }

    pub async fn give_back(&self, reserved: Reserved) -> Result<(), LimitError> {
        Ok(self.store.give_back_rate_hit(reserved.limit.name(), &reserved.subject, reserved.window_start).await?)
    }

    async fn count(&self, limit: Limit, subject: &str) -> Result<Option<Reserved>, LimitError> {
        let allowed = limit.allowed(&self.config);
        if allowed == 0 {
            return Ok(None);
        }
        let now = now_ms();
        let start = window_start(limit, now);
        let hits = self.store.count_rate_hits(limit.name(), subject, start, 1).await?;
        if hits > i64::from(allowed) {
            let retry_after_secs = ((start + limit.window_ms() - now + 999) / 1000).max(1);
            return Err(Exceeded { limit, retry_after_secs }.into());
        }
        Ok(Some(Reserved { limit, subject: subject.to_owned(), window_start: start }))
    }

    /// Deletes counters of past windows and login counts untouched for a day; returns how many.
    pub async fn sweep(&self) -> Result<u64, StoreError> {
        let now = now_ms();
        self.store.sweep_rate_limits(now - LONGEST_WINDOW_MS, now - 24 * HOUR_MS, now).await
    }
}

fn window_start(limit: Limit, now: i64) -> i64 {
    now - now.rem_euclid(limit.window_ms())
}

/// The subject an address is counted under: IPv4 as is, IPv6 by its /64 (what one customer
/// line is given, so rotating addresses within it does not help).
pub fn address_subject(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_when_to_try_again() {
        let e = Exceeded { limit: Limit::LoginsPerIp, retry_after_secs: 61 };
        assert_eq!(e.to_string(), "Too many logins from your address; try again in 2 minutes.");
        let e = Exceeded { limit: Limit::OrdersPerIp, retry_after_secs: 1 };
        assert_eq!(e.to_string(), "Too many orders from your address; try again in 1 second.");
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        assert_eq!(address_subject(a), address_subject(b));
        assert_eq!(address_subject("::ffff:10.0.0.7".parse().unwrap()), "10.0.0.7");
        assert_eq!(address_subject("10.0.0.7".parse().unwrap()), "10.0.0.7");
    }

    #[test]
    fn windows_are_aligned() {
        assert_eq!(window_start(Limit::ChatMessagesPerIp, 125_000), 120_000);
        assert_eq!(window_start(Limit::OrdersPerIp, HOUR_MS + 5), HOUR_MS);
    }
}
