//! Inbox sessions written straight into the test's database, as the live inbox records them
//! (one row per stretch of a conversation a person had), for the team's automatic figures.

use statbot::store::Store;

/// One stretch of a conversation: when a person was asked for, who answered first and when,
/// and when it went back to the bot. Moments are RFC 3339 with their offset.
pub struct Stretch<'a> {
    pub asked: &'a str,
    pub answered: Option<(i64, &'a str)>,
    pub released: Option<&'a str>,
}

/// Epoch milliseconds of an RFC 3339 moment.
pub fn ms(moment: &str) -> i64 {
    moment.parse::<jiff::Timestamp>().expect("an RFC 3339 moment").as_millisecond()
}

/// A contact for the sessions to belong to.
pub async fn contact(store: &Store, external_id: &str) -> i64 {
    let mut conn = store.conn().await.unwrap();
    let row = sqlx::query(
        "INSERT INTO contacts (platform, external_id, context, created_at, updated_at) \
         VALUES ('messenger', $1, '{}', 0, 0) RETURNING id",
    )
    .bind(external_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    sqlx::Row::get(&row, 0)
}

/// Writes the stretches of `contact_id`'s conversation (asked for in words; released by the
/// operator when released).
pub async fn record(store: &Store, contact_id: i64, stretches: &[Stretch<'_>]) {
    let mut conn = store.conn().await.unwrap();
    for s in stretches {
        sqlx::query(
            "INSERT INTO inbox_sessions (contact_id, reason, asked_at, taken_by, taken_at, first_response_by, \
             first_response_at, released_at, released_by) VALUES ($1, 'words', $2, $3, $4, $3, $4, $5, $6)",
        )
        .bind(contact_id)
        .bind(ms(s.asked))
        .bind(s.answered.map(|(user, _)| user))
        .bind(s.answered.map(|(_, at)| ms(at)))
        .bind(s.released.map(ms))
        .bind(s.released.map(|_| "operator"))
        .execute(&mut *conn)
        .await
        .unwrap();
    }
}
