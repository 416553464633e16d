-- The incident read model for supervisors: one row per incident with what
-- the list filters and shows, and every later incident event (item, warning,
-- end, action, review) as an entry in event order, so an incident's full
-- record is read back without the event log. Append keeps both in the same
-- transaction as the events; the Up step also fills them from the incident
-- events already stored.

-- +goose Up
CREATE TABLE incidents (
    id         TEXT    PRIMARY KEY,
    tenant_id  TEXT    NOT NULL DEFAULT '',
    contact_id TEXT    NOT NULL DEFAULT '',
    caller_id  TEXT    NOT NULL DEFAULT '',
    agent_id   TEXT    NOT NULL DEFAULT '',
    channel    TEXT    NOT NULL DEFAULT '',
    type       TEXT    NOT NULL DEFAULT '', -- the most severe type seen
    severity   INTEGER NOT NULL DEFAULT 0,  -- IncidentType.Severity of type
    source     TEXT    NOT NULL DEFAULT '',
    opened_at  INTEGER,
    status     TEXT    NOT NULL DEFAULT 'open', -- open, confirmed, dismissed
    warnings   INTEGER NOT NULL DEFAULT 0,
    ended_at   INTEGER,
    updated_at INTEGER
) STRICT;
CREATE INDEX incidents_tenant_opened ON incidents (tenant_id, opened_at, id);
CREATE INDEX incidents_tenant_agent ON incidents (tenant_id, agent_id, opened_at);
CREATE INDEX incidents_tenant_status ON incidents (tenant_id, status, opened_at);

CREATE TABLE incident_entries (
    n           INTEGER PRIMARY KEY, -- insertion order, which is event order
    incident_id TEXT    NOT NULL REFERENCES incidents (id),
    kind        TEXT    NOT NULL,    -- the event type
    data        BLOB    NOT NULL     -- the event payload byte for byte
) STRICT;
CREATE INDEX incident_entries_incident ON incident_entries (incident_id, n);

-- Fill from the events stored before this migration. Payloads are read as
-- text: SQLite would take a BLOB for its binary JSON.
INSERT INTO incidents (id, tenant_id, contact_id, caller_id, agent_id, channel, type, source, opened_at, updated_at)
SELECT json_extract(CAST(data AS TEXT), '$.id'), tenant_id,
       COALESCE(json_extract(CAST(data AS TEXT), '$.contact_id'), contact_id),
       COALESCE(json_extract(CAST(data AS TEXT), '$.caller_id'), ''),
       COALESCE(json_extract(CAST(data AS TEXT), '$.agent_id'), ''),
       COALESCE(json_extract(CAST(data AS TEXT), '$.channel'), ''),
       COALESCE(json_extract(CAST(data AS TEXT), '$.type'), ''),
       COALESCE(json_extract(CAST(data AS TEXT), '$.source'), ''), at, at
FROM events WHERE type = 'incident.opened' AND json_extract(CAST(data AS TEXT), '$.id') IS NOT NULL
ORDER BY seq
ON CONFLICT (id) DO NOTHING;

INSERT INTO incident_entries (incident_id, kind, data)
SELECT json_extract(CAST(e.data AS TEXT), '$.incident_id'), e.type, e.data
FROM events e
WHERE e.type IN ('incident.item', 'incident.warned', 'incident.ended', 'incident.action', 'incident.reviewed')
  AND json_extract(CAST(e.data AS TEXT), '$.incident_id') IN (SELECT id FROM incidents)
ORDER BY e.seq;

UPDATE incidents SET
    warnings = (SELECT COUNT(*) FROM incident_entries x WHERE x.incident_id = incidents.id AND x.kind = 'incident.warned'),
    ended_at = (SELECT e.at FROM events e WHERE e.type = 'incident.ended'
                AND json_extract(CAST(e.data AS TEXT), '$.incident_id') = incidents.id ORDER BY e.seq DESC LIMIT 1),
    status = COALESCE((SELECT json_extract(CAST(x.data AS TEXT), '$.verdict') FROM incident_entries x
                       WHERE x.incident_id = incidents.id AND x.kind = 'incident.reviewed' ORDER BY x.n LIMIT 1), 'open');

-- The type is the most severe one seen: the opening type, or the first entry
-- of a higher severity.
UPDATE incidents SET severity = CASE type WHEN 'sexual' THEN 6 WHEN 'threat' THEN 5 WHEN 'abuse' THEN 4
    WHEN 'aggressive' THEN 3 WHEN 'drunk_long' THEN 2 WHEN 'repeated_unrelated' THEN 1 WHEN 'prank' THEN 1 ELSE 0 END;
UPDATE incidents SET (type, severity) = (
    SELECT s.t, s.sev FROM (
        SELECT json_extract(CAST(x.data AS TEXT), '$.type') AS t, x.n AS n,
               CASE json_extract(CAST(x.data AS TEXT), '$.type') WHEN 'sexual' THEN 6 WHEN 'threat' THEN 5 WHEN 'abuse' THEN 4
                   WHEN 'aggressive' THEN 3 WHEN 'drunk_long' THEN 2 WHEN 'repeated_unrelated' THEN 1 WHEN 'prank' THEN 1 ELSE 0 END AS sev
        FROM incident_entries x
        WHERE x.incident_id = incidents.id AND x.kind IN ('incident.item', 'incident.warned', 'incident.ended')
    ) s WHERE s.sev > incidents.severity ORDER BY s.sev DESC, s.n LIMIT 1)
WHERE EXISTS (
    SELECT 1 FROM incident_entries x
    WHERE x.incident_id = incidents.id AND x.kind IN ('incident.item', 'incident.warned', 'incident.ended')
      AND CASE json_extract(CAST(x.data AS TEXT), '$.type') WHEN 'sexual' THEN 6 WHEN 'threat' THEN 5 WHEN 'abuse' THEN 4
          WHEN 'aggressive' THEN 3 WHEN 'drunk_long' THEN 2 WHEN 'repeated_unrelated' THEN 1 WHEN 'prank' THEN 1 ELSE 0 END > incidents.severity);

-- +goose Down
DROP TABLE incident_entries;
DROP TABLE incidents;
