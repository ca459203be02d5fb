-- Funnel rollups, kept by the rollup worker from the events table (see src/funnels.rs).
-- Each contact joins a flow's cohort once: when, and on which local day.
CREATE TABLE funnel_contacts (
    flow TEXT NOT NULL,
    contact_id BIGINT NOT NULL,
    started_at BIGINT NOT NULL,
    day INTEGER NOT NULL,
    PRIMARY KEY (flow, contact_id)
);
-- When a contact was first counted for a metric (step reached, button clicked, ...).
CREATE TABLE funnel_marks (
    flow TEXT NOT NULL,
    contact_id BIGINT NOT NULL,
    metric TEXT NOT NULL,
    first_at BIGINT NOT NULL,
    PRIMARY KEY (flow, contact_id, metric)
);
-- Counts per cohort day: a range's funnel is the sum of its days.
CREATE TABLE funnel_days (
    flow TEXT NOT NULL,
    day INTEGER NOT NULL,
    metric TEXT NOT NULL,
    contacts BIGINT NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (flow, day, metric)
);
-- First-click delays per cohort day, in buckets, for medians.
CREATE TABLE funnel_delays (
    flow TEXT NOT NULL,
    day INTEGER NOT NULL,
    metric TEXT NOT NULL,
    bucket BIGINT NOT NULL,
    contacts BIGINT NOT NULL,
    PRIMARY KEY (flow, day, metric, bucket)
);
-- How far the rollup has read the events table, and the rules (window, time zone, entry
-- steps) it counted with: when they change, the rollups are rebuilt.
CREATE TABLE funnel_rollup (
    id INTEGER PRIMARY KEY,
    last_event_id BIGINT NOT NULL,
    rules TEXT NOT NULL
);
-- One row; empty rules count as changed, so the first round counts everything.
INSERT INTO funnel_rollup (id, last_event_id, rules) VALUES (1, 0, '');
