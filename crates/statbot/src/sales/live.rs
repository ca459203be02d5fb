//! Sales figures straight from the Stripe API, for when the mirror is empty or stale: the
//! customers, charges and refunds are read page by page (newest-first lists stop once past the
//! oldest day needed) and summed into an in-memory [`Rollup`], which answers the same queries
//! as the store's rollups. The caller bounds the whole read with a timeout.

use crate::store::{CustomerSpend, StripeCharge, StripeCustomer, StripeRefund, WordRow};
use crate::stripe::sync::{ObjectList, read_page};
use crate::stripe::{StripeClient, StripeError};
use statbot_core::sales::rollup::{Attribution, DayNumber, Days, Rollup, Spend, Volume, WordTake};
use std::collections::{HashMap, HashSet};

/// What the API said, summed by day.
#[derive(Debug, Default)]
pub struct LiveData {
    rollup: Rollup,
    customers: HashMap<String, StripeCustomer>,
}

/// Every object of a list created at or after `since` (unix seconds), with whatever older
/// objects share its pages.
async fn read_list(
    client: &StripeClient,
    list: ObjectList,
    since: i64,
    mut take: impl FnMut(crate::store::StripePage),
) -> Result<(), StripeError> {
    let mut after: Option<String> = None;
    let mut previous_created: Option<i64> = None;
    loop {
        let (page, last, has_more) = read_page(client, list, after.as_deref()).await?;
        take(page);
        let Some((id, created)) = last else { return Ok(()) };
        // A list walked newest first can stop once it is past the oldest day wanted.
        let newest_first = previous_created.is_some_and(|p| created < p);
        if !has_more || (newest_first && created < since) {
            return Ok(());
        }
        previous_created = Some(created);
        after = Some(id);
    }
}

/// Reads what the metrics need from `since` (unix seconds) on.
pub async fn read(client: &StripeClient, days: &Days, since: i64) -> Result<LiveData, StripeError> {
    let mut customers: Vec<StripeCustomer> = Vec::new();
    read_list(client, ObjectList::Customers, since, |page| customers.extend(page.customers)).await?;
    let mut charges: HashMap<String, StripeCharge> = HashMap::new();
    let mut refunds: HashMap<String, StripeRefund> = HashMap::new();
    read_list(client, ObjectList::Charges, since, |page| {
        charges.extend(page.charges.into_iter().map(|c| (c.id.clone(), c)));
    })
    .await?;
    read_list(client, ObjectList::Refunds, since, |page| {
        // Refunds come with their charge, which may be older than `since`.
        for charge in page.charges {
            charges.entry(charge.id.clone()).or_insert(charge);
        }
        refunds.extend(page.refunds.into_iter().map(|r| (r.id.clone(), r)));
    })
    .await?;
    Ok(LiveData::from_objects(days, customers, charges.values(), refunds.values()))
}

fn within(day: DayNumber, from: DayNumber, to: DayNumber) -> bool {
    (from..=to).contains(&day)
}

impl LiveData {
    pub fn from_objects<'a>(
        days: &Days,
        customers: Vec<StripeCustomer>,
        charges: impl IntoIterator<Item = &'a StripeCharge>,
        refunds: impl IntoIterator<Item = &'a StripeRefund>,
    ) -> LiveData {
        let mut rollup = Rollup::default();
        let mut attribution: HashMap<&str, Attribution> = HashMap::new();
        for charge in charges {
            rollup.add_charge(days, charge, 1);
            attribution.insert(&charge.id, Attribution::of(charge));
        }
        for refund in refunds {
            let to = refund.charge.as_deref().and_then(|id| attribution.get(id)).cloned().unwrap_or_default();
            rollup.add_refund(days, refund, &to, 1);
        }
        for customer in &customers {
            rollup.add_customer(days, customer, 1);
        }
        let customers = customers.into_iter().map(|c| (c.id.clone(), c)).collect();
        LiveData { rollup, customers }
    }

    pub fn volume_days(&self, from: DayNumber, to: DayNumber) -> Vec<(DayNumber, String, Volume)> {
        let rows = self.rollup.volume.iter().filter(|((day, _), _)| within(*day, from, to));
        rows.map(|((day, currency), volume)| (*day, currency.clone(), *volume)).collect()
    }

    pub fn new_customer_days(&self, from: DayNumber, to: DayNumber) -> Vec<(DayNumber, i64)> {
        let rows = self.rollup.new_customers.iter().filter(|(day, _)| within(**day, from, to));
        rows.map(|(day, n)| (*day, *n)).collect()
    }

    pub fn paying_customers(&self, periods: &[(DayNumber, DayNumber)]) -> Vec<HashMap<String, i64>> {
        periods
            .iter()
            .map(|(from, to)| {
                let mut paid: HashSet<(&str, &str)> = HashSet::new();
                for ((day, customer, currency), spend) in &self.rollup.spend {
                    if within(*day, *from, *to) && spend.payments > 0 {
                        paid.insert((customer, currency));
                    }
                }
                let mut counts: HashMap<String, i64> = HashMap::new();
                for (_, currency) in paid {
                    *counts.entry(currency.to_owned()).or_default() += 1;
                }
                counts
            })
            .collect()
    }

    pub fn top_customers(&self, from: DayNumber, to: DayNumber, currency: &str, limit: usize) -> Vec<CustomerSpend> {
        let mut totals: HashMap<&str, Spend> = HashMap::new();
        for ((day, customer, cur), spend) in &self.rollup.spend {
            if within(*day, from, to) && cur == currency {
                totals.entry(customer).or_default().add(spend);
            }
        }
        let mut rows: Vec<CustomerSpend> = totals
            .into_iter()
            .map(|(id, spend)| {
                let known = self.customers.get(id);
                CustomerSpend {
                    customer: id.to_owned(),
                    name: known.and_then(|c| c.name.clone()),
                    email: known.and_then(|c| c.email.clone()),
                    spend,
                }
            })
            .collect();
        rows.sort_by(|a, b| b.spend.net().cmp(&a.spend.net()).then_with(|| a.customer.cmp(&b.customer)));
        rows.truncate(limit);
        rows
    }

    pub fn top_words(&self, from: DayNumber, to: DayNumber, currency: &str, limit: usize) -> Vec<WordRow> {
        let mut totals: HashMap<&str, WordTake> = HashMap::new();
        for ((day, word, cur), take) in &self.rollup.words {
            if within(*day, from, to) && cur == currency {
                totals.entry(word).or_default().add(take);
            }
        }
        let mut rows: Vec<WordRow> =
            totals.into_iter().map(|(word, take)| WordRow { word: word.to_owned(), take }).collect();
        rows.sort_by(|a, b| b.take.revenue.cmp(&a.take.revenue).then_with(|| a.word.cmp(&b.word)));
        rows.truncate(limit);
        rows
    }
}
