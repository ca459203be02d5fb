//! Sales questions answered before the engine's transaction. Sales figures read the store and
//! may ask the Stripe API (seconds, within its timeout); neither may happen while the engine
//! holds its transaction (on SQLite the only connection, on PostgreSQL row locks), so
//! [`Engine::act_on`] first picks the batch's sales questions (a text classified to a sales
//! intent, or a `store:` button), lets its connection go, checks whether each contact is staff
//! and computes the answers; [`Engine::respond`] then records them with the rest of the batch.
//!
//! Staff is checked as the batch starts: a `link CODE` earlier in the same batch takes effect
//! from the next message on.

use super::{Engine, EngineError};
use crate::assistant::Prepared;
use crate::assistant::sales::SalesAsk;
use crate::store::{ClaimedInbound, NewUtterance};
use statbot_core::{InboundContent, Reply};
use std::collections::HashMap;

/// A sales question's answer, computed before the transaction, by inbound message id.
pub(super) struct Answered {
    pub replies: Vec<Reply>,
    pub utterance: Option<NewUtterance>,
}

/// A sales question of the batch: the message, its contact, what it asks, and what the
/// contact typed or tapped (for a customer's not-understood answer).
pub(super) struct Asked {
    inbound_id: i64,
    contact_id: i64,
    ask: SalesAsk,
    said: Option<String>,
}

impl Engine {
    /// The sales questions among `messages`. Link messages (`link CODE`) are never store
    /// questions: they go to the staff links first, as in [`Engine::respond`].
    pub(super) fn sales_questions(&self, messages: &[ClaimedInbound], prepared: Option<&Prepared>) -> Vec<Asked> {
        let Some(assistant) = self.assistant() else { return Vec::new() };
        messages
            .iter()
            .filter(|m| !matches!(&m.content, InboundContent::Text { text } if crate::staff::Command::parse(text).is_some()))
            .filter_map(|m| {
                let ask = assistant.sales_question(prepared, &m.content, m.contact_id, m.id)?;
                let said = match &m.content {
                    InboundContent::Text { text } => Some(text.clone()),
                    InboundContent::Payload { title, .. } => title.clone(),
                    InboundContent::Referral | InboundContent::Attachment { .. } => None,
                };
                Some(Asked { inbound_id: m.id, contact_id: m.contact_id, ask, said })
            })
            .collect()
    }

    /// Answers the sales questions side by side (each within the metrics' own Stripe
    /// timeout): staff get the figures; anyone else the not-understood answer, which tells
    /// nothing of staff features (and the question is recorded as not understood). Called
    /// with no connection held (each staff check takes one of its own, briefly).
    pub(super) async fn answer_sales_questions(
        &self,
        asked: Vec<Asked>,
    ) -> Result<HashMap<i64, Answered>, EngineError> {
        let Some(assistant) = self.assistant() else { return Ok(HashMap::new()) };
        let mut staff: HashMap<i64, bool> = HashMap::new();
        for contact_id in asked.iter().map(|a| a.contact_id) {
            if let std::collections::hash_map::Entry::Vacant(entry) = staff.entry(contact_id) {
                entry.insert(self.store().contact_operator(contact_id).await?.is_some());
            }
        }
        let answers = asked.into_iter().map(|Asked { inbound_id, contact_id, ask, said }| {
            let is_staff = staff.get(&contact_id).copied().unwrap_or(false);
            async move {
                if !is_staff {
                    let replies = vec![assistant.not_understood(said.as_deref())];
                    let utterance = ask.utterance.map(|u| NewUtterance { understood: false, ..u });
                    return (inbound_id, Answered { replies, utterance });
                }
                let replies = assistant.sales().answer(&ask.question).await;
                (inbound_id, Answered { replies, utterance: ask.utterance })
            }
        });
        Ok(futures::future::join_all(answers).await.into_iter().collect())
    }
}
