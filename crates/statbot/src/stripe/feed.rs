//! The change feed: Stripe's `/v1/events`, where every change to a customer, product, charge or
//! refund appears. It makes a sync with nothing new cost a single request for all four lists
//! (`ending_before` the newest event already seen: an empty page means nothing changed), and it
//! names the old charges that changed without moving in their list (disputes, captures,
//! updates), which the sync then fetches again.
//!
//! The feed is used only where it works: localstripe lists events but refuses `ending_before`
//! (and records none for charges or refunds), so there the sync remembers that the feed is
//! unsupported and reads the lists alone. `--full` tries the feed again.

use super::client::{StripeClient, StripeError};
use super::sync::SyncError;
use super::types::{Charge, Expandable, IdOnly, ListPage};
use crate::store::{Store, StripePage, StripeSyncState};
use serde::Deserialize;
use std::collections::BTreeSet;

/// The state row that holds the newest event seen (`head_id`), or `list_order = unsupported`.
const FEED: &str = "events";
const UNSUPPORTED: &str = "unsupported";
/// Changed charges fetched again per sync at most; beyond, `--full` is the way.
const MAX_REFETCH: usize = 1000;

#[derive(Debug, Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Debug, Deserialize)]
struct EventData {
    object: EventObject,
}

#[derive(Debug, Deserialize)]
struct EventObject {
    id: Option<String>,
    object: Option<String>,
    charge: Option<Expandable<IdOnly>>,
}

impl Event {
    /// The charge an event is about, if any: a charge's own events, and those of its disputes
    /// and refunds.
    fn charge(&self) -> Option<&str> {
        if !(self.kind.starts_with("charge.") || self.kind.starts_with("refund.")) {
            return None;
        }
        let object = &self.data.object;
        match object.object.as_deref() {
            Some("charge") => object.id.as_deref(),
            _ => object.charge.as_ref().map(|c| c.id()),
        }
    }
}

/// What the feed says before the lists are read.
pub enum Gate {
    /// Nothing changed since the last sync: the lists need not be read.
    Unchanged,
    /// Read the lists; then fetch `charges` again and save `mark` as the newest event seen.
    Changed { mark: Option<String>, charges: BTreeSet<String> },
    /// No usable feed on this server: the lists alone.
    Unsupported,
}

/// Asks the feed what changed since the last sync.
pub async fn gate(store: &Store, client: &StripeClient, full: bool) -> Result<Gate, SyncError> {
    let state = store.stripe_sync_state(FEED).await?;
    if state.list_order.as_deref() == Some(UNSUPPORTED) && !full {
        return Ok(Gate::Unsupported);
    }
    let Some(mark) = state.head_id.filter(|_| !full) else {
        // No mark yet (or a full sync): the newest event now is where the next sync starts.
        return match client.list::<Event>("/v1/events", &[("limit", "1")]).await {
            Ok(page) => Ok(Gate::Changed { mark: page.data.first().map(|e| e.id.clone()), charges: BTreeSet::new() }),
            Err(StripeError::Refused { .. }) => unsupported(store).await,
            Err(e) => Err(e.into()),
        };
    };
    let mut charges = BTreeSet::new();
    let mut newest = mark.clone();
    loop {
        let query = [("limit", "100"), ("ending_before", newest.as_str())];
        let page: ListPage<Event> = match client.list("/v1/events", &query).await {
            Ok(page) => page,
            Err(StripeError::Refused { message, .. }) if message.contains("ending_before") => {
                return unsupported(store).await;
            }
            // The mark is gone (Stripe keeps events 30 days): read the lists, start afresh.
            Err(StripeError::Refused { message, .. }) => {
                tracing::warn!(%message, "the Stripe events feed lost our place; changes to old charges may need `statbot stripe sync --full`");
                let page = client.list::<Event>("/v1/events", &[("limit", "1")]).await?;
                return Ok(Gate::Changed { mark: page.data.first().map(|e| e.id.clone()), charges });
            }
            Err(e) => return Err(e.into()),
        };
        if page.data.is_empty() {
            break;
        }
        charges.extend(page.data.iter().filter_map(Event::charge).map(str::to_owned));
        // Pages before a mark are newest first: the next page starts after this one's first.
        newest = page.data[0].id.clone();
        if !page.has_more {
            break;
        }
    }
    if newest == mark {
        return Ok(Gate::Unchanged);
    }
    Ok(Gate::Changed { mark: Some(newest), charges })
}

