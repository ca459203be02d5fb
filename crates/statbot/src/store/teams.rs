//! Teams and their daily figures: each team's definition (JSON, read by `crate::team`) and one
//! row per team, day and metric.

use super::{Result, Store, StoreError, now_ms, sql, statement_chunks, values_list};
use sqlx::{Row, any::AnyRow};

#[derive(Debug, Clone)]
pub struct StoredTeam {
    pub id: i64,
    pub name: String,
    /// The team's metrics and ratios, as JSON.
    pub definition: String,
    pub created_at: i64,
}

/// One stored figure: a day (`YYYY-MM-DD`), a metric key and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFigure {
    pub day: String,
    pub metric: String,
    pub value: f64,
}

/// How a day's new figures meet the ones already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayWrite {
    /// The day holds exactly the new figures afterwards.
    Replace,
    /// The new figures replace those of the same metrics; the others stay.
    Merge,
}

const TEAM_COLUMNS: &str = "id, name, definition, created_at";

fn team_from_row(row: &AnyRow) -> Result<StoredTeam> {
    Ok(StoredTeam {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        definition: row.try_get("definition")?,
        created_at: row.try_get("created_at")?,
    })
}

impl Store {
    pub async fn create_team(&self, name: &str, definition: &str) -> Result<StoredTeam> {
        let result = sqlx::query(sql(format!(
            "INSERT INTO teams (name, definition, created_at) VALUES ($1, $2, $3) RETURNING {TEAM_COLUMNS}"
        )))
        .bind(name)
        .bind(definition)
        .bind(now_ms())
        .fetch_one(&mut *self.conn().await?)
        .await;
        match result {
            Ok(row) => team_from_row(&row),
            Err(e) => {
                let e = StoreError::from(e);
                Err(if e.is_unique_violation() { StoreError::Conflict(format!("team `{name}`")) } else { e })
            }
        }
    }

    /// The team of that name, whatever its case.
    pub async fn team_by_name(&self, name: &str) -> Result<Option<StoredTeam>> {
        let row = sqlx::query(sql(format!("SELECT {TEAM_COLUMNS} FROM teams WHERE lower(name) = lower($1)")))
            .bind(name)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(team_from_row).transpose()
    }

    pub async fn team(&self, id: i64) -> Result<Option<StoredTeam>> {
        let row = sqlx::query(sql(format!("SELECT {TEAM_COLUMNS} FROM teams WHERE id = $1")))
            .bind(id)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        row.as_ref().map(team_from_row).transpose()
    }

    pub async fn teams(&self) -> Result<Vec<StoredTeam>> {
        let rows = sqlx::query(sql(format!("SELECT {TEAM_COLUMNS} FROM teams ORDER BY lower(name)")))
            .fetch_all(&mut *self.conn().await?)
            .await?;
        rows.iter().map(team_from_row).collect()
    }

    pub async fn set_team_definition(&self, team_id: i64, definition: &str) -> Result<()> {
        let done = sqlx::query("UPDATE teams SET definition = $1 WHERE id = $2")
            .bind(definition)
            .bind(team_id)
            .execute(&mut *self.conn().await?)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("team {team_id}")));
        }
        Ok(())
    }

    /// A team's figures for the days `from..=to` (`YYYY-MM-DD`), by day then metric.
    pub async fn team_figures(&self, team_id: i64, from: &str, to: &str) -> Result<Vec<StoredFigure>> {
        let rows = sqlx::query(
            "SELECT day, metric, value FROM team_stats WHERE team_id = $1 AND day >= $2 AND day <= $3 \
             ORDER BY day, metric",
        )
        .bind(team_id)
        .bind(from)
        .bind(to)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter()
            .map(|row| Ok(StoredFigure { day: row.try_get(0)?, metric: row.try_get(1)?, value: row.try_get(2)? }))
            .collect()
    }

    /// Writes a day's figures in one transaction.
    pub async fn put_team_day(
        &self,
        team_id: i64,
        day: &str,
        figures: &[(String, f64)],
        mode: DayWrite,
        user_id: Option<i64>,
    ) -> Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        if mode == DayWrite::Replace {
            sqlx::query("DELETE FROM team_stats WHERE team_id = $1 AND day = $2")
                .bind(team_id)
                .bind(day)
                .execute(&mut *tx)
                .await?;
        }
        let now = now_ms();
        for chunk in statement_chunks(figures) {
            let text = format!(
                "INSERT INTO team_stats (team_id, day, metric, value, updated_at, updated_by) VALUES {} \
                 ON CONFLICT (team_id, day, metric) DO UPDATE SET value = excluded.value, \
                 updated_at = excluded.updated_at, updated_by = excluded.updated_by",
                values_list(chunk.len(), 6)
            );
            let mut query = sqlx::query(sql(text));
            for (metric, value) in chunk {
                query = query.bind(team_id).bind(day).bind(metric).bind(*value).bind(now).bind(user_id);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
