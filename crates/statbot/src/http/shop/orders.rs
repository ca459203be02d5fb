//! `GET /orders`: the shop's orders on the dashboard, for operators: the newest first, each with
//! when it was placed (in the business time zone), its customer, items, amount, status, what
//! was refunded and why a payment failed.

use crate::http::AppState;
use crate::http::dashboard::{Dashboard, Nav};
use crate::http::error::ApiError;
use crate::store::{Order, OrderStatus};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use statbot_core::money;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Orders listed at most.
const ORDERS_SHOWN: i64 = 200;

struct OrderRow {
    id: i64,
    placed: String,
    customer: String,
    items: String,
    amount: String,
    /// `paid`, `pending`, `failed`, `refunded` or `partially_refunded`: how the status is styled.
    status: &'static str,
    status_text: &'static str,
    refunded: String,
    note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard/orders.html")]
struct OrdersPage {
    nav: Nav,
    time_zone: String,
    shown: i64,
    orders: Vec<OrderRow>,
}

pub(super) async fn page(State(state): State<AppState>, dashboard: Dashboard) -> Result<Response, ApiError> {
    let store = state.shop.store();
    let orders = store.orders(None, ORDERS_SHOWN).await?;
    let mut customers: HashMap<i64, String> = HashMap::new();
    for order in &orders {
        if let Entry::Vacant(slot) = customers.entry(order.user_id) {
            slot.insert(match store.shop_customer(order.user_id).await? {
                Some(c) => format!("{} {} <{}>", c.first_name, c.last_name, c.email).trim().to_owned(),
                None => format!("account {}", order.user_id),
            });
        }
    }
    let orders = orders.iter().map(|o| row(&state, o, &customers)).collect();
    Ok(OrdersPage {
        nav: Nav::of(&dashboard),
        time_zone: state.config.time_zone().to_owned(),
        shown: ORDERS_SHOWN,
        orders,
    }
    .into_response())
}

fn row(state: &AppState, order: &Order, customers: &HashMap<i64, String>) -> OrderRow {
    let placed = jiff::Timestamp::from_millisecond(order.created_at)
        .map(|at| crate::dates::local_minute(at, state.zone()))
        .unwrap_or_default();
    let items: Vec<String> = order.items.iter().map(|i| format!("{} × {}", i.quantity, i.name)).collect();
    OrderRow {
        id: order.id,
        placed,
        customer: customers.get(&order.user_id).cloned().unwrap_or_default(),
        items: items.join(", "),
        amount: money::format(order.amount, &order.currency),
        status: order.status.as_str(),
        status_text: status_text(order.status),
        refunded: if order.amount_refunded > 0 {
            money::format(order.amount_refunded, &order.currency)
        } else {
            String::new()
        },
        note: order.failure_message.clone().unwrap_or_default(),
    }
}

fn status_text(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Pending => "Pending",
        OrderStatus::Paid => "Paid",
        OrderStatus::Failed => "Failed",
        OrderStatus::Refunded => "Refunded",
        OrderStatus::PartiallyRefunded => "Partly refunded",
    }
}
