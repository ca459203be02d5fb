//! Delivery and read receipts on the outbox: a reply is marked delivered or read (`delivered_at`,
//! `read_at`, the platform's time) when a receipt names its platform message id, or when a
//! receipt's watermark says every message to its contact sent before then arrived or was read.
//! Written inside the webhook intake's transaction, a few statements per group of deliveries
//! however many receipts it holds; a receipt only ever fills a time still empty.

use super::{Result, Store, params, sql, statement_chunks};
use sqlx::{AnyConnection, Row};
use statbot_core::{Platform, Receipt, ReceiptKind};
use std::collections::HashMap;

/// Our `sent_at` is when the Send API answered, a little after Meta timestamped the message, and
/// the watermark is Meta's time: a reply counts as covered by a watermark up to this much later.
const WATERMARK_SLACK_MS: i64 = 2_000;

/// The column a kind of receipt fills, and what it fills too (a read message was delivered).
fn set_clause(kind: ReceiptKind, value: &str) -> String {
    match kind {
        ReceiptKind::Delivered => format!("delivered_at = COALESCE(delivered_at, {value})"),
        ReceiptKind::Read => {
            format!("read_at = COALESCE(read_at, {value}), delivered_at = COALESCE(delivered_at, {value})")
        }
    }
}

fn column(kind: ReceiptKind) -> &'static str {
    match kind {
        ReceiptKind::Delivered => "delivered_at",
        ReceiptKind::Read => "read_at",
    }
}

/// Records receipts on the replies they name. Receipts from people statbot does not know are
/// ignored; `known` holds contact ids already resolved (the store's cache and the messages of
/// the same group).
pub(super) async fn record(
    conn: &mut AnyConnection,
    receipts: &[Receipt],
    known: &HashMap<(Platform, String), i64>,
    store: &Store,
) -> Result<()> {
    for kind in [ReceiptKind::Delivered, ReceiptKind::Read] {
        let mids: Vec<(&str, i64)> = receipts
            .iter()
            .filter(|r| r.kind == kind)
            .flat_map(|r| r.mids.iter().map(move |mid| (mid.as_str(), r.at)))
            .collect();
        by_message_id(conn, kind, &mids).await?;
    }
    let with_watermark: Vec<&Receipt> = receipts.iter().filter(|r| r.watermark.is_some()).collect();
    if with_watermark.is_empty() {
        return Ok(());
    }
    let contacts = resolve(conn, &with_watermark, known, store).await?;
    for kind in [ReceiptKind::Delivered, ReceiptKind::Read] {
        // The latest watermark of each contact (and when it came).
        let mut latest: HashMap<i64, (i64, i64)> = HashMap::new();
        for receipt in with_watermark.iter().filter(|r| r.kind == kind) {
            let (Some(id), Some(watermark)) =
                (contacts.get(&(receipt.platform, receipt.recipient.clone())), receipt.watermark)
            else {
                continue;
            };
            let entry = latest.entry(*id).or_insert((watermark, receipt.at));
            if watermark > entry.0 {
                *entry = (watermark, receipt.at);
            }
        }
        let rows: Vec<(i64, i64, i64)> = latest.into_iter().map(|(id, (w, at))| (id, at, w)).collect();
        by_watermark(conn, kind, &rows).await?;
    }
    Ok(())
}

/// Marks the replies with these platform message ids, each with its receipt's time.
async fn by_message_id(conn: &mut AnyConnection, kind: ReceiptKind, mids: &[(&str, i64)]) -> Result<()> {
    for chunk in statement_chunks(mids) {
        let cases: String = (0..chunk.len()).map(|i| format!(" WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2)).collect();
        let list = (0..chunk.len()).map(|i| format!("${}", 2 * i + 1)).collect::<Vec<_>>().join(", ");
        let query_text = format!(
            "UPDATE outbox SET {} WHERE platform_message_id IN ({list}) AND {} IS NULL",
            set_clause(kind, &format!("CASE platform_message_id{cases} END")),
            column(kind)
        );
        let mut query = sqlx::query(sql(query_text));
        for (mid, at) in chunk {
            query = query.bind(*mid).bind(*at);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Marks every sent reply to each contact up to its watermark: rows of (contact id, receipt
/// time, watermark).
async fn by_watermark(conn: &mut AnyConnection, kind: ReceiptKind, rows: &[(i64, i64, i64)]) -> Result<()> {
    for chunk in statement_chunks(rows) {
        let cases: String = (0..chunk.len()).map(|i| format!(" WHEN ${} THEN ${}", 3 * i + 1, 3 * i + 2)).collect();
        let covered = (0..chunk.len())
            .map(|i| format!("(contact_id = ${} AND sent_at <= ${})", 3 * i + 1, 3 * i + 3))
            .collect::<Vec<_>>()
            .join(" OR ");
        let query_text = format!(
            "UPDATE outbox SET {} WHERE status = 'sent' AND {} IS NULL AND ({covered})",
            set_clause(kind, &format!("CASE contact_id{cases} END")),
            column(kind)
        );
        let mut query = sqlx::query(sql(query_text));
        for (contact_id, at, watermark) in chunk {
            query = query.bind(*contact_id).bind(*at).bind(watermark.saturating_add(WATERMARK_SLACK_MS));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The contact ids of the receipts' recipients: from `known`, the store's cache, then the table
/// (never inserted: a receipt does not make a contact).
async fn resolve(
    conn: &mut AnyConnection,
    receipts: &[&Receipt],
    known: &HashMap<(Platform, String), i64>,
    store: &Store,
) -> Result<HashMap<(Platform, String), i64>> {
    let mut ids = HashMap::new();
    let mut missing: Vec<(Platform, &str)> = receipts
        .iter()
        .filter(|r| match known.get(&(r.platform, r.recipient.clone())) {
            Some(id) => {
                ids.insert((r.platform, r.recipient.clone()), *id);
                false
            }
            None => true,
        })
        .map(|r| (r.platform, r.recipient.as_str()))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    store.contact_ids.resolve(&mut missing, &mut ids);
    for run in missing.chunk_by(|a, b| a.0 == b.0) {
        for chunk in statement_chunks(run) {
            let select = format!(
                "SELECT id, external_id FROM contacts WHERE platform = $1 AND external_id IN ({})",
                params(2, chunk.len())
            );
            let mut query = sqlx::query(sql(select)).bind(chunk[0].0.as_str());
            for (_, recipient) in chunk {
                query = query.bind(*recipient);
            }
            for row in query.fetch_all(&mut *conn).await? {
                ids.insert((chunk[0].0, row.try_get::<String, _>("external_id")?), row.try_get::<i64, _>("id")?);
            }
        }
    }
    Ok(ids)
}
