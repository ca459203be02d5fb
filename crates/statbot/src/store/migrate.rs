//! Schema migrations: SQL files embedded per backend, applied in order inside transactions and
//! recorded in `schema_migrations`. On PostgreSQL an advisory lock keeps instances starting
//! together from migrating twice.

use super::{Backend, Result, Store, now_ms};
use sqlx::Row;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sqlite: include_str!("../../migrations/sqlite/0001_init.sql"),
        postgres: include_str!("../../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "outbox_lease_owner",
        sqlite: include_str!("../../migrations/sqlite/0002_outbox_lease_owner.sql"),
        postgres: include_str!("../../migrations/postgres/0002_outbox_lease_owner.sql"),
    },
    Migration {
        version: 3,
        name: "funnels",
        sqlite: include_str!("../../migrations/sqlite/0003_funnels.sql"),
        postgres: include_str!("../../migrations/postgres/0003_funnels.sql"),
    },
    Migration {
        version: 4,
        name: "sessions",
        sqlite: include_str!("../../migrations/sqlite/0004_sessions.sql"),
        postgres: include_str!("../../migrations/postgres/0004_sessions.sql"),
    },
    Migration {
        version: 5,
        name: "datasets",
        sqlite: include_str!("../../migrations/sqlite/0005_datasets.sql"),
        postgres: include_str!("../../migrations/postgres/0005_datasets.sql"),
    },
    Migration {
        version: 6,
        name: "team_stats",
        sqlite: include_str!("../../migrations/sqlite/0006_team_stats.sql"),
        postgres: include_str!("../../migrations/postgres/0006_team_stats.sql"),
    },
    Migration {
        version: 7,
        name: "stripe",
        sqlite: include_str!("../../migrations/sqlite/0007_stripe.sql"),
        postgres: include_str!("../../migrations/postgres/0007_stripe.sql"),
    },
    Migration {
        version: 8,
        name: "stripe_rollups",
        sqlite: include_str!("../../migrations/sqlite/0008_stripe_rollups.sql"),
        postgres: include_str!("../../migrations/postgres/0008_stripe_rollups.sql"),
    },
    Migration {
        version: 9,
        name: "shop",
        sqlite: include_str!("../../migrations/sqlite/0009_shop.sql"),
        postgres: include_str!("../../migrations/postgres/0009_shop.sql"),
    },
    Migration {
        version: 10,
        name: "staff_links",
        sqlite: include_str!("../../migrations/sqlite/0010_staff_links.sql"),
        postgres: include_str!("../../migrations/postgres/0010_staff_links.sql"),
    },
    Migration {
        version: 11,
        name: "stripe_long_ranges",
        sqlite: include_str!("../../migrations/sqlite/0011_stripe_long_ranges.sql"),
        postgres: include_str!("../../migrations/postgres/0011_stripe_long_ranges.sql"),
    },
    Migration {
        version: 12,
        name: "login_attempts",
        sqlite: include_str!("../../migrations/sqlite/0012_login_attempts.sql"),
        postgres: include_str!("../../migrations/postgres/0012_login_attempts.sql"),
    },
    Migration {
        version: 13,
        name: "rate_limits",
        sqlite: include_str!("../../migrations/sqlite/0013_rate_limits.sql"),
        postgres: include_str!("../../migrations/postgres/0013_rate_limits.sql"),
    },
    Migration {
        version: 14,
        name: "account_versions",
        sqlite: include_str!("../../migrations/sqlite/0014_account_versions.sql"),
        postgres: include_str!("../../migrations/postgres/0014_account_versions.sql"),
    },
    Migration {
        version: 15,
        name: "shop_stripe_customers",
        sqlite: include_str!("../../migrations/sqlite/0015_shop_stripe_customers.sql"),
        postgres: include_str!("../../migrations/postgres/0015_shop_stripe_customers.sql"),
    },
    Migration {
        version: 16,
        name: "messenger_window_referrals",
        sqlite: include_str!("../../migrations/sqlite/0016_messenger_window_referrals.sql"),
        postgres: include_str!("../../migrations/postgres/0016_messenger_window_referrals.sql"),
    },
    Migration {
        version: 17,
        name: "privacy",
        sqlite: include_str!("../../migrations/sqlite/0017_privacy.sql"),
        postgres: include_str!("../../migrations/postgres/0017_privacy.sql"),
    },
    Migration {
        version: 18,
        name: "funnels_by_ref",
        sqlite: include_str!("../../migrations/sqlite/0018_funnels_by_ref.sql"),
        postgres: include_str!("../../migrations/postgres/0018_funnels_by_ref.sql"),
    },
    Migration {
        version: 19,
        name: "inbox",
        sqlite: include_str!("../../migrations/sqlite/0019_inbox.sql"),
        postgres: include_str!("../../migrations/postgres/0019_inbox.sql"),
    },
    Migration {
        version: 20,
        name: "segments",
        sqlite: include_str!("../../migrations/sqlite/0020_segments.sql"),
        postgres: include_str!("../../migrations/postgres/0020_segments.sql"),
    },
    Migration {
        version: 21,
        name: "split_variants",
        sqlite: include_str!("../../migrations/sqlite/0021_split_variants.sql"),
        postgres: include_str!("../../migrations/postgres/0021_split_variants.sql"),
    },
    Migration {
        version: 22,
        name: "follow_ups_receipts",
        sqlite: include_str!("../../migrations/sqlite/0022_follow_ups_receipts.sql"),
        postgres: include_str!("../../migrations/postgres/0022_follow_ups_receipts.sql"),
    },
    Migration {
        version: 23,
        name: "broadcasts",
        sqlite: include_str!("../../migrations/sqlite/0023_broadcasts.sql"),
        postgres: include_str!("../../migrations/postgres/0023_broadcasts.sql"),
    },
    Migration {
        version: 24,
        name: "redemptions",
        sqlite: include_str!("../../migrations/sqlite/0024_redemptions.sql"),
        postgres: include_str!("../../migrations/postgres/0024_redemptions.sql"),
    },
    Migration {
        version: 25,
        name: "send_started_broadcast_credit",
        sqlite: include_str!("../../migrations/sqlite/0025_send_started_broadcast_credit.sql"),
        postgres: include_str!("../../migrations/postgres/0025_send_started_broadcast_credit.sql"),
    },
    Migration {
        version: 26,
        name: "job_schedule",
        sqlite: include_str!("../../migrations/sqlite/0026_job_schedule.sql"),
        postgres: include_str!("../../migrations/postgres/0026_job_schedule.sql"),
    },
];

