-- Schema for SQLite. Times are INTEGER microseconds since the Unix epoch, UTC:
-- they sort and compare as numbers and hold exactly what TIMESTAMPTZ holds on
-- PostgreSQL, so both backends answer the same. NULL is the zero time.
-- Lists (skills, roles, entry points) and maps (capacity) are JSON text.
-- STRICT tables refuse a value of the wrong type instead of storing it.

-- +goose Up
CREATE TABLE events (
    -- The rowid: max+1 under the single writer, so strictly increasing and
    -- never reused as long as the newest event is never deleted. No
    -- AUTOINCREMENT: it would add a page write to every commit.
    seq        INTEGER PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL,
    tenant_id  TEXT    NOT NULL DEFAULT '',
    at         INTEGER,
    actor_id   TEXT    NOT NULL DEFAULT '',
    contact_id TEXT    NOT NULL DEFAULT '',
    agent_id   TEXT    NOT NULL DEFAULT '',
    queue_id   TEXT    NOT NULL DEFAULT '',
    data       BLOB    -- the payload byte for byte
) STRICT;
CREATE INDEX events_tenant_seq ON events (tenant_id, seq);
CREATE INDEX events_contact_seq ON events (contact_id, seq);
CREATE INDEX events_at ON events (at);

CREATE TABLE tenants (
    id            TEXT    PRIMARY KEY,
    parent_id     TEXT    NOT NULL DEFAULT '',
    name          TEXT    NOT NULL DEFAULT '',
    kind          TEXT    NOT NULL DEFAULT '',
    entry_points  TEXT    NOT NULL DEFAULT '[]',
    default_queue TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER
) STRICT;

CREATE TABLE departments (
    id        TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL DEFAULT '',
    name      TEXT NOT NULL DEFAULT '',
    phone     TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX departments_tenant ON departments (tenant_id);

CREATE TABLE queues (
    id             TEXT    PRIMARY KEY,
    tenant_id      TEXT    NOT NULL DEFAULT '',
    name           TEXT    NOT NULL DEFAULT '',
    skills         TEXT    NOT NULL DEFAULT '[]',
    priority       INTEGER NOT NULL DEFAULT 0,
    overflow_queue TEXT    NOT NULL DEFAULT '',
    overflow_after INTEGER NOT NULL DEFAULT 0, -- nanoseconds, as time.Duration
    offer_timeout  INTEGER NOT NULL DEFAULT 0,
    service_level  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX queues_tenant ON queues (tenant_id);

CREATE TABLE users (
    id            TEXT    PRIMARY KEY,
    tenant_id     TEXT    NOT NULL DEFAULT '',
    login         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL DEFAULT '',
    roles         TEXT    NOT NULL DEFAULT '[]',
    department_id TEXT    NOT NULL DEFAULT '',
    skills        TEXT    NOT NULL DEFAULT '[]',
    capacity      TEXT    NOT NULL DEFAULT '{}',
    disabled      INTEGER NOT NULL DEFAULT 0,
    password_hash TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER
) STRICT;
CREATE INDEX users_tenant ON users (tenant_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL,
    created_at INTEGER,
    expires_at INTEGER
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE agent_states (
    agent_id  TEXT    PRIMARY KEY,
    tenant_id TEXT    NOT NULL DEFAULT '',
    state     TEXT    NOT NULL DEFAULT 'offline',
    reason    TEXT    NOT NULL DEFAULT '',
    since     INTEGER,
    connected INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE contacts (
    id             TEXT    PRIMARY KEY,
    tenant_id      TEXT    NOT NULL DEFAULT '',
    queue_id       TEXT    NOT NULL DEFAULT '',
    channel        TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL DEFAULT '',
    entry_point    TEXT    NOT NULL DEFAULT '',
    citizen_id     TEXT    NOT NULL DEFAULT '',
    citizen_name   TEXT    NOT NULL DEFAULT '',
    language       TEXT    NOT NULL DEFAULT '',
    priority       INTEGER NOT NULL DEFAULT 0,
    agent_id       TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER,
    answered_at    INTEGER,
    ended_at       INTEGER,
    closed_at      INTEGER,
    category       TEXT    NOT NULL DEFAULT '',
    resolution     TEXT    NOT NULL DEFAULT '',
    department_id  TEXT    NOT NULL DEFAULT '',
    summary        TEXT    NOT NULL DEFAULT '',
    memo           TEXT    NOT NULL DEFAULT '',
    rating         INTEGER NOT NULL DEFAULT 0,
    rating_comment TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX contacts_citizen ON contacts (citizen_id, created_at);
CREATE INDEX contacts_tenant_created ON contacts (tenant_id, created_at);
CREATE INDEX contacts_agent ON contacts (agent_id, created_at);

CREATE TABLE messages (
    id         TEXT    PRIMARY KEY,
    contact_id TEXT    NOT NULL REFERENCES contacts (id),
    seq        INTEGER NOT NULL,
    sender     TEXT    NOT NULL DEFAULT '',
    author_id  TEXT    NOT NULL DEFAULT '',
    text       TEXT    NOT NULL DEFAULT '',
    client_id  TEXT    NOT NULL DEFAULT '',
    at         INTEGER,
    UNIQUE (contact_id, seq)
) STRICT;
-- A sender's retry with the same client_id is refused, not stored twice.
CREATE UNIQUE INDEX messages_client ON messages (contact_id, client_id) WHERE client_id <> '';

CREATE TABLE handoffs (
    id            TEXT    PRIMARY KEY,
    tenant_id     TEXT    NOT NULL DEFAULT '',
    contact_id    TEXT    NOT NULL DEFAULT '',
    department_id TEXT    NOT NULL DEFAULT '',
    summary       TEXT    NOT NULL DEFAULT '',
    note          TEXT    NOT NULL DEFAULT '',
    state         TEXT    NOT NULL DEFAULT '',
    created_by    TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER,
    updated_at    INTEGER,
    reply         TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX handoffs_department_state ON handoffs (department_id, state);
CREATE INDEX handoffs_contact ON handoffs (contact_id);

CREATE TABLE notices (
    id         TEXT    PRIMARY KEY,
    tenant_id  TEXT    NOT NULL DEFAULT '',
    title      TEXT    NOT NULL DEFAULT '',
    body       TEXT    NOT NULL DEFAULT '',
    author_id  TEXT    NOT NULL DEFAULT '',
    created_at INTEGER,
    expires_at INTEGER -- NULL: never expires
) STRICT;
CREATE INDEX notices_tenant ON notices (tenant_id, created_at);

CREATE TABLE notice_reads (
    notice_id TEXT    NOT NULL REFERENCES notices (id),
    user_id   TEXT    NOT NULL,
    at        INTEGER,
    PRIMARY KEY (notice_id, user_id)
) STRICT;

-- +goose Down
DROP TABLE notice_reads;
DROP TABLE notices;
DROP TABLE handoffs;
DROP TABLE messages;
DROP TABLE contacts;
DROP TABLE agent_states;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE queues;
DROP TABLE departments;
DROP TABLE tenants;
DROP TABLE events;
