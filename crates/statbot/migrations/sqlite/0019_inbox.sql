-- The live inbox (issue 19): a person takes a conversation over from the bot. SQLite.
--
-- One row per contact a person was ever asked for or took over; a contact without one is the
-- bot's. status: 'bot' (the bot answers), 'needs_person' (asked for a person, nobody took it
-- yet: the bot is silent), 'taken' (an operator has it: the bot is silent). team_id: the team
-- whose operators see it (the inbox's team until assigned); assigned_user_id: the operator who
-- has it. asked_at: when the current request for a person began; last_operator_at: the
-- operator's latest reply or take-over (a taken conversation goes back to the bot after
-- [inbox] release_after of silence from then); last_message_at: the contact's latest message;
-- unread: the contact's messages since an operator last opened it.
CREATE TABLE conversations (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts (id),
    status TEXT NOT NULL,
    team_id INTEGER REFERENCES teams (id),
    assigned_user_id INTEGER REFERENCES users (id),
    asked_at INTEGER,
    taken_at INTEGER,
    last_operator_at INTEGER,
    last_message_at INTEGER,
    unread INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
CREATE INDEX conversations_status ON conversations (status, updated_at);

-- Every stretch of a conversation a person had, for the team's figures: when the person was
-- asked for (or an operator stepped in: reason 'operator'), who first answered and when, and
-- when it went back to the bot (released_by 'operator' or 'timeout'). reason: 'words',
-- 'button', 'not_understood' or 'operator'.
CREATE TABLE inbox_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id INTEGER NOT NULL REFERENCES contacts (id),
    team_id INTEGER REFERENCES teams (id),
    reason TEXT NOT NULL,
    asked_at INTEGER NOT NULL,
    taken_by INTEGER REFERENCES users (id),
    taken_at INTEGER,
    first_response_by INTEGER REFERENCES users (id),
    first_response_at INTEGER,
    released_at INTEGER,
    released_by TEXT
);
CREATE INDEX inbox_sessions_contact ON inbox_sessions (contact_id, id);
CREATE INDEX inbox_sessions_response ON inbox_sessions (first_response_at);
CREATE INDEX inbox_sessions_released ON inbox_sessions (released_at);

-- The inbox and the contacts page list the latest active contacts first: read in this order,
-- a page costs the same whatever the number of contacts.
CREATE INDEX contacts_updated ON contacts (updated_at, id);

-- The operator who wrote a reply; NULL for the bot's.
ALTER TABLE outbox ADD COLUMN author_id INTEGER REFERENCES users (id);
