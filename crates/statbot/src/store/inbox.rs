//! The live inbox's tables: who has each conversation (the bot, nobody yet, an operator), the
//! contact's unread messages, and the stretches a person had it (`inbox_sessions`, read by the
//! team's figures). The engine marks requests for a person and counts messages inside its own
//! transaction; operators take over, reply, assign and hand back through [`Store`] methods, each
//! one transaction that locks the conversation's row first, so two operators (or instances)
//! acting at once serialize.

use super::{Backend, Contact, NewReply, Result, Store, StoreError, contacts, id_chunks, params, parse_column, sql};
use serde::Serialize;
use sqlx::{AnyConnection, Row};
use statbot_core::Platform;
use std::collections::HashMap;

/// Who answers a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxStatus {
    /// The bot answers.
    Bot,
    /// The contact asked for a person and nobody took it yet; the bot is silent.
    NeedsPerson,
    /// An operator has it; the bot is silent.
    Taken,
}

impl InboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InboxStatus::Bot => "bot",
            InboxStatus::NeedsPerson => "needs_person",
            InboxStatus::Taken => "taken",
        }
    }

    /// Whether the bot keeps quiet.
    pub fn is_with_a_person(self) -> bool {
        self != InboxStatus::Bot
    }
}

impl std::str::FromStr for InboxStatus {
    type Err = ();
    fn from_str(s: &str) -> std::result::Result<Self, ()> {
        match s {
            "bot" => Ok(InboxStatus::Bot),
            "needs_person" => Ok(InboxStatus::NeedsPerson),
            "taken" => Ok(InboxStatus::Taken),
            _ => Err(()),
        }
    }
}

/// Why a person was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoffReason {
    /// "talk to a person", "human"...
    Words,
    /// A flow button marked `handoff = true`.
    Button,
    /// Twice in a row not understood.
    NotUnderstood,
    /// An operator stepped in without being asked.
    Operator,
}

impl HandoffReason {
    pub fn as_str(self) -> &'static str {
        match self {
            HandoffReason::Words => "words",
            HandoffReason::Button => "button",
            HandoffReason::NotUnderstood => "not_understood",
            HandoffReason::Operator => "operator",
        }
    }
}

/// An operator, as the inbox names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorRef {
    pub id: i64,
    pub username: String,
}

/// A contact as the inbox shows it.
#[derive(Debug, Clone, Serialize)]
pub struct InboxConversation {
    #[serde(skip)]
    pub contact: Contact,
    pub status: InboxStatus,
    /// The team whose operators see it; `None`: the inbox's team (`[inbox] team`).
    pub team_id: Option<i64>,
    pub assigned: Option<OperatorRef>,
    /// When the current request for a person began.
    pub asked_at: Option<i64>,
    pub taken_at: Option<i64>,
    /// The operator's latest reply or take-over.
    pub last_operator_at: Option<i64>,
    /// The contact's messages since an operator last opened the conversation.
    pub unread: i64,
    /// The contact's latest message, in words.
    pub preview: Option<String>,
}

/// Which conversations to list.
#[derive(Debug, Clone, Default)]
pub struct InboxQuery {
    /// `None`: every contact.
    pub status: Option<InboxStatus>,
    pub assigned: Option<i64>,
    pub platform: Option<Platform>,
    /// Part of a name, any case.
    pub search: String,
    /// A staff member's view: only conversations of their team.
    pub team: Option<TeamScope>,
    pub limit: i64,
}

/// The team a staff member sees, and the inbox's team (whose are the conversations no one
/// assigned to another team).
#[derive(Debug, Clone, Copy)]
pub struct TeamScope {
    pub own: i64,
    pub inbox: i64,
}

impl TeamScope {
    /// Whether a conversation of `team_id` (none: the inbox's) is the staff member's to see.
    pub fn includes(&self, team_id: Option<i64>) -> bool {
        team_id.unwrap_or(self.inbox) == self.own
    }
}

/// What an operator's action changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changed {
    pub was: InboxStatus,
    pub now: InboxStatus,
}

/// A conversation's columns, read from `k`: a page of contacts with their `conversations` row
/// (`cv_*`), chosen and ordered before the operator's name and the latest message are looked up
/// for that page only.
const LIST_COLUMNS: &str = "k.*, u.username AS assigned_username, \
     (SELECT CASE WHEN i.kind = 'attachment' THEN '(an attachment)' ELSE COALESCE(i.text, i.payload) END \
        FROM inbound i WHERE i.contact_id = k.id ORDER BY i.id DESC LIMIT 1) AS inbox_preview";

