-- The interpreter pool of each tenant (minwon.Interpreter from
-- interpreter.saved): an in-house interpreter is a user whose phone is
-- rung (user_id), an external interpretation line a number dialled
-- through the trunk or a SIP URI (address). languages is JSON text of
-- ISO 639-1 codes.

-- +goose Up
CREATE TABLE interpreters (
    id        TEXT    PRIMARY KEY,
    tenant_id TEXT    NOT NULL DEFAULT '',
    name      TEXT    NOT NULL DEFAULT '',
    languages TEXT    NOT NULL DEFAULT '[]',
    user_id   TEXT    NOT NULL DEFAULT '',
    address   TEXT    NOT NULL DEFAULT '',
    disabled  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX interpreters_tenant ON interpreters (tenant_id);

-- +goose Down
DROP TABLE interpreters;
