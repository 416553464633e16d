-- A tenant's caller-identity salt (hex, from tenant.salt; the first one
-- stored is kept) and its own counselor-protection policy (JSON of
-- minwon.TenantPolicy from policy.updated; empty: the parent's or the
-- defaults).

-- +goose Up
ALTER TABLE tenants ADD COLUMN salt TEXT NOT NULL DEFAULT '';
ALTER TABLE tenants ADD COLUMN policy TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE tenants DROP COLUMN policy;
ALTER TABLE tenants DROP COLUMN salt;
