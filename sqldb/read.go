package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/minwon/minwon"
)

// where collects the conditions and arguments of a filtered query.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// in adds "col IN (?, …)" for a non-empty list.
func in[T ~string](w *where, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = string(v)
	}
	w.add(col+" IN ("+placeholders(len(vals))+")", args...)
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func limit(q string, w *where, n int) string {
	if n > 0 {
		w.args = append(w.args, n)
		return q + " LIMIT ?"
	}
	return q
}

// list runs a query and scans every row with scan.
func list[T any](ctx context.Context, db *DB, what, q string, args []any, scan func(*sql.Rows) (*T, error)) ([]*T, error) {
	rows, err := db.rdb.QueryContext(ctx, db.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	defer rows.Close()
	out := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list %s: %w", what, err)
	}
	return out, nil
}

// one returns the only element of vs, or ENOTFOUND.
func one[T any](vs []*T, err error, format string, args ...any) (*T, error) {
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, minwon.Errorf(minwon.ENOTFOUND, format, args...)
	}
	return vs[0], nil
}

// Events returns stored events matching f in Seq order. From is inclusive
// and To exclusive.
func (db *DB) Events(ctx context.Context, f minwon.EventFilter) ([]*minwon.Event, error) {
	var w where
	if f.TenantID != "" {
		w.add("tenant_id = ?", f.TenantID)
	}
	if f.ContactID != "" {
		w.add("contact_id = ?", f.ContactID)
	}
	if f.AfterSeq > 0 {
		w.add("seq > ?", f.AfterSeq)
	}
	if !f.From.IsZero() {
		w.add("at >= ?", db.timeArg(f.From))
	}
	if !f.To.IsZero() {
		w.add("at < ?", db.timeArg(f.To))
	}
	in(&w, "type", f.Types)
	q := limit(`SELECT seq, id, type, tenant_id, at, actor_id, contact_id, agent_id, queue_id, data FROM events`+w.String()+` ORDER BY seq`, &w, f.Limit)
	return list(ctx, db, "events", q, w.args, func(rows *sql.Rows) (*minwon.Event, error) {
		var ev minwon.Event
		var data []byte
		err := rows.Scan(&ev.Seq, &ev.ID, &ev.Type, &ev.TenantID, timeCol{&ev.At}, &ev.ActorID, &ev.ContactID, &ev.AgentID, &ev.QueueID, &data)
		if len(data) > 0 {
			ev.Data = data
		}
		return &ev, err
	})
}

// Tenants returns every tenant, ordered by ID.
func (db *DB) Tenants(ctx context.Context) ([]*minwon.Tenant, error) {
	q := `SELECT id, parent_id, name, kind, entry_points, default_queue, created_at, bot, salt, policy, recording_days FROM tenants ORDER BY id`
	return list(ctx, db, "tenants", q, nil, func(rows *sql.Rows) (*minwon.Tenant, error) {
		var t minwon.Tenant
		var salt, policy string
		err := rows.Scan(&t.ID, &t.ParentID, &t.Name, &t.Kind, jsonCol{&t.EntryPoints}, &t.DefaultQueue, timeCol{&t.CreatedAt}, &t.Bot, &salt, &policy, &t.RecordingDays)
		if err != nil {
			return nil, err
		}
		t.EntryPoints = nonNil(t.EntryPoints)
		if salt != "" {
			if t.Salt, err = (minwon.TenantSalt{Salt: salt}).Decode(); err != nil {
				return nil, fmt.Errorf("tenant %s: %w", t.ID, err)
			}
		}
		if policy != "" {
			t.Policy = new(minwon.TenantPolicy)
			if err := json.Unmarshal([]byte(policy), t.Policy); err != nil {
				return nil, fmt.Errorf("tenant %s policy: %w", t.ID, err)
			}
		}
		return &t, nil
	})
}

// byTenant filters on tenant_id unless tenantID is empty.
func byTenant(tenantID string) *where {
	w := &where{}
	if tenantID != "" {
		w.add("tenant_id = ?", tenantID)
	}
	return w
}

// Departments returns the departments of a tenant ("" for all), by ID.
func (db *DB) Departments(ctx context.Context, tenantID string) ([]*minwon.Department, error) {
	w := byTenant(tenantID)
	return list(ctx, db, "departments", `SELECT id, tenant_id, name, phone, sip_uri FROM departments`+w.String()+` ORDER BY id`, w.args,
		func(rows *sql.Rows) (*minwon.Department, error) {
			var d minwon.Department
			return &d, rows.Scan(&d.ID, &d.TenantID, &d.Name, &d.Phone, &d.SIPURI)
		})
}

var _ minwon.InterpreterStore = (*DB)(nil)

