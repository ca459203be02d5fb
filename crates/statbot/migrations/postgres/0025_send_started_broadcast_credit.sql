-- Outbox: when the sender started sending a message the bot starts itself (a broadcast's or a
-- follow-up's UPDATE), recorded before the Send API call (issue 20). A message claimed again
-- with it set, and no outcome recorded, may have arrived: it is not sent again but recorded
-- failed with the class 'unknown_outcome', so that nobody gets a promotion twice. A definite
-- failure (Meta answered, or no connection was made) clears it for the retry. Ms since the epoch.
ALTER TABLE outbox ADD COLUMN send_started_at BIGINT;

-- A broadcast's redemptions: those whose reveal it is credited with (the last broadcast of the
-- flow the contact received before revealing), read for its funnel.
CREATE INDEX redemptions_broadcast ON redemptions (broadcast_id) WHERE broadcast_id IS NOT NULL;
