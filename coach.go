package minwon

// CoachMode is how a supervisor takes part in a counselor's live call.
type CoachMode string

// Coaching modes. Nobody hears a supervisor who listens; a whisper reaches
// the counselor only; a barge reaches the caller too.
const (
	CoachListen  CoachMode = "listen"
	CoachWhisper CoachMode = "whisper"
	CoachBarge   CoachMode = "barge"
)

// Valid reports whether m is one of the coaching modes.
func (m CoachMode) Valid() bool { return m == CoachListen || m == CoachWhisper || m == CoachBarge }

// Coaching events. ContactID and AgentID (the counselor) are set, and
// ActorID is the supervisor, also on a coach.ended the phone channel
// reports for them.
const (
	EventCoachStarted EventType = "coach.started" // Coaching; a supervisor joined a live call
	EventCoachMode    EventType = "coach.mode"    // Coaching; the same supervisor switched modes
	EventCoachEnded   EventType = "coach.ended"   // CoachEnded; the supervisor's leg is gone
)

// Coaching is a supervisor's mode on a call.
type Coaching struct {
	Mode CoachMode `json:"mode"`
}

// CoachEnded says why a supervisor left a call: "left" (they did),
// "unreachable" (no phone of theirs answered), "hung_up" (their phone
// did), "contact_ended" (the conversation ended under them),
// "transferred" (the call went to another counselor or a queue; the
// supervisor was coaching the one who let it go).
type CoachEnded struct {
	Reason string `json:"reason"`
}
