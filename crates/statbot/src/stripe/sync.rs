//! The incremental sync: customers, products, charges and refunds, each list walked with
//! `limit`/`starting_after` (the only paging every Stripe-compatible server supports; localstripe
//! ignores `ending_before` and `created[...]`), each page written with the list's progress in one
//! transaction.
//!
//! Each list keeps a cursor ([`StripeSyncState`]): its order once seen (the real Stripe lists
//! newest first; localstripe lists oldest first), its first object (`head`, the high-water mark)
//! and its last (`tail`). New objects appear at the head of a newest-first list and at the tail
//! of an oldest-first one, so a sync walks from the head until it meets the previous head, or
//! from the tail to the end. With nothing new, that is one request per list: the head's first
//! object is the high-water mark, or the page after the tail is empty.
//!
//! While a list's order is unknown (every object made in the same second, as localstripe's are
//! in a burst; and a server may order its lists differently: localstripe lists refunds newest
//! first and the rest oldest first), a list that fits in one page is read whole in one request,
//! and what is new is what lies before the previous head or after the previous tail; a longer
//! list is walked from both ends.
//!
//! Resuming: a walk from the head saves, with each page, its first object and the last object
//! written; a walk from the tail moves the tail with each page. A killed sync therefore resumes
//! where it stopped, and the mirror always holds whole pages.
//!
//! The whole sync with nothing new is one request where the server has Stripe's events feed
//! ([`super::feed`]): an empty page of events newer than the last sync's means no list changed.
//! Without it (localstripe) each list costs its one request.
//!
//! Changes to old objects: refunds are listed with their charge expanded, so a refund found on
//! an old charge brings that charge's `amount_refunded` and `refunded` up to date in the same
//! transaction; charges the events feed names as changed (disputes, captures, updates) are
//! fetched again. `--full` re-reads every list from its head (upserts), and resumes as a full
//! walk.

use super::client::{StripeClient, StripeError};
use super::feed::{self, Gate};
use super::types::{Charge, Customer, ListPage, Product, Refund};
use crate::store::{Store, StoreError, StripePage, StripeSyncState};
use std::time::{Duration, Instant};

const NEWEST_FIRST: &str = "newest_first";
const OLDEST_FIRST: &str = "oldest_first";

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Stripe(#[from] StripeError),
    #[error("cannot write the Stripe mirror: {0}")]
    Store(#[from] StoreError),
}

/// The lists the mirror holds, in the order a sync reads them (refunds last, so their charges
/// are brought up to date after the charges list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectList {
    Customers,
    Products,
    Charges,
    Refunds,
}

impl ObjectList {
    pub const ALL: [ObjectList; 4] =
        [ObjectList::Customers, ObjectList::Products, ObjectList::Charges, ObjectList::Refunds];

    pub fn name(self) -> &'static str {
        match self {
            ObjectList::Customers => "customers",
            ObjectList::Products => "products",
            ObjectList::Charges => "charges",
            ObjectList::Refunds => "refunds",
        }
    }

    fn path(self) -> &'static str {
        match self {
            ObjectList::Customers => "/v1/customers",
            ObjectList::Products => "/v1/products",
            ObjectList::Charges => "/v1/charges",
            ObjectList::Refunds => "/v1/refunds",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Re-read every list from its head, not only what is new.
    pub full: bool,
    /// Objects per request (Stripe allows 1 to 100).
    pub page_size: u32,
    /// The business's time zone, in which the daily rollups are kept.
    pub zone: jiff::tz::TimeZone,
}

impl Default for SyncOptions {
    fn default() -> Self {
        SyncOptions { full: false, page_size: 100, zone: jiff::tz::TimeZone::UTC }
    }
}

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Objects written per list, in [`ObjectList::ALL`]'s order (charges brought up to date
    /// through their refunds are not counted).
    pub written: [u64; 4],
    /// Old charges fetched again because the events feed said they changed.
    pub refreshed: u64,
    /// API requests sent, retries included.
    pub requests: u64,
    pub elapsed: Duration,
}

