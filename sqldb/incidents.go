package sqldb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/minwon/minwon"
)

var _ minwon.IncidentStore = (*DB)(nil)

var (
	incInsert = newQuery(`INSERT INTO incidents (id, tenant_id, contact_id, caller_id, agent_id, channel, type, severity, source, opened_at, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	// Both SET expressions read the row as it was, so the type and its
	// severity rise together, and only for a more severe type.
	incRaise = newQuery(`UPDATE incidents SET type = CASE WHEN ? > severity THEN ? ELSE type END,
	severity = CASE WHEN ? > severity THEN ? ELSE severity END, updated_at = ? WHERE id = ?`)
	incWarned = newQuery(`UPDATE incidents SET warnings = warnings + 1 WHERE id = ?`)
	incEnded  = newQuery(`UPDATE incidents SET ended_at = ? WHERE id = ?`)
	incTouch  = newQuery(`UPDATE incidents SET updated_at = ? WHERE id = ?`)
	incStatus = newQuery(`UPDATE incidents SET status = ?, updated_at = ? WHERE id = ?`)
	incEntry  = newQuery(`INSERT INTO incident_entries (incident_id, kind, data) VALUES (?, ?, ?)`)
)

// incidentRef is the part every later incident event carries.
type incidentRef struct {
	IncidentID string               `json:"incident_id"`
	Type       minwon.IncidentType  `json:"type"`
	Verdict    minwon.ReviewVerdict `json:"verdict"`
}

// applyIncident returns the read-model statements of the incident events;
// ok is false for any other type.
func (db *DB) applyIncident(ev *minwon.Event) (stmts []stmt, ok bool, err error) {
	t := db.timeArg
	switch ev.Type {
	case minwon.EventIncidentOpened:
		var inc minwon.Incident
		if err := decode(ev, &inc); err != nil {
			return nil, true, err
		}
		if inc.ID == "" {
			return nil, true, minwon.Errorf(minwon.EINVALID, "incident event %s has no incident ID", ev.ID)
		}
		return []stmt{{q: incInsert, args: []any{inc.ID, or(inc.TenantID, ev.TenantID), or(inc.ContactID, ev.ContactID), inc.CallerID,
			inc.AgentID, string(inc.Channel), string(inc.Type), inc.Type.Severity(), string(inc.Source), t(or2(inc.OpenedAt, ev.At)), t(ev.At)}}}, true, nil

	case minwon.EventIncidentItem, minwon.EventIncidentWarned, minwon.EventIncidentEnded,
		minwon.EventIncidentAction, minwon.EventIncidentReviewed:
		var ref incidentRef
		if err := decode(ev, &ref); err != nil {
			return nil, true, err
		}
		if ref.IncidentID == "" {
			return nil, true, minwon.Errorf(minwon.EINVALID, "%s event %s has no incident ID", ev.Type, ev.ID)
		}
		id, what := ref.IncidentID, "incident "+ref.IncidentID
		// The first statement names the row, so an event for an incident the
		// read model lacks is refused rather than lost.
		switch ev.Type {
		case minwon.EventIncidentItem, minwon.EventIncidentWarned, minwon.EventIncidentEnded:
			sev := ref.Type.Severity()
			stmts = append(stmts, stmt{q: incRaise, args: []any{sev, string(ref.Type), sev, sev, t(ev.At), id}, what: what})
		case minwon.EventIncidentReviewed:
			if ref.Verdict != minwon.ReviewConfirmed && ref.Verdict != minwon.ReviewDismissed {
				return nil, true, minwon.Errorf(minwon.EINVALID, "review event %s has verdict %q", ev.ID, ref.Verdict)
			}
			stmts = append(stmts, stmt{q: incStatus, args: []any{string(ref.Verdict), t(ev.At), id}, what: what})
		default:
			stmts = append(stmts, stmt{q: incTouch, args: []any{t(ev.At), id}, what: what})
		}
		switch ev.Type {
		case minwon.EventIncidentWarned:
			stmts = append(stmts, stmt{q: incWarned, args: []any{id}})
		case minwon.EventIncidentEnded:
			stmts = append(stmts, stmt{q: incEnded, args: []any{t(ev.At), id}})
		}
		return append(stmts, stmt{q: incEntry, args: []any{id, string(ev.Type), []byte(ev.Data)}}), true, nil

	}
	return nil, false, nil
}

// A page of the incident list holds defaultIncidentPage incidents unless
// asked for more, and never more than maxIncidentPage.
const (
	defaultIncidentPage = 50
	maxIncidentPage     = 500
)

const incidentCols = `id, tenant_id, contact_id, caller_id, agent_id, channel, type, source, opened_at`

func scanIncident(rows *sql.Rows) (*minwon.Incident, error) {
	var inc minwon.Incident
	err := rows.Scan(&inc.ID, &inc.TenantID, &inc.ContactID, &inc.CallerID, &inc.AgentID, &inc.Channel, &inc.Type, &inc.Source, timeCol{&inc.OpenedAt})
	return &inc, err
}

// Incidents returns a page of a tenant's incidents, newest first, with the
// number that match. From is inclusive and To exclusive, on OpenedAt.
func (db *DB) Incidents(ctx context.Context, q minwon.IncidentQuery) ([]*minwon.Incident, int, error) {
	if q.TenantID == "" {
		return nil, 0, minwon.Errorf(minwon.EINVALID, "incidents are listed per tenant")
	}
	if q.Status != "" && !minwon.ValidIncidentStatus(q.Status) {
		return nil, 0, minwon.Errorf(minwon.EINVALID, "unknown incident status %q", q.Status)
	}
	if q.Limit < 0 || q.Offset < 0 {
		return nil, 0, minwon.Errorf(minwon.EINVALID, "limit and offset must not be negative")
	}
	var w where
	w.add("tenant_id = ?", q.TenantID)
	if !q.From.IsZero() {
		w.add("opened_at >= ?", db.timeArg(q.From))
	}
	if !q.To.IsZero() {
		w.add("opened_at < ?", db.timeArg(q.To))
	}
	if q.AgentID != "" {
		w.add("agent_id = ?", q.AgentID)
	}
	if q.Type != "" {
		w.add("type = ?", string(q.Type))
	}
	if q.Status != "" {
		w.add("status = ?", string(q.Status))
	}
	var total int
	if err := db.rdb.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*) FROM incidents`+w.String()), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count incidents: %w", err)
	}
	n := q.Limit
	if n == 0 {
		n = defaultIncidentPage
	}
	n = min(n, maxIncidentPage)
	args := append(w.args, n, q.Offset)
	incs, err := list(ctx, db, "incidents", `SELECT `+incidentCols+` FROM incidents`+w.String()+` ORDER BY opened_at DESC, id LIMIT ? OFFSET ?`, args, scanIncident)
	if err != nil {
		return nil, 0, err
	}
	if err := db.incidentEntries(ctx, incs); err != nil {
		return nil, 0, err
	}
	return incs, total, nil
}

