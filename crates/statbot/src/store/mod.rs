//! The store: every table statbot keeps, on SQLite (one file, the default) or PostgreSQL
//! (shared by several instances). One SQL text serves both through `sqlx::Any`; where a
//! backend needs its own SQL the store branches on [`Backend`]. All SQL lives under this module.

mod accounts;
pub mod backup;
mod broadcasts;
mod checkpoint;
mod contacts;
mod conversation;
pub mod copy;
mod coupons;
mod datasets;
mod entry_links;
mod events;
mod follow_ups;
mod funnels;
mod inbound;
mod inbox;
mod inbox_figures;
mod login_attempts;
mod migrate;
mod opt_out;
mod outbox;
mod privacy;
mod rate_limits;
mod receipts;
mod redemptions;
mod sales_payers;
mod sales_rollups;
mod sales_top_customers;
mod schedule;
mod segments;
mod sessions;
mod settings;
mod shop;
mod splits;
pub(crate) mod staff_links;
mod stripe;
mod teams;
mod users;
mod utterances;

pub use accounts::{AccountChange, AccountSummary, AccountUpdate, ChangeOutcome};
pub use broadcasts::{Broadcast, BroadcastFunnel, ClaimedRecipients, NewBroadcast};
pub use contacts::{Contact, Profile};
pub use conversation::LoggedMessage;
pub use coupons::CouponClaim;
pub use datasets::{DatasetLabel, NewDatasetRow, StoredDataset};
pub use entry_links::{EntryLink, NewReferral};
pub use events::{CouponEvent, EventKind, NewEvent};
pub use follow_ups::{DueFollowUp, FollowUpRecord, NewFollowUp};
pub use funnels::{FlowEvent, RollupRound};
pub use inbound::{ClaimScope, ClaimedInbound, Ingested};
pub use inbox::{Changed, HandoffReason, InboxConversation, InboxQuery, InboxStatus, OperatorRef, TeamScope};
pub use inbox_figures::{InboxDay, InboxFigures, InboxOperator, Tally};
pub use login_attempts::LoginAttempt;
pub use migrate::latest_version as latest_migration;
pub use outbox::{NewReply, OutboxMessage, OutboxStats, SendLease, Undelivered};
pub use privacy::{DataDeletion, DeletionSource, FORGOTTEN_PREFIX, Forget, is_confirmation_code};
pub use redemptions::{
    NewRedemption, RedeemedBy, RedeemedCounts, Redemptions, RevealedCode, Revenue, ScannedCharge, is_code_char,
};
pub use sales_rollups::{CustomerSpend, RollupMeta, WordRow};
pub use sales_top_customers::{CustomerTotal, SpanLeader};
pub use schedule::ScheduledJob;
pub use segments::{TagCount, TaggedContact};
pub use sessions::Session;
pub use shop::{
    CustomerProfile, NewOrder, NewProduct, Order, OrderInsert, OrderItem, OrderStatus, Product, ProductChange,
    Settlement, ShopPayer,
};
pub use splits::VariantCounts;
pub use staff_links::ContactLink;
pub use statbot_core::sales::{StripeCharge, StripeCustomer, StripeProduct, StripeRefund};
pub use stripe::{StripeLock, StripePage, StripeSyncState};
pub use teams::{DayWrite, StoredFigure, StoredTeam};
pub use users::{Role, User};
pub use utterances::{Miss, NewUtterance};

pub(crate) use broadcasts::{
    claim as claim_broadcast_recipients, finish_sent as finish_sent_broadcasts, skip as skip_broadcast_recipients,
};
pub(crate) use contacts::{load_many as load_contacts, set_contexts, set_positions, set_windows};
pub(crate) use coupons::claim as claim_coupon;
pub(crate) use datasets::dataset_row;
pub(crate) use entry_links::{link_leads_to, link_named, record_referrals};
pub(crate) use events::{reached_step, record as record_events};
pub(crate) use follow_ups::{
    claim_due as claim_due_follow_up, done_since, finish as finish_follow_up, schedule as schedule_follow_ups,
};
pub(crate) use funnels::hold_rollup;
pub(crate) use inbound::{claim as claim_inbound, mark_processed, release as release_inbound};
pub(crate) use inbox::{
    ask_for_person, note_messages as note_inbox_messages, release as release_to_bot, with_a_person,
};
pub(crate) use opt_out::{opt_in, opt_out, opted_out_at};
pub(crate) use outbox::enqueue as enqueue_replies;
pub(crate) use splits::record_variant;
pub(crate) use utterances::record as record_utterances;

use sqlx::any::AnyPoolOptions;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool};
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{Mutex, OwnedMutexGuard};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("unsupported database URL `{0}`: use sqlite://FILE or postgres://...")]
    UnsupportedUrl(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0} already exists")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(String),
}

