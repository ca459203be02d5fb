//! The integration tests, one test binary: each module was a file of its own under `tests/`,
//! and `support` is the code they share (a fresh database per test, the real server, the
//! Graph API stand-in, localstripe, the Stripe mirror as a sync writes it, the dashboard as a
//! browser sees it, the `statbot` binary run as an operator runs it). One binary builds and
//! links once instead of once per file. One module's tests: `cargo test -p statbot --test it
//! cli::`.

mod support;

mod accounts_admin;
mod assistant;
mod backup;
mod broadcast_pages;
mod broadcasts;
mod cli;
mod coupon_journey;
mod dashboard;
mod dashboard_pages;
mod data_deletion;
mod datasets;
mod db_copy;
mod follow_ups;
mod funnels;
mod inbox;
mod inbox_pages;
mod instagram;
mod limits;
mod links;
mod messaging_window;
mod messenger_setup;
mod messenger_webhook;
mod metrics;
mod openapi;
mod operators;
mod opt_out;
mod outbox_delivery;
mod page_life;
mod promotion_answers;
mod promotion_journey;
mod redemptions;
mod referrals;
mod scale_out;
mod schedule;
mod security_headers;
mod segments;
mod shop_api;
mod shop_customers;
mod shutdown;
mod split_tests;
mod staff_links;
mod store_chat;
mod store_dashboard;
mod store_page_sync;
mod stripe_long_ranges;
mod stripe_metrics;
mod stripe_sync;
mod team_api;
mod team_app;
mod team_dashboard;
mod team_inbox;
mod terminal_chat;
mod understood;
mod web_chat;
