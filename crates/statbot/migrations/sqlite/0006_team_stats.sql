-- Team stats. A team's metrics and ratios are a JSON definition (see src/team/definition.rs),
-- so each team shapes its own; every day's figures are one row per metric, so a new metric
-- needs no schema change. Team names are unique whatever their case.
CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX teams_name ON teams (lower(name));

-- Every account belongs to a team; accounts made before teams join the default team on first use.
ALTER TABLE users ADD COLUMN team_id INTEGER REFERENCES teams (id);

-- Days are YYYY-MM-DD in the team's calendar; durations are seconds, percentages 0 to 100.
CREATE TABLE team_stats (
    team_id INTEGER NOT NULL REFERENCES teams (id),
    day TEXT NOT NULL,
    metric TEXT NOT NULL,
    value REAL NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    PRIMARY KEY (team_id, day, metric)
);
