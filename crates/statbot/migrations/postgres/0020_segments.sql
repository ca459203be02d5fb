-- Contact tags (issue 20), chosen by segments such as `tag:vip`. PostgreSQL.
--
-- One row per tag a contact has: 1 to 32 lower-case letters, digits, `_` and `-` (checked by
-- statbot before it writes). tagged_at: when the tag was first given (adding it again keeps it).
CREATE TABLE contact_tags (
    contact_id BIGINT NOT NULL REFERENCES contacts (id),
    tag TEXT NOT NULL,
    tagged_at BIGINT NOT NULL,
    PRIMARY KEY (contact_id, tag)
);
-- A tag's contacts (`statbot contacts tags`, removing a tag) and the tags' counts.
CREATE INDEX contact_tags_tag ON contact_tags (tag, contact_id);
