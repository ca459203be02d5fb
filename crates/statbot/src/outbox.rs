//! The outbox sender: delivers stored replies to Messenger and Instagram through the Send API,
//! with a timeout, retries with exponential backoff and jitter for temporary failures, and the
//! reason and Meta's error class kept when it gives up. A reply whose contact's messaging window
//! has closed is never sent: it is held, with its reason. A rate limit (Meta's 4, 17, 32, 613)
//! pauses every send, not only the contact's. One contact's replies go out in order; different
//! contacts' in parallel. Replies arrive handed over by the processor as it stores them, or claimed from
//! the outbox (retries, other instances' leftovers, replies queued behind a failure). Web and
//! terminal replies are delivered by their channels when shown. The start of each send is
//! recorded before it is made: a message claimed again after its sender stopped during its send
//! may have arrived, and is recorded `unknown_outcome` rather than sent twice.

use crate::channels::messenger::{ErrorClass, GraphClient, SendError, SentMessage};
use crate::config::OutboxConfig;
use crate::engine::Engine;
use crate::store::{OutboxMessage, SendLease, Store, StoreError, now_ms};
use statbot_core::{Platform, backoff};
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Longest wait between looks at the outbox when nothing announces work.
const POLL: Duration = Duration::from_millis(500);
/// How long delivered replies may wait to be recorded, so that one commit records many.
const RECORD_WITHIN: Duration = Duration::from_millis(5);
/// How long messages chosen to be sent may wait for the round that records their start while
/// others are under way: short, since the reply waits meanwhile.
const START_WITHIN: Duration = Duration::from_millis(1);
/// Delivered replies that are recorded at once, however recent.
const RECORD_AT: usize = 128;
/// Pause after a database error before trying again.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

#[derive(Debug, Clone)]
pub struct SenderSettings {
    pub max_attempts: u32,
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    pub concurrency: usize,
    /// The shortest pause of all sends after a rate limit.
    pub rate_limit_backoff: Duration,
    /// How long a claimed reply stays reserved; longer than the send timeout.
    pub lease: Duration,
    pub send_timeout: Duration,
    /// Where the sends run: the HTTP calls are kept off the pipeline's thread, which then
    /// only waits on the database (see [`crate::pipeline`]).
    pub sends_on: Option<tokio::runtime::Handle>,
}

impl SenderSettings {
    pub fn new(config: &OutboxConfig, send_timeout: Duration) -> Self {
        SenderSettings {
            max_attempts: config.max_attempts.max(1),
            base_backoff: Duration::from_millis(config.base_backoff_ms),
            max_backoff: Duration::from_millis(config.max_backoff_ms),
            concurrency: config.concurrency.max(1),
            rate_limit_backoff: Duration::from_millis(config.rate_limit_backoff_ms),
            lease: send_timeout * 3 + Duration::from_secs(5),
            send_timeout,
            sends_on: None,
        }
    }
}

/// What became of a reply.
enum Outcome {
    Sent(SentMessage),
    Failed(SendError),
    /// Not sent: the contact's messaging window had closed.
    Held,
    /// Not sent again: its earlier send had begun when its sender stopped (or, for a message the
    /// bot started itself, got no answer); it may have arrived.
    Unknown,
}

/// Why a message of the bot's own is not sent again, kept with it.
const UNKNOWN_OUTCOME: &str = "not sent again: a send of it was under way when its sender stopped (or got no \
     answer, for a broadcast's or a follow-up's), so it may have arrived; a message goes at most once";

/// The error class kept with such a message.
const UNKNOWN_OUTCOME_CLASS: &str = "unknown_outcome";

/// A finished send (or a hold), waiting to be recorded.
type Attempt = (OutboxMessage, Outcome);

/// Sends one reply; the outcome is recorded later, together with others.
async fn send(graph: GraphClient, message: OutboxMessage) -> Attempt {
    let started = std::time::Instant::now();
    let result = graph.send(message.platform, &message.recipient, message.messaging_type, &message.reply).await;
    if let Some(metrics) = graph.metrics() {
        let outcome = match &result {
            Ok(_) => "sent",
            Err(SendError::Unanswered { .. }) => "unanswered",
            Err(SendError::Retryable { .. }) => "retryable",
            Err(SendError::Permanent { .. }) => "permanent",
        };
        metrics.outbox_send(outcome, started.elapsed());
    }
    let outcome = match result {
        Ok(sent) => Outcome::Sent(sent),
        Err(error) => Outcome::Failed(error),
    };
    (message, outcome)
}

