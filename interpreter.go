package minwon

import (
	"context"
	"strings"
)

// Interpreter is one member of a tenant's interpreter pool: someone a
// counselor can bring into a live call when the caller speaks a language
// the counselor does not. Exactly one of UserID and Address is set.
type Interpreter struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Name     string `json:"name"`
	// Languages are ISO 639-1 codes ("en", "zh", "vi" …) they interpret
	// to and from Korean.
	Languages []string `json:"languages"`
	// UserID is an in-house interpreter: a user of the center whose
	// desktop softphone or registered SIP phone is rung.
	UserID string `json:"user_id,omitempty"`
	// Address is an external interpretation line: a phone number dialled
	// through the SIP trunk (digits), or a SIP URI dialled as it is.
	Address  string `json:"address,omitempty"`
	Disabled bool   `json:"disabled,omitempty"`
}

// Speaks reports whether the interpreter works in lang.
func (i *Interpreter) Speaks(lang string) bool {
	for _, l := range i.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// ValidLanguage reports whether s looks like an ISO 639-1 code: two
// lowercase letters.
func ValidLanguage(s string) bool {
	return len(s) == 2 && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz") == ""
}

// InterpreterStore reads the interpreter pool's read model, kept from
// interpreter.saved by the store's Append.
type InterpreterStore interface {
	Interpreters(ctx context.Context, tenantID string) ([]*Interpreter, error) // "" lists all, by ID
}

// Events of an interpreter joining a live call. ContactID and AgentID
// (the counselor who asked) are set; ActorID is the counselor on
// conference.requested and on a conference.left they chose.
const (
	EventInterpreterSaved    EventType = "interpreter.saved"    // Interpreter; the pool changed
	EventConferenceRequested EventType = "conference.requested" // Conference; an interpreter is being dialled
	EventConferenceJoined    EventType = "conference.joined"    // Conference; the interpreter answered, all three hear each other
	EventConferenceLeft      EventType = "conference.left"      // ConferenceEnded; the interpreter is off the call
	EventConferenceFailed    EventType = "conference.failed"    // ConferenceEnded; no interpreter joined
)

// Conference is the interpreter a counselor brought into a call.
type Conference struct {
	ID              string `json:"id"`
	Language        string `json:"language"`
	InterpreterID   string `json:"interpreter_id,omitempty"`
	InterpreterName string `json:"interpreter_name,omitempty"`
	// UserID or Address: how the phone channel reaches them (Interpreter).
	UserID  string `json:"user_id,omitempty"`
	Address string `json:"address,omitempty"`
	Joined  bool   `json:"joined,omitempty"` // they answered
}

// ConferenceEnded says why an interpreter left or never joined. Reasons
// of conference.failed: "no_interpreter" (none of the language is free),
// "no_answer", "busy", "unreachable" (no phone of theirs, or the line
// refused), "cancelled" (the counselor dropped them while ringing).
// Reasons of conference.left: "dropped" (the counselor), "hung_up" (the
// interpreter), "contact_ended", "transferred".
type ConferenceEnded struct {
	ID       string `json:"id"`
	Language string `json:"language"`
	Reason   string `json:"reason"`
}
