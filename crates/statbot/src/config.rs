//! Typed configuration, loaded once: defaults, then `statbot.toml` (or `--config FILE`), then
//! `STATBOT_*` environment variables, which win. Secrets are redacted in `Debug` output.

use serde::Deserialize;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not valid configuration: {message}")]
    Parse { path: String, message: String },
    #[error("{var}={value:?} is not valid: {message}")]
    Env { var: String, value: String, message: String },
    #[error("{key}: {message}")]
    Invalid { key: &'static str, message: String },
    #[error("time_zone `{0}` is not a time zone statbot knows (use an IANA name such as Europe/Paris)")]
    TimeZone(String),
    #[error(
        "auth.jwt_secret (STATBOT_JWT_SECRET) is {0} bytes long; use at least {MIN_JWT_SECRET_BYTES} random bytes \
         (e.g. `openssl rand -hex 32`), or leave it unset and statbot keeps a generated one in the database"
    )]
    ShortJwtSecret(usize),
}

/// Something in the configuration worth a warning once logging is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigWarning {
    /// A `STATBOT_*` variable statbot does not read.
    UnknownVariable(String),
    /// An old name that still works, and the name to use instead.
    Deprecated { old: &'static str, new: &'static str },
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigWarning::UnknownVariable(var) => write!(f, "unknown STATBOT_* environment variable {var} ignored"),
            ConfigWarning::Deprecated { old, new } => write!(f, "{old} is deprecated: use {new} instead"),
        }
    }
}

/// A value that must never reach a log line.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_set(&self) -> bool {
        !self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"[redacted]\"" })
    }
}

/// The database URL, which may carry a password: its `Debug` output hides the password.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for DatabaseUrl {
    fn from(url: String) -> Self {
        DatabaseUrl(url)
    }
}

impl std::ops::Deref for DatabaseUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `scheme://user:password@host/db`: the password is what lies between the first `:`
        // after `//` and the last `@`.
        let url = &self.0;
        let redacted = url.split_once("://").and_then(|(scheme, rest)| {
            let (credentials, host) = rest.rsplit_once('@')?;
            let (user, _) = credentials.split_once(':')?;
            Some(format!("{scheme}://{user}:[redacted]@{host}"))
        });
        write!(f, "{:?}", redacted.as_deref().unwrap_or(url))
    }
}

