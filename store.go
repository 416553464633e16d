package minwon

import (
	"context"
	"time"
)

// Store persists events and the read models derived from them. Append is the
// only write: it stores the events and updates the read models in one
// transaction, so a change is either wholly durable or absent.
type Store interface {
	// Append stores events in order and assigns their Seq. Concurrent callers
	// may be committed together; Append returns once its events are durable.
	Append(ctx context.Context, evs ...*Event) error
	Events(ctx context.Context, f EventFilter) ([]*Event, error)

	Tenants(ctx context.Context) ([]*Tenant, error)
	Departments(ctx context.Context, tenantID string) ([]*Department, error) // "" lists all
	Queues(ctx context.Context, tenantID string) ([]*Queue, error)           // "" lists all
	Users(ctx context.Context, tenantID string) ([]*User, error)             // "" lists all; PasswordHash filled
	UserByLogin(ctx context.Context, login string) (*User, error)            // ENOTFOUND when absent

	Contact(ctx context.Context, id string) (*Contact, error) // ENOTFOUND when absent
	Contacts(ctx context.Context, f ContactFilter) ([]*Contact, error)
	// Messages returns the messages of a contact with Seq > afterSeq, in order.
	Messages(ctx context.Context, contactID string, afterSeq int) ([]*Message, error)

	Handoffs(ctx context.Context, f HandoffFilter) ([]*Handoff, error)
	Notices(ctx context.Context, tenantID string, activeAt time.Time) ([]*Notice, error)
	Session(ctx context.Context, tokenHash string) (*Session, error) // ENOTFOUND when absent or ended

	Close() error
}

// Submitter is a Store that can queue events without waiting for them to be
// durable: calls are committed in submission order, and wait reports the
// outcome. It lets the center submit under its lock and wait outside it, so
// one slow commit doesn't hold up every other command.
type Submitter interface {
	Submit(ctx context.Context, evs ...*Event) (wait func() error, err error)
}

// ContactFilter selects contacts; zero fields match everything.
type ContactFilter struct {
	TenantID  string
	CitizenID string
	AgentID   string
	States    []ContactState
	From, To  time.Time // on CreatedAt
	Limit     int
}

// HandoffFilter selects hand-offs; zero fields match everything.
type HandoffFilter struct {
	TenantID     string
	DepartmentID string
	ContactID    string
	States       []HandoffState
	Limit        int
}