/// The tables whose rows the migrations themselves write (`INSERT INTO name`), such as
/// `funnel_rollup`'s single row: a freshly migrated database holds them, so they do not make it
/// "not empty", and a copy replaces them with the source's.
pub(crate) fn seeded_tables(backend: Backend) -> Vec<String> {
    let mut tables = Vec::new();
    for migration in MIGRATIONS {
        let sql = match backend {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        let mut rest = sql;
        while let Some(at) = rest.to_ascii_uppercase().find("INSERT INTO ") {
            rest = &rest[at + "INSERT INTO ".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() && !tables.contains(&name) {
                tables.push(name);
            }
        }
    }
    tables
}

/// Arbitrary constant naming statbot's migration lock.
const PG_MIGRATION_LOCK: i64 = 0x5157_4154_4d49_4752;

pub(super) async fn run(store: &Store) -> Result<()> {
    let mut conn = store.conn().await?;
    if store.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)").bind(PG_MIGRATION_LOCK).execute(&mut *conn).await?;
    }
    let result = apply_pending(store.backend, &mut conn).await;
    if store.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)").bind(PG_MIGRATION_LOCK).execute(&mut *conn).await?;
    }
    result
}

async fn apply_pending(backend: Backend, conn: &mut sqlx::AnyConnection) -> Result<()> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    for migration in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
        let sql = match backend {
            Backend::Sqlite => migration.sqlite,
            Backend::Postgres => migration.postgres,
        };
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(migration.version)
            .bind(migration.name)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version = migration.version, name = migration.name, "applied migration");
    }
    Ok(())
}

/// The newest migration this binary knows: a database at a higher version was written by a
/// newer statbot.
pub fn latest_version() -> i64 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}
