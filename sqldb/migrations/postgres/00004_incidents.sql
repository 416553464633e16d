-- The incident read model for supervisors: one row per incident with what
-- the list filters and shows, and every later incident event (item, warning,
-- end, action, review) as an entry in event order, so an incident's full
-- record is read back without the event log. Append keeps both in the same
-- transaction as the events; the Up step also fills them from the incident
-- events already stored.

-- +goose Up
CREATE TABLE incidents (
    id         TEXT COLLATE "C" PRIMARY KEY,
    tenant_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    contact_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    caller_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    agent_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
    channel    TEXT COLLATE "C" NOT NULL DEFAULT '',
    type       TEXT COLLATE "C" NOT NULL DEFAULT '', -- the most severe type seen
    severity   INTEGER NOT NULL DEFAULT 0,            -- IncidentType.Severity of type
    source     TEXT COLLATE "C" NOT NULL DEFAULT '',
    opened_at  TIMESTAMPTZ,
    status     TEXT COLLATE "C" NOT NULL DEFAULT 'open', -- open, confirmed, dismissed
    warnings   INTEGER NOT NULL DEFAULT 0,
    ended_at   TIMESTAMPTZ,
    updated_at TIMESTAMPTZ
);
CREATE INDEX incidents_tenant_opened ON incidents (tenant_id, opened_at, id);
CREATE INDEX incidents_tenant_agent ON incidents (tenant_id, agent_id, opened_at);
CREATE INDEX incidents_tenant_status ON incidents (tenant_id, status, opened_at);

CREATE TABLE incident_entries (
    n           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- insertion order, which is event order
    incident_id TEXT COLLATE "C" NOT NULL REFERENCES incidents (id),
    kind        TEXT COLLATE "C" NOT NULL, -- the event type
    data        BYTEA NOT NULL             -- the event payload byte for byte
);
CREATE INDEX incident_entries_incident ON incident_entries (incident_id, n);

-- Fill from the events stored before this migration.
INSERT INTO incidents (id, tenant_id, contact_id, caller_id, agent_id, channel, type, source, opened_at, updated_at)
SELECT j->>'id', tenant_id, COALESCE(j->>'contact_id', contact_id), COALESCE(j->>'caller_id', ''),
       COALESCE(j->>'agent_id', ''), COALESCE(j->>'channel', ''), COALESCE(j->>'type', ''), COALESCE(j->>'source', ''), at, at
FROM (SELECT seq, tenant_id, contact_id, at, convert_from(data, 'UTF8')::jsonb AS j FROM events WHERE type = 'incident.opened') e
WHERE j->>'id' IS NOT NULL
ORDER BY seq
ON CONFLICT (id) DO NOTHING;

INSERT INTO incident_entries (incident_id, kind, data)
SELECT convert_from(e.data, 'UTF8')::jsonb->>'incident_id', e.type, e.data
FROM events e
WHERE e.type IN ('incident.item', 'incident.warned', 'incident.ended', 'incident.action', 'incident.reviewed')
  AND convert_from(e.data, 'UTF8')::jsonb->>'incident_id' IN (SELECT id FROM incidents)
ORDER BY e.seq;

UPDATE incidents SET
    warnings = (SELECT COUNT(*) FROM incident_entries x WHERE x.incident_id = incidents.id AND x.kind = 'incident.warned'),
    ended_at = (SELECT e.at FROM events e WHERE e.type = 'incident.ended'
                AND convert_from(e.data, 'UTF8')::jsonb->>'incident_id' = incidents.id ORDER BY e.seq DESC LIMIT 1),
    status = COALESCE((SELECT convert_from(x.data, 'UTF8')::jsonb->>'verdict' FROM incident_entries x
                       WHERE x.incident_id = incidents.id AND x.kind = 'incident.reviewed' ORDER BY x.n LIMIT 1), 'open');

-- The type is the most severe one seen: the opening type, or the first entry
-- of a higher severity.
UPDATE incidents SET severity = CASE type WHEN 'sexual' THEN 6 WHEN 'threat' THEN 5 WHEN 'abuse' THEN 4
    WHEN 'aggressive' THEN 3 WHEN 'drunk_long' THEN 2 WHEN 'repeated_unrelated' THEN 1 WHEN 'prank' THEN 1 ELSE 0 END;
UPDATE incidents SET type = s.t, severity = s.sev
FROM (
    SELECT DISTINCT ON (incident_id) incident_id, t, sev FROM (
        SELECT x.incident_id, x.n, convert_from(x.data, 'UTF8')::jsonb->>'type' AS t,
               CASE convert_from(x.data, 'UTF8')::jsonb->>'type' WHEN 'sexual' THEN 6 WHEN 'threat' THEN 5 WHEN 'abuse' THEN 4
                   WHEN 'aggressive' THEN 3 WHEN 'drunk_long' THEN 2 WHEN 'repeated_unrelated' THEN 1 WHEN 'prank' THEN 1 ELSE 0 END AS sev
        FROM incident_entries x WHERE x.kind IN ('incident.item', 'incident.warned', 'incident.ended')
    ) y ORDER BY incident_id, sev DESC, n
) s
WHERE s.incident_id = incidents.id AND s.sev > incidents.severity;

-- +goose Down
DROP TABLE incident_entries;
DROP TABLE incidents;
