-- Imported data sets. An import writes its rows under a new version, a few thousand rows per
-- transaction, then one short transaction makes that version current: readers never see half a
-- set, a failed import leaves the old one in place, and a large import never holds the write
-- lock for long. Rows of versions that are not current are deleted by the next import.
CREATE TABLE dataset_versions (
    id INTEGER PRIMARY KEY,
    dataset TEXT NOT NULL,
    started_at BIGINT NOT NULL
);

CREATE TABLE datasets (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL REFERENCES dataset_versions (id),
    -- JSON: key column, columns (type, unit, group, description, source, synonyms), aliases,
    -- attribution, source file.
    meta TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    imported_at BIGINT NOT NULL
);

-- One row of a data set: its key, the label that names it uniquely ("Portland, OR" where the key
-- repeats) and its values as a JSON array in column order.
CREATE TABLE dataset_rows (
    version BIGINT NOT NULL,
    position BIGINT NOT NULL,
    label TEXT NOT NULL,
    qualifiers TEXT NOT NULL,
    row_values TEXT NOT NULL,
    PRIMARY KEY (version, position)
);

-- Free text people typed, with the intent the bot chose and how sure it was, for review.
CREATE TABLE utterances (
    id INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    inbound_id BIGINT,
    text TEXT NOT NULL,
    normalized TEXT NOT NULL,
    intent TEXT,
    confidence REAL NOT NULL,
    understood INTEGER NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX utterances_misses ON utterances (created_at) WHERE NOT understood;
