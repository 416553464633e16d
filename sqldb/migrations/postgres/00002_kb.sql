-- The knowledge base: an article's head row and every version it had.
-- Lists are JSON text, as in 00001, so both backends scan them alike.

-- +goose Up
CREATE TABLE kb_articles (
    id           TEXT COLLATE "C" PRIMARY KEY,
    tenant_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    live         INTEGER NOT NULL DEFAULT 0, -- published version in force, 0 when none
    latest       INTEGER NOT NULL DEFAULT 0,
    retired      BOOLEAN NOT NULL DEFAULT false,
    updated_at   TIMESTAMPTZ,
    published_at TIMESTAMPTZ
);
CREATE INDEX kb_articles_published ON kb_articles (published_at);
CREATE INDEX kb_articles_updated ON kb_articles (updated_at);

CREATE TABLE kb_versions (
    article_id   TEXT COLLATE "C" NOT NULL REFERENCES kb_articles (id),
    version      INTEGER NOT NULL,
    tenant_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    title        TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    category     TEXT NOT NULL DEFAULT '',
    department   TEXT NOT NULL DEFAULT '',
    tags         TEXT NOT NULL DEFAULT '[]',
    questions    TEXT NOT NULL DEFAULT '[]',
    valid_from   TIMESTAMPTZ,
    valid_to     TIMESTAMPTZ,
    state        TEXT COLLATE "C" NOT NULL DEFAULT 'draft',
    author_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ,
    submitted_at TIMESTAMPTZ,
    decided_by   TEXT COLLATE "C" NOT NULL DEFAULT '',
    decided_at   TIMESTAMPTZ,
    note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (article_id, version)
);
CREATE INDEX kb_versions_state ON kb_versions (state);

CREATE TABLE kb_dictionary (
    id      TEXT COLLATE "C" PRIMARY KEY, -- one row, 'default'
    entries TEXT NOT NULL DEFAULT '{}'
);

-- +goose Down
DROP TABLE kb_dictionary;
DROP TABLE kb_versions;
DROP TABLE kb_articles;