/// Records a failed send: retry later, or give up with the reason. Returns how long a rate
/// limit pauses every send, if it was one.
async fn record_failure(
    store: &Store,
    settings: &SenderSettings,
    message: &OutboxMessage,
    error: &SendError,
) -> Result<Option<Duration>, StoreError> {
    let attempt = u32::try_from(message.attempts).unwrap_or(u32::MAX);
    let reason = error.to_string();
    let class = error.class();
    if error.is_retryable() && attempt < settings.max_attempts {
        let jitter: f64 = rand::random();
        let mut wait = backoff::delay(attempt, settings.base_backoff, settings.max_backoff, jitter);
        if let Some(after) = error.retry_after() {
            wait = wait.max(after);
        }
        let pause = (class == ErrorClass::RateLimited).then(|| {
            wait = wait.max(settings.rate_limit_backoff);
            wait
        });
        tracing::warn!(outbox_id = message.id, attempt, wait_ms = wait.as_millis() as u64, class = class.as_str(), %reason, "send failed; will retry");
        store.mark_retry(message.id, &reason, class.as_str(), now_ms() + wait.as_millis() as i64).await?;
        Ok(pause)
    } else {
        let reason = match attempt {
            _ if !error.is_retryable() => reason,
            1 => format!("gave up after 1 attempt: {reason}"),
            n => format!("gave up after {n} attempts: {reason}"),
        };
        if error.is_bad_token() {
            tracing::error!(%reason, "the page access token is refused: set STATBOT_MESSENGER_PAGE_TOKEN to a valid token");
        }
        if class == ErrorClass::Permissions {
            tracing::error!(%reason, "the app or Page lacks a permission: grant it in the Meta app's settings");
        }
        tracing::error!(outbox_id = message.id, contact_id = message.contact_id, class = class.as_str(), %reason, "reply not delivered");
        store.mark_failed(message, &reason, class.as_str()).await?;
        Ok(None)
    }
}

/// The reason kept with a reply held outside the window.
fn held_reason(message: &OutboxMessage) -> String {
    // Only a contact with a window kept is ever held, so `until` is there.
    let closed = message.window.until.and_then(|until| jiff::Timestamp::from_millisecond(until).ok());
    let closed = match closed {
        Some(at) => format!("it closed at {}", crate::dates::local_minute(at, &jiff::tz::TimeZone::UTC)),
        None => "it had closed".to_owned(),
    };
    format!(
        "not sent: outside the messaging window ({closed}); Meta allows standard messages only within 24 hours of \
         the person's latest message"
    )
}

/// What settling finished sends found.
#[derive(Default)]
struct Settled {
    any_failed: bool,
    /// How long a rate limit pauses every send.
    pause: Option<Duration>,
}