async fn unsupported(store: &Store) -> Result<Gate, SyncError> {
    let state =
        StripeSyncState { object: FEED.into(), list_order: Some(UNSUPPORTED.into()), ..StripeSyncState::default() };
    store.write_stripe_page(&StripePage { state, ..StripePage::default() }).await?;
    tracing::info!("this Stripe server has no usable events feed; syncing from the lists alone");
    Ok(Gate::Unsupported)
}

/// After the lists: fetches the changed charges again and saves the feed's new mark, together.
/// Returns the charges fetched.
pub async fn finish(
    store: &Store,
    client: &StripeClient,
    mark: Option<String>,
    charges: &BTreeSet<String>,
) -> Result<u64, SyncError> {
    let mut page = StripePage {
        state: StripeSyncState { object: FEED.into(), head_id: mark, ..StripeSyncState::default() },
        ..StripePage::default()
    };
    if charges.len() > MAX_REFETCH {
        tracing::warn!(changed = charges.len(), "many old charges changed; run `statbot stripe sync --full`");
    }
    for id in charges.iter().filter(|id| valid_id(id)).take(MAX_REFETCH) {
        match client.get::<Charge>(&format!("/v1/charges/{id}"), &[]).await {
            Ok(charge) => page.charges.push(charge.to_row()),
            // Gone (or never ours): nothing to bring up to date.
            Err(StripeError::Refused { status: 404, .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    let fetched = page.charges.len() as u64;
    store.write_stripe_page(&page).await?;
    Ok(fetched)
}

/// Ids go into a URL path: letters, digits and `_` only.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 255 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(text: &str) -> Event {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn events_name_the_charge_they_change() {
        let dispute = event(
            r#"{"id":"evt_1","type":"charge.dispute.created","data":{"object":{"id":"dp_1","object":"dispute","charge":"ch_7"}}}"#,
        );
        assert_eq!(dispute.charge(), Some("ch_7"));
        let updated =
            event(r#"{"id":"evt_2","type":"charge.updated","data":{"object":{"id":"ch_8","object":"charge"}}}"#);
        assert_eq!(updated.charge(), Some("ch_8"));
        let customer =
            event(r#"{"id":"evt_3","type":"customer.created","data":{"object":{"id":"cus_1","object":"customer"}}}"#);
        assert_eq!(customer.charge(), None);
    }

    #[test]
    fn ids_with_path_characters_are_not_fetched() {
        assert!(valid_id("ch_3xnvVwSKi8ouVF"));
        assert!(!valid_id("../v1/customers"));
        assert!(!valid_id(""));
    }
}

/// Property tests: events from `/v1/events` (the shop's webhook testdata), damaged byte by byte
/// and value by value, are read or refused without a panic, and a charge's own event names it.
#[cfg(test)]
mod properties {
    use super::*;
    use crate::fuzz;
    use proptest::prelude::*;

    const EVENTS: [&str; 3] = [
        include_str!("../shop/testdata/event-charge-refunded.json"),
        include_str!("../shop/testdata/event-charge-dispute-created.json"),
        include_str!("../shop/testdata/event-customer-created.json"),
    ];

    fn damaged_event() -> impl Strategy<Value = Vec<u8>> {
        let strategies: Vec<BoxedStrategy<Vec<u8>>> = EVENTS
            .iter()
            .flat_map(|&event| {
                [
                    fuzz::mutated_bytes(event.as_bytes()).boxed(),
                    fuzz::mutated_json(event).prop_map(String::into_bytes).boxed(),
                ]
            })
            .collect();
        proptest::strategy::Union::new(strategies)
    }

    proptest! {
        #![proptest_config(fuzz::config(256))]

        #[test]
        fn damaged_events_are_read_or_refused(event in damaged_event()) {
            let Ok(event) = serde_json::from_slice::<Event>(&event) else { return Ok(()) };
            let about_charges = event.kind.starts_with("charge.") || event.kind.starts_with("refund.");
            match event.charge() {
                Some(id) => {
                    prop_assert!(about_charges, "{}", event.kind);
                    let object = &event.data.object;
                    let own = object.object.as_deref() == Some("charge") && object.id.as_deref() == Some(id);
                    prop_assert!(own || object.charge.as_ref().map(Expandable::id) == Some(id));
                }
                None => {
                    let own = event.data.object.object.as_deref() == Some("charge") && event.data.object.id.is_some();
                    prop_assert!(!(about_charges && own), "{}", event.kind);
                }
            }
        }
    }
}
