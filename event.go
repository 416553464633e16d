package minwon

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// EventType names a kind of state change. The part before the dot is the
// entity it changes.
type EventType string

// Event types. Data holds the payload named in the comment, as JSON.
const (
	EventTenantSaved     EventType = "tenant.saved"     // Tenant
	EventTenantSalt      EventType = "tenant.salt"      // TenantSalt; redacted whenever events are shown
	EventPolicyUpdated   EventType = "policy.updated"   // PolicyUpdated; ActorID set; the audit entry
	EventDepartmentSaved EventType = "department.saved" // Department
	EventQueueSaved      EventType = "queue.saved"      // Queue
	EventUserSaved       EventType = "user.saved"       // User (PasswordHash is never in it)
	EventPasswordSet     EventType = "user.password"    // PasswordSet; redacted whenever events are shown
	EventSessionCreated  EventType = "session.created"  // SessionCreated
	EventSessionEnded    EventType = "session.ended"    // SessionEnded

	EventSIPPasswordSet EventType = "user.sip_password" // SIPPasswordSet; a phone credential, redacted whenever events are shown

	EventAgentState    EventType = "agent.state"    // AgentStateChanged; AgentID set
	EventAgentPresence EventType = "agent.presence" // AgentPresence; AgentID set

	EventContactCreated    EventType = "contact.created"      // Contact
	EventContactQueued     EventType = "contact.queued"       // ContactQueued; QueueID set
	EventContactOffered    EventType = "contact.offered"      // ContactOffered; AgentID set
	EventOfferExpired      EventType = "contact.offer_lapsed" // nothing; AgentID set
	EventContactAnswered   EventType = "contact.answered"     // nothing; AgentID set
	EventContactTransfered EventType = "contact.transferred"  // ContactTransferred
	EventMessageSent       EventType = "message.sent"         // Message
	EventMemoSaved         EventType = "contact.memo"         // MemoSaved
	EventContactEnded      EventType = "contact.ended"        // ContactEnded
	EventContactWrapped    EventType = "contact.wrapped"      // ContactWrapped
	EventContactRated      EventType = "contact.rated"        // ContactRated
	EventMonitor           EventType = "contact.monitor"      // Monitor; a supervisor opened or left a live contact

	// A callback: offered to a caller waiting long, accepted by pressing 1
	// (the contact keeps its place with no line held), then done or failed
	// by the counselor who reached it.
	EventCallbackOffered   EventType = "callback.offered"   // nothing; the caller heard the offer
	EventCallbackRequested EventType = "callback.requested" // CallbackRequested
	EventCallbackCompleted EventType = "callback.completed" // CallbackOutcome; AgentID and ActorID set
	EventCallbackFailed    EventType = "callback.failed"    // CallbackOutcome; AgentID and ActorID set
	// Transfers of a live voice contact (transfer.go); ContactID, AgentID
	// (the counselor passing it on) and ActorID set.
	EventTransferStarted   EventType = "transfer.started"   // TransferStarted
	EventTransferAnswered  EventType = "transfer.answered"  // TransferStep: the target's line answered
	EventTransferCompleted EventType = "transfer.completed" // TransferStep: the caller is the target's
	EventTransferCancelled EventType = "transfer.cancelled" // TransferStep: back to the counselor
	EventOutboundCall      EventType = "call.outbound"      // OutboundCall; follows the contact.created of the call
	EventCallConnected     EventType = "call.connected"     // nothing; AgentID set: the outbound call's citizen and counselor are bridged

	// The self-service bot's part of a chat. Its lines are message.sent
	// events with From=bot; these record what the bot decided.
	EventBotTurn    EventType = "contact.bot_turn"    // BotTurn: one reply and the bot's state after it
	EventBotHandoff EventType = "contact.bot_handoff" // BotHandoff; a contact.queued event follows
	EventBotClosed  EventType = "contact.bot_closed"  // BotClosed: the citizen left while the bot was answering

	EventHandoffCreated EventType = "handoff.created" // Handoff
	EventHandoffUpdated EventType = "handoff.updated" // HandoffUpdated

	EventNoticePosted EventType = "notice.posted" // Notice
	EventNoticeRead   EventType = "notice.read"   // NoticeRead

	EventArticleSaved     EventType = "article.saved"     // ArticleVersion, a new draft version
	EventArticleSubmitted EventType = "article.submitted" // ArticleSubmitted
	EventArticlePublished EventType = "article.published" // ArticleDecided with Published; ActorID is the approver
	EventArticleRejected  EventType = "article.rejected"  // ArticleDecided
	EventArticleRetired   EventType = "article.retired"   // ArticleRetirement
	EventDictionarySaved  EventType = "kb.dictionary"     // DictionarySaved

	// Counselor protection (incident.go). ContactID and AgentID are set
	// where the change belongs to a contact or a counselor.
	EventIncidentOpened   EventType = "incident.opened"   // Incident, without the later parts
	EventIncidentItem     EventType = "incident.item"     // IncidentItem
	EventIncidentWarned   EventType = "incident.warned"   // IncidentWarned
	EventIncidentEnded    EventType = "incident.ended"    // IncidentEnded; the contact is to be ended with the notice
	EventIncidentAction   EventType = "incident.action"   // IncidentAction; ActorID set
	EventIncidentReviewed EventType = "incident.reviewed" // IncidentReview; ActorID set
	EventStrikeRecorded   EventType = "caller.strike"     // Strike
	EventCallerFlagged    EventType = "caller.flagged"    // CallerFlag
	EventCaseOpened       EventType = "case.opened"       // LegalCase
	EventSanction         EventType = "caller.sanction"   // Sanction; ActorID set; the audit entry
	EventProtectiveBreak  EventType = "agent.protective"  // ProtectiveBreak; AgentID set
	EventCallerForgotten  EventType = "caller.forgotten"  // RegisterForgotten; the register's daily forgetting ran

	// Call recordings (recording.go). ContactID is set once the call is a
	// contact; ActorID on recording.played.
	EventRecordingStarted EventType = "recording.started" // Recording, without the summary
	EventRecordingStored  EventType = "recording.stored"  // Recording, sealed, with its SHA-256 and size
	EventRecordingPlayed  EventType = "recording.played"  // RecordingPlayed; the audit entry, stored before a byte is sent
	EventRecordingPurged  EventType = "recording.purged"  // RecordingPurged; the file was deleted by retention

	// Acoustic agitation on a call (sip/protect.go): the caller's channel
	// was loud for a sustained stretch. ContactID and AgentID set.
	EventCallAgitation EventType = "call.agitation" // CallAgitation

	// Ephemeral events travel on the bus but are never stored.
	EventTyping   EventType = "contact.typing"   // Typing
	EventPosition EventType = "contact.position" // Position
)