/// Takes finished sends into account: a delivered reply is kept for recording and lets its
/// contact's next one go; a held reply is recorded as held and lets it go too; a failure is
/// recorded (retry later, or give up with the reason) and sends the contact's replies waiting in
/// memory back to the outbox.
async fn settle(
    store: &Store,
    settings: &SenderSettings,
    finished: impl Iterator<Item = Attempt>,
    lanes: &mut Lanes,
    owner: &str,
    unrecorded: &mut Vec<(i64, String)>,
) -> Settled {
    let mut settled = Settled::default();
    for (message, outcome) in finished {
        let outcome = match outcome {
            Outcome::Failed(error) if message.started_by_the_bot() && error.may_have_arrived() => {
                tracing::warn!(outbox_id = message.id, reason = error.reason(), "no answer to the bot's own message");
                Outcome::Unknown
            }
            outcome => outcome,
        };
        match outcome {
            Outcome::Sent(sent) => {
                lanes.delivered(message.contact_id);
                unrecorded.push((message.id, sent.message_id));
            }
            Outcome::Held | Outcome::Unknown => {
                let recorded = if matches!(outcome, Outcome::Held) {
                    tracing::warn!(
                        outbox_id = message.id,
                        contact_id = message.contact_id,
                        "reply held: outside the messaging window"
                    );
                    store.mark_held(&message, &held_reason(&message)).await
                } else {
                    tracing::warn!(
                        outbox_id = message.id,
                        contact_id = message.contact_id,
                        "not sent again: the outcome of its earlier send is unknown"
                    );
                    store.mark_failed(&message, UNKNOWN_OUTCOME, UNKNOWN_OUTCOME_CLASS).await
                };
                match recorded {
                    Ok(()) => lanes.delivered(message.contact_id),
                    Err(e) => {
                        // Left leased: claimed and checked again once the lease runs out.
                        tracing::error!(error = %e, outbox_id = message.id, "recording an unsent reply failed");
                        settled.any_failed = true;
                        return_lane(store, lanes, message.contact_id, owner).await;
                    }
                }
            }
            Outcome::Failed(error) => {
                settled.any_failed = true;
                // A failure left unrecorded keeps its lease and is tried again when it runs out.
                match record_failure(store, settings, &message, &error).await {
                    Ok(pause) => settled.pause = settled.pause.max(pause),
                    Err(e) => tracing::error!(error = %e, outbox_id = message.id, "recording a failed send failed"),
                }
                return_lane(store, lanes, message.contact_id, owner).await;
            }
        }
    }
    settled
}

/// Sends the replies waiting in memory behind a contact's reply back to the outbox.
async fn return_lane(store: &Store, lanes: &mut Lanes, contact_id: i64, owner: &str) {
    let behind: Vec<i64> = lanes.failed(contact_id).iter().map(|m| m.id).collect();
    if let Err(e) = store.release_replies(&behind, owner).await {
        tracing::error!(error = %e, "releasing replies failed; they are sent once their lease runs out");
    }
}

/// Replies held in memory, one lane per contact: a contact's next reply is ready only once
/// the one before it is delivered.
#[derive(Default)]
struct Lanes {
    /// Contacts with a reply ready or being sent, and the replies waiting behind it.
    busy: HashMap<i64, VecDeque<OutboxMessage>>,
    ready: VecDeque<OutboxMessage>,
    /// Contacts whose reply failed and waits in the outbox for its retry: until the outbox's
    /// claims (oldest first) bring one of theirs again, a reply handed over for them goes back to
    /// the outbox rather than overtaking the failed one. (The processor may have leased it to us
    /// just before the failure was recorded.)
    held: HashSet<i64>,
}

impl Lanes {
    /// A reply claimed from the outbox: the claims take each contact's oldest pending reply, so
    /// it also ends the contact's hold.
    fn offer_claimed(&mut self, message: OutboxMessage) {
        self.held.remove(&message.contact_id);
        self.offer(message);
    }

    /// A reply the processor handed over as it queued it; given back when its contact is held.
    fn offer_handed(&mut self, message: OutboxMessage) -> Option<OutboxMessage> {
        if self.held.contains(&message.contact_id) {
            return Some(message);
        }
        self.offer(message);
        None
    }

    fn offer(&mut self, message: OutboxMessage) {
        match self.busy.get_mut(&message.contact_id) {
            Some(waiting) => waiting.push_back(message),
            None => {
                self.busy.insert(message.contact_id, VecDeque::new());
                self.ready.push_back(message);
            }
        }
    }

    /// The contact's reply was delivered: its next one, if any, is ready.
    fn delivered(&mut self, contact_id: i64) {
        let next = self.busy.get_mut(&contact_id).and_then(VecDeque::pop_front);
        match next {
            Some(next) => self.ready.push_back(next),
            None => {
                self.busy.remove(&contact_id);
            }
        }
    }

    /// The contact's reply was not delivered: the replies behind it leave the lane, to wait in
    /// the outbox behind the failed one.
    fn failed(&mut self, contact_id: i64) -> Vec<OutboxMessage> {
        self.held.insert(contact_id);
        self.busy.remove(&contact_id).map(Vec::from).unwrap_or_default()
    }
}

