//! The engine: takes stored inbound messages, moves each contact through its flow, hands out
//! coupons, and writes the replies to the outbox and the events to the store. A batch of
//! messages (a contact's in order) is acted on in one transaction that also marks them
//! processed, so a message is acted on exactly once even when redelivered or when several
//! instances share the store.

mod broadcasts;
pub mod flows;
mod follow_ups;
mod handoff;
mod intake;
mod opt_out;
mod processor;
mod pushed;
mod sales_answers;

pub use broadcasts::{
    BroadcastAction, BroadcastError, BroadcastPreview, BroadcastReport, BroadcastRequest, Created as CreatedBroadcast,
    create as create_broadcast, prepare as prepare_broadcast, preview as preview_broadcast, report as broadcast_report,
    run_broadcasts,
};
pub use flows::{FlowLoadError, LoadedFlows};
pub use follow_ups::{FollowUpOutcome, run_follow_ups};
pub use handoff::Hours;
pub use intake::IntakeError;
pub use processor::run_processor;

use crate::assistant::{Assistant, Prepared};
use crate::channels::messenger::GraphClient;
use crate::inbox::{self, InboxEvent, InboxEventKind};
use crate::store::{
    self, Changed, ClaimScope, ClaimedInbound, Contact, CouponClaim, EventKind, HandoffReason, InboxStatus, NewEvent,
    NewReferral, NewReply, NewUtterance, OutboxMessage, Profile, SendLease, Store, StoreError,
};
use statbot_core::conversation::{self, Tap, Trigger, Vars};
use statbot_core::flow::{CouponCodes, Flow};
use statbot_core::split;
use statbot_core::{Entry, InboundContent, MessagingType, Platform, Position, Reply, Window};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, mpsc};

/// How long a claimed message stays reserved for the worker that claimed it.
pub(crate) const LEASE_MS: i64 = 30_000;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Shared by the webhook, the chat channels and the background processor.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    flows: Arc<LoadedFlows>,
    /// Answers free text and its own buttons, when intents are loaded.
    assistant: Option<Assistant>,
    public_base: String,
    graph: Option<GraphClient>,
    intake: intake::Intake,
    /// Names this running instance in the leases it takes.
    instance: String,
    /// How long a reply handed to the sender stays reserved for it.
    send_lease: Duration,
    /// Webhook messages, stored and leased by the intake, on their way to the processor.
    inbound_handoff: Handoff<Vec<ClaimedInbound>>,
    /// Replies, stored and leased by the processor, on their way to the sender.
    outbox_handoff: Handoff<Vec<OutboxMessage>>,
    /// Woken when inbound messages wait in the queue rather than being handed over.
    inbound_ready: Notify,
    /// Woken when replies wait in the queue rather than being handed over.
    outbox_ready: Notify,
    /// After a slow failed profile call (a timeout), no new one before this time (ms): while
    /// the Graph API hangs, greetings use the default name instead of each waiting it out.
    profile_pause_until: AtomicI64,
    /// When the processor last acted on messages (ms): background work yields to it.
    last_busy: Arc<AtomicI64>,
    /// Tells the inbox's watchers what happened to conversations with a person.
    inbox_events: inbox::Events,
    /// When a person answers, for contacts who ask for one.
    hours: Hours,
}

/// How long profile calls pause after a slow failure.
const PROFILE_PAUSE_MS: i64 = 30_000;
/// A failed profile call this slow pauses the next ones (a fast error answer costs nothing).
const SLOW_PROFILE_CALL: std::time::Duration = std::time::Duration::from_secs(1);

/// Messages acted on in one transaction at most. On SQLite the transaction holds the one
/// connection, and the webhook's intake waits for it to store new deliveries: acting on hundreds
/// at once (a burst handed over together) held it for 100 to 300 ms, the webhook's p99. About 32
/// take a few milliseconds, and the intake gets its turn in between.
const ACT_ON_AT_MOST: usize = 32;