// A tenant's IVR: its business hours and the situational notices its
// supervisors set (payloads in package center, which knows the calendar).
const (
	EventIVRHours         EventType = "ivr.hours"          // center.IVRHours; ActorID set
	EventIVRNoticeSet     EventType = "ivr.notice.set"     // center.IVRNotice; ActorID set
	EventIVRNoticeRemoved EventType = "ivr.notice.removed" // center.IVRNoticeRemoved; ActorID set
	EventIVRPromptSet     EventType = "ivr.prompt.set"     // center.IVRPrompt; a tenant's recording of a default prompt; ActorID set
)

// Ephemeral reports whether events of type t are published without being stored.
func (t EventType) Ephemeral() bool { return t == EventTyping || t == EventPosition }

// Event is an immutable record of one state change. It is stored before the
// change is acknowledged and then published on the bus.
type Event struct {
	Seq       int64           `json:"seq"` // assigned by the store, increasing
	ID        string          `json:"id"`
	Type      EventType       `json:"type"`
	TenantID  string          `json:"tenant_id,omitempty"`
	At        time.Time       `json:"at"`
	ActorID   string          `json:"actor_id,omitempty"` // user who caused it; empty for citizens and the system
	ContactID string          `json:"contact_id,omitempty"`
	AgentID   string          `json:"agent_id,omitempty"`
	QueueID   string          `json:"queue_id,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`

	kept *kept // the payload Data was marshalled from, when NewEvent could keep it
}

// NewEvent builds an event with a fresh ID and data marshalled to JSON.
func NewEvent(typ EventType, at time.Time, data any) *Event {
	ev := &Event{ID: NewID(), Type: typ, At: at.UTC().Truncate(time.Microsecond)} // the stores keep microseconds
	if data != nil {
		b, err := json.Marshal(data)
		if err != nil {
			panic(fmt.Sprintf("minwon: marshal %s payload: %v", typ, err)) // payloads are our own structs
		}
		ev.Data = b
		if k, ok := keepable(data); ok {
			ev.kept = &kept{v: k, data: b}
		}
	}
	return ev
}

// Decode unmarshals the event's payload into v.
func (e *Event) Decode(v any) error {
	if e.decodeKept(v) {
		return nil
	}
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("decode %s event %s: %w", e.Type, e.ID, err)
	}
	return nil
}

