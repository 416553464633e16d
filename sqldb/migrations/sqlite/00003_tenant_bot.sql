-- Whether the self-service bot answers a tenant's web chats first.

-- +goose Up
ALTER TABLE tenants ADD COLUMN bot INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE tenants DROP COLUMN bot;