// Interpreters returns the interpreter pool of a tenant ("" for all), by ID.
func (db *DB) Interpreters(ctx context.Context, tenantID string) ([]*minwon.Interpreter, error) {
	w := byTenant(tenantID)
	q := `SELECT id, tenant_id, name, languages, user_id, address, disabled FROM interpreters` + w.String() + ` ORDER BY id`
	return list(ctx, db, "interpreters", q, w.args, func(rows *sql.Rows) (*minwon.Interpreter, error) {
		var v minwon.Interpreter
		err := rows.Scan(&v.ID, &v.TenantID, &v.Name, jsonCol{&v.Languages}, &v.UserID, &v.Address, &v.Disabled)
		v.Languages = nonNil(v.Languages)
		return &v, err
	})
}

// Queues returns the queues of a tenant ("" for all), by ID.
func (db *DB) Queues(ctx context.Context, tenantID string) ([]*minwon.Queue, error) {
	w := byTenant(tenantID)
	q := `SELECT id, tenant_id, name, skills, priority, overflow_queue, overflow_after, offer_timeout, service_level FROM queues` + w.String() + ` ORDER BY id`
	return list(ctx, db, "queues", q, w.args, func(rows *sql.Rows) (*minwon.Queue, error) {
		var v minwon.Queue
		var after, offer, sl int64
		err := rows.Scan(&v.ID, &v.TenantID, &v.Name, jsonCol{&v.Skills}, &v.Priority, &v.OverflowQueue, &after, &offer, &sl)
		v.OverflowAfter, v.OfferTimeout, v.ServiceLevel = time.Duration(after), time.Duration(offer), time.Duration(sl)
		v.Skills = nonNil(v.Skills)
		return &v, err
	})
}

const userCols = `SELECT id, tenant_id, login, name, roles, department_id, skills, capacity, disabled, password_hash, created_at FROM users`

func scanUser(rows *sql.Rows) (*minwon.User, error) {
	var u minwon.User
	err := rows.Scan(&u.ID, &u.TenantID, &u.Login, &u.Name, jsonCol{&u.Roles}, &u.DepartmentID, jsonCol{&u.Skills}, jsonCol{&u.Capacity},
		&u.Disabled, &u.PasswordHash, timeCol{&u.CreatedAt})
	u.Roles, u.Skills = nonNil(u.Roles), nonNil(u.Skills)
	if u.Capacity == nil {
		u.Capacity = map[minwon.Channel]int{}
	}
	return &u, err
}

// Users returns the users of a tenant ("" for all), by ID, with their
// password hashes.
func (db *DB) Users(ctx context.Context, tenantID string) ([]*minwon.User, error) {
	w := byTenant(tenantID)
	return list(ctx, db, "users", userCols+w.String()+` ORDER BY id`, w.args, scanUser)
}

// UserByLogin returns the user with that login, or ENOTFOUND.
func (db *DB) UserByLogin(ctx context.Context, login string) (*minwon.User, error) {
	us, err := list(ctx, db, "users", userCols+` WHERE login = ?`, []any{login}, scanUser)
	return one(us, err, "no user with that login")
}

const contactCols = `SELECT id, tenant_id, queue_id, channel, state, entry_point, citizen_id, citizen_name, language, priority, agent_id,
	created_at, answered_at, ended_at, closed_at, category, resolution, department_id, summary, memo, rating, rating_comment FROM contacts`

func scanContact(rows *sql.Rows) (*minwon.Contact, error) {
	var c minwon.Contact
	return &c, rows.Scan(&c.ID, &c.TenantID, &c.QueueID, &c.Channel, &c.State, &c.EntryPoint, &c.CitizenID, &c.CitizenName, &c.Language,
		&c.Priority, &c.AgentID, timeCol{&c.CreatedAt}, timePtrCol{&c.AnsweredAt}, timePtrCol{&c.EndedAt}, timePtrCol{&c.ClosedAt},
		&c.Category, &c.Resolution, &c.DepartmentID, &c.Summary, &c.Memo, &c.Rating, &c.RatingComment)
}

// Contact returns one contact, or ENOTFOUND.
func (db *DB) Contact(ctx context.Context, id string) (*minwon.Contact, error) {
	cs, err := list(ctx, db, "contacts", contactCols+` WHERE id = ?`, []any{id}, scanContact)
	return one(cs, err, "contact %s not found", id)
}

// Contacts returns the contacts matching f, newest first. From is
// inclusive and To exclusive, on CreatedAt.
func (db *DB) Contacts(ctx context.Context, f minwon.ContactFilter) ([]*minwon.Contact, error) {
	w := byTenant(f.TenantID)
	if f.CitizenID != "" {
		w.add("citizen_id = ?", f.CitizenID)
	}
	if f.AgentID != "" {
		w.add("agent_id = ?", f.AgentID)
	}
	in(w, "state", f.States)
	if !f.From.IsZero() {
		w.add("created_at >= ?", db.timeArg(f.From))
	}
	if !f.To.IsZero() {
		w.add("created_at < ?", db.timeArg(f.To))
	}
	q := limit(contactCols+w.String()+` ORDER BY created_at DESC, id DESC`, w, f.Limit)
	return list(ctx, db, "contacts", q, w.args, scanContact)
}

