package minwon

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
	"unicode"
)

// IncidentType is a kind of malicious contact. The values follow the
// categories Seoul reports counselor protection by, plus threats, which
// carry their own strike count.
type IncidentType string

const (
	IncidentSexual            IncidentType = "sexual"             // 성희롱
	IncidentAbuse             IncidentType = "abuse"              // 욕설·폭언
	IncidentThreat            IncidentType = "threat"             // 협박
	IncidentPrank             IncidentType = "prank"              // 장난전화
	IncidentDrunkLong         IncidentType = "drunk_long"         // 주취 장시간
	IncidentRepeatedUnrelated IncidentType = "repeated_unrelated" // 시 업무와 무관한 반복 민원
	IncidentAggressive        IncidentType = "aggressive"         // 공격적 민원
)

// IncidentTypes lists the types in report order.
var IncidentTypes = []IncidentType{IncidentSexual, IncidentAbuse, IncidentThreat, IncidentPrank,
	IncidentDrunkLong, IncidentRepeatedUnrelated, IncidentAggressive}

// ValidIncidentType reports whether t is one of the defined types.
func ValidIncidentType(t IncidentType) bool {
	for _, x := range IncidentTypes {
		if x == t {
			return true
		}
	}
	return false
}

// Severity orders incident types when one contact shows several: the most
// severe names the incident. Sexual harassment ends a contact at once, so it
// ranks first.
func (t IncidentType) Severity() int {
	switch t {
	case IncidentSexual:
		return 6
	case IncidentThreat:
		return 5
	case IncidentAbuse:
		return 4
	case IncidentAggressive:
		return 3
	case IncidentDrunkLong:
		return 2
	case IncidentRepeatedUnrelated, IncidentPrank:
		return 1
	}
	return 0
}

// IncidentSource says what raised an incident.
type IncidentSource string

const (
	SourceGuard     IncidentSource = "guard"     // the classifier, on a message or transcript segment
	SourceAcoustic  IncidentSource = "acoustic"  // voice agitation (shouting) from the media path
	SourceCounselor IncidentSource = "counselor" // a counselor's warning or end-with-notice
	SourceHistory   IncidentSource = "history"   // a detector over the caller's past contacts
)

// Incident is the evidence record of one malicious contact: what was said,
// what the engine and the people on duty did, and when. There is at most one
// per contact; its Type is the most severe kind seen in it.
type Incident struct {
	ID        string         `json:"id"`
	TenantID  string         `json:"tenant_id"`
	ContactID string         `json:"contact_id"`
	CallerID  string         `json:"caller_id"` // the contact's CitizenID
	AgentID   string         `json:"agent_id,omitempty"`
	Channel   Channel        `json:"channel"`
	Type      IncidentType   `json:"type"`
	Source    IncidentSource `json:"source"`
	OpenedAt  time.Time      `json:"opened_at"`
	// Filled as the incident goes on, by applying its events.
	Items    []IncidentItem   `json:"items,omitempty"`
	Warnings []IncidentWarned `json:"warnings,omitempty"`
	Ended    *IncidentEnded   `json:"ended,omitempty"`
	Actions  []IncidentAction `json:"actions,omitempty"`
	Review   *IncidentReview  `json:"review,omitempty"`
}

// ItemKind is what an incident item is taken from.
type ItemKind string

const (
	ItemMessage  ItemKind = "message"  // a chat or SMS message
	ItemSegment  ItemKind = "segment"  // a voice transcript segment
	ItemAcoustic ItemKind = "acoustic" // an acoustic event without words
	ItemNote     ItemKind = "note"     // a counselor's words on what was heard
	ItemHistory  ItemKind = "history"  // a detector's finding over past contacts
)

// Span is a byte range of a text.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// RecordingRef points into a call recording: the recording's ID and the
// segment, as offsets from the start of the recording, that holds what an
// incident item, warning or end is about, with a margin before it.
type RecordingRef struct {
	Name  string        `json:"name"` // the Recording's ID
	Start time.Duration `json:"start_ns"`
	End   time.Duration `json:"end_ns"`
}

