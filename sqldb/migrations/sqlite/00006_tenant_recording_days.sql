-- How long a tenant keeps call recordings, in days after the call ended
-- (minwon.Tenant.RecordingDays from tenant.saved); 0: the server default.

-- +goose Up
ALTER TABLE tenants ADD COLUMN recording_days INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE tenants DROP COLUMN recording_days;