// Incident returns one incident with its items, warnings, end, actions and
// review.
func (db *DB) Incident(ctx context.Context, id string) (*minwon.Incident, error) {
	incs, err := list(ctx, db, "incidents", `SELECT `+incidentCols+` FROM incidents WHERE id = ?`, []any{id}, scanIncident)
	inc, err := one(incs, err, "incident not found")
	if err != nil {
		return nil, err
	}
	if err := db.incidentEntries(ctx, []*minwon.Incident{inc}); err != nil {
		return nil, err
	}
	return inc, nil
}

// incidentEntries fills in the later parts of incs from their entries, in
// the order the events were stored.
func (db *DB) incidentEntries(ctx context.Context, incs []*minwon.Incident) error {
	if len(incs) == 0 {
		return nil
	}
	byID := make(map[string]*minwon.Incident, len(incs))
	args := make([]any, len(incs))
	for i, inc := range incs {
		byID[inc.ID], args[i] = inc, inc.ID
	}
	rows, err := db.rdb.QueryContext(ctx, db.rebind(`SELECT incident_id, kind, data FROM incident_entries WHERE incident_id IN (`+
		placeholders(len(incs))+`) ORDER BY n`), args...)
	if err != nil {
		return fmt.Errorf("list incident entries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var kind minwon.EventType
		var data []byte
		if err := rows.Scan(&id, &kind, &data); err != nil {
			return fmt.Errorf("list incident entries: %w", err)
		}
		if err := addEntry(byID[id], kind, data); err != nil {
			return fmt.Errorf("incident %s: %w", id, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list incident entries: %w", err)
	}
	return nil
}

// addEntry decodes one stored incident event into inc.
func addEntry(inc *minwon.Incident, kind minwon.EventType, data []byte) error {
	ev := &minwon.Event{Type: kind, Data: data}
	switch kind {
	case minwon.EventIncidentItem:
		var v minwon.IncidentItem
		if err := ev.Decode(&v); err != nil {
			return err
		}
		inc.Items = append(inc.Items, v)
	case minwon.EventIncidentWarned:
		var v minwon.IncidentWarned
		if err := ev.Decode(&v); err != nil {
			return err
		}
		inc.Warnings = append(inc.Warnings, v)
	case minwon.EventIncidentEnded:
		var v minwon.IncidentEnded
		if err := ev.Decode(&v); err != nil {
			return err
		}
		inc.Ended = &v
	case minwon.EventIncidentAction:
		var v minwon.IncidentAction
		if err := ev.Decode(&v); err != nil {
			return err
		}
		inc.Actions = append(inc.Actions, v)
	case minwon.EventIncidentReviewed:
		var v minwon.IncidentReview
		if err := ev.Decode(&v); err != nil {
			return err
		}
		inc.Review = &v
	}
	return nil
}