// Payloads.
type (
	PasswordSet struct {
		UserID string `json:"user_id"`
		Hash   string `json:"hash"`
	}
	// SIPPasswordSet is a counselor's phone credential for SIP digest
	// authentication: HA1 = MD5(login ":" realm ":" password), hex. The
	// login is part of it, so a renamed login needs a new SIP password.
	SIPPasswordSet struct {
		UserID string `json:"user_id"`
		Login  string `json:"login"`
		Realm  string `json:"realm"`
		HA1    string `json:"ha1"`
	}
	SessionCreated struct {
		TokenHash string    `json:"token_hash"` // SHA-256 of the cookie token, hex
		UserID    string    `json:"user_id"`
		CreatedAt time.Time `json:"created_at"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	SessionEnded struct {
		TokenHash string `json:"token_hash"`
	}
	AgentStateChanged struct {
		State  AgentState `json:"state"`
		Reason string     `json:"reason,omitempty"` // break reason, or why the system changed it
		Prev   AgentState `json:"prev"`
	}
	AgentPresence struct {
		Connected bool `json:"connected"`
	}
	ContactQueued struct {
		Reason string `json:"reason"` // new, overflow, transfer, requeue
	}
	ContactOffered struct {
		ExpiresAt time.Time `json:"expires_at"`
	}
	ContactTransferred struct {
		FromAgent string `json:"from_agent,omitempty"`
		ToQueue   string `json:"to_queue,omitempty"`
		ToAgent   string `json:"to_agent,omitempty"`
		Note      string `json:"note,omitempty"`
	}
	MemoSaved struct {
		Text string `json:"text"`
	}
	// CallbackRequested holds the number the caller confirmed: unlike a
	// caller's identity it is kept in clear, because someone must dial it.
	CallbackRequested struct {
		Number string `json:"number"`
	}
	CallbackOutcome struct {
		Notes string `json:"notes,omitempty"`
	}
	ContactEnded struct {
		By     Sender `json:"by"` // citizen, agent or system
		Reason string `json:"reason,omitempty"`
	}
	ContactWrapped struct {
		Category     string     `json:"category"`
		Resolution   Resolution `json:"resolution"`
		DepartmentID string     `json:"department_id,omitempty"`
		Summary      string     `json:"summary"`
	}
	ContactRated struct {
		Rating  int    `json:"rating"`
		Comment string `json:"comment,omitempty"`
	}
	Monitor struct {
		On bool `json:"on"`
	}
	// BotTurn is one reply of the bot. State is the bot's own memory of the
	// conversation, opaque here, so it survives a restart.
	BotTurn struct {
		ReplyTo   int             `json:"reply_to"` // seq of the citizen message answered
		Kind      string          `json:"kind"`     // answer, clarify, handoff, … (bot.Kind)
		ArticleID string          `json:"article_id,omitempty"`
		Score     float64         `json:"score,omitempty"`
		Options   []Suggestion    `json:"options,omitempty"`  // choices of a clarifying question
		Feedback  bool            `json:"feedback,omitempty"` // the bot asked whether the answer helped
		State     json.RawMessage `json:"state,omitempty"`
	}
	// BotHandoff passes a contact from the bot to the queue, with the
	// articles the bot thought closest for the counselor who takes it.
	BotHandoff struct {
		Reason      string       `json:"reason"` // requested, unsure, not_helpful, unavailable
		Suggestions []Suggestion `json:"suggestions"`
	}
	// BotClosed ends a contact that never left the bot. Resolved means the
	// bot had answered and the citizen left without asking for a person.
	BotClosed struct {
		Resolved bool `json:"resolved"`
	}
	HandoffUpdated struct {
		ID    string       `json:"id"`
		State HandoffState `json:"state"`
		Reply string       `json:"reply,omitempty"`
	}
	NoticeRead struct {
		NoticeID string `json:"notice_id"`
	}
	// CallAgitation is one stretch of sustained loudness on the caller's
	// channel: Loud of the last Window was above the detector's threshold.
	// Score is Loud over Window, 0..1, what the protection engine weighs.
	CallAgitation struct {
		Score    float64 `json:"score"`
		LevelDB  float64 `json:"level_dbfs"` // mean RMS of the loud frames
		LoudMS   int64   `json:"loud_ms"`
		WindowMS int64   `json:"window_ms"`
		// OffsetMS is where in the caller's audio it was heard, from the
		// counselor's answer, so the recording segment can be found.
		OffsetMS int64 `json:"offset_ms"`
	}
	Typing struct {
		From Sender `json:"from"`
	}
	Position struct {
		Position int   `json:"position"`
		WaitSecs int64 `json:"wait_secs"`
	}
)

// EventFilter selects stored events.
type EventFilter struct {
	TenantID  string
	ContactID string
	AfterSeq  int64
	From, To  time.Time // zero means unbounded
	Types     []EventType
	Limit     int // 0 means no limit
}

// Bus carries events between the parts of a node and between nodes.
type Bus interface {
	// Publish delivers events to every subscriber, in order.
	Publish(ctx context.Context, evs ...*Event) error
	// Subscribe calls fn for every event published from now on, in order,
	// from one goroutine per subscription. The returned func unsubscribes.
	Subscribe(fn func(*Event)) (unsubscribe func())
}
