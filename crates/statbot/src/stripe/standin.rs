//! A stand-in for the Stripe API's list endpoints: a real HTTP server on `127.0.0.1` that
//! serves customers, products, charges and refunds newest first with `limit`,
//! `starting_after` and `has_more` (and refunds with `expand[]=data.charge`) as the real
//! Stripe does, an events feed (`/v1/events` with `ending_before`), single charges, counts
//! requests, and fails on command (429 with `Retry-After`, 500, a hung
//! answer, or every list request after a number of pages). Used by the fault tests and by
//! `statbot bench stripe-sync`, so it keeps charges compact and answers pages quickly.

use crate::local_server::LocalServer;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header::RETRY_AFTER};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// A scripted failure for the next list requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 with `Retry-After: secs`.
    TooManyRequests { retry_after_secs: u64 },
    /// HTTP 500.
    ServerError,
    /// No answer for this long (the client's timeout should fire first).
    Hang(Duration),
}

/// A charge as the stand-in keeps it.
#[derive(Debug, Clone)]
pub struct FakeCharge {
    pub id: String,
    pub amount: i64,
    pub amount_refunded: i64,
    pub currency: String,
    pub status: String,
    pub customer: Option<String>,
    pub description: Option<String>,
    pub created: i64,
    pub disputed: bool,
}

impl FakeCharge {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id, "object": "charge", "amount": self.amount, "amount_refunded": self.amount_refunded,
            "currency": self.currency, "status": self.status, "paid": self.status == "succeeded",
            "refunded": self.amount_refunded >= self.amount && self.amount > 0, "disputed": self.disputed,
            "customer": self.customer, "description": self.description, "metadata": {"n": self.id},
            "created": self.created, "payment_intent": null,
        })
    }
}

#[derive(Default)]
struct Lists {
    /// Oldest first here; served newest first.
    customers: Vec<Value>,
    products: Vec<Value>,
    charges: Vec<FakeCharge>,
    refunds: Vec<Value>,
    /// Every change, oldest first: event id, type, and the object's id.
    events: Vec<(String, &'static str, String)>,
    /// Where each id sits in its list.
    index: HashMap<String, usize>,
    faults: VecDeque<Fault>,
    /// List pages answered before every list request fails with HTTP 500.
    pages_left: Option<usize>,
}

#[derive(Default)]
struct Shared {
    lists: Mutex<Lists>,
    requests: AtomicUsize,
    next_id: AtomicUsize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Lists> {
        self.lists.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The running stand-in. Dropping it stops the server.
pub struct StripeStandIn {
    shared: Arc<Shared>,
    server: LocalServer,
}

impl StripeStandIn {
    /// Binds `127.0.0.1:0` and serves in a background task of the current Tokio runtime.
    pub async fn start() -> std::io::Result<StripeStandIn> {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/v1/{list}", get(list))
            .route("/v1/charges/{id}", get(charge))
            .with_state(Arc::clone(&shared));
        let server = LocalServer::start("stripe", app).await?;
        Ok(StripeStandIn { shared, server })
    }

    /// What to put in `stripe.api_base`.
    pub fn base_url(&self) -> String {
        self.server.url()
    }

    /// Requests received so far, failed or not.
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::Relaxed)
    }

