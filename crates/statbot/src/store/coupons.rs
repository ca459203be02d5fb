//! Unique coupon codes: a pool per flow coupon, each code handed out to one contact only, and
//! a contact who asks again gets the code they already have.

use super::{Result, Store, now_ms, sql, statement_chunks, values_list};
use sqlx::{AnyConnection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CouponClaim {
    /// The contact's code; `fresh` when handed out just now.
    Code { code: String, fresh: bool },
    /// The pool has no code left.
    Exhausted,
}

/// Hands a code of the pool to a contact, or returns the one they already have.
pub(crate) async fn claim(conn: &mut AnyConnection, flow: &str, coupon: &str, contact_id: i64) -> Result<CouponClaim> {
    let existing = sqlx::query("SELECT code FROM coupon_codes WHERE flow = $1 AND coupon = $2 AND contact_id = $3")
        .bind(flow)
        .bind(coupon)
        .bind(contact_id)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(row) = existing {
        return Ok(CouponClaim::Code { code: row.try_get(0)?, fresh: false });
    }
    // Two instances may pick the same free code on PostgreSQL: the second UPDATE waits for the
    // first to commit, then finds `contact_id` set, changes nothing and tries the next code.
    // (SKIP LOCKED would avoid the wait but could report a pool exhausted while its last free
    // codes are merely locked.)
    for _ in 0..8 {
        let claimed = sqlx::query(
            "UPDATE coupon_codes SET contact_id = $1, assigned_at = $2 \
             WHERE flow = $3 AND coupon = $4 AND contact_id IS NULL AND code = ( \
               SELECT code FROM coupon_codes WHERE flow = $3 AND coupon = $4 AND contact_id IS NULL \
               ORDER BY code LIMIT 1) \
             RETURNING code",
        )
        .bind(contact_id)
        .bind(now_ms())
        .bind(flow)
        .bind(coupon)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(row) = claimed {
            return Ok(CouponClaim::Code { code: row.try_get(0)?, fresh: true });
        }
        let free =
            sqlx::query("SELECT COUNT(*) FROM coupon_codes WHERE flow = $1 AND coupon = $2 AND contact_id IS NULL")
                .bind(flow)
                .bind(coupon)
                .fetch_one(&mut *conn)
                .await?;
        if free.try_get::<i64, _>(0)? == 0 {
            break;
        }
    }
    Ok(CouponClaim::Exhausted)
}

impl Store {
    /// Adds a flow's pool codes; codes already known (handed out or not) are left as they are.
    pub async fn load_coupon_pool(&self, flow: &str, coupon: &str, codes: &[String]) -> Result<()> {
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        for chunk in statement_chunks(codes) {
            let query_text = format!(
                "INSERT INTO coupon_codes (flow, coupon, code) VALUES {} ON CONFLICT DO NOTHING",
                values_list(chunk.len(), 3)
            );
            let mut query = sqlx::query(sql(query_text));
            for code in chunk {
                query = query.bind(flow).bind(coupon).bind(code.as_str());
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Codes of a pool not handed out yet.
    pub async fn coupon_codes_left(&self, flow: &str, coupon: &str) -> Result<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) FROM coupon_codes WHERE flow = $1 AND coupon = $2 AND contact_id IS NULL")
                .bind(flow)
                .bind(coupon)
                .fetch_one(&mut *self.conn().await?)
                .await?;
        Ok(row.try_get(0)?)
    }
}