/// The sender worker: keeps up to `concurrency` sends under way, each in its own task, so a
/// slow send (up to the timeout) holds up no other contact. Replies handed over start at once;
/// the outbox is looked at when replies are queued there, when a retry is due, and now and
/// then for other instances' leftovers. Delivered replies are recorded in batches, each within
/// `RECORD_WITHIN`. When cancelled it lets the sends under way finish.
pub async fn run_sender(engine: Engine, graph: GraphClient, settings: SenderSettings, cancel: CancellationToken) {
    let Some(mut handed) = engine.take_outbox_handoff() else {
        tracing::error!("an outbox sender is already running");
        return;
    };
    tracing::info!("outbox sender started");
    let store = engine.store().clone();
    let lease =
        SendLease { platforms: &Platform::META, owner: engine.instance(), lease_ms: settings.lease.as_millis() as i64 };
    let mut lanes = Lanes::default();
    let mut in_flight: JoinSet<Attempt> = JoinSet::new();
    let mut finished: Vec<Attempt> = Vec::new();
    let mut handed_batches: Vec<Vec<OutboxMessage>> = Vec::new();
    // Delivered replies not yet recorded; kept until the database takes them, since a delivered
    // reply left unrecorded would be sent again once its lease ran out.
    let mut unrecorded: Vec<(i64, String)> = Vec::new();
    let mut record_by: Option<Instant> = None;
    // Messages chosen to be sent next, waiting for the round that records their start.
    let mut to_start: Vec<OutboxMessage> = Vec::new();
    let mut look_at_outbox = true;
    let mut next_look = Instant::now();
    // After a rate limit, no send starts before this.
    let mut paused_until: Option<Instant> = None;
    loop {
        while let Some(done) = in_flight.try_join_next() {
            collect(&mut finished, done);
        }
        let settled = settle(&store, &settings, finished.drain(..), &mut lanes, lease.owner, &mut unrecorded).await;
        if settled.any_failed {
            look_at_outbox = true;
        }
        if let Some(pause) = settled.pause {
            let until = Instant::now() + pause;
            tracing::warn!(pause_ms = pause.as_millis() as u64, "rate limited by the Graph API: every send pauses");
            paused_until = Some(paused_until.map_or(until, |p| p.max(until)));
        }
        let paused = paused_until.is_some_and(|until| until > Instant::now());
        if !paused {
            paused_until = None;
        }
        // The messages to send next, taken from the lanes; their start is recorded with the next
        // round below before they go.
        while in_flight.len() + to_start.len() < settings.concurrency && !paused {
            let Some(message) = lanes.ready.pop_front() else { break };
            if !message.window.allows(message.messaging_type, now_ms()) {
                finished.push((message, Outcome::Held));
                continue;
            }
            if message.send_started_at.is_some() {
                finished.push((message, Outcome::Unknown));
                continue;
            }
            to_start.push(message);
        }
        let free = settings.concurrency.saturating_sub(in_flight.len() + lanes.ready.len() + to_start.len());
        let claim = look_at_outbox && free > 0 && !paused;
        // With nothing under way, waiting to record more at once gains nothing.
        let round_due =
            record_by.is_some_and(|by| by <= Instant::now()) || (!to_start.is_empty() && in_flight.is_empty());
        if claim || unrecorded.len() >= RECORD_AT || round_due {
            let starting: Vec<i64> = to_start.iter().map(|m| m.id).collect();
            let result = if claim {
                store.mark_sent_and_claim(&unrecorded, &starting, free as i64, lease).await.map(Some)
            } else {
                store.mark_sent(&unrecorded, &starting).await.map(|()| None)
            };
            match result {
                Ok(claimed) => {
                    unrecorded.clear();
                    record_by = None;
                    for message in to_start.drain(..) {
                        if !lease_outlasts_a_send(&message, &settings) {
                            // It waited here so long (sends hanging) that its lease may be
                            // another sender's by the time it is sent: it and the contact's next
                            // replies go back to the outbox, whose claims take them in order once
                            // their leases are over (its start is recorded: it is not sent twice).
                            tracing::warn!(
                                outbox_id = message.id,
                                "a reply waited too long to be sent; it goes back to the outbox"
                            );
                            return_lane(&store, &mut lanes, message.contact_id, lease.owner).await;
                            look_at_outbox = true;
                            continue;
                        }
                        match &settings.sends_on {
                            Some(runtime) => in_flight.spawn_on(send(graph.clone(), message), runtime),
                            None => in_flight.spawn(send(graph.clone(), message)),
                        };
                    }
                    if let Some(claimed) = claimed {
                        let full = claimed.len() == free;
                        let quiet = claimed.is_empty() && in_flight.is_empty() && lanes.ready.is_empty();
                        claimed.into_iter().for_each(|m| lanes.offer_claimed(m));
                        // Every free slot filled: more may be due; else look again when the
                        // next retry is due or after a while.
                        look_at_outbox = full;
                        next_look = Instant::now() + if quiet { next_due_wait(&store).await } else { POLL };
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "recording or claiming replies failed; retrying shortly");
                    look_at_outbox = false;
                    next_look = Instant::now() + RETRY_PAUSE;
                    record_by = Some(next_look);
                }
            }
        } else {
            let within = match (to_start.is_empty(), unrecorded.is_empty()) {
                (false, _) => Some(START_WITHIN),
                (true, false) => Some(RECORD_WITHIN),
                (true, true) => None,
            };
            if let Some(within) = within {
                let by = Instant::now() + within;
                record_by = Some(record_by.map_or(by, |at| at.min(by)));
            }
        }
        // Held replies are recorded at once.
        if !finished.is_empty() {
            continue;
        }
        // More may be due and there is room for it: look again at once. (Without room, a send
        // that finishes wakes the loop below, which then looks: going round here instead would
        // spin without ever yielding.)
        if look_at_outbox && !paused && settings.concurrency > in_flight.len() + lanes.ready.len() {
            continue;
        }
        tokio::select! {
            _ = cancel.cancelled() => break,
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => collect(&mut finished, done),
            received = handed.recv_many(&mut handed_batches, 64) => {
                if received == 0 {
                    break;
                }
                let back: Vec<i64> =
                    handed_batches.drain(..).flatten().filter_map(|m| lanes.offer_handed(m)).map(|m| m.id).collect();
                if !back.is_empty() {
                    if let Err(e) = store.release_replies(&back, lease.owner).await {
                        tracing::error!(error = %e, "releasing replies failed; they are sent once their lease runs out");
                    }
                    look_at_outbox = true;
                }
            }
            _ = engine.outbox_ready().notified() => look_at_outbox = true,
            _ = tokio::time::sleep_until(paused_until.unwrap_or(next_look)), if paused => look_at_outbox = true,
            _ = tokio::time::sleep_until(next_look), if !paused => look_at_outbox = true,
            _ = tokio::time::sleep_until(record_by.unwrap_or(next_look)), if record_by.is_some() => {}
        }
    }
    while let Some(done) = in_flight.join_next().await {
        collect(&mut finished, done);
    }
    settle(&store, &settings, finished.drain(..), &mut lanes, lease.owner, &mut unrecorded).await;
    // Messages chosen but not started keep their lease, handed back by the server as it stops.
    if let Err(e) = store.mark_sent(&unrecorded, &[]).await {
        tracing::error!(error = %e, "recording delivered replies failed");
    }
    tracing::info!("outbox sender stopped");
}

