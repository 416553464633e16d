-- Schema for PostgreSQL; the same tables and columns as the SQLite schema.
-- Identifiers use COLLATE "C" so that ORDER BY id is byte order, as on
-- SQLite, whatever locale the database was created with. Payloads are BYTEA,
-- not JSONB, because JSONB reorders keys and the event log must return the
-- bytes it was given.

-- +goose Up
CREATE TABLE events (
    seq        BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT        COLLATE "C" NOT NULL UNIQUE,
    type       TEXT        COLLATE "C" NOT NULL,
    tenant_id  TEXT        COLLATE "C" NOT NULL DEFAULT '',
    at         TIMESTAMPTZ,
    actor_id   TEXT        COLLATE "C" NOT NULL DEFAULT '',
    contact_id TEXT        COLLATE "C" NOT NULL DEFAULT '',
    agent_id   TEXT        COLLATE "C" NOT NULL DEFAULT '',
    queue_id   TEXT        COLLATE "C" NOT NULL DEFAULT '',
    data       BYTEA
);
CREATE INDEX events_tenant_seq ON events (tenant_id, seq);
CREATE INDEX events_contact_seq ON events (contact_id, seq);
CREATE INDEX events_at ON events (at);

CREATE TABLE tenants (
    id            TEXT COLLATE "C" PRIMARY KEY,
    parent_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
    name          TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL DEFAULT '',
    entry_points  TEXT NOT NULL DEFAULT '[]',
    default_queue TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ
);

CREATE TABLE departments (
    id        TEXT COLLATE "C" PRIMARY KEY,
    tenant_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    name      TEXT NOT NULL DEFAULT '',
    phone     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX departments_tenant ON departments (tenant_id);

CREATE TABLE queues (
    id             TEXT    COLLATE "C" PRIMARY KEY,
    tenant_id      TEXT    COLLATE "C" NOT NULL DEFAULT '',
    name           TEXT    NOT NULL DEFAULT '',
    skills         TEXT    NOT NULL DEFAULT '[]',
    priority       INTEGER NOT NULL DEFAULT 0,
    overflow_queue TEXT    COLLATE "C" NOT NULL DEFAULT '',
    overflow_after BIGINT  NOT NULL DEFAULT 0, -- nanoseconds, as time.Duration
    offer_timeout  BIGINT  NOT NULL DEFAULT 0,
    service_level  BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX queues_tenant ON queues (tenant_id);

CREATE TABLE users (
    id            TEXT    COLLATE "C" PRIMARY KEY,
    tenant_id     TEXT    COLLATE "C" NOT NULL DEFAULT '',
    login         TEXT    COLLATE "C" NOT NULL UNIQUE,
    name          TEXT    NOT NULL DEFAULT '',
    roles         TEXT    NOT NULL DEFAULT '[]',
    department_id TEXT    COLLATE "C" NOT NULL DEFAULT '',
    skills        TEXT    NOT NULL DEFAULT '[]',
    capacity      TEXT    NOT NULL DEFAULT '{}',
    disabled      BOOLEAN NOT NULL DEFAULT false,
    password_hash TEXT    NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ
);
CREATE INDEX users_tenant ON users (tenant_id);

CREATE TABLE sessions (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE agent_states (
    agent_id  TEXT    COLLATE "C" PRIMARY KEY,
    tenant_id TEXT    COLLATE "C" NOT NULL DEFAULT '',
    state     TEXT    NOT NULL DEFAULT 'offline',
    reason    TEXT    NOT NULL DEFAULT '',
    since     TIMESTAMPTZ,
    connected BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE contacts (
    id             TEXT    COLLATE "C" PRIMARY KEY,
    tenant_id      TEXT    COLLATE "C" NOT NULL DEFAULT '',
    queue_id       TEXT    COLLATE "C" NOT NULL DEFAULT '',
    channel        TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL DEFAULT '',
    entry_point    TEXT    NOT NULL DEFAULT '',
    citizen_id     TEXT    COLLATE "C" NOT NULL DEFAULT '',
    citizen_name   TEXT    NOT NULL DEFAULT '',
    language       TEXT    NOT NULL DEFAULT '',
    priority       INTEGER NOT NULL DEFAULT 0,
    agent_id       TEXT    COLLATE "C" NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ,
    answered_at    TIMESTAMPTZ,
    ended_at       TIMESTAMPTZ,
    closed_at      TIMESTAMPTZ,
    category       TEXT    NOT NULL DEFAULT '',
    resolution     TEXT    NOT NULL DEFAULT '',
    department_id  TEXT    COLLATE "C" NOT NULL DEFAULT '',
    summary        TEXT    NOT NULL DEFAULT '',
    memo           TEXT    NOT NULL DEFAULT '',
    rating         INTEGER NOT NULL DEFAULT 0,
    rating_comment TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX contacts_citizen ON contacts (citizen_id, created_at);
CREATE INDEX contacts_tenant_created ON contacts (tenant_id, created_at);
CREATE INDEX contacts_agent ON contacts (agent_id, created_at);

CREATE TABLE messages (
    id         TEXT    COLLATE "C" PRIMARY KEY,
    contact_id TEXT    COLLATE "C" NOT NULL REFERENCES contacts (id),
    seq        INTEGER NOT NULL,
    sender     TEXT    NOT NULL DEFAULT '',
    author_id  TEXT    COLLATE "C" NOT NULL DEFAULT '',
    text       TEXT    NOT NULL DEFAULT '',
    client_id  TEXT    COLLATE "C" NOT NULL DEFAULT '',
    at         TIMESTAMPTZ,
    UNIQUE (contact_id, seq)
);
-- A sender's retry with the same client_id is refused, not stored twice.
CREATE UNIQUE INDEX messages_client ON messages (contact_id, client_id) WHERE client_id <> '';

CREATE TABLE handoffs (
    id            TEXT COLLATE "C" PRIMARY KEY,
    tenant_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
    contact_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    department_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    summary       TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    state         TEXT NOT NULL DEFAULT '',
    created_by    TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ,
    reply         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX handoffs_department_state ON handoffs (department_id, state);
CREATE INDEX handoffs_contact ON handoffs (contact_id);

CREATE TABLE notices (
    id         TEXT COLLATE "C" PRIMARY KEY,
    tenant_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    title      TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT '',
    author_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ,
    expires_at TIMESTAMPTZ -- NULL: never expires
);
CREATE INDEX notices_tenant ON notices (tenant_id, created_at);

CREATE TABLE notice_reads (
    notice_id TEXT COLLATE "C" NOT NULL REFERENCES notices (id),
    user_id   TEXT COLLATE "C" NOT NULL,
    at        TIMESTAMPTZ,
    PRIMARY KEY (notice_id, user_id)
);

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
