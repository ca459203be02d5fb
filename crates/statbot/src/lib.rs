//! statbot: a self-hosted chat-bot and metrics server. One engine (flows today, intents and
//! answers later) behind three channels (Messenger, the web chat, the terminal), one store
//! (SQLite or PostgreSQL), a durable outbox, and an HTTP API. `main.rs` only calls [`cli`].

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
pub mod http;
pub mod local_server;
pub mod outbox;
pub mod pipeline;
pub mod shop;
pub mod staff;
pub mod store;
pub mod stripe;
pub mod table;
pub mod team;
pub mod telemetry;