// IncidentItem is one offending message, segment or acoustic event, with
// the classifier's verdict. Text is the original; Masked is what the
// counselor was shown.
type IncidentItem struct {
	IncidentID string        `json:"incident_id"`
	Kind       ItemKind      `json:"kind"`
	MessageID  string        `json:"message_id,omitempty"`
	Type       IncidentType  `json:"type"`
	Label      string        `json:"label,omitempty"` // the classifier's label
	Score      float64       `json:"score"`
	Text       string        `json:"text,omitempty"`
	Masked     string        `json:"masked,omitempty"`
	Spans      []Span        `json:"spans,omitempty"`
	Recording  *RecordingRef `json:"recording,omitempty"`
	At         time.Time     `json:"at"`
}

// IncidentWarned records warning N given to the citizen.
type IncidentWarned struct {
	IncidentID string       `json:"incident_id"`
	N          int          `json:"n"`
	Type       IncidentType `json:"type"`
	By         Sender       `json:"by"` // system when automatic, agent when the counselor pressed warn
	Script     string       `json:"script"`
	// Recording is the part of the call recording around the warning: what
	// led to it and the warning itself. Nil off calls.
	Recording *RecordingRef `json:"recording,omitempty"`
	At        time.Time     `json:"at"`
}

// IncidentEnded records the contact ended because of the incident, with
// the closing notice given to the citizen.
type IncidentEnded struct {
	IncidentID string       `json:"incident_id"`
	Type       IncidentType `json:"type"`
	By         Sender       `json:"by"`
	Reason     string       `json:"reason"` // warnings, at_once, after_minutes, counselor
	Script     string       `json:"script"`
	// Recording is the part of the call recording around the end, with the
	// closing notice. Nil off calls.
	Recording *RecordingRef `json:"recording,omitempty"`
	At        time.Time     `json:"at"`
}

// IncidentActionKind names a counselor's or supervisor's action on an incident.
type IncidentActionKind string

const (
	ActionReveal IncidentActionKind = "reveal" // showed a masked message
	ActionNote   IncidentActionKind = "note"
	ActionExport IncidentActionKind = "export" // downloaded the evidence bundle
)

// IncidentAction is one logged action on an incident; every reveal and
// export is one, so the evidence shows who saw what.
type IncidentAction struct {
	IncidentID string             `json:"incident_id"`
	Kind       IncidentActionKind `json:"kind"`
	ActorID    string             `json:"actor_id"`
	MessageID  string             `json:"message_id,omitempty"`
	Note       string             `json:"note,omitempty"`
	At         time.Time          `json:"at"`
}

// ReviewVerdict is a supervisor's finding on an incident.
type ReviewVerdict string

const (
	ReviewConfirmed ReviewVerdict = "confirmed"
	ReviewDismissed ReviewVerdict = "dismissed" // a false alarm: its strikes are void and reports skip it
)

// IncidentReview is a supervisor's finding, with the reason.
type IncidentReview struct {
	IncidentID string        `json:"incident_id"`
	Verdict    ReviewVerdict `json:"verdict"`
	ActorID    string        `json:"actor_id"`
	Reason     string        `json:"reason"`
	At         time.Time     `json:"at"`
}

// Strike is one counted offence of a caller. Strikes count within a
// per-type window; enough of them open a legal case.
type Strike struct {
	CallerID   string       `json:"caller_id"`
	Type       IncidentType `json:"type"`
	IncidentID string       `json:"incident_id"`
	ContactID  string       `json:"contact_id"`
	At         time.Time    `json:"at"`
}

// CaseState tracks a legal case.
type CaseState string

const (
	CaseOpen   CaseState = "open"
	CaseFiled  CaseState = "filed"  // a complaint was lodged
	CaseClosed CaseState = "closed" // no action taken
)

// LegalCase gathers the incidents that justify legal action against a
// caller: one sexual-harassment strike, or three for abuse or threats.
type LegalCase struct {
	ID          string       `json:"id"`
	TenantID    string       `json:"tenant_id"`
	CallerID    string       `json:"caller_id"`
	Type        IncidentType `json:"type"`
	IncidentIDs []string     `json:"incident_ids"`
	State       CaseState    `json:"state"`
	OpenedAt    time.Time    `json:"opened_at"`
}

