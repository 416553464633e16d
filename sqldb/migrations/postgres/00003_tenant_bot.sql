-- Whether the self-service bot answers a tenant's web chats first.

-- +goose Up
ALTER TABLE tenants ADD COLUMN bot BOOLEAN NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE tenants DROP COLUMN bot;