impl StoreError {
    /// A unique constraint was violated.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The clause that lets queue claims pass over rows another instance is claiming
    /// (PostgreSQL); SQLite has one writer, so nothing is needed there.
    pub(crate) fn skip_locked(self) -> &'static str {
        match self {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    handle: Handle,
    backend: Backend,
    /// The SQLite file's URL, for the checkpointer's own connection.
    sqlite_url: Option<Arc<str>>,
    contact_ids: Arc<contacts::ContactIds>,
}

#[derive(Clone, Debug)]
enum Handle {
    Shared(Arc<Mutex<AnyConnection>>),
    Pool(AnyPool),
}

/// A connection held for one operation (see [`Store::conn`]).
pub enum Conn {
    Shared(OwnedMutexGuard<AnyConnection>),
    Pooled(PoolConnection<Any>),
}

impl Deref for Conn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            Conn::Shared(conn) => conn,
            Conn::Pooled(conn) => conn,
        }
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            Conn::Shared(conn) => &mut *conn,
            Conn::Pooled(conn) => &mut *conn,
        }
    }
}

/// Connections per instance on PostgreSQL unless configured.
pub const DEFAULT_PG_CONNECTIONS: u32 = 16;

/// Milliseconds since the Unix epoch: the one time unit in the store.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

impl Store {
    /// Connects (creating a SQLite file if needed) and brings the schema up to date, with the
    /// default pool size.
    pub async fn open(url: &str) -> Result<Store> {
        Self::open_with(url, DEFAULT_PG_CONNECTIONS).await
    }

    /// Like [`Store::open`], with at most `pg_connections` connections on PostgreSQL (SQLite
    /// has one writer whatever the pool size, so its pool stays small).
    pub async fn open_with(url: &str, pg_connections: u32) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url) = if let Some(rest) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
            let query = if query.is_empty() { "mode=rwc".to_owned() } else { query.to_owned() };
            (Backend::Sqlite, format!("sqlite://{path}?{query}"))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, url.to_owned())
        } else {
            return Err(StoreError::UnsupportedUrl(redact_url(url)));
        };
        let handle = match backend {
            // SQLite has one writer at a time. Every operation goes through one connection,
            // handed from task to task by a fair async mutex: no busy waiting on the file lock,
            // and none of a pool's per-release cost (a spawned task and a ping per operation).
            Backend::Sqlite => {
                let mut conn = <AnyConnection as sqlx::Connection>::connect(&url).await?;
                sqlx::raw_sql(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                     PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
                )
                .execute(&mut conn)
                .await?;
                Handle::Shared(Arc::new(Mutex::new(conn)))
            }
            Backend::Postgres => Handle::Pool(
                AnyPoolOptions::new()
                    .acquire_timeout(Duration::from_secs(10))
                    .test_before_acquire(false)
                    .max_connections(pg_connections.max(2))
                    // Statements are prepared once and run many times with id lists of one
                    // length; a plan made for no particular ids can pick a table scan where
                    // the ids at hand want the index (1.5 s instead of 1 ms seen on funnel
                    // rollups), so each run is planned for its own parameters.
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            sqlx::raw_sql("SET plan_cache_mode = force_custom_plan").execute(conn).await.map(|_| ())
                        })
                    })
                    .connect(&url)
                    .await?,
            ),
        };
        let sqlite_url = (backend == Backend::Sqlite).then(|| Arc::from(url.as_str()));
        let store = Store { handle, backend, sqlite_url, contact_ids: Arc::default() };
        migrate::run(&store).await?;
        Ok(store)
    }

    /// A connection for one operation: the shared one on SQLite (waiting for its turn), one
    /// from the pool on PostgreSQL.
    pub async fn conn(&self) -> Result<Conn> {
        Ok(match &self.handle {
            Handle::Shared(conn) => Conn::Shared(conn.clone().lock_owned().await),
            Handle::Pool(pool) => Conn::Pooled(pool.acquire().await?),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Begins a transaction on `conn`, one of this store's connections. On SQLite it takes the
    /// write lock at once (`BEGIN IMMEDIATE`), waiting for it up to the busy timeout: a
    /// transaction that reads and then writes would otherwise fail at once ("database is
    /// locked") when another process, such as a CLI command beside `statbot serve`, wrote in
    /// between. (Within one process SQLite runs one transaction at a time anyway.)
    pub async fn begin<'c>(&self, conn: &'c mut AnyConnection) -> Result<sqlx::Transaction<'c, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => sqlx::Connection::begin_with(conn, "BEGIN IMMEDIATE").await?,
            Backend::Postgres => sqlx::Connection::begin(conn).await?,
        })
    }

    /// A cheap round trip, for `/healthz`.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&mut *self.conn().await?).await?;
        Ok(())
    }

    /// The connections this store holds, for `/metrics`: no statement is run. On SQLite the
    /// one shared connection counts as in use while an operation holds it.
    pub fn pool_stats(&self) -> PoolStats {
        match &self.handle {
            Handle::Shared(conn) => {
                let idle = u32::from(conn.try_lock().is_ok());
                PoolStats { open: 1, idle, max: 1 }
            }
            Handle::Pool(pool) => {
                PoolStats { open: pool.size(), idle: pool.num_idle() as u32, max: pool.options().get_max_connections() }
            }
        }
    }

    /// Closes the pool (PostgreSQL); the SQLite connection closes with the last handle.
    pub async fn close(&self) {
        if let Handle::Pool(pool) = &self.handle {
            pool.close().await;
        }
    }
}