impl Engine {
    /// The webhook intake runs on `intake_runtime` (the pipeline's, when serving). Replies
    /// handed to the sender stay reserved for it for `send_lease`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        flows: Arc<LoadedFlows>,
        assistant: Option<Assistant>,
        public_base: &str,
        graph: Option<GraphClient>,
        send_lease: Duration,
        intake_runtime: &tokio::runtime::Handle,
        hours: Hours,
    ) -> Engine {
        let inbound_handoff = Handoff::new();
        let intake = intake::Intake::start(store.clone(), inbound_handoff.sender.clone(), intake_runtime);
        Engine {
            inner: Arc::new(Inner {
                store,
                flows,
                assistant,
                public_base: public_base.trim_end_matches('/').to_owned(),
                graph,
                intake,
                instance: hex::encode(rand::random::<[u8; 8]>()),
                send_lease,
                inbound_handoff,
                outbox_handoff: Handoff::new(),
                inbound_ready: Notify::new(),
                outbox_ready: Notify::new(),
                profile_pause_until: AtomicI64::new(0),
                last_busy: Arc::new(AtomicI64::new(0)),
                inbox_events: inbox::Events::default(),
                hours,
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn flows(&self) -> &LoadedFlows {
        &self.inner.flows
    }

    pub fn assistant(&self) -> Option<&Assistant> {
        self.inner.assistant.as_ref()
    }

    pub fn graph(&self) -> Option<&GraphClient> {
        self.inner.graph.as_ref()
    }

    /// The live inbox's events: what happens to conversations with a person.
    pub fn inbox_events(&self) -> &inbox::Events {
        &self.inner.inbox_events
    }

    /// Puts the flows' coupon pools in the store (new codes only).
    pub async fn load_coupon_pools(&self) -> Result<(), EngineError> {
        for (flow, coupon, codes) in &self.inner.flows.pools {
            self.inner.store.load_coupon_pool(flow, coupon, codes).await?;
        }
        Ok(())
    }

    /// Stores a webhook delivery durably (committed together with other deliveries arriving
    /// at the same time): the new messages go on to the processor, the receipts mark replies.
    pub async fn ingest(
        &self,
        messages: Vec<statbot_core::Inbound>,
        receipts: Vec<statbot_core::Receipt>,
    ) -> Result<Vec<store::Ingested>, IntakeError> {
        self.inner.intake.ingest(messages, receipts).await
    }

    /// The lease the processor takes on Messenger replies as it queues them, for the sender
    /// to which it hands them; none without a Graph client (nothing sends them).
    fn send_lease(&self) -> Option<SendLease<'_>> {
        self.inner.graph.as_ref()?;
        Some(SendLease {
            platforms: &Platform::META,
            owner: &self.inner.instance,
            lease_ms: self.inner.send_lease.as_millis() as i64,
        })
    }

    /// When messages were last acted on (ms since the epoch), for background work to yield.
    pub fn last_busy(&self) -> Arc<AtomicI64> {
        self.inner.last_busy.clone()
    }

    /// Names this running instance in the leases it takes.
    pub(crate) fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// The processor's end of the intake's handoff (taken once).
    pub(crate) fn take_inbound_handoff(&self) -> Option<mpsc::UnboundedReceiver<Vec<ClaimedInbound>>> {
        self.inner.inbound_handoff.take()
    }

    /// The sender's end of the processor's handoff (taken once).
    pub(crate) fn take_outbox_handoff(&self) -> Option<mpsc::UnboundedReceiver<Vec<OutboxMessage>>> {
        self.inner.outbox_handoff.take()
    }

    pub(crate) fn inbound_ready(&self) -> &Notify {
        &self.inner.inbound_ready
    }

    pub(crate) fn outbox_ready(&self) -> &Notify {
        &self.inner.outbox_ready
    }

    /// The absolute URL of a file shipped with a flow.
    pub fn media_url(&self, flow: &str, file: &str) -> String {
        format!("{}/media/{flow}/{file}", self.inner.public_base)
    }

    /// Acts on up to `limit` waiting messages in `scope`, all in one transaction; returns how
    /// many were claimed. Each claimed message is its contact's oldest waiting one.
    pub async fn process_pending(&self, limit: i64, scope: ClaimScope) -> Result<usize, EngineError> {
        let store = &self.inner.store;
        let prepared = self.prepare_assistant().await?;
        let mut conn = store.conn().await?;
        let claimed = store::claim_inbound(&mut conn, store.backend(), limit, LEASE_MS, scope).await?;
        let count = claimed.len();
        if count > 0 {
            self.act_on(conn, claimed, prepared.as_ref()).await?;
        }
        Ok(count)
    }

    /// Acts on messages the intake stored and leased for this instance, [`ACT_ON_AT_MOST`] at
    /// a time. Those that must wait for an older message of their contact (left by another
    /// instance or before a restart) are given back to the queue.
    pub(crate) async fn process_handed(&self, messages: Vec<ClaimedInbound>) -> Result<(), EngineError> {
        let prepared = self.prepare_assistant().await?;
        let mut messages = messages.into_iter().peekable();
        while messages.peek().is_some() {
            let chunk: Vec<ClaimedInbound> = messages.by_ref().take(ACT_ON_AT_MOST).collect();
            let conn = self.inner.store.conn().await?;
            let ids: Vec<i64> = chunk.iter().map(|m| m.id).collect();
            let marked = self.act_on(conn, chunk, prepared.as_ref()).await?;
            let waiting: Vec<i64> = ids.into_iter().filter(|id| !marked.contains(id)).collect();
            if !waiting.is_empty() {
                store::release_inbound(&mut *self.inner.store.conn().await?, &waiting).await?;
                self.inner.inbound_ready.notify_one();
            }
        }
        Ok(())
    }

    /// Acts on leased messages (one contact's in order) in one transaction that marks them
    /// processed, and hands the Messenger replies to the sender; returns the ids it marked.
    /// The connection is let go while profiles are fetched and sales questions answered
    /// (network calls and sales figures never run under the database's write lock).
    async fn act_on(
        &self,
        mut conn: store::Conn,
        messages: Vec<ClaimedInbound>,
        prepared: Option<&Prepared>,
    ) -> Result<std::collections::HashSet<i64>, EngineError> {
        let store = &self.inner.store;
        let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
        let mut contact_ids: Vec<i64> = messages.iter().map(|m| m.contact_id).collect();
        contact_ids.sort_unstable();
        contact_ids.dedup();
        let mut contacts = store::load_contacts(&mut conn, &contact_ids).await?;
        let missing = self.missing_profiles(&messages, &contacts);
        let sales_questions = self.sales_questions(&messages, prepared);
        let mut answered = HashMap::new();
        if !missing.is_empty() || !sales_questions.is_empty() {
            drop(conn);
            if !missing.is_empty() {
                self.fetch_profiles(missing, &mut contacts).await?;
            }
            answered = self.answer_sales_questions(sales_questions).await?;
            conn = store.conn().await?;
        }
        let mut tx = store.begin(&mut conn).await?;
        // Messages another worker took over (our lease ran out) are left to it.
        let marked = store::mark_processed(&mut tx, &ids).await?;
        let mut batch = Batch { with_person: store::with_a_person(&mut tx, &contact_ids).await?, ..Batch::default() };
        for message in messages.iter().filter(|m| marked.contains(&m.id)) {
            if let Some(contact) = contacts.get(&message.contact_id) {
                batch.opened_window(message, contact);
                let answer = answered.remove(&message.id);
                self.respond(&mut tx, message, contact, prepared, answer, &mut batch).await?;
            }
        }
        let leased = self.save(&mut tx, &batch).await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.inner.last_busy.store(store::now_ms(), Ordering::Relaxed);
        self.committed(batch, leased).await;
        Ok(marked)
    }

    /// Writes what a batch adds to the store, inside its transaction; returns the replies leased
    /// for this instance's sender.
    async fn save(&self, tx: &mut sqlx::AnyConnection, batch: &Batch) -> Result<Vec<OutboxMessage>, EngineError> {
        let store = &self.inner.store;
        if !batch.events.is_empty() {
            store::hold_rollup(tx, store.backend()).await?;
            store::record_events(tx, &batch.events).await?;
        }
        store::schedule_follow_ups(tx, &batch.follow_ups).await?;
        let leased = store::enqueue_replies(tx, &batch.replies, self.send_lease()).await?;
        let positions: Vec<(i64, &Position)> = batch.positions.iter().map(|(id, p)| (*id, p)).collect();
        store::set_positions(tx, &positions).await?;
        let contexts: Vec<(i64, &serde_json::Map<String, serde_json::Value>)> =
            batch.contexts.iter().map(|(id, c)| (*id, c)).collect();
        store::set_contexts(tx, &contexts).await?;
        store::record_utterances(tx, &batch.utterances).await?;
        store::record_referrals(tx, &batch.referrals).await?;
        let windows: Vec<(i64, Window)> = batch.windows.iter().map(|(id, w)| (*id, *w)).collect();
        store::set_windows(tx, &windows).await?;
        Ok(leased)
    }

    /// After a batch committed: its replies to the sender, its inbox events to the watchers.
    async fn committed(&self, batch: Batch, leased: Vec<OutboxMessage>) {
        let queued = batch.replies.len() - leased.len();
        if !leased.is_empty() && self.inner.outbox_handoff.sender.send(leased).is_err() {
            // No sender running: the leases run out and a later sender claims them.
            tracing::warn!("no outbox sender is running; replies wait in the outbox");
        }
        if queued > 0 {
            self.inner.outbox_ready.notify_one();
        }
        self.inner.inbox_events.publish(&self.inner.store, batch.inbox_events).await;
    }

    /// Hands a conversation back to the bot: the contact is told, and gets the default flow's
    /// menu, in order after whatever the operator sent. `idle_before`: only if its operator has
    /// said nothing since then (the silence sweep). `None` when it was the bot's already.
    pub(crate) async fn hand_back(
        &self,
        contact_id: i64,
        by: &str,
        idle_before: Option<i64>,
    ) -> Result<Option<Changed>, EngineError> {
        let store = &self.inner.store;
        let mut conn = store.conn().await?;
        let Some(contact) = store::load_contacts(&mut conn, &[contact_id]).await?.remove(&contact_id) else {
            return Ok(None);
        };
        let mut tx = store.begin(&mut conn).await?;
        let Some(changed) = store::release_to_bot(&mut tx, store.backend(), contact_id, by, idle_before).await? else {
            return Ok(None);
        };
        let mut batch = Batch::default();
        let origin = Origin { inbound_id: None, platform: contact.platform, at: store::now_ms() };
        let back = vec![Reply::Text { text: handoff::BACK_WITH_THE_BOT.to_owned() }];
        match conversation::enter(&self.inner.flows.set, &Entry::default_flow(), contact_id) {
            Some(menu) => self.follow(&mut tx, origin, &contact, menu, back, &mut batch).await?,
            None => batch.push_replies(origin, &contact, back),
        }
        let leased = self.save(&mut tx, &batch).await?;
        tx.commit().await.map_err(StoreError::from)?;
        drop(conn);
        self.committed(batch, leased).await;
        Ok(Some(changed))
    }

    /// Acts on every waiting message of one contact, in order (the chat channels call this
    /// right after storing a message, so the answer is ready when the page or prompt returns).
    pub async fn process_contact(&self, contact_id: i64) -> Result<(), EngineError> {
        while self.process_pending(1, ClaimScope::Contact(contact_id)).await? > 0 {}
        Ok(())
    }

    /// Works out one message's consequences: the button click, the steps entered, coupons
    /// handed out (claimed inside the transaction), the replies and the contact's new position.
    /// `answered` is the message's sales answer, computed before the transaction.
    async fn respond(
        &self,
        tx: &mut sqlx::AnyConnection,
        message: &ClaimedInbound,
        contact: &Contact,
        prepared: Option<&Prepared>,
        answered: Option<sales_answers::Answered>,
        batch: &mut Batch,
    ) -> Result<(), EngineError> {
        // Opting out or in ("stop", "start", the menu's buttons) comes before anything else.
        if let Some(reply) = opt_out::respond(tx, message, contact, batch).await? {
            batch.push_replies(message.into(), contact, vec![reply]);
            return Ok(());
        }
        // With a person, the bot keeps quiet: the message waits for them.
        if let Some(status) = batch.with_person.get(&contact.id).copied() {
            store::note_inbox_messages(tx, contact.id, 1, store::now_ms()).await?;
            batch.inbox_events.push(InboxEvent::new(InboxEventKind::Message, contact.id, status));
            return Ok(());
        }
        if handoff::asks_by_payload(&message.content) {
            let reason = handoff::payload_reason(batch, contact);
            return Ok(handoff::hand_over(tx, &self.inner.hours, message.into(), contact, reason, batch).await?);
        }
        // Link messages (`link CODE`, `unlink`) come before the assistant and the flows.
        if let Some(reply) = crate::staff::chat::respond(tx, contact.id, message.id, &message.content).await? {
            batch.push_replies(message.into(), contact, vec![reply]);
            return Ok(());
        }
        if let Some(answered) = answered {
            batch.utterances.extend(answered.utterance);
            batch.push_replies(message.into(), contact, answered.replies);
            return Ok(());
        }
        let mut replies: Vec<Reply> = Vec::new();
        let mut asks_for_person = false;
        let flows = &self.inner.flows.set;
        let transition = match self.entry(tx, message, contact.id, batch).await? {
            Some(entered) => Some(entered),
            // A photo, a sticker...: the person wrote (the window opened), nothing to answer.
            None if matches!(message.content, InboundContent::Attachment { .. }) => return Ok(()),
            None => {
                match self.assist(tx, message, contact, prepared, batch).await? {
                    Some(Assisted::Handoff) => {
                        let hours = &self.inner.hours;
                        return Ok(
                            handoff::hand_over(tx, hours, message.into(), contact, HandoffReason::Words, batch).await?
                        );
                    }
                    Some(Assisted::Answer { replies: answer, then_menu }) => {
                        replies = answer;
                        if !then_menu {
                            batch.push_replies(message.into(), contact, replies);
                            return Ok(());
                        }
                    }
                    None => {}
                }
                let offered = match conversation::tap(flows, &message.content) {
                    Some(tap) if batch.reached(contact.id, &tap) || reached_in_store(tx, contact.id, &tap).await? => {
                        Some(tap)
                    }
                    _ => None,
                };
                asks_for_person = offered.is_some_and(|tap| tap.button.handoff);
                conversation::transition(flows, offered, contact.id)
            }
        };
        let Some(transition) = transition else {
            batch.push_replies(message.into(), contact, replies);
            return Ok(());
        };
        self.follow(tx, message.into(), contact, transition, replies, batch).await?;
        if asks_for_person {
            handoff::hand_over(tx, &self.inner.hours, message.into(), contact, HandoffReason::Button, batch).await?;
        }
        Ok(())
    }

    /// Where an entry point takes the contact, if the message is one: a referral whose `ref`
    /// names a link (to the link's flow and step), any other referral (the default flow's
    /// greeting), or an entry payload (Get Started, an ice breaker, a menu item) to a step some
    /// entry point declares. Every referral is recorded, with where it led.
    async fn entry(
        &self,
        tx: &mut sqlx::AnyConnection,
        message: &ClaimedInbound,
        contact_id: i64,
        batch: &mut Batch,
    ) -> Result<Option<conversation::Transition>, EngineError> {
        let flows = &self.inner.flows.set;
        let mut entered = None;
        if let Some(referral) = &message.referral {
            let link = match &referral.reference {
                Some(name) => store::link_named(tx, name).await?,
                None => None,
            };
            let link_entry = link.map(|l| Entry { flow: Some(l.flow), step: l.step });
            entered = link_entry.as_ref().and_then(|e| conversation::enter(flows, e, contact_id));
            batch.referrals.push(NewReferral {
                contact_id,
                inbound_id: Some(message.id),
                reference: referral.reference.clone(),
                source: referral.source.clone(),
                kind: referral.kind.clone(),
                ad_id: referral.ad_id.clone(),
                flow: entered.as_ref().map(|t| t.flow.clone()),
                step: entered.as_ref().and_then(|t| t.entered.first().cloned()),
                at: message.sent_at,
            });
        }
        let asked = match &message.content {
            InboundContent::Payload { payload, .. } if entered.is_none() => Entry::parse(payload),
            _ => None,
        };
        if let Some(entry) = asked
            && self.declared(tx, &entry).await?
        {
            entered = conversation::enter(flows, &entry, contact_id);
        }
        if entered.is_none() && message.content == InboundContent::Referral {
            entered = conversation::enter(flows, &Entry::default_flow(), contact_id);
        }
        Ok(entered)
    }

    /// Whether an entry payload may lead where it says: to a flow's entry step, or to a step an
    /// entry point of the Page or a link declares (so a crafted payload cannot skip to a step
    /// that hands out a coupon).
    async fn declared(&self, tx: &mut sqlx::AnyConnection, entry: &Entry) -> Result<bool, EngineError> {
        let Some(step) = &entry.step else { return Ok(true) };
        if self.inner.flows.entries.contains(entry) {
            return Ok(true);
        }
        let Some(flow) = &entry.flow else { return Ok(false) };
        if self.inner.flows.set.get(flow).is_some_and(|f| &f.entry == step) {
            return Ok(true);
        }
        Ok(store::link_leads_to(tx, flow, Some(step)).await?)
    }

    /// The assistant's answer to free text or its own buttons, when it has one. Free text not
    /// understood twice in a row offers a person.
    async fn assist(
        &self,
        tx: &mut sqlx::AnyConnection,
        message: &ClaimedInbound,
        contact: &Contact,
        prepared: Option<&Prepared>,
        batch: &mut Batch,
    ) -> Result<Option<Assisted>, EngineError> {
        let (Some(assistant), Some(prepared)) = (&self.inner.assistant, prepared) else { return Ok(None) };
        let context = batch.contexts.get(&contact.id).unwrap_or(&contact.context);
        let Some(mut outcome) =
            assistant.respond(tx, prepared, &message.content, context, contact.id, message.id).await?
        else {
            return Ok(None);
        };
        if let Some(context) = outcome.context {
            batch.contexts.insert(contact.id, context);
        }
        if let Some(utterance) = &outcome.utterance {
            handoff::count_miss(batch, contact, utterance.understood, &mut outcome.replies);
        }
        batch.utterances.extend(outcome.utterance);
        Ok(Some(if outcome.handoff {
            Assisted::Handoff
        } else {
            Assisted::Answer { replies: outcome.replies, then_menu: outcome.then_menu }
        }))
    }

    /// Follows a transition: the button click, the steps entered, coupons handed out (claimed
    /// inside the transaction), the replies (after `replies` already due) and the new position.
    async fn follow(
        &self,
        tx: &mut sqlx::AnyConnection,
        origin: Origin,
        contact: &Contact,
        transition: conversation::Transition,
        mut replies: Vec<Reply>,
        batch: &mut Batch,
    ) -> Result<(), EngineError> {
        let flows = &self.inner.flows.set;
        let Some(flow) = flows.get(&transition.flow) else { return Ok(()) };
        let event = |kind, step: &str, button: Option<&str>, detail| NewEvent {
            contact_id: contact.id,
            inbound_id: origin.inbound_id,
            kind,
            flow: Some(flow.name.clone()),
            step: Some(step.to_owned()),
            button: button.map(str::to_owned),
            detail,
        };
        if let Trigger::Button { step, button } = &transition.trigger {
            batch.events.push(event(EventKind::ButtonClicked, step, Some(button), None));
        }

        let known = [
            ("first_name", contact.greeting_name().unwrap_or_default()),
            ("last_name", contact.last_name.as_deref().unwrap_or_default()),
            ("public_url", self.inner.public_base.as_str()),
        ];
        let mut vars = Vars::for_flow(flow, known);
        for step_id in &transition.entered {
            let Some(step) = flow.step(step_id) else { break };
            // A split step passes the contact on to its variant (the next step entered): which
            // one is recorded with the step and, the first time, for funnels by variant.
            let variant = split::pick(&flow.name, step_id, &step.variants, contact.id);
            if let Some(variant) = variant {
                store::record_variant(tx, &flow.name, step_id, contact.id, &variant.id, origin.at).await?;
            }
            let detail = variant.map(|v| serde_json::json!({ "variant": v.id }));
            batch.events.push(event(EventKind::StepEntered, step_id, None, detail));
            batch.positions.insert(contact.id, Position { flow: flow.name.clone(), step: step_id.clone() });
            if let Some(coupon_id) = &step.reveal {
                match self.reveal(tx, flow, coupon_id, contact.id).await? {
                    Some((code, fresh)) => {
                        let detail = serde_json::json!({ "coupon": coupon_id, "code": code, "fresh": fresh });
                        batch.events.push(event(EventKind::CouponRevealed, step_id, None, Some(detail)));
                        vars.set("coupon_code", &code);
                    }
                    None => {
                        let detail = serde_json::json!({ "coupon": coupon_id });
                        batch.events.push(event(EventKind::CouponExhausted, step_id, None, Some(detail)));
                        if let Some(coupon) = flow.coupons.get(coupon_id) {
                            replies.push(Reply::Text { text: coupon.exhausted.render(|name| vars.get(name)) });
                        }
                        break;
                    }
                }
            }
            if let Some(follow_up) = &step.follow_up {
                batch.follow_ups.push(follow_ups::scheduled(origin, contact.id, flow, step_id, follow_up));
            }
            replies.extend(conversation::render_step(flow, step, &vars, &|f, file| self.media_url(f, file)));
        }
        batch.push_replies(origin, contact, replies);
        Ok(())
    }

    /// The data sets and classifier for a batch, taken before a connection is (loading them
    /// needs one); a failure is logged and the batch goes on without the assistant.
    async fn prepare_assistant(&self) -> Result<Option<Prepared>, EngineError> {
        let Some(assistant) = &self.inner.assistant else { return Ok(None) };
        match assistant.prepare().await {
            Ok(prepared) => Ok(Some(prepared)),
            Err(e) => {
                tracing::warn!(error = %e, "the assistant is unavailable for this batch");
                Ok(None)
            }
        }
    }

    /// The contact's code for a coupon, and whether it was handed out just now; `None` when a
    /// pool is exhausted.
    async fn reveal(
        &self,
        tx: &mut sqlx::AnyConnection,
        flow: &Flow,
        coupon_id: &str,
        contact_id: i64,
    ) -> Result<Option<(String, bool)>, EngineError> {
        let Some(coupon) = flow.coupons.get(coupon_id) else { return Ok(None) };
        if let CouponCodes::Shared(code) = &coupon.codes {
            return Ok(Some((code.clone(), true)));
        }
        Ok(match store::claim_coupon(tx, &flow.name, coupon_id, contact_id).await? {
            CouponClaim::Code { code, fresh } => Some((code, fresh)),
            CouponClaim::Exhausted => None,
        })
    }

    /// Messenger contacts of the batch writing for the first time, as (contact id, PSID);
    /// none when there is no Graph client or profile calls are paused.
    fn missing_profiles(
        &self,
        messages: &[ClaimedInbound],
        contacts: &HashMap<i64, Contact>,
    ) -> Vec<(i64, Platform, String)> {
        if self.inner.graph.is_none() || store::now_ms() < self.inner.profile_pause_until.load(Ordering::Relaxed) {
            return Vec::new();
        }
        let mut missing: Vec<(i64, Platform, String)> = messages
            .iter()
            .filter(|m| m.platform.is_meta())
            .filter_map(|m| contacts.get(&m.contact_id))
            .filter(|c| !c.profile_fetched)
            .map(|c| (c.id, c.platform, c.external_id.clone()))
            .collect();
        // A contact with several messages in the batch is looked up once.
        missing.sort_unstable();
        missing.dedup();
        missing
    }

    /// Fetches those profiles side by side and puts the names in `contacts`. A failure is
    /// logged and the flow's default name used; a later message tries again.
    async fn fetch_profiles(
        &self,
        missing: Vec<(i64, Platform, String)>,
        contacts: &mut HashMap<i64, Contact>,
    ) -> Result<(), EngineError> {
        let Some(graph) = &self.inner.graph else { return Ok(()) };
        let fetched = futures::future::join_all(missing.into_iter().map(|(id, platform, psid)| async move {
            let started = std::time::Instant::now();
            (id, graph.profile(platform, &psid).await, started.elapsed())
        }))
        .await;
        for (contact_id, result, took) in fetched {
            match result {
                Ok(p) => {
                    let non_empty = |s: String| Some(s).filter(|s| !s.trim().is_empty());
                    let (first_name, last_name) = p.greeting_names();
                    let profile = Profile {
                        first_name: non_empty(first_name),
                        last_name: non_empty(last_name),
                        profile_pic: p.profile_pic,
                    };
                    self.inner.store.set_profile(contact_id, &profile).await?;
                    if let Some(contact) = contacts.get_mut(&contact_id) {
                        contact.first_name = profile.first_name;
                        contact.last_name = profile.last_name;
                        contact.profile_fetched = true;
                    }
                }
                Err(e) => {
                    tracing::warn!(contact_id, error = %e, "could not fetch the contact's profile");
                    if took >= SLOW_PROFILE_CALL {
                        self.inner.profile_pause_until.store(store::now_ms() + PROFILE_PAUSE_MS, Ordering::Relaxed);
                    }
                }
            }
        }
        Ok(())
    }
}

/// What a batch of messages adds to the store, written together at the end.
#[derive(Default)]
struct Batch {
    events: Vec<NewEvent>,
    replies: Vec<NewReply>,
    positions: HashMap<i64, Position>,
    /// Contacts' new conversation contexts.
    contexts: HashMap<i64, serde_json::Map<String, serde_json::Value>>,
    utterances: Vec<NewUtterance>,
    referrals: Vec<NewReferral>,
    /// Contacts' messaging windows, as the batch's messages open them.
    windows: HashMap<i64, Window>,
    /// Contacts of the batch whose conversation is with a person: the bot keeps quiet.
    with_person: HashMap<i64, InboxStatus>,
    /// What the inbox's watchers are told once the batch is committed.
    inbox_events: Vec<InboxEvent>,
    /// Steps to send later (steps entered that declare a `follow_up`).
    follow_ups: Vec<store::NewFollowUp>,
}

/// What the assistant made of a message.
enum Assisted {
    Answer {
        replies: Vec<Reply>,
        then_menu: bool,
    },
    /// The contact asked for a person.
    Handoff,
}

/// What replies answer: a stored message, or nothing (the bot speaking after a hand-back).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Origin {
    inbound_id: Option<i64>,
    platform: Platform,
    /// When it happened (ms).
    at: i64,
}

impl From<&ClaimedInbound> for Origin {
    fn from(message: &ClaimedInbound) -> Origin {
        Origin { inbound_id: Some(message.id), platform: message.platform, at: message.sent_at }
    }
}

impl Batch {
    /// Whether an earlier message of this batch took the contact into the tapped button's step.
    fn reached(&self, contact_id: i64, tap: &Tap<'_>) -> bool {
        self.events.iter().any(|e| {
            e.contact_id == contact_id
                && e.kind == EventKind::StepEntered
                && e.flow.as_deref() == Some(tap.flow.name.as_str())
                && e.step.as_deref() == Some(tap.step.id.as_str())
        })
    }

    /// A message from a contact on a Meta channel opens (or extends) their messaging window,
    /// from the time Meta puts on it.
    fn opened_window(&mut self, message: &ClaimedInbound, contact: &Contact) {
        if !message.platform.is_meta() {
            return;
        }
        let from_ad = message.referral.as_ref().is_some_and(|r| r.from_ad());
        let window = self.windows.get(&contact.id).copied().unwrap_or(contact.window);
        self.windows.insert(contact.id, window.after(message.sent_at, from_ad));
    }

    fn push_replies(&mut self, origin: Origin, contact: &Contact, replies: Vec<Reply>) {
        let window = self.windows.get(&contact.id).copied().unwrap_or(contact.window);
        self.replies.extend(replies.into_iter().map(|reply| NewReply {
            contact_id: contact.id,
            inbound_id: origin.inbound_id,
            platform: origin.platform,
            recipient: contact.external_id.clone(),
            reply,
            messaging_type: MessagingType::Response,
            window,
            author_id: None,
            broadcast_id: None,
        }));
    }
}

/// Whether the store records the contact entering the tapped button's step.
async fn reached_in_store(tx: &mut sqlx::AnyConnection, contact_id: i64, tap: &Tap<'_>) -> Result<bool, EngineError> {
    Ok(store::reached_step(tx, contact_id, &tap.flow.name, &tap.step.id).await?)
}

/// A channel from one worker to another whose receiving end the receiving worker takes when it
/// starts.
struct Handoff<T> {
    sender: mpsc::UnboundedSender<T>,
    receiver: Mutex<Option<mpsc::UnboundedReceiver<T>>>,
}

impl<T> Handoff<T> {
    fn new() -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        Handoff { sender, receiver: Mutex::new(Some(receiver)) }
    }

    fn take(&self) -> Option<mpsc::UnboundedReceiver<T>> {
        self.receiver.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take()
    }
}