/// Contacts' columns with their conversation's, for the page subquery `k`.
const PAGE_COLUMNS: &str = "c.*, COALESCE(cv.status, 'bot') AS inbox_status, cv.team_id AS inbox_team_id, \
     cv.assigned_user_id, cv.asked_at AS inbox_asked_at, cv.taken_at AS inbox_taken_at, \
     cv.last_operator_at AS inbox_last_operator_at, COALESCE(cv.unread, 0) AS inbox_unread";

fn conversation_from_row(row: &sqlx::any::AnyRow) -> Result<InboxConversation> {
    let assigned = match (row.try_get::<Option<i64>, _>("assigned_user_id")?, row.try_get("assigned_username")?) {
        (Some(id), Some(username)) => Some(OperatorRef { id, username }),
        _ => None,
    };
    Ok(InboxConversation {
        contact: contacts::from_row(row)?,
        status: parse_column(&row.try_get::<String, _>("inbox_status")?, "inbox status")?,
        team_id: row.try_get("inbox_team_id")?,
        assigned,
        asked_at: row.try_get("inbox_asked_at")?,
        taken_at: row.try_get("inbox_taken_at")?,
        last_operator_at: row.try_get("inbox_last_operator_at")?,
        unread: row.try_get("inbox_unread")?,
        preview: row.try_get("inbox_preview")?,
    })
}

/// One page of the inbox in `status` (`None`: every contact), the latest active first.
async fn inbox_page(
    conn: &mut AnyConnection,
    query: &InboxQuery,
    status: Option<InboxStatus>,
) -> Result<Vec<InboxConversation>> {
    let mut conditions = Vec::new();
    let mut next = 0;
    let mut param = || {
        next += 1;
        format!("${next}")
    };
    // With a person: from the few rows of `conversations` in that status. Otherwise from the
    // contacts, by last activity.
    let from = match status {
        Some(InboxStatus::Bot) => {
            conditions.push("(cv.status IS NULL OR cv.status = 'bot')".to_owned());
            "contacts c LEFT JOIN conversations cv ON cv.contact_id = c.id".to_owned()
        }
        Some(_) => {
            conditions.push(format!("cv.status = {}", param()));
            "conversations cv JOIN contacts c ON c.id = cv.contact_id".to_owned()
        }
        None => "contacts c LEFT JOIN conversations cv ON cv.contact_id = c.id".to_owned(),
    };
    let search = query.search.trim();
    if !search.is_empty() {
        conditions.push(format!(
            "LOWER(COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, '')) LIKE {} ESCAPE '\\'",
            param()
        ));
    }
    if query.assigned.is_some() {
        conditions.push(format!("cv.assigned_user_id = {}", param()));
    }
    if query.platform.is_some() {
        conditions.push(format!("c.platform = {}", param()));
    }
    if query.team.is_some() {
        let (inbox, own) = (param(), param());
        conditions.push(format!("COALESCE(cv.team_id, {inbox}) = {own}"));
    }
    let limit = param();
    let filter = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
    let text = format!(
        "SELECT {LIST_COLUMNS} FROM ( \
           SELECT {PAGE_COLUMNS} FROM {from} {filter} ORDER BY c.updated_at DESC, c.id DESC LIMIT {limit} \
         ) k LEFT JOIN users u ON u.id = k.assigned_user_id ORDER BY k.updated_at DESC, k.id DESC"
    );
    let mut q = sqlx::query(sql(text));
    if let Some(status @ (InboxStatus::NeedsPerson | InboxStatus::Taken)) = status {
        q = q.bind(status.as_str());
    }
    if !search.is_empty() {
        let escaped = search.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        q = q.bind(format!("%{escaped}%"));
    }
    if let Some(assigned) = query.assigned {
        q = q.bind(assigned);
    }
    if let Some(platform) = query.platform {
        q = q.bind(platform.as_str());
    }
    if let Some(team) = query.team {
        q = q.bind(team.inbox).bind(team.own);
    }
    let rows = q.bind(query.limit).fetch_all(&mut *conn).await?;
    rows.iter().map(conversation_from_row).collect()
}