/// Whether the reply's lease leaves time for a whole send (timeout included) and a margin.
fn lease_outlasts_a_send(message: &OutboxMessage, settings: &SenderSettings) -> bool {
    message.lease_until - now_ms() > (settings.send_timeout + Duration::from_secs(1)).as_millis() as i64
}

/// How long to sleep with nothing under way: until the next retry is due, at most [`POLL`].
async fn next_due_wait(store: &Store) -> Duration {
    match store.next_outbox_due(&Platform::META).await {
        Ok(Some(due)) => Duration::from_millis((due - now_ms()).clamp(1, POLL.as_millis() as i64) as u64),
        Ok(None) => POLL,
        Err(e) => {
            tracing::error!(error = %e, "reading the outbox failed");
            POLL
        }
    }
}

fn collect(finished: &mut Vec<Attempt>, done: Result<Attempt, tokio::task::JoinError>) {
    match done {
        Ok(attempt) => finished.push(attempt),
        // Only a panic in the HTTP client could get here; the reply stays leased and is tried
        // again once the lease runs out.
        Err(e) => tracing::error!(error = %e, "a send task failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statbot_core::Reply;

    fn reply(id: i64, contact_id: i64, lease_until: i64) -> OutboxMessage {
        OutboxMessage {
            id,
            contact_id,
            platform: Platform::Messenger,
            recipient: contact_id.to_string(),
            reply: Reply::Text { text: format!("reply {id}") },
            attempts: 1,
            created_at: 0,
            lease_until,
            messaging_type: statbot_core::MessagingType::Response,
            window: statbot_core::Window::default(),
            author_id: None,
            send_started_at: None,
        }
    }

    fn ready_ids(lanes: &mut Lanes) -> Vec<i64> {
        lanes.ready.drain(..).map(|m| m.id).collect()
    }

    #[test]
    fn a_contacts_next_reply_is_ready_only_once_the_one_before_is_delivered() {
        let mut lanes = Lanes::default();
        for (id, contact) in [(1, 10), (2, 10), (3, 20), (4, 10)] {
            lanes.offer_claimed(reply(id, contact, 0));
        }
        assert_eq!(ready_ids(&mut lanes), vec![1, 3]);
        lanes.delivered(10);
        assert_eq!(ready_ids(&mut lanes), vec![2]);
        lanes.delivered(20);
        assert!(lanes.ready.is_empty() && !lanes.busy.contains_key(&20));
        lanes.delivered(10);
        assert_eq!(ready_ids(&mut lanes), vec![4]);
        lanes.delivered(10);
        assert!(lanes.busy.is_empty());
    }

    #[test]
    fn a_failure_sends_the_replies_behind_it_back_and_frees_the_lane() {
        let mut lanes = Lanes::default();
        for id in 1..=3 {
            lanes.offer_claimed(reply(id, 10, 0));
        }
        assert_eq!(ready_ids(&mut lanes), vec![1]);
        let behind: Vec<i64> = lanes.failed(10).iter().map(|m| m.id).collect();
        assert_eq!(behind, vec![2, 3]);
        lanes.offer_claimed(reply(5, 10, 0));
        assert_eq!(ready_ids(&mut lanes), vec![5], "a later claim of the contact starts a new lane");
    }

    #[test]
    fn a_reply_handed_over_after_its_contacts_failure_goes_back_behind_the_failed_one() {
        let mut lanes = Lanes::default();
        assert!(lanes.offer_handed(reply(1, 10, 0)).is_none());
        assert_eq!(ready_ids(&mut lanes), vec![1]);
        lanes.failed(10);
        // Queued by the processor while reply 1 was being sent: it must not overtake reply 1.
        assert_eq!(lanes.offer_handed(reply(2, 10, 0)).map(|m| m.id), Some(2));
        assert!(lanes.offer_handed(reply(3, 20, 0)).is_none(), "other contacts are not held");
        assert_eq!(ready_ids(&mut lanes), vec![3]);
        // The outbox's claim brings reply 1 again: the hold ends.
        lanes.offer_claimed(reply(1, 10, 0));
        assert!(lanes.offer_handed(reply(4, 10, 0)).is_none());
        assert_eq!(ready_ids(&mut lanes), vec![1]);
        lanes.delivered(10);
        assert_eq!(ready_ids(&mut lanes), vec![4]);
    }

    #[test]
    fn a_reply_is_sent_only_while_its_lease_outlasts_a_whole_send() {
        let settings = SenderSettings::new(&OutboxConfig::default(), Duration::from_secs(10));
        let now = now_ms();
        assert!(lease_outlasts_a_send(&reply(1, 10, now + settings.lease.as_millis() as i64), &settings));
        assert!(!lease_outlasts_a_send(&reply(1, 10, now + 10_500), &settings));
        assert!(!lease_outlasts_a_send(&reply(1, 10, now - 1), &settings));
    }
}
