-- The periodic jobs' shared schedule (issue 21): one row per job (the Stripe sync, the order
-- reconciler, follow-ups, the funnel rollup, the inbox's release sweep, the rate-limit sweep).
-- Every instance runs the same workers; an instance runs a job only when it claims the job's row
-- while it is due, in one atomic upsert that moves `next_due_at` on by the interval, so the job
-- starts once per interval however many instances share the database. Times are ms since the
-- epoch, by the claiming instance's clock.
CREATE TABLE job_schedule (
    job TEXT PRIMARY KEY,
    every_ms BIGINT NOT NULL,
    next_due_at BIGINT NOT NULL,
    runs BIGINT NOT NULL,
    last_instance TEXT NOT NULL,
    last_started_at BIGINT NOT NULL,
    last_finished_at BIGINT,
    last_outcome TEXT,
    last_error TEXT
);