// CallerFlag marks a caller to be routed to the dedicated team, with a
// banner for the counselor, until it expires.
type CallerFlag struct {
	CallerID string       `json:"caller_id"`
	TenantID string       `json:"tenant_id"`
	Type     IncidentType `json:"type"`
	Reason   string       `json:"reason"` // shown in the counselor's banner
	Since    time.Time    `json:"since"`
	Until    time.Time    `json:"until"`
}

// Active reports whether the flag applies at t.
func (f *CallerFlag) Active(t time.Time) bool { return !t.Before(f.Since) && t.Before(f.Until) }

// SanctionKind is what a supervisor does about a caller.
type SanctionKind string

const (
	SanctionRestrict SanctionKind = "restrict" // route only to the dedicated team
	SanctionLegal    SanctionKind = "legal"    // lodge a legal complaint for a case
	SanctionClose    SanctionKind = "close"    // close a case without action
	SanctionLift     SanctionKind = "lift"     // lift a flag or restriction early
)

// Sanction is a supervisor's decision about a caller. It needs the
// supervisor role and a reason, and its event is the audit entry.
type Sanction struct {
	ID       string       `json:"id"`
	TenantID string       `json:"tenant_id"`
	CallerID string       `json:"caller_id"`
	Kind     SanctionKind `json:"kind"`
	CaseID   string       `json:"case_id,omitempty"`
	Reason   string       `json:"reason"`
	ActorID  string       `json:"actor_id"`
	Until    time.Time    `json:"until,omitzero"` // for restrict
	At       time.Time    `json:"at"`
}

// ProtectiveBreak is the pause a counselor gets after an incident (보호
// 휴식): nothing is offered until it ends, and the supervisors' board shows
// it as a live alert.
type ProtectiveBreak struct {
	AgentID    string       `json:"agent_id"`
	IncidentID string       `json:"incident_id"`
	Type       IncidentType `json:"type"`
	Since      time.Time    `json:"since"`
	Until      time.Time    `json:"until"`
}

// CallerHash returns the caller identity for an address: an HMAC-SHA256
// under the tenant's salt of the kind ("tel", "chat", …) and the address,
// so the register never holds a phone number. Phone numbers are reduced to
// digits with +82 read as a leading 0, so one caller hashes alike however
// the number was written.
func CallerHash(salt []byte, kind, address string) string {
	address = strings.TrimSpace(address)
	if kind == "tel" {
		var b strings.Builder
		for _, r := range address {
			if unicode.IsDigit(r) && r < 0x80 {
				b.WriteRune(r)
			}
		}
		address = b.String()
		if strings.HasPrefix(address, "82") && len(address) > 9 {
			address = "0" + strings.TrimPrefix(address[2:], "0")
		}
	} else {
		address = strings.ToLower(address)
	}
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(address))
	return hex.EncodeToString(m.Sum(nil))
}

// IncidentStatus is where a supervisor's review of an incident stands.
type IncidentStatus string

const (
	StatusOpen      IncidentStatus = "open" // not reviewed yet
	StatusConfirmed IncidentStatus = "confirmed"
	StatusDismissed IncidentStatus = "dismissed"
)

// Status returns the incident's review status.
func (inc *Incident) Status() IncidentStatus {
	if inc.Review == nil {
		return StatusOpen
	}
	return IncidentStatus(inc.Review.Verdict)
}

// ValidIncidentStatus reports whether s is a defined status.
func ValidIncidentStatus(s IncidentStatus) bool {
	return s == StatusOpen || s == StatusConfirmed || s == StatusDismissed
}

// IncidentQuery selects incidents of one tenant for the supervisors' list.
// Zero fields match everything; Limit 0 means the store's default page.
type IncidentQuery struct {
	TenantID string
	From, To time.Time // opened in [From, To)
	AgentID  string
	Type     IncidentType
	Status   IncidentStatus
	Limit    int
	Offset   int
}

// IncidentStore reads the incident read model: the incidents fed from the
// incident events in the same transaction that stores them, so the list
// holds years of incidents and survives a restart. It is a separate
// interface from Store so that stores without it keep working.
type IncidentStore interface {
	// Incidents returns a page of the matching incidents, newest first, and
	// how many match in all.
	Incidents(ctx context.Context, q IncidentQuery) ([]*Incident, int, error)
	Incident(ctx context.Context, id string) (*Incident, error) // ENOTFOUND when absent
}
