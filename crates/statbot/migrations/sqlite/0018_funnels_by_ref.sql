-- Funnels by ref (issue 18). SQLite.
--
-- Each contact of a flow's cohort is counted under one ref: that of its latest referral that
-- came with or before the message that first brought it into the flow (NULL: none, or one
-- without a ref). Kept by the rollup beside the funnel's own counts, from the same changes,
-- so that the counts of a range's refs add up to the range's funnel.
ALTER TABLE funnel_contacts ADD COLUMN ref TEXT;
-- Counts per ref and cohort day ('' is no ref: part of the key, so never NULL).
CREATE TABLE funnel_ref_days (
    flow TEXT NOT NULL,
    ref TEXT NOT NULL,
    day INTEGER NOT NULL,
    metric TEXT NOT NULL,
    contacts BIGINT NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (flow, ref, day, metric)
);
CREATE TABLE funnel_ref_delays (
    flow TEXT NOT NULL,
    ref TEXT NOT NULL,
    day INTEGER NOT NULL,
    metric TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    contacts BIGINT NOT NULL,
    PRIMARY KEY (flow, ref, day, metric, bucket)
);
-- Count everything again, by ref too, from the first event.
DELETE FROM funnel_contacts;
DELETE FROM funnel_marks;
DELETE FROM funnel_days;
DELETE FROM funnel_delays;
UPDATE funnel_rollup SET last_event_id = 0;
-- A link's conversions: its flow's contacts counted under its ref.
CREATE INDEX funnel_contacts_ref ON funnel_contacts (flow, ref);
-- A range's cohort by channel (Messenger, Instagram, web chat...).
CREATE INDEX funnel_contacts_day ON funnel_contacts (flow, day);
