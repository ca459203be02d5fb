-- Messenger for real (issue 18). SQLite.
--
-- The messaging window: when the contact last wrote, tapped or arrived by a referral (Meta's
-- timestamp, never the arrival time), and until when Meta lets statbot send standard messages
-- (24 hours after that, 7 days after a click-to-Messenger ad). Only ever moved forward, so a
-- late redelivery does not reopen a window. NULL on channels without one (web, terminal).
ALTER TABLE contacts ADD COLUMN last_inbound_at INTEGER;
ALTER TABLE contacts ADD COLUMN window_until INTEGER;

-- A message's referral (JSON: ref, source, type, ad_id), as Meta sent it.
ALTER TABLE inbound ADD COLUMN referral TEXT;

-- Why a reply was not sent: Meta's error class (outside_window, unavailable, permissions,
-- rate_limited, invalid_parameter, bad_token, temporary, rejected); a reply held back before any
-- call (status 'held') has one too. And how it is sent: RESPONSE (an answer), UPDATE (a message
-- statbot starts inside the window) or HUMAN_AGENT (a tagged message a person wrote).
ALTER TABLE outbox ADD COLUMN error_class TEXT;
ALTER TABLE outbox ADD COLUMN messaging_type TEXT NOT NULL DEFAULT 'RESPONSE';
CREATE INDEX outbox_held ON outbox (contact_id, id) WHERE status = 'held';

-- Entry points: an m.me link's ref names one, and leads to a flow (its entry step, or STEP).
CREATE TABLE links (
    name TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    step TEXT,
    created_at INTEGER NOT NULL
);

-- Every referral a contact arrived by (first and latest are the lowest and highest id), and
-- where it led: the link's flow and step, when its ref named a link.
CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    inbound_id INTEGER REFERENCES inbound (id),
    ref TEXT,
    source TEXT,
    kind TEXT,
    ad_id TEXT,
    flow TEXT,
    step TEXT,
    at INTEGER NOT NULL
);
CREATE INDEX referrals_contact ON referrals (contact_id, id);
CREATE INDEX referrals_ref ON referrals (ref, at);
