-- Split tests (issue 20).
--
-- The variant each contact got at each split step, written by the engine in the transaction
-- that records the contact passing the step. The first assignment stays (assignment is a
-- stable hash, so it only differs after the step's weights change). Funnels by variant join
-- it with funnel_marks: a contact counts under its variant from its first pass of the split.
CREATE TABLE split_variants (
    flow TEXT NOT NULL,
    step TEXT NOT NULL,
    contact_id BIGINT NOT NULL,
    variant TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (flow, step, contact_id)
);