impl SyncReport {
    pub fn total(&self) -> u64 {
        self.written.iter().sum()
    }
}

/// One listed object: its place in the list and what it writes.
struct Item {
    id: String,
    created: i64,
    rows: StripePage,
}

struct Fetched {
    items: Vec<Item>,
    has_more: bool,
}

/// Called after each page with the list and the objects it wrote.
pub type Progress<'a> = &'a mut (dyn FnMut(ObjectList, u64) + Send);

/// Brings the mirror up to date with every list.
pub async fn sync(
    store: &Store,
    client: &StripeClient,
    options: &SyncOptions,
    progress: Progress<'_>,
) -> Result<SyncReport, SyncError> {
    let started = Instant::now();
    let requests_before = client.requests();
    let mut report = SyncReport::default();
    store.ensure_sales_rollups(&options.zone).await?;
    let gate = feed::gate(store, client, options.full).await?;
    if !matches!(gate, Gate::Unchanged) {
        for (i, list) in ObjectList::ALL.into_iter().enumerate() {
            report.written[i] = sync_list(store, client, list, options, progress).await?;
        }
    }
    if let Gate::Changed { mark, charges } = gate {
        report.refreshed = feed::finish(store, client, mark, &charges).await?;
    }
    super::codes::scan(store).await?;
    store.mark_stripe_synced().await?;
    report.requests = client.requests() - requests_before;
    report.elapsed = started.elapsed();
    Ok(report)
}

/// Brings one list up to date; returns the objects written.
pub async fn sync_list(
    store: &Store,
    client: &StripeClient,
    list: ObjectList,
    options: &SyncOptions,
    progress: Progress<'_>,
) -> Result<u64, SyncError> {
    let mut state = store.stripe_sync_state(list.name()).await?;
    if options.full {
        state.run_full = true;
    }
    let first_run = state.head_id.is_none() && state.tail_id.is_none();
    let mut written = 0;
    let mut reached_end = false;
    let resuming = state.run_after.is_some() && !state.run_full;
    let mut first_page = None;
    if state.list_order.is_none() && !first_run && !state.run_full && state.run_after.is_none() {
        let fetched = fetch(client, list, None, options.page_size).await?;
        if !fetched.has_more {
            let count = write_whole_list(store, fetched.items, &mut state).await?;
            progress(list, count);
            return Ok(count);
        }
        first_page = Some(fetched);
    }
    if state.run_full || first_run || state.run_after.is_some() || state.list_order.as_deref() != Some(OLDEST_FIRST) {
        let (count, end) = walk_from_head(store, client, list, options, &mut state, first_page, progress).await?;
        written += count;
        reached_end = end;
    }
    // A resumed walk ends at the head it started from: what arrived in front of that since is
    // read now rather than at the next sync.
    if resuming && state.list_order.as_deref() != Some(OLDEST_FIRST) {
        written += walk_from_head(store, client, list, options, &mut state, None, progress).await?.0;
    }
    if !reached_end && state.tail_id.is_some() && state.list_order.as_deref() != Some(NEWEST_FIRST) {
        written += walk_from_tail(store, client, list, options, &mut state, progress).await?;
    }
    Ok(written)
}

/// A list of unknown order read whole in one page: what lies before the previous head or after
/// the previous tail is new (all of it when either has gone), and tells the order. Writes the
/// new objects with the list's new ends; returns how many.
async fn write_whole_list(store: &Store, mut items: Vec<Item>, state: &mut StripeSyncState) -> Result<u64, SyncError> {
    let position = |id: &Option<String>| items.iter().position(|item| id.as_deref() == Some(item.id.as_str()));
    let new_ends = (items.first().map(|i| (i.id.clone(), i.created)), items.last().map(|i| i.id.clone()));
    if let (Some(head), Some(tail)) = (position(&state.head_id), position(&state.tail_id))
        && head <= tail
    {
        if head > 0 {
            state.list_order = Some(NEWEST_FIRST.to_owned());
        } else if tail + 1 < items.len() {
            state.list_order = Some(OLDEST_FIRST.to_owned());
        }
        items.drain(head..=tail);
    }
    if let (Some((head, head_created)), Some(tail)) = new_ends {
        state.head_id = Some(head);
        state.head_created = Some(head_created);
        state.tail_id = Some(tail);
    }
    let count = items.len() as u64;
    write(store, items, state).await?;
    Ok(count)
}

