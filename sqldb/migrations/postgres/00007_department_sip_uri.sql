-- Where a department's phones answer a transferred call
-- (minwon.Department.SIPURI from department.saved); '': no transfers.

-- +goose Up
ALTER TABLE departments ADD COLUMN sip_uri TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE departments DROP COLUMN sip_uri;
