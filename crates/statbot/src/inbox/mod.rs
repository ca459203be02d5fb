//! The live inbox: a person takes a conversation over from the bot, on every channel. The
//! engine puts a conversation in the inbox when the contact asks for a person (in words, by a
//! flow button, or after being misunderstood twice) and keeps quiet while it is there; this
//! module is what operators do with it — list, read, take over, reply, assign, hand back — with
//! who may do what (staff their team's conversations, admins all), Meta's rule on when a person
//! may still answer, the sweep that hands silent conversations back to the bot, and the live
//! events ([`events`]) every watcher reads.

pub mod events;

pub use events::{Events, InboxEvent, InboxEventKind};

use crate::engine::{Engine, EngineError};
use crate::schedule::{Job, Scheduler};
use crate::store::{
    Changed, InboxConversation, InboxQuery, InboxStatus, NewReply, Role, Store, StoreError, TeamScope, User, now_ms,
};
use crate::team::{TeamError, Teams};
use statbot_core::{MessagingType, Reply};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("no conversation with contact {0}")]
    NotFound(i64),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadInput(String),
    /// Meta's rules leave no way to send it; the sentence says why.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Team(#[from] TeamError),
}

/// The longest reply an operator may send (Messenger's limit for a text).
pub const MAX_REPLY_CHARS: usize = 2000;
/// Conversations listed at most.
pub const LISTED: i64 = 100;

/// Which conversations an operator asks for.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// `None`: all.
    pub status: Option<InboxStatus>,
    pub assigned: Option<i64>,
    pub platform: Option<statbot_core::Platform>,
    pub search: String,
}

/// What operators do with conversations; cheap to clone.
#[derive(Clone)]
pub struct Inbox {
    engine: Engine,
    teams: Teams,
    /// The team whose operators see new requests (`[inbox] team`, else the default team).
    team_name: String,
}

impl Inbox {
    pub fn new(engine: Engine, teams: Teams, team_name: &str) -> Inbox {
        let team_name =
            if team_name.trim().is_empty() { teams.config().default_team.clone() } else { team_name.into() };
        Inbox { engine, teams, team_name }
    }

    fn store(&self) -> &Store {
        self.engine.store()
    }

    pub fn events(&self) -> &Events {
        self.engine.inbox_events()
    }

    /// The team scope an operator reads in: none for admins (everything), their team's for staff.
    pub async fn scope(&self, user: &User) -> Result<Option<TeamScope>, InboxError> {
        if user.role == Role::Admin {
            return Ok(None);
        }
        let own = self.teams.of_user(user).await?.id;
        let inbox = self.teams.ensure(&self.team_name).await?.id;
        Ok(Some(TeamScope { own, inbox }))
    }

    pub async fn list(&self, user: &User, filter: Filter) -> Result<Vec<InboxConversation>, InboxError> {
        let query = InboxQuery {
            status: filter.status,
            assigned: filter.assigned,
            platform: filter.platform,
            search: filter.search,
            team: self.scope(user).await?,
            limit: LISTED,
        };
        Ok(self.store().inbox(&query).await?)
    }

    /// Conversations waiting for a person that the operator would see.
    pub async fn waiting(&self, user: &User) -> Result<i64, InboxError> {
        Ok(self.store().inbox_waiting(self.scope(user).await?).await?)
    }

    /// One conversation, if the operator may see it.
    pub async fn get(&self, user: &User, contact_id: i64) -> Result<InboxConversation, InboxError> {
        let conversation =
            self.store().inbox_conversation(contact_id).await?.ok_or(InboxError::NotFound(contact_id))?;
        if let Some(scope) = self.scope(user).await?
            && !scope.includes(conversation.team_id)
        {
            // Not theirs to see: answered as if it did not exist.
            return Err(InboxError::NotFound(contact_id));
        }
        Ok(conversation)
    }

    /// Whether an operator reading in `scope` (see [`Inbox::scope`]) may see the contact's
    /// conversation: admins (no scope) see all; staff their team's.
    pub async fn in_scope(&self, scope: Option<TeamScope>, contact_id: i64) -> Result<bool, InboxError> {
        let Some(scope) = scope else { return Ok(true) };
        Ok(self.store().conversation_team(contact_id).await?.is_some_and(|team| scope.includes(team)))
    }

    /// Opens a conversation for reading: it is then read.
    pub async fn open(&self, user: &User, contact_id: i64) -> Result<InboxConversation, InboxError> {
        let conversation = self.get(user, contact_id).await?;
        if conversation.unread > 0 {
            self.store().inbox_mark_read(contact_id).await?;
        }
        Ok(conversation)
    }

    async fn team_of(&self, user: &User) -> Result<Option<i64>, InboxError> {
        Ok(Some(self.teams.of_user(user).await?.id))
    }

    pub async fn take_over(&self, user: &User, contact_id: i64) -> Result<Changed, InboxError> {
        self.get(user, contact_id).await?;
        let changed = self.store().take_over(contact_id, user.id, self.team_of(user).await?).await?;
        self.tell(InboxEventKind::Taken, contact_id, changed.now).await;
        Ok(changed)
    }

