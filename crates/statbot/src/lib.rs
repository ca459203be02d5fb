//! statbot: a self-hosted chat-bot and metrics server for small businesses, in one binary.
//!
//! Three channels (the Messenger webhook and Send API, the web chat, the terminal; [`channels`])
//! turn platform payloads into one inbound type. One [`engine`] moves contacts through flows and
//! hands free text to the [`assistant`] (intents, data set answers, sales questions for staff),
//! and records every message, click and step as events. Replies go through a durable
//! [`outbox`]. One [`store`] (sqlx: SQLite by default, PostgreSQL for several instances) holds
//! it all, and its SQL only. Around them: [`funnels`] (funnel reports over the events),
//! [`datasets`] (imported CSV sets such as the US cities demo), [`team`] (a team's daily
//! figures), [`stripe`] (the Stripe connector: API client, incremental mirror sync, the shop's
//! payments), [`sales`] (sales figures from the mirror), [`shop`] (catalog, orders, checkout),
//! [`staff`] (linking a chat to an operator account), [`http`] (the API, dashboard, web chat and
//! webhooks, one folder per feature), [`cli`] and [`bench`](mod@bench). The pure domain lives in
//! `statbot-core`, free-text understanding in `statbot-intents` and the chart renderer in
//! `statbot-charts`. `main.rs` only calls [`cli::main`].

pub mod app;
pub mod assistant;
pub mod auth;
pub mod bench;
pub mod channels;
pub mod cli;
pub mod config;
pub mod csv;
pub mod datasets;
pub mod dates;
pub mod engine;
pub mod funnels;
#[cfg(test)]
mod fuzz;
pub mod http;
pub mod inbox;
pub mod limits;
pub mod links;
pub mod local_server;
pub mod outbox;
pub mod pipeline;
pub mod sales;
pub mod schedule;
pub mod shop;
pub mod staff;
pub mod store;
pub mod stripe;
pub mod table;
pub mod team;
pub mod telemetry;