/// The shortest `auth.jwt_secret` accepted: 32 bytes, as much as the HMAC-SHA256 it keys.
pub const MIN_JWT_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `sqlite://statbot.db` (default) or `postgres://user:pass@host/db`.
    pub database_url: DatabaseUrl,
    /// Connections per instance on PostgreSQL.
    pub database_max_connections: u32,
    pub addr: SocketAddr,
    /// The base URL the world reaches this server at; links sent to Messenger use it.
    pub public_url: String,
    /// Folder of flow files (`*.toml`), loaded in name order.
    pub flows_dir: Option<PathBuf>,
    /// The flow free text falls back to (default: the first loaded).
    pub default_flow: Option<String>,
    /// Load the shipped demo flow, data set and intents.
    pub demo: bool,
    /// The intents file for free text (default with the demo: the shipped cities intents).
    pub intents_file: Option<PathBuf>,
    /// How long chart links sent in answers stay valid.
    pub chart_link_ttl_secs: u64,
    /// How long a stop (SIGTERM, Ctrl-C) may take: requests and work under way get this long
    /// to finish, then what remains is cut short and its leases handed back ("30s", "1m").
    pub shutdown_timeout: String,
    /// The business's IANA time zone, e.g. `Europe/Paris`: the days that funnels, team stats
    /// and sales figures count in, and what "today" is (default `UTC`; see [`Config::time_zone`]).
    pub time_zone: Option<String>,
    pub messenger: MessengerConfig,
    pub outbox: OutboxConfig,
    pub auth: AuthConfig,
    pub funnels: FunnelsConfig,
    pub team: TeamConfig,
    pub stripe: StripeConfig,
    pub shop: ShopConfig,
    pub limits: LimitsConfig,
    pub inbox: InboxConfig,
    pub follow_ups: FollowUpsConfig,
    pub broadcasts: BroadcastsConfig,
    pub log: LogConfig,
    /// `GET /metrics` (Prometheus text): off unless a token or a separate address is set.
    pub metrics: MetricsConfig,
    /// The Page's set-up as code (Get Started, greeting, ice breakers, persistent menu), applied
    /// by `statbot messenger setup`; or `page.toml` in `flows_dir`, not both.
    pub page: Option<crate::channels::messenger::page_profile::PageSection>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MessengerConfig {
    pub verify_token: Secret,
    pub app_secret: Secret,
    pub page_token: Secret,
    pub graph_url: String,
    pub send_timeout_secs: u64,
    /// The Facebook Page's id: deliveries for other Pages are refused, and `m.me` links use it
    /// when `page_username` is empty.
    pub page_id: String,
    /// The Page's username, for nicer `m.me` links (`m.me/myshop`).
    pub page_username: String,
    /// The Instagram professional account linked to the Page: its direct messages are answered
    /// too (empty: Instagram deliveries are ignored).
    pub instagram_account_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxConfig {
    /// Attempts before a reply is given up on (its reason is kept).
    pub max_attempts: u32,
    pub base_backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// Replies sent at once (to different contacts; one contact's replies stay in order).
    pub concurrency: usize,
    /// The shortest pause of every send after Meta answers with a rate limit (4, 17, 32, 613).
    pub rate_limit_backoff_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    /// Signs API tokens; when empty one is generated and kept in the database.
    pub jwt_secret: Secret,
    pub token_ttl_secs: u64,
    pub max_failed_logins: u32,
    pub lockout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FunnelsConfig {
    /// A contact converts only within this many days of entering a flow.
    pub window_days: i64,
    /// Contacts every variant of a split test needs before the test gives a verdict.
    pub min_sample_per_variant: u64,
    /// Deprecated: the top-level `time_zone`, which wins when both are set.
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TeamConfig {
    /// The team new accounts join unless another is named, created with the default metrics.
    pub default_team: String,
    /// When not empty, `statbot team` registers only email addresses of these domains.
    pub allowed_email_domains: Vec<String>,
    /// Where `statbot team` writes exports unless told otherwise.
    pub exports_dir: PathBuf,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StripeConfig {
    /// The account's secret key (`sk_...`); the mirror is off while it is empty.
    pub secret_key: Secret,
    /// The API's base URL; a local Stripe-compatible server for tests.
    pub api_base: String,
    /// `serve` syncs this often; 0 turns the scheduled sync off.
    pub sync_interval_secs: u64,
    /// Per request, connection included.
    pub timeout_secs: u64,
    /// Sales figures come from the API, not the mirror, when the mirror's last sync is older.
    pub max_mirror_age_secs: u64,
    /// How long a sales figure read from the API may take.
    pub live_timeout_secs: u64,
    /// Signs the events posted to `/webhooks/stripe` (`whsec_...`); the endpoint is off while empty.
    pub webhook_secret: Secret,
    /// How old a signed event may be before it is refused as a replay.
    pub webhook_tolerance_secs: u64,
    /// For Stripe.js on the storefront with a live key (`pk_...`).
    pub publishable_key: String,
}

impl StripeConfig {
    /// Test mode: an `sk_test_` key, with which the storefront offers named test cards.
    pub fn test_mode(&self) -> bool {
        self.secret_key.expose().starts_with("sk_test_")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShopConfig {
    /// A pending order is its checkout's for this long; then the reconciler settles it.
    pub reconcile_after_secs: u64,
    /// How often `serve` reconciles pending orders; 0 turns it off.
    pub reconcile_interval_secs: u64,
    /// Attempts to create a charge whose outcome was unknown, each after looking for it first.
    pub charge_attempts: u32,
}

/// Rate limits against abuse: how many of each thing one address, account or chat visitor may
/// do per window (the windows are fixed: see `crate::limits::Limit`). 0 turns a limit off. The
/// defaults are far above what a small shop's customers and staff ever do.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Logins (API token, dashboard form) per address per 10 minutes.
    pub logins_per_ip: u32,
    /// Shop sign-ups per address per hour.
    pub signups_per_ip: u32,
    /// Chat link codes per operator account per hour.
    pub link_codes_per_account: u32,
    /// New web-chat visitors per address per hour.
    pub chat_visitors_per_ip: u32,
    /// Web-chat messages per visitor per minute.
    pub chat_messages_per_visitor: u32,
    /// Web-chat messages per address per minute.
    pub chat_messages_per_ip: u32,
    /// Orders per customer account per hour.
    pub orders_per_account: u32,
    /// Orders per address per hour.
    pub orders_per_ip: u32,
    /// Declined cards per customer account per hour; then orders are refused before Stripe.
    pub declined_cards_per_account: u32,
    /// Declined cards per address per hour.
    pub declined_cards_per_ip: u32,
    /// Test payment methods (test mode) per address per hour.
    pub test_payment_methods_per_ip: u32,
    /// Take the client's address from the last `X-Forwarded-For` entry (set this only behind a
    /// reverse proxy that sets the header; otherwise anyone could claim any address).
    pub trust_forwarded_for: bool,
}

/// Follow-ups (a flow step's `follow_up`): how often each instance looks for due ones.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FollowUpsConfig {
    /// How often due follow-ups are looked for (ms): a follow-up goes at most this late.
    pub poll_ms: u64,
}

impl Default for FollowUpsConfig {
    fn default() -> Self {
        FollowUpsConfig { poll_ms: 5_000 }
    }
}

impl FollowUpsConfig {
    /// The poll interval, at least 10 ms.
    pub fn poll(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.poll_ms.max(10))
    }
}

/// Broadcasts (docs/broadcasts.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BroadcastsConfig {
    /// Contacts a broadcast is queued to per second, per instance: well below what Meta lets a
    /// Page send, so a broadcast never crowds out answers to people who write.
    pub rate: u32,
}

impl Default for BroadcastsConfig {
    fn default() -> Self {
        BroadcastsConfig { rate: 20 }
    }
}

/// The live inbox: when a person is in, and when a conversation goes back to the bot.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InboxConfig {
    /// When the team answers, like `mon-fri 09:00-17:30, sat 10:00-13:00` in the business time
    /// zone; a contact asking for a person is told when one will answer. Empty: "as soon as
    /// possible", always.
    pub hours: String,
    /// A taken conversation goes back to the bot after this long without a word from its
    /// operator: `1h`, `30m`, `90s`.
    pub release_after: String,
    /// The team whose operators see new requests for a person (default: `team.default_team`).
    pub team: String,
}

impl Default for InboxConfig {
    fn default() -> Self {
        InboxConfig { hours: String::new(), release_after: "1h".into(), team: String::new() }
    }
}

impl InboxConfig {
    /// The opening hours, when set.
    pub fn opening_hours(&self) -> Result<Option<statbot_core::hours::OpeningHours>, ConfigError> {
        if self.hours.trim().is_empty() {
            return Ok(None);
        }
        statbot_core::hours::OpeningHours::parse(&self.hours)
            .map(Some)
            .map_err(|e| ConfigError::Invalid { key: "inbox.hours", message: e.to_string() })
    }

    /// How long an operator's silence lasts before the bot takes the conversation back.
    pub fn release_after(&self) -> Result<std::time::Duration, ConfigError> {
        positive_duration("inbox.release_after", &self.release_after)
    }
}

/// Where and how `GET /metrics` is served (see `docs/metrics.md`). With neither set it is off
/// (404); with `token` the main listener serves it to `Authorization: Bearer <token>`; with
/// `addr` a second listener serves it alone, without a token (bind it to a private address).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// The bearer token scrapers send to `/metrics` on the main address; secret.
    pub token: Secret,
    /// A separate address serving only `/metrics`, without a token.
    pub addr: Option<SocketAddr>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info,statbot=debug`.
    pub filter: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: DatabaseUrl("sqlite://statbot.db".into()),
            database_max_connections: 16,
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: "http://127.0.0.1:8080".into(),
            flows_dir: None,
            default_flow: None,
            demo: false,
            intents_file: None,
            chart_link_ttl_secs: 7 * 24 * 3600,
            shutdown_timeout: "30s".into(),
            time_zone: None,
            messenger: MessengerConfig::default(),
            outbox: OutboxConfig::default(),
            auth: AuthConfig::default(),
            funnels: FunnelsConfig::default(),
            team: TeamConfig::default(),
            stripe: StripeConfig::default(),
            shop: ShopConfig::default(),
            limits: LimitsConfig::default(),
            inbox: InboxConfig::default(),
            follow_ups: FollowUpsConfig::default(),
            broadcasts: BroadcastsConfig::default(),
            log: LogConfig::default(),
            metrics: MetricsConfig::default(),
            page: None,
        }
    }
}

impl Default for MessengerConfig {
    fn default() -> Self {
        MessengerConfig {
            verify_token: Secret::default(),
            app_secret: Secret::default(),
            page_token: Secret::default(),
            graph_url: "https://graph.facebook.com/v21.0".into(),
            send_timeout_secs: 10,
            page_id: String::new(),
            page_username: String::new(),
            instagram_account_id: String::new(),
        }
    }
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            max_attempts: 12,
            base_backoff_ms: 500,
            max_backoff_ms: 300_000,
            concurrency: 32,
            rate_limit_backoff_ms: 60_000,
        }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig { jwt_secret: Secret::default(), token_ttl_secs: 12 * 3600, max_failed_logins: 3, lockout_secs: 900 }
    }
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            logins_per_ip: 30,
            signups_per_ip: 10,
            link_codes_per_account: 10,
            chat_visitors_per_ip: 30,
            chat_messages_per_visitor: 30,
            chat_messages_per_ip: 120,
            orders_per_account: 20,
            orders_per_ip: 60,
            declined_cards_per_account: 5,
            declined_cards_per_ip: 10,
            test_payment_methods_per_ip: 60,
            trust_forwarded_for: false,
        }
    }
}

impl Default for FunnelsConfig {
    fn default() -> Self {
        FunnelsConfig {
            window_days: statbot_core::funnel::Rules::DEFAULT_WINDOW_DAYS,
            min_sample_per_variant: crate::funnels::DEFAULT_MIN_SAMPLE,
            time_zone: None,
        }
    }
}

impl Default for TeamConfig {
    fn default() -> Self {
        TeamConfig { default_team: "Support".into(), allowed_email_domains: Vec::new(), exports_dir: "exports".into() }
    }
}

impl Default for StripeConfig {
    fn default() -> Self {
        StripeConfig {
            secret_key: Secret::default(),
            api_base: "https://api.stripe.com".into(),
            sync_interval_secs: 300,
            timeout_secs: 30,
            max_mirror_age_secs: 1800,
            live_timeout_secs: 10,
            webhook_secret: Secret::default(),
            webhook_tolerance_secs: 300,
            publishable_key: String::new(),
        }
    }
}

impl Default for ShopConfig {
    fn default() -> Self {
        ShopConfig { reconcile_after_secs: 300, reconcile_interval_secs: 60, charge_attempts: 3 }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig { format: "text".into(), filter: "info".into() }
    }
}

type Setter = fn(&mut Config, &str) -> Result<(), String>;

/// Every environment variable statbot reads, with what it sets.
const ENV_VARS: &[(&str, Setter)] = &[
    ("STATBOT_DATABASE_URL", |c, v| set_string(&mut c.database_url.0, v)),
    ("STATBOT_DATABASE_MAX_CONNECTIONS", |c, v| set_parsed(&mut c.database_max_connections, v)),
    ("STATBOT_ADDR", |c, v| set_parsed(&mut c.addr, v)),
    ("STATBOT_PUBLIC_URL", |c, v| set_string(&mut c.public_url, v)),
    ("STATBOT_FLOWS_DIR", |c, v| {
        c.flows_dir = Some(v.into());
        Ok(())
    }),
    ("STATBOT_DEFAULT_FLOW", |c, v| {
        c.default_flow = Some(v.into());
        Ok(())
    }),
    ("STATBOT_DEMO", |c, v| set_parsed(&mut c.demo, v)),
    ("STATBOT_INTENTS_FILE", |c, v| {
        c.intents_file = Some(v.into());
        Ok(())
    }),
    ("STATBOT_CHART_LINK_TTL_SECS", |c, v| set_parsed(&mut c.chart_link_ttl_secs, v)),
    ("STATBOT_SHUTDOWN_TIMEOUT", |c, v| set_string(&mut c.shutdown_timeout, v)),
    ("STATBOT_TIME_ZONE", |c, v| {
        c.time_zone = Some(v.trim().to_owned());
        Ok(())
    }),
    ("STATBOT_MESSENGER_VERIFY_TOKEN", |c, v| set_secret(&mut c.messenger.verify_token, v)),
    ("STATBOT_MESSENGER_APP_SECRET", |c, v| set_secret(&mut c.messenger.app_secret, v)),
    ("STATBOT_MESSENGER_PAGE_TOKEN", |c, v| set_secret(&mut c.messenger.page_token, v)),
    ("STATBOT_MESSENGER_GRAPH_URL", |c, v| set_string(&mut c.messenger.graph_url, v)),
    ("STATBOT_MESSENGER_SEND_TIMEOUT_SECS", |c, v| set_parsed(&mut c.messenger.send_timeout_secs, v)),
    ("STATBOT_MESSENGER_PAGE_ID", |c, v| set_string(&mut c.messenger.page_id, v)),
    ("STATBOT_MESSENGER_PAGE_USERNAME", |c, v| set_string(&mut c.messenger.page_username, v)),
    ("STATBOT_INSTAGRAM_ACCOUNT_ID", |c, v| set_string(&mut c.messenger.instagram_account_id, v)),
    ("STATBOT_OUTBOX_MAX_ATTEMPTS", |c, v| set_parsed(&mut c.outbox.max_attempts, v)),
    ("STATBOT_OUTBOX_BASE_BACKOFF_MS", |c, v| set_parsed(&mut c.outbox.base_backoff_ms, v)),
    ("STATBOT_OUTBOX_MAX_BACKOFF_MS", |c, v| set_parsed(&mut c.outbox.max_backoff_ms, v)),
    ("STATBOT_OUTBOX_CONCURRENCY", |c, v| set_parsed(&mut c.outbox.concurrency, v)),
    ("STATBOT_OUTBOX_RATE_LIMIT_BACKOFF_MS", |c, v| set_parsed(&mut c.outbox.rate_limit_backoff_ms, v)),
    ("STATBOT_JWT_SECRET", |c, v| set_secret(&mut c.auth.jwt_secret, v)),
    ("STATBOT_AUTH_TOKEN_TTL_SECS", |c, v| set_parsed(&mut c.auth.token_ttl_secs, v)),
    ("STATBOT_AUTH_MAX_FAILED_LOGINS", |c, v| set_parsed(&mut c.auth.max_failed_logins, v)),
    ("STATBOT_AUTH_LOCKOUT_SECS", |c, v| set_parsed(&mut c.auth.lockout_secs, v)),
    ("STATBOT_FUNNELS_WINDOW_DAYS", |c, v| set_parsed(&mut c.funnels.window_days, v)),
    ("STATBOT_FUNNELS_MIN_SAMPLE_PER_VARIANT", |c, v| set_parsed(&mut c.funnels.min_sample_per_variant, v)),
    ("STATBOT_FUNNELS_TIME_ZONE", |c, v| {
        c.funnels.time_zone = Some(v.trim().to_owned());
        Ok(())
    }),
    ("STATBOT_TEAM_DEFAULT_TEAM", |c, v| set_string(&mut c.team.default_team, v)),
    ("STATBOT_TEAM_ALLOWED_EMAIL_DOMAINS", |c, v| {
        c.team.allowed_email_domains =
            v.split(',').map(|d| d.trim().to_ascii_lowercase()).filter(|d| !d.is_empty()).collect();
        Ok(())
    }),
    ("STATBOT_TEAM_EXPORTS_DIR", |c, v| {
        c.team.exports_dir = v.into();
        Ok(())
    }),
    ("STATBOT_STRIPE_SECRET_KEY", |c, v| set_secret(&mut c.stripe.secret_key, v)),
    ("STATBOT_STRIPE_API_BASE", |c, v| set_string(&mut c.stripe.api_base, v)),
    ("STATBOT_STRIPE_SYNC_INTERVAL_SECS", |c, v| set_parsed(&mut c.stripe.sync_interval_secs, v)),
    ("STATBOT_STRIPE_TIMEOUT_SECS", |c, v| set_parsed(&mut c.stripe.timeout_secs, v)),
    ("STATBOT_STRIPE_MAX_MIRROR_AGE_SECS", |c, v| set_parsed(&mut c.stripe.max_mirror_age_secs, v)),
    ("STATBOT_STRIPE_LIVE_TIMEOUT_SECS", |c, v| set_parsed(&mut c.stripe.live_timeout_secs, v)),
    ("STATBOT_STRIPE_WEBHOOK_SECRET", |c, v| set_secret(&mut c.stripe.webhook_secret, v)),
    ("STATBOT_STRIPE_WEBHOOK_TOLERANCE_SECS", |c, v| set_parsed(&mut c.stripe.webhook_tolerance_secs, v)),
    ("STATBOT_STRIPE_PUBLISHABLE_KEY", |c, v| set_string(&mut c.stripe.publishable_key, v)),
    ("STATBOT_SHOP_RECONCILE_AFTER_SECS", |c, v| set_parsed(&mut c.shop.reconcile_after_secs, v)),
    ("STATBOT_SHOP_RECONCILE_INTERVAL_SECS", |c, v| set_parsed(&mut c.shop.reconcile_interval_secs, v)),
    ("STATBOT_SHOP_CHARGE_ATTEMPTS", |c, v| set_parsed(&mut c.shop.charge_attempts, v)),
    ("STATBOT_LIMITS_LOGINS_PER_IP", |c, v| set_parsed(&mut c.limits.logins_per_ip, v)),
    ("STATBOT_LIMITS_SIGNUPS_PER_IP", |c, v| set_parsed(&mut c.limits.signups_per_ip, v)),
    ("STATBOT_LIMITS_LINK_CODES_PER_ACCOUNT", |c, v| set_parsed(&mut c.limits.link_codes_per_account, v)),
    ("STATBOT_LIMITS_CHAT_VISITORS_PER_IP", |c, v| set_parsed(&mut c.limits.chat_visitors_per_ip, v)),
    ("STATBOT_LIMITS_CHAT_MESSAGES_PER_VISITOR", |c, v| set_parsed(&mut c.limits.chat_messages_per_visitor, v)),
    ("STATBOT_LIMITS_CHAT_MESSAGES_PER_IP", |c, v| set_parsed(&mut c.limits.chat_messages_per_ip, v)),
    ("STATBOT_LIMITS_ORDERS_PER_ACCOUNT", |c, v| set_parsed(&mut c.limits.orders_per_account, v)),
    ("STATBOT_LIMITS_ORDERS_PER_IP", |c, v| set_parsed(&mut c.limits.orders_per_ip, v)),
    ("STATBOT_LIMITS_DECLINED_CARDS_PER_ACCOUNT", |c, v| set_parsed(&mut c.limits.declined_cards_per_account, v)),
    ("STATBOT_LIMITS_DECLINED_CARDS_PER_IP", |c, v| set_parsed(&mut c.limits.declined_cards_per_ip, v)),
    ("STATBOT_LIMITS_TEST_PAYMENT_METHODS_PER_IP", |c, v| set_parsed(&mut c.limits.test_payment_methods_per_ip, v)),
    ("STATBOT_LIMITS_TRUST_FORWARDED_FOR", |c, v| set_parsed(&mut c.limits.trust_forwarded_for, v)),
    ("STATBOT_INBOX_HOURS", |c, v| set_string(&mut c.inbox.hours, v)),
    ("STATBOT_INBOX_RELEASE_AFTER", |c, v| set_string(&mut c.inbox.release_after, v)),
    ("STATBOT_INBOX_TEAM", |c, v| set_string(&mut c.inbox.team, v)),
    ("STATBOT_FOLLOW_UPS_POLL_MS", |c, v| set_parsed(&mut c.follow_ups.poll_ms, v)),
    ("STATBOT_BROADCASTS_RATE", |c, v| set_parsed(&mut c.broadcasts.rate, v)),
    ("STATBOT_METRICS_TOKEN", |c, v| set_secret(&mut c.metrics.token, v)),
    ("STATBOT_METRICS_ADDR", |c, v| {
        c.metrics.addr = if v.trim().is_empty() { None } else { Some(v.trim().parse().map_err(|e| format!("{e}"))?) };
        Ok(())
    }),
    ("STATBOT_LOG_FORMAT", |c, v| set_string(&mut c.log.format, v)),
    ("STATBOT_LOG", |c, v| set_string(&mut c.log.filter, v)),
];

/// Variables that are not configuration but are read elsewhere (tests, the config path).
const OTHER_VARS: &[&str] = &[
    "STATBOT_CONFIG",
    "STATBOT_TEST_BACKEND",
    "STATBOT_TEST_POSTGRES_URL",
    "STATBOT_TEST_DATABASE_PREFIX",
    // The browser tests': the server they test, and the binary they run.
    "STATBOT_URL",
    "STATBOT_BIN",
];

fn set_string(field: &mut String, value: &str) -> Result<(), String> {
    *field = value.to_owned();
    Ok(())
}

fn set_secret(field: &mut Secret, value: &str) -> Result<(), String> {
    *field = Secret::new(value);
    Ok(())
}

fn set_parsed<T: std::str::FromStr>(field: &mut T, value: &str) -> Result<(), String>
where
    T::Err: fmt::Display,
{
    *field = value.trim().parse().map_err(|e: T::Err| e.to_string())?;
    Ok(())
}

/// A duration written like `1h`, `30m` or `90s`, longer than nothing, for the setting `key`.
fn positive_duration(key: &'static str, value: &str) -> Result<std::time::Duration, ConfigError> {
    let invalid = |message: String| ConfigError::Invalid { key, message };
    let span: jiff::SignedDuration =
        value.trim().parse().map_err(|_| invalid(format!("`{value}` is not a duration like 1h, 30m or 90s")))?;
    std::time::Duration::try_from(span)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| invalid(format!("`{value}` must be longer than nothing")))
}

/// `PORT`: a TCP port from 1 to 65535.
fn parse_port(value: &str) -> Result<u16, String> {
    match value.trim().parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err("PORT must be a TCP port number from 1 to 65535 (or set STATBOT_ADDR instead)".into()),
    }
}

impl Config {
    /// Loads the file (when `path` is given it must exist; otherwise `statbot.toml` is read if
    /// present), applies the environment and checks the time zone. Returns what is worth a
    /// warning (unknown `STATBOT_*` variables, deprecated names) so the caller can log it once
    /// logging is set up.
    pub fn load(path: Option<&Path>) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
        let mut config = match path {
            Some(path) => Self::from_file(path)?,
            None if Path::new("statbot.toml").exists() => Self::from_file(Path::new("statbot.toml"))?,
            None => Config::default(),
        };
        let mut warnings: Vec<ConfigWarning> =
            config.apply_env(std::env::vars())?.into_iter().map(ConfigWarning::UnknownVariable).collect();
        config.check()?;
        warnings.extend(config.deprecations());
        Ok((config, warnings))
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let display = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: display.clone(), source })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse { path: display, message: e.to_string() })
    }

    /// Applies `STATBOT_*` variables, and `PORT` (the PaaS convention: listen on `0.0.0.0:$PORT`)
    /// when `STATBOT_ADDR` is unset; returns the unknown `STATBOT_*` ones.
    pub fn apply_env(&mut self, vars: impl IntoIterator<Item = (String, String)>) -> Result<Vec<String>, ConfigError> {
        let mut unknown = Vec::new();
        let mut addr_set = false;
        let mut port = None;
        for (var, value) in vars {
            if var == "PORT" {
                port = Some(value);
                continue;
            }
            if !var.starts_with("STATBOT_") {
                continue;
            }
            addr_set |= var == "STATBOT_ADDR";
            match ENV_VARS.iter().find(|(name, _)| *name == var) {
                Some((_, set)) => set(self, &value).map_err(|message| ConfigError::Env {
                    value: if var.contains("SECRET") || var.contains("TOKEN") || var.contains("KEY") {
                        "[redacted]".into()
                    } else {
                        value
                    },
                    var,
                    message,
                })?,
                None if OTHER_VARS.contains(&var.as_str()) => {}
                None => unknown.push(var),
            }
        }
        if let (false, Some(value)) = (addr_set, port) {
            self.addr = SocketAddr::from((
                [0, 0, 0, 0],
                parse_port(&value).map_err(|message| ConfigError::Env { var: "PORT".into(), value, message })?,
            ));
        }
        Ok(unknown)
    }

    /// Whether the Messenger channel is configured (all three secrets set).
    pub fn messenger_enabled(&self) -> bool {
        let m = &self.messenger;
        m.verify_token.is_set() && m.app_secret.is_set() && m.page_token.is_set()
    }

    pub fn send_timeout(&self) -> Duration {
        Duration::from_secs(self.messenger.send_timeout_secs)
    }

    /// The business time zone's name: `time_zone`, else the deprecated `funnels.time_zone`,
    /// else `UTC`.
    pub fn time_zone(&self) -> &str {
        self.time_zone.as_deref().or(self.funnels.time_zone.as_deref()).unwrap_or("UTC")
    }

    /// The business time zone, whose days every report counts in.
    pub fn zone(&self) -> Result<jiff::tz::TimeZone, ConfigError> {
        let name = self.time_zone();
        jiff::tz::TimeZone::get(name).map_err(|_| ConfigError::TimeZone(name.to_owned()))
    }

    /// How long a stop may take (`shutdown_timeout`).
    pub fn shutdown_timeout(&self) -> Result<std::time::Duration, ConfigError> {
        positive_duration("shutdown_timeout", &self.shutdown_timeout)
    }

    /// What the types cannot say: a known time zone, a long enough token-signing secret.
    pub fn check(&self) -> Result<(), ConfigError> {
        self.zone()?;
        self.inbox.opening_hours()?;
        self.inbox.release_after()?;
        self.shutdown_timeout()?;
        let secret = self.auth.jwt_secret.expose().len();
        if self.auth.jwt_secret.is_set() && secret < MIN_JWT_SECRET_BYTES {
            return Err(ConfigError::ShortJwtSecret(secret));
        }
        Ok(())
    }

    /// The old names in use.
    pub fn deprecations(&self) -> Vec<ConfigWarning> {
        let mut found = Vec::new();
        if self.funnels.time_zone.is_some() {
            found.push(ConfigWarning::Deprecated {
                old: "funnels.time_zone (STATBOT_FUNNELS_TIME_ZONE)",
                new: "time_zone (STATBOT_TIME_ZONE)",
            });
        }
        found
    }

    /// The public base URL without a trailing slash.
    pub fn public_base(&self) -> &str {
        self.public_url.trim_end_matches('/')
    }
}

/// A commented example configuration, printed by `statbot config default`.
pub const EXAMPLE: &str = include_str!("../statbot.example.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn environment_wins_and_unknown_variables_are_reported() {
        let mut config = Config::default();
        let unknown = config
            .apply_env(env(&[
                ("STATBOT_ADDR", "0.0.0.0:9000"),
                ("STATBOT_MESSENGER_PAGE_TOKEN", "123"),
                ("STATBOT_TYPO", "x"),
                ("HOME", "/root"),
            ]))
            .unwrap();
        assert_eq!(config.addr.port(), 9000);
        assert_eq!(config.messenger.page_token.expose(), "123");
        assert_eq!(unknown, ["STATBOT_TYPO"]);
    }

    #[test]
    fn port_listens_on_all_interfaces_unless_statbot_addr_is_set() {
        let mut config = Config::default();
        config.apply_env(env(&[("PORT", "5000")])).unwrap();
        assert_eq!(config.addr, SocketAddr::from(([0, 0, 0, 0], 5000)));

        let mut config = Config::default();
        config.apply_env(env(&[("PORT", "5000"), ("STATBOT_ADDR", "127.0.0.1:9000")])).unwrap();
        assert_eq!(config.addr, SocketAddr::from(([127, 0, 0, 1], 9000)));

        let mut config = Config::default();
        config.apply_env(env(&[])).unwrap();
        assert_eq!(config.addr, SocketAddr::from(([127, 0, 0, 1], 8080)));

        for bad in ["http", "0", "70000", ""] {
            let err = Config::default().apply_env(env(&[("PORT", bad)])).unwrap_err();
            let text = err.to_string();
            assert!(text.starts_with(&format!("PORT={bad:?} is not valid: PORT must be a TCP port")), "{text}");
        }
    }

    #[test]
    fn bad_values_name_the_variable_and_hide_secrets() {
        let err = Config::default().apply_env(env(&[("STATBOT_ADDR", "nowhere")])).unwrap_err();
        assert!(err.to_string().starts_with("STATBOT_ADDR=\"nowhere\" is not valid"), "{err}");
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let mut config = Config::default();
        config.messenger.app_secret = Secret::new("hunter2");
        assert!(!format!("{config:?}").contains("hunter2"));
    }

    #[test]
    fn inbox_settings_are_checked_at_start_up() {
        let mut config = Config::default();
        assert_eq!(config.inbox.release_after().unwrap(), std::time::Duration::from_secs(3600));
        assert!(config.inbox.opening_hours().unwrap().is_none());
        config
            .apply_env(env(&[("STATBOT_INBOX_RELEASE_AFTER", "90s"), ("STATBOT_INBOX_HOURS", "mon-fri 09:00-17:00")]))
            .unwrap();
        assert_eq!(config.inbox.release_after().unwrap(), std::time::Duration::from_secs(90));
        assert!(config.check().is_ok());
        config.inbox.release_after = "soon".into();
        assert!(config.check().unwrap_err().to_string().contains("inbox.release_after: `soon` is not a duration"));
        config.inbox.release_after = "1h".into();
        config.inbox.hours = "weekdays 9-5".into();
        assert!(config.check().unwrap_err().to_string().starts_with("inbox.hours: opening hours `weekdays 9-5`"));
    }

    #[test]
    fn the_example_file_parses() {
        let config: Config = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(config.addr.port(), 8080);
    }

    #[test]
    fn the_example_states_the_default_limits_and_each_limit_has_its_variable() {
        let example: Config = toml::from_str(EXAMPLE).unwrap();
        assert_eq!(format!("{:?}", example.limits), format!("{:?}", LimitsConfig::default()));
        let mut config = Config::default();
        let unknown = config
            .apply_env(env(&[
                ("STATBOT_LIMITS_DECLINED_CARDS_PER_IP", "3"),
                ("STATBOT_LIMITS_TRUST_FORWARDED_FOR", "true"),
            ]))
            .unwrap();
        assert!(unknown.is_empty());
        assert_eq!((config.limits.declined_cards_per_ip, config.limits.trust_forwarded_for), (3, true));
    }

    #[test]
    fn the_business_time_zone_takes_the_old_name_with_a_warning() {
        let mut config = Config::default();
        assert_eq!(config.time_zone(), "UTC");
        assert!(config.deprecations().is_empty());

        config.apply_env(env(&[("STATBOT_FUNNELS_TIME_ZONE", "Europe/Paris")])).unwrap();
        assert_eq!(config.time_zone(), "Europe/Paris");
        let warning = config.deprecations().pop().unwrap().to_string();
        assert_eq!(
            warning,
            "funnels.time_zone (STATBOT_FUNNELS_TIME_ZONE) is deprecated: use time_zone (STATBOT_TIME_ZONE) instead"
        );

        config.apply_env(env(&[("STATBOT_TIME_ZONE", "America/Denver")])).unwrap();
        assert_eq!(config.time_zone(), "America/Denver", "the new name wins");
        let from_file: Config = toml::from_str("[funnels]\ntime_zone = \"Asia/Tokyo\"").unwrap();
        assert_eq!(from_file.time_zone(), "Asia/Tokyo");
    }

    #[test]
    fn an_unknown_time_zone_is_said_in_a_sentence() {
        let config = Config { time_zone: Some("Mars/Olympus".into()), ..Config::default() };
        let err = config.zone().unwrap_err().to_string();
        assert_eq!(
            err,
            "time_zone `Mars/Olympus` is not a time zone statbot knows (use an IANA name such as Europe/Paris)"
        );
    }

    #[test]
    fn a_short_token_secret_is_refused_and_the_database_password_never_shows() {
        let mut config = Config::default();
        config.apply_env(env(&[("STATBOT_JWT_SECRET", "hunter2")])).unwrap();
        let err = config.check().unwrap_err().to_string();
        assert!(err.starts_with("auth.jwt_secret (STATBOT_JWT_SECRET) is 7 bytes long; use at least 32"), "{err}");
        config.apply_env(env(&[("STATBOT_JWT_SECRET", &"k".repeat(32))])).unwrap();
        config.check().unwrap();

        config.apply_env(env(&[("STATBOT_DATABASE_URL", "postgres://statbot:s3cr3t@db:5432/statbot")])).unwrap();
        let debug = format!("{config:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("postgres://statbot:[redacted]@db:5432/statbot"), "{debug}");
        assert_eq!(&*config.database_url, "postgres://statbot:s3cr3t@db:5432/statbot");
        let sqlite = DatabaseUrl("sqlite://statbot.db".into());
        assert_eq!(format!("{sqlite:?}"), "\"sqlite://statbot.db\"");
    }
}