    /// Sends an operator's text to the contact through the outbox, in order with the bot's
    /// replies, taking the conversation over if they had not. On Messenger and Instagram it goes
    /// as a normal reply inside the 24-hour window, tagged `HUMAN_AGENT` up to 7 days after the
    /// contact's last message, and is refused after that.
    pub async fn reply(&self, user: &User, contact_id: i64, text: &str) -> Result<(i64, MessagingType), InboxError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(InboxError::BadInput("the reply is empty".into()));
        }
        if text.chars().count() > MAX_REPLY_CHARS {
            return Err(InboxError::BadInput(format!("a reply has at most {MAX_REPLY_CHARS} characters")));
        }
        let contact = self.get(user, contact_id).await?.contact;
        if contact.is_erased() {
            return Err(InboxError::Refused(
                "This person's data was erased at their request: nothing can be sent.".into(),
            ));
        }
        let now = now_ms();
        let messaging_type = contact.window.for_a_person(now).ok_or_else(|| {
            let last = contact.window.last_inbound_at.unwrap_or(0);
            let days = (now - last) / (24 * 3_600_000);
            InboxError::Refused(format!(
                "{} last wrote {days} days ago; Meta lets a person answer for 7 days after a contact's last \
                 message, so nothing was sent. They can be answered again once they write.",
                contact.display_name()
            ))
        })?;
        let reply = NewReply {
            contact_id,
            inbound_id: None,
            platform: contact.platform,
            recipient: contact.external_id.clone(),
            reply: Reply::Text { text: text.to_owned() },
            messaging_type,
            window: contact.window,
            author_id: Some(user.id),
            broadcast_id: None,
        };
        let (id, changed) = self.store().queue_operator_reply(&reply, self.team_of(user).await?).await?;
        self.engine.outbox_ready().notify_one();
        self.tell(InboxEventKind::Reply, contact_id, changed.now).await;
        Ok((id, messaging_type))
    }

    /// Gives the conversation to another operator, who must be able to see it... or be an admin.
    pub async fn assign(&self, user: &User, contact_id: i64, to: &str) -> Result<Changed, InboxError> {
        self.get(user, contact_id).await?;
        let assignee = self
            .store()
            .user_by_name(to.trim())
            .await?
            .filter(|u| u.role.is_operator() && u.disabled_at.is_none())
            .ok_or_else(|| InboxError::BadInput(format!("no operator account is named `{}`", to.trim())))?;
        let team = self.team_of(&assignee).await?;
        let changed = self.store().assign(contact_id, assignee.id, team).await?;
        self.tell(InboxEventKind::Assigned, contact_id, changed.now).await;
        Ok(changed)
    }

    /// Hands the conversation back to the bot, which tells the contact and shows its menu.
    pub async fn release(&self, user: &User, contact_id: i64) -> Result<Option<Changed>, InboxError> {
        self.get(user, contact_id).await?;
        let changed = self.engine.hand_back(contact_id, "operator", None).await?;
        if changed.is_some() {
            self.tell(InboxEventKind::Released, contact_id, InboxStatus::Bot).await;
        }
        Ok(changed)
    }

    /// Hands back to the bot every taken conversation whose operator has been silent for
    /// `after`; returns how many.
    pub async fn release_idle(&self, after: Duration) -> Result<usize, InboxError> {
        let before = now_ms() - after.as_millis() as i64;
        let mut released = 0;
        for contact_id in self.store().idle_taken(before).await? {
            if self.engine.hand_back(contact_id, "timeout", Some(before)).await?.is_some() {
                self.tell(InboxEventKind::Released, contact_id, InboxStatus::Bot).await;
                released += 1;
            }
        }
        Ok(released)
    }

    async fn tell(&self, kind: InboxEventKind, contact_id: i64, status: InboxStatus) {
        self.events().publish(self.store(), vec![InboxEvent::new(kind, contact_id, status)]).await;
    }
}

/// Runs [`Inbox::release_idle`] every so often until cancelled, once per interval across the
/// instances (see [`crate::schedule`]). Should two rounds overlap, a conversation is released in
/// one transaction that checks it is still idle, so it is handed back once.
pub async fn run_release_sweep(inbox: Inbox, scheduler: Scheduler, after: Duration, cancel: CancellationToken) {
    // Often enough that a conversation goes back within a twentieth of `after` (a minute at
    // most), never more than once a second; once per interval across the instances.
    let every = (after / 20).clamp(Duration::from_secs(1), Duration::from_secs(60));
    let round = || async {
        let result = inbox.release_idle(after).await;
        match &result {
            Ok(0) | Err(_) => {}
            Ok(released) => tracing::info!(released, "silent conversations handed back to the bot"),
        }
        result.map(|_| ())
    };
    scheduler.every(Job::InboxRelease, every, &cancel, round).await
}
