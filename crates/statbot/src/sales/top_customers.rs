//! The top customers of a range by net revenue, from the customer spend rollups. A week or less
//! sums its customer days. A longer range is cut into calendar spans
//! (`statbot_core::sales::spans`) and answered with a threshold search: the customers with the
//! most gross in each span covering the range are the candidates, their exact net over the
//! range is summed, and the answer stands once the last of the top has more net than any other
//! customer could (a customer's net is at most their gross, which is at most the sum of the
//! spans' cut-off grosses). When the search does not settle, every customer's spans are summed:
//! the answer is always exact. The SQL is the store's (`store/sales_top_customers.rs`).

use crate::store::{CustomerSpend, CustomerTotal, SpanLeader, Store, StoreError};
use statbot_core::sales::rollup::DayNumber;
use statbot_core::sales::spans::{self, Span, SpanSplit};
use std::collections::{HashMap, HashSet};

/// Ranges up to this many days sum their customer days.
const DIRECT_DAYS: DayNumber = 7;
/// Candidates taken from each span at first; the search goes four times deeper each round.
const FIRST_DEPTH: usize = 32;
/// Deepest search before summing every customer.
const MAX_DEPTH: usize = 2048;

/// The customers with the most net revenue in `currency` over the days, best first.
pub async fn top_customers(
    store: &Store,
    from: DayNumber,
    to: DayNumber,
    currency: &str,
    limit: usize,
) -> Result<Vec<CustomerSpend>, StoreError> {
    let ranked = if limit == 0 || from > to {
        Vec::new()
    } else if to - from < DIRECT_DAYS {
        let days = SpanSplit { days: vec![(from, to)], spans: Vec::new() };
        store.sales_top_spenders(&days, currency, limit).await?
    } else {
        let split = spans::split(from, to);
        match threshold_search(store, &split, &spans::covering(from, to), currency, limit).await? {
            Some(ranked) => ranked,
            None => store.sales_top_spenders(&split, currency, limit).await?,
        }
    };
    store.sales_named(ranked).await
}

/// The threshold search (see the module's documentation), or `None` when it does not settle
/// within [`MAX_DEPTH`].
async fn threshold_search(
    store: &Store,
    split: &SpanSplit,
    cover: &[Span],
    currency: &str,
    limit: usize,
) -> Result<Option<Vec<CustomerTotal>>, StoreError> {
    let mut depth = FIRST_DEPTH.max(limit * 4);
    // Candidates already summed (a deeper round keeps them), and the sums that are not zero.
    let mut summed: HashSet<String> = HashSet::new();
    let mut spends: Vec<CustomerTotal> = Vec::new();
    while depth <= MAX_DEPTH {
        let leaders = store.sales_span_leaders(cover, currency, depth).await?;
        let round = Round::of(&leaders, depth);
        let mut fresh: Vec<String> = round.candidates.into_iter().filter(|c| !summed.contains(c)).collect();
        fresh.sort_unstable();
        spends.extend(store.sales_spend_of(split, currency, &fresh).await?);
        summed.extend(fresh);
        let top = rank(spends.clone(), limit);
        if top.len() == limit && top.last().is_some_and(|(_, spend)| spend.net() > round.bound) {
            return Ok(Some(top));
        }
        if round.exhausted {
            // Every span read to its end and still unsettled (fewer customers with positive net
            // than asked for): only summing everyone orders the rest.
            return Ok(None);
        }
        depth *= 4;
    }
    Ok(None)
}

/// What one round of span leaders tells.
struct Round {
    /// Every customer among the leaders.
    candidates: HashSet<String>,
    /// The most gross a customer outside every list can have over the cover, and so the most
    /// net over the range: the least gross of each full list, summed (an exhausted list leaves
    /// such a customer nothing from its span).
    bound: i64,
    /// Whether every span was read to its end.
    exhausted: bool,
}

impl Round {
    fn of(leaders: &[SpanLeader], depth: usize) -> Round {
        // Per span: how many rows came back and the least gross among them.
        let mut seen: HashMap<usize, (usize, i64)> = HashMap::new();
        let mut candidates = HashSet::new();
        for leader in leaders {
            let list = seen.entry(leader.span).or_insert((0, i64::MAX));
            *list = (list.0 + 1, list.1.min(leader.gross));
            candidates.insert(leader.customer.clone());
        }
        let bound = seen.values().filter(|(count, _)| *count == depth).map(|(_, least)| (*least).max(0)).sum();
        let exhausted = seen.values().all(|(count, _)| *count < depth);
        Round { candidates, bound, exhausted }
    }
}

/// Best first: most net, then customer id.
fn rank(mut spends: Vec<CustomerTotal>, limit: usize) -> Vec<CustomerTotal> {
    spends.sort_by(|a, b| b.1.net().cmp(&a.1.net()).then_with(|| a.0.cmp(&b.0)));
    spends.truncate(limit);
    spends
}

#[cfg(test)]
mod tests {
    use super::*;
    use statbot_core::sales::rollup::Spend;

    #[test]
    fn ranking_is_by_net_then_customer() {
        let spend = |gross, refunded| Spend { gross, refunded, payments: 1 };
        let ranked =
            rank(vec![("b".into(), spend(500, 0)), ("a".into(), spend(700, 200)), ("c".into(), spend(900, 0))], 2);
        assert_eq!(ranked, vec![("c".into(), spend(900, 0)), ("a".into(), spend(700, 200))]);
    }

    #[test]
    fn the_bound_counts_only_full_lists() {
        let leader = |span, customer: &str, gross| SpanLeader { span, customer: customer.into(), gross };
        // Span 0 filled its two places (least 300); span 1 ran out after one customer.
        let round = Round::of(&[leader(0, "a", 500), leader(0, "b", 300), leader(1, "a", 900)], 2);
        assert_eq!(round.bound, 300);
        assert!(!round.exhausted);
        assert_eq!(round.candidates.len(), 2);
        let short = Round::of(&[leader(0, "a", 500)], 2);
        assert_eq!(short.bound, 0);
        assert!(short.exhausted);
    }
}
