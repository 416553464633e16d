package sqldb

import (
	"encoding/json"

	"github.com/minwon/minwon"
)

// op is one event ready to write: the events row and the read-model
// statements that apply it. Ops are built in the caller's goroutine, so
// decoding payloads runs in parallel and the single writer only runs SQL.
type op struct {
	ev    *minwon.Event
	args  []any // for insertEvent
	stmts []stmt
}

// stmt is one read-model change.
type stmt struct {
	q    *query
	args []any
	// what names the row the statement must change, e.g. "contact c1"; when
	// set, changing no row rejects the event with ENOTFOUND, because an event
	// the read model cannot apply would make a rebuild from events disagree.
	what string
}

var (
	insertEventSQLite = newQuery(`INSERT INTO events (id, type, tenant_id, at, actor_id, contact_id, agent_id, queue_id, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	insertEventPG = newQuery(`INSERT INTO events (id, type, tenant_id, at, actor_id, contact_id, agent_id, queue_id, data)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`)

	upsertTenant = newQuery(`INSERT INTO tenants (id, parent_id, name, kind, entry_points, default_queue, created_at, bot, recording_days)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET parent_id = excluded.parent_id, name = excluded.name, kind = excluded.kind,
	entry_points = excluded.entry_points, default_queue = excluded.default_queue, created_at = excluded.created_at, bot = excluded.bot,
	recording_days = excluded.recording_days`)
	// The first salt stored for a tenant is kept: two nodes that both gave
	// an old tenant its salt at start agree on the one that came first.
	setTenantSalt    = newQuery(`UPDATE tenants SET salt = CASE WHEN salt = '' THEN ? ELSE salt END WHERE id = ?`)
	setTenantPolicy  = newQuery(`UPDATE tenants SET policy = ? WHERE id = ?`)
	upsertDepartment = newQuery(`INSERT INTO departments (id, tenant_id, name, phone, sip_uri) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, name = excluded.name, phone = excluded.phone, sip_uri = excluded.sip_uri`)
	upsertInterpreter = newQuery(`INSERT INTO interpreters (id, tenant_id, name, languages, user_id, address, disabled) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, name = excluded.name, languages = excluded.languages,
	user_id = excluded.user_id, address = excluded.address, disabled = excluded.disabled`)
	upsertQueue = newQuery(`INSERT INTO queues (id, tenant_id, name, skills, priority, overflow_queue, overflow_after, offer_timeout, service_level)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, name = excluded.name, skills = excluded.skills,
	priority = excluded.priority, overflow_queue = excluded.overflow_queue, overflow_after = excluded.overflow_after,
	offer_timeout = excluded.offer_timeout, service_level = excluded.service_level`)
	// The password hash is not in user.saved; an update keeps the stored one.
	upsertUser = newQuery(`INSERT INTO users (id, tenant_id, login, name, roles, department_id, skills, capacity, disabled, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, login = excluded.login, name = excluded.name,
	roles = excluded.roles, department_id = excluded.department_id, skills = excluded.skills,
	capacity = excluded.capacity, disabled = excluded.disabled, created_at = excluded.created_at`)
	setPassword   = newQuery(`UPDATE users SET password_hash = ? WHERE id = ?`)
	insertSession = newQuery(`INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`)
	deleteSession = newQuery(`DELETE FROM sessions WHERE token_hash = ?`)
	upsertAgent   = newQuery(`INSERT INTO agent_states (agent_id, tenant_id, state, reason, since) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (agent_id) DO UPDATE SET tenant_id = excluded.tenant_id, state = excluded.state, reason = excluded.reason, since = excluded.since`)
	upsertPresence = newQuery(`INSERT INTO agent_states (agent_id, tenant_id, connected) VALUES (?, ?, ?)
ON CONFLICT (agent_id) DO UPDATE SET connected = excluded.connected`)

	insertContact = newQuery(`INSERT INTO contacts (id, tenant_id, queue_id, channel, state, entry_point, citizen_id, citizen_name,
	language, priority, agent_id, created_at, answered_at, ended_at, closed_at, category, resolution, department_id,
	summary, memo, rating, rating_comment)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	contactQueued   = newQuery(`UPDATE contacts SET state = 'queued', queue_id = COALESCE(NULLIF(?, ''), queue_id), agent_id = '' WHERE id = ?`)
	contactOffered  = newQuery(`UPDATE contacts SET state = 'offered', agent_id = COALESCE(NULLIF(?, ''), agent_id) WHERE id = ?`)
	contactLapsed   = newQuery(`UPDATE contacts SET state = 'queued', agent_id = '' WHERE id = ?`)
	contactAnswered = newQuery(`UPDATE contacts SET state = 'active', agent_id = COALESCE(NULLIF(?, ''), agent_id), answered_at = ? WHERE id = ?`)
	// A transfer moves the contact; the queued or offered event that follows
	// it sets the state.
	contactTransferred = newQuery(`UPDATE contacts SET queue_id = COALESCE(NULLIF(?, ''), queue_id), agent_id = COALESCE(NULLIF(?, ''), agent_id) WHERE id = ?`)
	contactMemo        = newQuery(`UPDATE contacts SET memo = ? WHERE id = ?`)
	contactEnded       = newQuery(`UPDATE contacts SET state = CASE WHEN answered_at IS NULL THEN 'abandoned' ELSE 'wrapup' END, ended_at = ? WHERE id = ?`)
	contactWrapped     = newQuery(`UPDATE contacts SET state = 'closed', closed_at = ?, category = ?, resolution = ?, department_id = ?, summary = ? WHERE id = ?`)
	// A contact the bot alone served closes at once; one the citizen left
	// unanswered is abandoned, though no counselor was ever asked.
	contactBotClosed = newQuery(`UPDATE contacts SET state = ?, resolution = ?, ended_at = ?, closed_at = ? WHERE id = ?`)
	contactRated     = newQuery(`UPDATE contacts SET rating = ?, rating_comment = ? WHERE id = ?`)
	insertMessage    = newQuery(`INSERT INTO messages (id, contact_id, seq, sender, author_id, text, client_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)

	insertHandoff = newQuery(`INSERT INTO handoffs (id, tenant_id, contact_id, department_id, summary, note, state, created_by, created_at, updated_at, reply)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	updateHandoff = newQuery(`UPDATE handoffs SET state = ?, reply = COALESCE(NULLIF(?, ''), reply), updated_at = ? WHERE id = ?`)

	insertNotice = newQuery(`INSERT INTO notices (id, tenant_id, title, body, author_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	insertRead   = newQuery(`INSERT INTO notice_reads (notice_id, user_id, at) VALUES (?, ?, ?) ON CONFLICT (notice_id, user_id) DO NOTHING`)
)

// prepare checks what the store itself needs of an event and turns it into
// an op. It judges nothing about the domain: that is the caller's work.
func (db *DB) prepare(ev *minwon.Event) (op, error) {
	if ev == nil {
		return op{}, minwon.Errorf(minwon.EINVALID, "nil event")
	}
	if ev.ID == "" || ev.Type == "" {
		return op{}, minwon.Errorf(minwon.EINVALID, "event without ID or type")
	}
	if ev.Type.Ephemeral() {
		return op{}, minwon.Errorf(minwon.EINVALID, "%s events are not stored", ev.Type)
	}
	var data []byte
	if len(ev.Data) > 0 {
		data = []byte(ev.Data)
	}
	o := op{ev: ev, args: []any{ev.ID, string(ev.Type), ev.TenantID, db.timeArg(ev.At), ev.ActorID, ev.ContactID, ev.AgentID, ev.QueueID, data}}
	stmts, err := db.apply(ev)
	if err != nil {
		return op{}, err
	}
	o.stmts = stmts
	return o, nil
}

// decode is ev.Decode with a malformed payload reported as EINVALID.
func decode(ev *minwon.Event, v any) error {
	if err := ev.Decode(v); err != nil {
		return minwon.Errorf(minwon.EINVALID, "%s event %s: malformed payload", ev.Type, ev.ID)
	}
	return nil
}

// or returns a, or b when a is empty: payload IDs win, the envelope fills in.
func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// apply returns the read-model statements for ev. An unknown type changes no
// read model; its event is still stored.
func (db *DB) apply(ev *minwon.Event) ([]stmt, error) {
	t := db.timeArg
	contact := func(q *query, args ...any) ([]stmt, error) {
		if ev.ContactID == "" {
			return nil, minwon.Errorf(minwon.EINVALID, "%s event %s has no contact_id", ev.Type, ev.ID)
		}
		return []stmt{{q: q, args: append(args, ev.ContactID), what: "contact " + ev.ContactID}}, nil
	}

	switch ev.Type {
	case minwon.EventTenantSaved:
		var v minwon.Tenant
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		return []stmt{{q: upsertTenant, args: []any{v.ID, v.ParentID, v.Name, string(v.Kind), jsonArg(nonNil(v.EntryPoints)), v.DefaultQueue, t(v.CreatedAt), v.Bot, v.RecordingDays}}}, nil

	case minwon.EventTenantSalt:
		var v minwon.TenantSalt
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		if _, err := v.Decode(); err != nil {
			return nil, err
		}
		return []stmt{{q: setTenantSalt, args: []any{v.Salt, ev.TenantID}, what: "tenant " + ev.TenantID}}, nil

	case minwon.EventPolicyUpdated:
		var v minwon.PolicyUpdated
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		policy := ""
		if len(v.Config) > 0 {
			b, err := json.Marshal(minwon.TenantPolicy{Config: v.Config, UpdatedBy: ev.ActorID, UpdatedAt: ev.At})
			if err != nil {
				return nil, minwon.Errorf(minwon.EINVALID, "%s event %s: the config is not JSON", ev.Type, ev.ID)
			}
			policy = string(b)
		}
		return []stmt{{q: setTenantPolicy, args: []any{policy, ev.TenantID}, what: "tenant " + ev.TenantID}}, nil

	case minwon.EventDepartmentSaved:
		var v minwon.Department
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		return []stmt{{q: upsertDepartment, args: []any{v.ID, v.TenantID, v.Name, v.Phone, v.SIPURI}}}, nil

	case minwon.EventInterpreterSaved:
		var v minwon.Interpreter
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		return []stmt{{q: upsertInterpreter, args: []any{v.ID, v.TenantID, v.Name, jsonArg(nonNil(v.Languages)), v.UserID, v.Address, v.Disabled}}}, nil

	case minwon.EventQueueSaved:
		var v minwon.Queue
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		return []stmt{{q: upsertQueue, args: []any{v.ID, v.TenantID, v.Name, jsonArg(nonNil(v.Skills)), v.Priority, v.OverflowQueue,
			int64(v.OverflowAfter), int64(v.OfferTimeout), int64(v.ServiceLevel)}}}, nil

	case minwon.EventUserSaved:
		var v minwon.User
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		capacity := v.Capacity
		if capacity == nil {
			capacity = map[minwon.Channel]int{}
		}
		return []stmt{{q: upsertUser, args: []any{v.ID, v.TenantID, v.Login, v.Name, jsonArg(nonNil(v.Roles)), v.DepartmentID,
			jsonArg(nonNil(v.Skills)), jsonArg(capacity), v.Disabled, t(v.CreatedAt)}}}, nil

	case minwon.EventPasswordSet:
		var v minwon.PasswordSet
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		return []stmt{{q: setPassword, args: []any{v.Hash, v.UserID}, what: "user " + v.UserID}}, nil

	case minwon.EventSessionCreated:
		var v minwon.SessionCreated
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		if v.TokenHash == "" {
			return nil, minwon.Errorf(minwon.EINVALID, "session event %s has no token hash", ev.ID)
		}
		return []stmt{{q: insertSession, args: []any{v.TokenHash, v.UserID, t(v.CreatedAt), t(v.ExpiresAt)}}}, nil

	case minwon.EventSessionEnded:
		var v minwon.SessionEnded
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		// Ending a session twice (two logouts) is not an error.
		return []stmt{{q: deleteSession, args: []any{v.TokenHash}}}, nil

	case minwon.EventAgentState:
		var v minwon.AgentStateChanged
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		if ev.AgentID == "" {
			return nil, nil
		}
		return []stmt{{q: upsertAgent, args: []any{ev.AgentID, ev.TenantID, string(v.State), v.Reason, t(ev.At)}}}, nil

	case minwon.EventAgentPresence:
		var v minwon.AgentPresence
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		if ev.AgentID == "" {
			return nil, nil
		}
		return []stmt{{q: upsertPresence, args: []any{ev.AgentID, ev.TenantID, v.Connected}}}, nil

	case minwon.EventContactCreated:
		var c minwon.Contact
		if err := decode(ev, &c); err != nil {
			return nil, err
		}
		id := or(c.ID, ev.ContactID)
		if id == "" {
			return nil, minwon.Errorf(minwon.EINVALID, "contact event %s has no contact ID", ev.ID)
		}
		return []stmt{{q: insertContact, args: []any{id, or(c.TenantID, ev.TenantID), or(c.QueueID, ev.QueueID), string(c.Channel), string(c.State),
			c.EntryPoint, c.CitizenID, c.CitizenName, c.Language, c.Priority, c.AgentID, t(c.CreatedAt), db.timePtrArg(c.AnsweredAt),
			db.timePtrArg(c.EndedAt), db.timePtrArg(c.ClosedAt), c.Category, string(c.Resolution), c.DepartmentID, c.Summary, c.Memo,
			c.Rating, c.RatingComment}}}, nil

	case minwon.EventContactQueued:
		return contact(contactQueued, ev.QueueID)
	case minwon.EventContactOffered:
		return contact(contactOffered, ev.AgentID)
	case minwon.EventOfferExpired:
		return contact(contactLapsed)
	case minwon.EventContactAnswered:
		return contact(contactAnswered, ev.AgentID, t(ev.At))

	case minwon.EventContactTransfered:
		var v minwon.ContactTransferred
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		return contact(contactTransferred, v.ToQueue, v.ToAgent)

	case minwon.EventMemoSaved:
		var v minwon.MemoSaved
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		return contact(contactMemo, v.Text)

	case minwon.EventContactEnded:
		return contact(contactEnded, t(ev.At))

	case minwon.EventContactWrapped:
		var v minwon.ContactWrapped
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		return contact(contactWrapped, t(ev.At), v.Category, string(v.Resolution), v.DepartmentID, v.Summary)

	case minwon.EventBotClosed:
		var v minwon.BotClosed
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		if v.Resolved {
			return contact(contactBotClosed, string(minwon.ContactClosed), string(minwon.ResolvedBot), t(ev.At), t(ev.At))
		}
		return contact(contactBotClosed, string(minwon.ContactAbandoned), "", t(ev.At), nil)

	case minwon.EventContactRated:
		var v minwon.ContactRated
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		return contact(contactRated, v.Rating, v.Comment)

	case minwon.EventMessageSent:
		var m minwon.Message
		if err := decode(ev, &m); err != nil {
			return nil, err
		}
		cid := or(m.ContactID, ev.ContactID)
		if m.ID == "" || cid == "" {
			return nil, minwon.Errorf(minwon.EINVALID, "message event %s has no message or contact ID", ev.ID)
		}
		return []stmt{{q: insertMessage, args: []any{m.ID, cid, m.Seq, string(m.From), m.AuthorID, m.Text, m.ClientID, t(m.At)}}}, nil

	case minwon.EventHandoffCreated:
		var h minwon.Handoff
		if err := decode(ev, &h); err != nil {
			return nil, err
		}
		return []stmt{{q: insertHandoff, args: []any{h.ID, or(h.TenantID, ev.TenantID), or(h.ContactID, ev.ContactID), h.DepartmentID, h.Summary,
			h.Note, string(h.State), h.CreatedBy, t(h.CreatedAt), t(h.UpdatedAt), h.Reply}}}, nil

	case minwon.EventHandoffUpdated:
		var v minwon.HandoffUpdated
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		return []stmt{{q: updateHandoff, args: []any{string(v.State), v.Reply, t(ev.At), v.ID}, what: "hand-off " + v.ID}}, nil

	case minwon.EventNoticePosted:
		var n minwon.Notice
		if err := decode(ev, &n); err != nil {
			return nil, err
		}
		return []stmt{{q: insertNotice, args: []any{n.ID, or(n.TenantID, ev.TenantID), n.Title, n.Body, or(n.AuthorID, ev.ActorID),
			t(n.CreatedAt), t(n.ExpiresAt)}}}, nil

	case minwon.EventNoticeRead:
		var v minwon.NoticeRead
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		if ev.ActorID == "" {
			return nil, minwon.Errorf(minwon.EINVALID, "notice.read event %s has no actor_id", ev.ID)
		}
		return []stmt{{q: insertRead, args: []any{v.NoticeID, ev.ActorID, t(ev.At)}}}, nil
	}
	if stmts, ok, err := db.applyIncident(ev); ok {
		return stmts, err
	}
	return db.applyKB(ev)
}

// nonNil stores an absent list as [] so that readers always get a list.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