/// The conversations of `ids` that are with a person (the others are the bot's).
pub(crate) async fn with_a_person(conn: &mut AnyConnection, ids: &[i64]) -> Result<HashMap<i64, InboxStatus>> {
    let mut found = HashMap::new();
    for chunk in id_chunks(ids) {
        let mut query = sqlx::query(sql(format!(
            "SELECT contact_id, status FROM conversations WHERE status <> 'bot' AND contact_id IN ({})",
            params(1, chunk.len())
        )));
        for id in chunk {
            query = query.bind(id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            found.insert(row.try_get(0)?, parse_column(&row.try_get::<String, _>(1)?, "inbox status")?);
        }
    }
    Ok(found)
}

/// Puts a bot conversation in the inbox, waiting for a person, and opens a session; `false` when
/// it already was with a person (then only the message is counted).
pub(crate) async fn ask_for_person(
    conn: &mut AnyConnection,
    contact_id: i64,
    reason: HandoffReason,
    at: i64,
) -> Result<bool> {
    let asked = sqlx::query(
        "INSERT INTO conversations (contact_id, status, asked_at, last_message_at, unread, updated_at) \
         VALUES ($1, 'needs_person', $2, $2, 1, $2) \
         ON CONFLICT (contact_id) DO UPDATE SET status = 'needs_person', team_id = NULL, \
           assigned_user_id = NULL, asked_at = $2, taken_at = NULL, last_operator_at = NULL, \
           last_message_at = $2, unread = conversations.unread + 1, updated_at = $2 \
         WHERE conversations.status = 'bot'",
    )
    .bind(contact_id)
    .bind(at)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        > 0;
    if asked {
        open_session(conn, contact_id, reason, None, at).await?;
        touch(conn, contact_id, at).await?;
    } else {
        note_messages(conn, contact_id, 1, at).await?;
    }
    Ok(asked)
}

/// The contact was active: the inbox lists the latest active first.
async fn touch(conn: &mut AnyConnection, contact_id: i64, at: i64) -> Result<()> {
    sqlx::query("UPDATE contacts SET updated_at = $1 WHERE id = $2 AND updated_at < $1")
        .bind(at)
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Counts a contact's messages that wait for a person.
pub(crate) async fn note_messages(conn: &mut AnyConnection, contact_id: i64, count: i64, at: i64) -> Result<()> {
    sqlx::query(
        "UPDATE conversations SET unread = unread + $1, last_message_at = $2, updated_at = $2 \
         WHERE contact_id = $3 AND status <> 'bot'",
    )
    .bind(count)
    .bind(at)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    touch(conn, contact_id, at).await
}

async fn open_session(
    conn: &mut AnyConnection,
    contact_id: i64,
    reason: HandoffReason,
    team_id: Option<i64>,
    at: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO inbox_sessions (contact_id, team_id, reason, asked_at) VALUES ($1, $2, $3, $4)")
        .bind(contact_id)
        .bind(team_id)
        .bind(reason.as_str())
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The open session's id: the contact's latest, not yet released.
async fn open_session_id(conn: &mut AnyConnection, contact_id: i64) -> Result<Option<i64>> {
    let row = sqlx::query(
        "SELECT id FROM inbox_sessions WHERE contact_id = $1 AND released_at IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(contact_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.try_get(0)).transpose()?)
}

/// Makes sure the contact has a conversation row and locks it (PostgreSQL) for the rest of the
/// transaction; returns its status. `NotFound` when there is no such contact.
async fn lock(conn: &mut AnyConnection, backend: Backend, contact_id: i64, now: i64) -> Result<InboxStatus> {
    let exists =
        sqlx::query("SELECT 1 FROM contacts WHERE id = $1").bind(contact_id).fetch_optional(&mut *conn).await?;
    if exists.is_none() {
        return Err(StoreError::NotFound(format!("contact {contact_id}")));
    }
    sqlx::query(
        "INSERT INTO conversations (contact_id, status, updated_at) VALUES ($1, 'bot', $2) \
         ON CONFLICT (contact_id) DO NOTHING",
    )
    .bind(contact_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let for_update = if backend == Backend::Postgres { " FOR UPDATE" } else { "" };
    let row = sqlx::query(sql(format!("SELECT status FROM conversations WHERE contact_id = $1{for_update}")))
        .bind(contact_id)
        .fetch_one(&mut *conn)
        .await?;
    parse_column(&row.try_get::<String, _>(0)?, "inbox status")
}

/// Takes the conversation for `user` (of `team_id`), inside a transaction that has [`lock`]ed it.
async fn take(
    conn: &mut AnyConnection,
    contact_id: i64,
    was: InboxStatus,
    user_id: i64,
    team_id: Option<i64>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE conversations SET status = 'taken', team_id = $1, assigned_user_id = $2, \
           asked_at = COALESCE(asked_at, $3), taken_at = $3, last_operator_at = $3, updated_at = $3 \
         WHERE contact_id = $4",
    )
    .bind(team_id)
    .bind(user_id)
    .bind(now)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    if was == InboxStatus::Bot || open_session_id(conn, contact_id).await?.is_none() {
        open_session(conn, contact_id, HandoffReason::Operator, team_id, now).await?;
    }
    if let Some(session) = open_session_id(conn, contact_id).await? {
        sqlx::query(
            "UPDATE inbox_sessions SET taken_by = COALESCE(taken_by, $1), taken_at = COALESCE(taken_at, $2), \
               team_id = $3 WHERE id = $4",
        )
        .bind(user_id)
        .bind(now)
        .bind(team_id)
        .bind(session)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Conversations for the inbox: those waiting for a person first, then the latest active.
    /// Every page is read by index (conversations by status, contacts by last activity), then
    /// only its rows get their latest message: the page costs the same with a hundred contacts
    /// or a million.
    pub async fn inbox(&self, query: &InboxQuery) -> Result<Vec<InboxConversation>> {
        let mut conn = self.conn().await?;
        let (Some(InboxStatus::NeedsPerson) | None) = query.status else {
            return inbox_page(&mut conn, query, query.status).await;
        };
        let mut waiting = inbox_page(&mut conn, query, Some(InboxStatus::NeedsPerson)).await?;
        if query.status.is_none() {
            let latest = inbox_page(&mut conn, query, None).await?;
            let shown: std::collections::HashSet<i64> = waiting.iter().map(|c| c.contact.id).collect();
            waiting.extend(latest.into_iter().filter(|c| !shown.contains(&c.contact.id)));
            waiting.truncate(query.limit.max(0) as usize);
        }
        Ok(waiting)
    }

    /// One contact as the inbox shows it.
    pub async fn inbox_conversation(&self, contact_id: i64) -> Result<Option<InboxConversation>> {
        let row = sqlx::query(sql(format!(
            "SELECT {LIST_COLUMNS} FROM (SELECT {PAGE_COLUMNS} FROM contacts c \
               LEFT JOIN conversations cv ON cv.contact_id = c.id WHERE c.id = $1) k \
             LEFT JOIN users u ON u.id = k.assigned_user_id"
        )))
        .bind(contact_id)
        .fetch_optional(&mut *self.conn().await?)
        .await?;
        row.as_ref().map(conversation_from_row).transpose()
    }

    /// The team of the contact's conversation (`Some(None)`: the inbox's), or `None` when the
    /// contact never was handed to a person.
    pub async fn conversation_team(&self, contact_id: i64) -> Result<Option<Option<i64>>> {
        let row = sqlx::query("SELECT team_id FROM conversations WHERE contact_id = $1")
            .bind(contact_id)
            .fetch_optional(&mut *self.conn().await?)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Conversations waiting for a person (of a staff member's team, when `team` is given).
    pub async fn inbox_waiting(&self, team: Option<TeamScope>) -> Result<i64> {
        let row =
            match team {
                Some(t) => sqlx::query(
                    "SELECT COUNT(*) FROM conversations WHERE status = 'needs_person' AND COALESCE(team_id, $1) = $2",
                )
                .bind(t.inbox)
                .bind(t.own)
                .fetch_one(&mut *self.conn().await?)
                .await?,
                None => {
                    sqlx::query("SELECT COUNT(*) FROM conversations WHERE status = 'needs_person'")
                        .fetch_one(&mut *self.conn().await?)
                        .await?
                }
            };
        Ok(row.try_get(0)?)
    }

    /// An operator opened the conversation: nothing is unread any more.
    pub async fn inbox_mark_read(&self, contact_id: i64) -> Result<()> {
        sqlx::query("UPDATE conversations SET unread = 0 WHERE contact_id = $1 AND unread <> 0")
            .bind(contact_id)
            .execute(&mut *self.conn().await?)
            .await?;
        Ok(())
    }

    /// `user` (of `team_id`) takes the conversation over: the bot goes silent for the contact.
    pub async fn take_over(&self, contact_id: i64, user_id: i64, team_id: Option<i64>) -> Result<Changed> {
        let now = super::now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let was = lock(&mut tx, self.backend, contact_id, now).await?;
        take(&mut tx, contact_id, was, user_id, team_id, now).await?;
        tx.commit().await?;
        Ok(Changed { was, now: InboxStatus::Taken })
    }

    /// Queues an operator's reply (taking the conversation over when they had not), in one
    /// transaction with the first-response time of the session; returns the outbox id.
    pub async fn queue_operator_reply(&self, reply: &NewReply, team_id: Option<i64>) -> Result<(i64, Changed)> {
        let user_id =
            reply.author_id.ok_or_else(|| StoreError::Corrupt("an operator reply without its author".into()))?;
        let now = super::now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let was = lock(&mut tx, self.backend, reply.contact_id, now).await?;
        if was == InboxStatus::Taken {
            // Answering reads what came before.
            sqlx::query(
                "UPDATE conversations SET last_operator_at = $1, unread = 0, updated_at = $1 WHERE contact_id = $2",
            )
            .bind(now)
            .bind(reply.contact_id)
            .execute(&mut *tx)
            .await?;
        } else {
            take(&mut tx, reply.contact_id, was, user_id, team_id, now).await?;
            sqlx::query("UPDATE conversations SET unread = 0 WHERE contact_id = $1")
                .bind(reply.contact_id)
                .execute(&mut *tx)
                .await?;
        }
        super::enqueue_replies(&mut tx, std::slice::from_ref(reply), None).await?;
        let id: i64 = sqlx::query("SELECT MAX(id) FROM outbox WHERE contact_id = $1 AND author_id = $2")
            .bind(reply.contact_id)
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        if let Some(session) = open_session_id(&mut tx, reply.contact_id).await? {
            sqlx::query(
                "UPDATE inbox_sessions SET first_response_by = $1, first_response_at = $2 \
                 WHERE id = $3 AND first_response_at IS NULL",
            )
            .bind(user_id)
            .bind(now)
            .bind(session)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok((id, Changed { was, now: InboxStatus::Taken }))
    }

    /// Gives the conversation to another operator (of `team_id`), keeping its status; a bot
    /// conversation goes to waiting for them.
    pub async fn assign(&self, contact_id: i64, user_id: i64, team_id: Option<i64>) -> Result<Changed> {
        let now = super::now_ms();
        let mut conn = self.conn().await?;
        let mut tx = self.begin(&mut conn).await?;
        let was = lock(&mut tx, self.backend, contact_id, now).await?;
        let status = if was == InboxStatus::Bot { InboxStatus::NeedsPerson } else { was };
        sqlx::query(
            "UPDATE conversations SET status = $1, team_id = $2, assigned_user_id = $3, \
               asked_at = COALESCE(asked_at, $4), updated_at = $4 WHERE contact_id = $5",
        )
        .bind(status.as_str())
        .bind(team_id)
        .bind(user_id)
        .bind(now)
        .bind(contact_id)
        .execute(&mut *tx)
        .await?;
        match open_session_id(&mut tx, contact_id).await? {
            Some(session) => {
                sqlx::query("UPDATE inbox_sessions SET team_id = $1 WHERE id = $2")
                    .bind(team_id)
                    .bind(session)
                    .execute(&mut *tx)
                    .await?;
            }
            None => open_session(&mut tx, contact_id, HandoffReason::Operator, team_id, now).await?,
        }
        tx.commit().await?;
        Ok(Changed { was, now: status })
    }
}

/// Hands a conversation back to the bot inside the caller's transaction (which then queues the
/// bot's "I'm back" and its menu); `None` when it was the bot's already, or when `idle_before`
/// is given and its operator spoke since then (the release sweep lost a race with a reply).
pub(crate) async fn release(
    conn: &mut AnyConnection,
    backend: Backend,
    contact_id: i64,
    by: &str,
    idle_before: Option<i64>,
) -> Result<Option<Changed>> {
    let now = super::now_ms();
    let was = lock(conn, backend, contact_id, now).await?;
    if was == InboxStatus::Bot {
        return Ok(None);
    }
    if let Some(before) = idle_before {
        let row = sqlx::query("SELECT last_operator_at FROM conversations WHERE contact_id = $1")
            .bind(contact_id)
            .fetch_one(&mut *conn)
            .await?;
        let last: Option<i64> = row.try_get(0)?;
        if was != InboxStatus::Taken || last.is_some_and(|at| at >= before) {
            return Ok(None);
        }
    }
    sqlx::query(
        "UPDATE conversations SET status = 'bot', assigned_user_id = NULL, team_id = NULL, asked_at = NULL, \
           taken_at = NULL, unread = 0, updated_at = $1 WHERE contact_id = $2",
    )
    .bind(now)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE inbox_sessions SET released_at = $1, released_by = $2 WHERE contact_id = $3 AND released_at IS NULL",
    )
    .bind(now)
    .bind(by)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    Ok(Some(Changed { was, now: InboxStatus::Bot }))
}

impl Store {
    /// Taken conversations whose operator has said nothing since `before` (ms).
    pub async fn idle_taken(&self, before: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT contact_id FROM conversations WHERE status = 'taken' AND last_operator_at < $1 \
             ORDER BY last_operator_at LIMIT 500",
        )
        .bind(before)
        .fetch_all(&mut *self.conn().await?)
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }
}