/// The connections a [`Store`] holds (see [`Store::pool_stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open, in use or idle.
    pub open: u32,
    /// Open connections no operation holds.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// A database URL with its password hidden, for messages.
pub fn redact_url(url: &str) -> String {
    match url_user_parts(url) {
        Some((scheme, user, rest)) => format!("{scheme}://{user}:***@{rest}"),
        None => url.to_owned(),
    }
}

/// A URL's scheme, user name and what follows its `@` (host, database, options), when it names
/// a user: the parts around the password.
pub(crate) fn url_user_parts(url: &str) -> Option<(&str, &str, &str)> {
    let scheme = url.find("://")?;
    let at = url.rfind('@').filter(|&at| at > scheme)?;
    let user = url[scheme + 3..at].split(':').next().unwrap_or_default();
    Some((&url[..scheme], user, &url[at + 1..]))
}

/// A query text assembled at run time. Audited: every caller interpolates only constants of
/// this module (column lists, lock clauses) and integers, never input.
pub(crate) fn sql(text: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(text)
}

/// Rows per multi-row statement at most: well under both backends' limits on bound parameters.
pub(crate) const ROWS_PER_STATEMENT: usize = 256;
/// Ids in one `IN` list at most.
const IDS_PER_STATEMENT: usize = 1024;

/// Cuts rows into runs whose lengths are powers of two (at most [`ROWS_PER_STATEMENT`]), so
/// that multi-row statements come in a few shapes, each prepared once and then cached, rather
/// than a new one to parse for every batch size.
pub(crate) fn statement_chunks<T>(rows: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = rows;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let len = (1usize << rest.len().ilog2()).min(ROWS_PER_STATEMENT);
        let (chunk, tail) = rest.split_at(len);
        rest = tail;
        Some(chunk)
    })
}

/// Ids cut into lists for `IN (...)`, in order, each padded to a power of two by repeating its
/// last id (harmless in an `IN` list), for the same reason as [`statement_chunks`].
pub(crate) fn id_chunks<T: Clone>(ids: &[T]) -> impl Iterator<Item = Vec<T>> + '_ {
    ids.chunks(IDS_PER_STATEMENT).map(|chunk| {
        let mut padded = chunk.to_vec();
        padded.resize(chunk.len().next_power_of_two(), chunk[chunk.len() - 1].clone());
        padded
    })
}

/// `$first, $first+1, …` for `count` parameters.
pub(crate) fn params(first: usize, count: usize) -> String {
    (first..first + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// `($1, $2, $3), ($4, $5, $6)` for `rows` rows of `columns` parameters.
pub(crate) fn values_list(rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        if row > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for col in 0..columns {
            if col > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(row * columns + col + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// Parses a text column into a type with rules, reporting corrupt rows clearly.
pub(crate) fn parse_column<T: FromStr>(value: &str, what: &str) -> Result<T> {
    value.parse().map_err(|_| StoreError::Corrupt(format!("{what} `{value}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_chunks_are_powers_of_two_covering_every_row() {
        for n in 0..700usize {
            let rows: Vec<usize> = (0..n).collect();
            let chunks: Vec<&[usize]> = statement_chunks(&rows).collect();
            assert!(chunks.iter().all(|c| c.len().is_power_of_two() && c.len() <= ROWS_PER_STATEMENT));
            assert_eq!(chunks.concat(), rows);
        }
    }

    #[test]
    fn id_chunks_pad_with_the_last_id() {
        let chunks: Vec<Vec<i64>> = id_chunks(&[5, 6, 7]).collect();
        assert_eq!(chunks, vec![vec![5, 6, 7, 7]]);
        let many: Vec<i64> = (0..1500).collect();
        let chunks: Vec<Vec<i64>> = id_chunks(&many).collect();
        assert_eq!(chunks[0].len(), 1024);
        assert_eq!(chunks[1].len(), 512);
        assert_eq!(chunks[1][511], 1499);
    }

    #[test]
    fn values_lists_number_their_parameters() {
        assert_eq!(values_list(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }

    #[test]
    fn passwords_are_hidden_in_urls() {
        assert_eq!(redact_url("postgres://bob:secret@db:5432/x"), "postgres://bob:***@db:5432/x");
        assert_eq!(redact_url("sqlite://statbot.db"), "sqlite://statbot.db");
        // An `@` in the password: the last one ends the user information.
        assert_eq!(url_user_parts("postgres://bob:p@ss@db/x"), Some(("postgres", "bob", "db/x")));
        assert_eq!(url_user_parts("postgres://bob@db/x"), Some(("postgres", "bob", "db/x")));
        assert_eq!(url_user_parts("postgres://db/x"), None);
    }
}