// Messages returns the messages of a contact with Seq > afterSeq, in order.
func (db *DB) Messages(ctx context.Context, contactID string, afterSeq int) ([]*minwon.Message, error) {
	q := `SELECT id, contact_id, seq, sender, author_id, text, client_id, at FROM messages WHERE contact_id = ? AND seq > ? ORDER BY seq`
	return list(ctx, db, "messages", q, []any{contactID, afterSeq}, func(rows *sql.Rows) (*minwon.Message, error) {
		var m minwon.Message
		return &m, rows.Scan(&m.ID, &m.ContactID, &m.Seq, &m.From, &m.AuthorID, &m.Text, &m.ClientID, timeCol{&m.At})
	})
}

// Handoffs returns the hand-offs matching f, newest first.
func (db *DB) Handoffs(ctx context.Context, f minwon.HandoffFilter) ([]*minwon.Handoff, error) {
	w := byTenant(f.TenantID)
	if f.DepartmentID != "" {
		w.add("department_id = ?", f.DepartmentID)
	}
	if f.ContactID != "" {
		w.add("contact_id = ?", f.ContactID)
	}
	in(w, "state", f.States)
	q := limit(`SELECT id, tenant_id, contact_id, department_id, summary, note, state, created_by, created_at, updated_at, reply FROM handoffs`+
		w.String()+` ORDER BY created_at DESC, id DESC`, w, f.Limit)
	return list(ctx, db, "hand-offs", q, w.args, func(rows *sql.Rows) (*minwon.Handoff, error) {
		var h minwon.Handoff
		return &h, rows.Scan(&h.ID, &h.TenantID, &h.ContactID, &h.DepartmentID, &h.Summary, &h.Note, &h.State, &h.CreatedBy,
			timeCol{&h.CreatedAt}, timeCol{&h.UpdatedAt}, &h.Reply)
	})
}

// Notices returns the notices of a tenant ("" for all) that have not expired
// at activeAt (a zero activeAt skips that test), newest first, with ReadBy
// in the order people confirmed. A notice without ExpiresAt never expires.
func (db *DB) Notices(ctx context.Context, tenantID string, activeAt time.Time) ([]*minwon.Notice, error) {
	w := &where{}
	if tenantID != "" {
		w.add("n.tenant_id = ?", tenantID)
	}
	if !activeAt.IsZero() {
		w.add("(n.expires_at IS NULL OR n.expires_at > ?)", db.timeArg(activeAt))
	}
	notices, err := list(ctx, db, "notices", `SELECT n.id, n.tenant_id, n.title, n.body, n.author_id, n.created_at, n.expires_at FROM notices n`+
		w.String()+` ORDER BY n.created_at DESC, n.id DESC`, w.args,
		func(rows *sql.Rows) (*minwon.Notice, error) {
			n := minwon.Notice{ReadBy: []string{}}
			return &n, rows.Scan(&n.ID, &n.TenantID, &n.Title, &n.Body, &n.AuthorID, timeCol{&n.CreatedAt}, timeCol{&n.ExpiresAt})
		})
	if err != nil || len(notices) == 0 {
		return notices, err
	}
	byID := make(map[string]*minwon.Notice, len(notices))
	for _, n := range notices {
		byID[n.ID] = n
	}
	type read struct{ notice, user string }
	reads, err := list(ctx, db, "notice reads", `SELECT r.notice_id, r.user_id FROM notice_reads r JOIN notices n ON n.id = r.notice_id`+
		w.String()+` ORDER BY r.at, r.user_id`, w.args,
		func(rows *sql.Rows) (*read, error) {
			var r read
			return &r, rows.Scan(&r.notice, &r.user)
		})
	if err != nil {
		return nil, err
	}
	for _, r := range reads {
		// A notice posted between the two queries has no entry; skip it.
		if n := byID[r.notice]; n != nil {
			n.ReadBy = append(n.ReadBy, r.user)
		}
	}
	return notices, nil
}

// Session returns a live session by the hash of its token, or ENOTFOUND
// when it never existed or has ended. Expiry is the caller's to check
// against its clock. CSRF is not stored: it is not in session.created.
func (db *DB) Session(ctx context.Context, tokenHash string) (*minwon.Session, error) {
	var s minwon.Session
	err := db.rdb.QueryRowContext(ctx, db.rebind(`SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = ?`), tokenHash).
		Scan(&s.TokenHash, &s.UserID, timeCol{&s.CreatedAt}, timeCol{&s.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "session not found")
	} else if err != nil {
		return nil, fmt.Errorf("read session: %w", err)
	}
	return &s, nil
}