/// Walks from the head (or from where a killed walk stopped) until the previous head, or to the
/// end of the list on a first or full walk, starting with `first_page` when the head's page was
/// already read. Returns the objects written and whether the walk reached the end of the list.
async fn walk_from_head(
    store: &Store,
    client: &StripeClient,
    list: ObjectList,
    options: &SyncOptions,
    state: &mut StripeSyncState,
    mut first_page: Option<Fetched>,
    progress: Progress<'_>,
) -> Result<(u64, bool), SyncError> {
    let stop_id = if state.run_full { None } else { state.head_id.clone() };
    // Behind the previous head in a newest-first list, everything is older: stop there even
    // when that object has since been deleted.
    let stop_created = match (state.run_full, state.list_order.as_deref()) {
        (false, Some(NEWEST_FIRST)) => state.head_created,
        _ => None,
    };
    let mut after = state.run_after.clone();
    let mut previous_created = None;
    let mut written = 0;
    loop {
        let fetched = match first_page.take() {
            Some(page) => page,
            None => fetch(client, list, after.as_deref(), options.page_size).await?,
        };
        if state.list_order.is_none() {
            state.list_order = observe_order(previous_created, &fetched.items).map(str::to_owned);
        }
        previous_created = fetched.items.last().map(|i| i.created).or(previous_created);
        let mut items = fetched.items;
        let stop = items.iter().position(|item| {
            stop_id.as_deref() == Some(item.id.as_str()) || stop_created.is_some_and(|c| item.created < c)
        });
        if let Some(at) = stop {
            items.truncate(at);
        }
        if state.run_head.is_none()
            && let Some(first) = items.first()
        {
            state.run_head = Some(first.id.clone());
            state.run_head_created = Some(first.created);
        }
        let last = items.last().map(|i| i.id.clone());
        let at_end = stop.is_none() && (!fetched.has_more || items.is_empty());
        let done = stop.is_some() || at_end;
        if done {
            if let Some(head) = state.run_head.take() {
                state.head_id = Some(head);
                state.head_created = state.run_head_created.take();
            }
            if at_end {
                state.tail_id = last.clone().or(after.clone()).or(state.tail_id.take());
            }
            state.run_after = None;
            state.run_full = false;
        } else {
            state.run_after = last.clone();
        }
        let count = items.len() as u64;
        write(store, items, state).await?;
        progress(list, count);
        written += count;
        if done {
            return Ok((written, at_end));
        }
        after = last;
    }
}

/// Walks from the previous tail to the end of the list, moving the tail with each page.
async fn walk_from_tail(
    store: &Store,
    client: &StripeClient,
    list: ObjectList,
    options: &SyncOptions,
    state: &mut StripeSyncState,
    progress: Progress<'_>,
) -> Result<u64, SyncError> {
    let mut written = 0;
    let mut previous_created = None;
    loop {
        let fetched = fetch(client, list, state.tail_id.as_deref(), options.page_size).await?;
        if state.list_order.is_none() {
            state.list_order = observe_order(previous_created, &fetched.items).map(str::to_owned);
        }
        previous_created = fetched.items.last().map(|i| i.created).or(previous_created);
        let more = fetched.has_more && !fetched.items.is_empty();
        if let Some(last) = fetched.items.last() {
            state.tail_id = Some(last.id.clone());
        }
        let count = fetched.items.len() as u64;
        if count > 0 {
            write(store, fetched.items, state).await?;
        }
        progress(list, count);
        written += count;
        if !more {
            return Ok(written);
        }
    }
}