    fn next_id(&self, prefix: &str) -> String {
        format!("{prefix}{:08}", self.shared.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Records an event (the stand-in's events feed, as Stripe's `/v1/events`).
    fn record(&self, lists: &mut Lists, kind: &'static str, object: &str) {
        let id = self.next_id("evt_");
        let at = lists.events.len();
        lists.index.insert(id.clone(), at);
        lists.events.push((id, kind, object.to_owned()));
    }

    pub fn add_customer(&self, email: &str, created: i64) -> String {
        let id = self.next_id("cus_");
        let mut lists = self.shared.lock();
        self.record(&mut lists, "customer.created", &id);
        let at = lists.customers.len();
        lists.customers.push(json!({"id": id, "object": "customer", "email": email, "name": null, "created": created}));
        lists.index.insert(id.clone(), at);
        id
    }

    pub fn add_product(&self, name: &str, created: i64) -> String {
        let id = self.next_id("prod_");
        let mut lists = self.shared.lock();
        self.record(&mut lists, "product.created", &id);
        let at = lists.products.len();
        lists.products.push(json!({"id": id, "object": "product", "name": name, "description": null, "active": true, "created": created}));
        lists.index.insert(id.clone(), at);
        id
    }

    /// Adds a succeeded charge; returns its id.
    pub fn add_charge(&self, amount: i64, currency: &str, created: i64) -> String {
        let id = self.next_id("ch_");
        let charge = FakeCharge {
            id: id.clone(),
            amount,
            amount_refunded: 0,
            currency: currency.into(),
            status: "succeeded".into(),
            customer: None,
            description: Some(format!("order {id}")),
            created,
            disputed: false,
        };
        let mut lists = self.shared.lock();
        self.record(&mut lists, "charge.succeeded", &id);
        let at = lists.charges.len();
        lists.charges.push(charge);
        lists.index.insert(id.clone(), at);
        id
    }

    /// Adds `n` charges of 1.00 to 100.00 USD, one a second from `first_created`.
    pub fn fill_charges(&self, n: usize, first_created: i64) {
        let mut lists = self.shared.lock();
        lists.charges.reserve(n);
        for i in 0..n {
            let id = format!("ch_{:08}", self.shared.next_id.fetch_add(1, Ordering::Relaxed));
            self.record(&mut lists, "charge.succeeded", &id);
            let at = lists.charges.len();
            lists.index.insert(id.clone(), at);
            lists.charges.push(FakeCharge {
                id,
                amount: 100 + (i as i64 * 7919) % 9900,
                amount_refunded: 0,
                currency: "usd".into(),
                status: if i % 50 == 0 { "failed".into() } else { "succeeded".into() },
                customer: None,
                description: Some("blue mug".into()),
                created: first_created + i as i64,
                disputed: false,
            });
        }
    }

    /// Refunds `amount` of a charge (which then shows it), as a new refund; returns its id.
    pub fn refund(&self, charge: &str, amount: i64, created: i64) -> Option<String> {
        let id = self.next_id("re_");
        let mut lists = self.shared.lock();
        let at = *lists.index.get(charge)?;
        let c = lists.charges.get_mut(at)?;
        c.amount_refunded += amount;
        let currency = c.currency.clone();
        self.record(&mut lists, "charge.refunded", charge);
        let at = lists.refunds.len();
        lists.refunds.push(json!({"id": id, "object": "refund", "charge": charge, "amount": amount,
            "currency": currency, "status": "succeeded", "created": created}));
        lists.index.insert(id.clone(), at);
        Some(id)
    }

    /// Marks a charge disputed (a change the lists do not reorder: only `--full` sees it).
    pub fn dispute(&self, charge: &str) {
        let mut lists = self.shared.lock();
        if let Some(at) = lists.index.get(charge).copied()
            && let Some(c) = lists.charges.get_mut(at)
        {
            c.disputed = true;
            self.record(&mut lists, "charge.dispute.created", charge);
        }
    }

    /// Every charge, oldest first.
    pub fn charges(&self) -> Vec<FakeCharge> {
        self.shared.lock().charges.clone()
    }

    /// The next list requests fail with these faults, in order.
    pub fn fail_next(&self, faults: &[Fault]) {
        self.shared.lock().faults.extend(faults.iter().copied());
    }

    /// After `pages` more list pages, every list request fails with HTTP 500 (`None`: never).
    pub fn fail_after_pages(&self, pages: Option<usize>) {
        self.shared.lock().pages_left = pages;
    }
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({"error": {"type": "api_error", "message": message}}))).into_response()
}

/// Counts the request and plays the next scripted fault, if any.
async fn fault(shared: &Shared) -> Option<Response> {
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let fault = shared.lock().faults.pop_front();
    Some(match fault? {
        Fault::TooManyRequests { retry_after_secs } => {
            let mut response = error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(RETRY_AFTER, value);
            }
            response
        }
        Fault::ServerError => error(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong"),
        Fault::Hang(duration) => {
            tokio::time::sleep(duration).await;
            error(StatusCode::INTERNAL_SERVER_ERROR, "Too late")
        }
    })
}

async fn charge(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    if let Some(response) = fault(&shared).await {
        return response;
    }
    let lists = shared.lock();
    match lists.index.get(&id).and_then(|at| lists.charges.get(*at)).filter(|c| c.id == id) {
        Some(charge) => axum::Json(charge.to_json()).into_response(),
        None => error(StatusCode::NOT_FOUND, "No such charge"),
    }
}

/// The events newer than `ending_before` nearest to it, newest first, as Stripe pages them
/// (`None` for an unknown cursor).
fn events_page(lists: &Lists, ending_before: Option<&str>, limit: usize) -> Option<(Vec<Value>, bool)> {
    let len = lists.events.len();
    let (from, to, has_more) = match ending_before {
        Some(before) => match lists.index.get(before) {
            Some(&at) if lists.events.get(at).is_some_and(|e| e.0 == before) => {
                let from = (at + 1).min(len);
                let to = (from + limit).min(len);
                (from, to, to < len)
            }
            _ => return None,
        },
        None => (len.saturating_sub(limit), len, len > limit),
    };
    let data = lists.events[from..to]
        .iter()
        .rev()
        .map(|(id, kind, object)| {
            let object = match *kind {
                "charge.dispute.created" => {
                    json!({"id": format!("dp_{object}"), "object": "dispute", "charge": object})
                }
                _ => match lists.index.get(object) {
                    Some(&at) if object.starts_with("ch_") => {
                        lists.charges.get(at).map(FakeCharge::to_json).unwrap_or_default()
                    }
                    Some(&at) if object.starts_with("cus_") => lists.customers.get(at).cloned().unwrap_or_default(),
                    Some(&at) => lists.products.get(at).cloned().unwrap_or_default(),
                    None => Value::Null,
                },
            };
            json!({"id": id, "object": "event", "type": kind, "data": {"object": object}})
        })
        .collect();
    Some((data, has_more))
}

async fn list(State(shared): State<Arc<Shared>>, Path(list): Path<String>, RawQuery(query): RawQuery) -> Response {
    if let Some(response) = fault(&shared).await {
        return response;
    }
    let params: Vec<(String, String)> =
        form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned().collect();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let limit = param("limit").and_then(|l| l.parse::<usize>().ok()).unwrap_or(10).clamp(1, 100);
    let expand_charge = params.iter().any(|(k, v)| k == "expand[]" && v == "data.charge");
    let mut lists = shared.lock();
    if let Some(left) = lists.pages_left.as_mut() {
        if *left == 0 {
            return error(StatusCode::INTERNAL_SERVER_ERROR, "Down for good");
        }
        *left -= 1;
    }
    if list == "events" {
        return match events_page(&lists, param("ending_before"), limit) {
            Some((data, has_more)) => {
                axum::Json(json!({"object": "list", "url": "/v1/events", "has_more": has_more, "data": data}))
                    .into_response()
            }
            None => error(StatusCode::BAD_REQUEST, "No such event"),
        };
    }
    let len = match list.as_str() {
        "customers" => lists.customers.len(),
        "products" => lists.products.len(),
        "charges" => lists.charges.len(),
        "refunds" => lists.refunds.len(),
        _ => return error(StatusCode::NOT_FOUND, "Unrecognized request URL"),
    };
    // Newest first: position p in the list is element len - 1 - p.
    let start = match param("starting_after") {
        Some(after) => match lists.index.get(after) {
            Some(&at) if at < len => len - at,
            _ => return error(StatusCode::BAD_REQUEST, "No such object for starting_after"),
        },
        None => 0,
    };
    let end = (start + limit).min(len);
    let data: Vec<Value> = (start..end)
        .map(|p| {
            let at = len - 1 - p;
            match list.as_str() {
                "customers" => lists.customers[at].clone(),
                "products" => lists.products[at].clone(),
                "charges" => lists.charges[at].to_json(),
                _ => {
                    let mut refund = lists.refunds[at].clone();
                    if expand_charge
                        && let Some(charge) = refund["charge"].as_str().and_then(|id| lists.index.get(id))
                        && let Some(charge) = lists.charges.get(*charge)
                    {
                        refund["charge"] = charge.to_json();
                    }
                    refund
                }
            }
        })
        .collect();
    drop(lists);
    axum::Json(json!({"object": "list", "url": format!("/v1/{list}"), "has_more": end < len, "data": data}))
        .into_response()
}
