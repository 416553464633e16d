-- The knowledge base: an article's head row and every version it had.
-- Times are INTEGER microseconds as in 00001; lists are JSON text.

-- +goose Up
CREATE TABLE kb_articles (
    id           TEXT    PRIMARY KEY,
    tenant_id    TEXT    NOT NULL DEFAULT '',
    live         INTEGER NOT NULL DEFAULT 0, -- published version in force, 0 when none
    latest       INTEGER NOT NULL DEFAULT 0,
    retired      INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER,
    published_at INTEGER
) STRICT;
CREATE INDEX kb_articles_published ON kb_articles (published_at);
CREATE INDEX kb_articles_updated ON kb_articles (updated_at);

CREATE TABLE kb_versions (
    article_id   TEXT    NOT NULL REFERENCES kb_articles (id),
    version      INTEGER NOT NULL,
    tenant_id    TEXT    NOT NULL DEFAULT '',
    title        TEXT    NOT NULL DEFAULT '',
    body         TEXT    NOT NULL DEFAULT '',
    category     TEXT    NOT NULL DEFAULT '',
    department   TEXT    NOT NULL DEFAULT '',
    tags         TEXT    NOT NULL DEFAULT '[]',
    questions    TEXT    NOT NULL DEFAULT '[]',
    valid_from   INTEGER,
    valid_to     INTEGER,
    state        TEXT    NOT NULL DEFAULT 'draft',
    author_id    TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER,
    submitted_at INTEGER,
    decided_by   TEXT    NOT NULL DEFAULT '',
    decided_at   INTEGER,
    note         TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, version)
) STRICT;
CREATE INDEX kb_versions_state ON kb_versions (state);

CREATE TABLE kb_dictionary (
    id      TEXT PRIMARY KEY, -- one row, 'default'
    entries TEXT NOT NULL DEFAULT '{}'
) STRICT;

-- +goose Down
DROP TABLE kb_dictionary;
DROP TABLE kb_versions;
DROP TABLE kb_articles;