/// Writes a page's objects and the list's progress in one transaction.
async fn write(store: &Store, items: Vec<Item>, state: &StripeSyncState) -> Result<(), SyncError> {
    let page = StripePage { state: state.clone(), ..merged(items) };
    store.write_stripe_page(&page).await?;
    Ok(())
}

/// The list's order, from the creation times of consecutive objects, when two differ.
fn observe_order(previous: Option<i64>, items: &[Item]) -> Option<&'static str> {
    let mut last = previous;
    for item in items {
        match last {
            Some(p) if item.created > p => return Some(OLDEST_FIRST),
            Some(p) if item.created < p => return Some(NEWEST_FIRST),
            _ => last = Some(item.created),
        }
    }
    None
}

/// One page of a list as rows, for readers that do not write the mirror (the live metrics):
/// the rows, the creation time of the page's last object and its id, and whether more follow.
pub(crate) async fn read_page(
    client: &StripeClient,
    list: ObjectList,
    after: Option<&str>,
) -> Result<(StripePage, Option<(String, i64)>, bool), StripeError> {
    let fetched = fetch(client, list, after, 100).await?;
    let last = fetched.items.last().map(|i| (i.id.clone(), i.created));
    Ok((merged(fetched.items), last, fetched.has_more))
}

/// The rows of a page's items, together.
fn merged(items: Vec<Item>) -> StripePage {
    let mut page = StripePage::default();
    for item in items {
        let rows = item.rows;
        page.customers.extend(rows.customers);
        page.products.extend(rows.products);
        page.charges.extend(rows.charges);
        page.refunds.extend(rows.refunds);
    }
    page
}

async fn fetch(
    client: &StripeClient,
    list: ObjectList,
    after: Option<&str>,
    limit: u32,
) -> Result<Fetched, StripeError> {
    let limit = limit.clamp(1, 100).to_string();
    let mut query = vec![("limit", limit.as_str())];
    if let Some(after) = after {
        query.push(("starting_after", after));
    }
    let path = list.path();
    let (items, has_more) = match list {
        ObjectList::Customers => {
            let page: ListPage<Customer> = client.list(path, &query).await?;
            let items = page.data.iter().map(|c| item(&c.id, c.created, |p| p.customers.push(c.to_row())));
            (items.collect(), page.has_more)
        }
        ObjectList::Products => {
            let page: ListPage<Product> = client.list(path, &query).await?;
            let items = page.data.iter().map(|o| item(&o.id, o.created, |p| p.products.push(o.to_row())));
            (items.collect(), page.has_more)
        }
        ObjectList::Charges => {
            let page: ListPage<Charge> = client.list(path, &query).await?;
            let items = page.data.iter().map(|c| item(&c.id, c.created, |p| p.charges.push(c.to_row())));
            (items.collect(), page.has_more)
        }
        ObjectList::Refunds => {
            query.push(("expand[]", "data.charge"));
            let page: ListPage<Refund> = client.list(path, &query).await?;
            let items = page.data.iter().map(|r| {
                item(&r.id, r.created, |p| {
                    p.refunds.push(r.to_row());
                    p.charges.extend(r.expanded_charge().map(Charge::to_row));
                })
            });
            (items.collect(), page.has_more)
        }
    };
    Ok(Fetched { items, has_more })
}

fn item(id: &str, created: i64, fill: impl FnOnce(&mut StripePage)) -> Item {
    let mut rows = StripePage::default();
    fill(&mut rows);
    Item { id: id.to_owned(), created, rows }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(created: &[i64]) -> Vec<Item> {
        created.iter().map(|c| item("x", *c, |_| {})).collect()
    }

    #[test]
    fn the_order_shows_once_two_times_differ() {
        assert_eq!(observe_order(None, &items(&[5, 5, 5])), None);
        assert_eq!(observe_order(None, &items(&[5, 5, 6])), Some(OLDEST_FIRST));
        assert_eq!(observe_order(None, &items(&[7, 6])), Some(NEWEST_FIRST));
        assert_eq!(observe_order(Some(9), &items(&[8])), Some(NEWEST_FIRST));
    }
}
