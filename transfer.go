package minwon

// TransferMode says whether the counselor stays on the line until the
// target has answered.
type TransferMode string

const (
	// TransferBlind hands the call over at once: the caller hears hold
	// audio until the target answers; the counselor is free straight away.
	TransferBlind TransferMode = "blind"
	// TransferAttended lets the counselor talk to the target first, the
	// caller on hold, then complete (counselor leaves) or cancel (back to
	// the caller).
	TransferAttended TransferMode = "attended"
)

// TransferStarted is a live voice contact being passed on. Exactly one of
// ToQueue, ToAgent and ToDepartment is set; SIPURI is the department's
// line the phone channel dials, HandoffID the written hand-off created
// with it.
type TransferStarted struct {
	ID           string       `json:"id"`
	Mode         TransferMode `json:"mode"`
	FromAgent    string       `json:"from_agent"`
	ToQueue      string       `json:"to_queue,omitempty"`
	ToAgent      string       `json:"to_agent,omitempty"`
	ToDepartment string       `json:"to_department,omitempty"`
	SIPURI       string       `json:"sip_uri,omitempty"`
	HandoffID    string       `json:"handoff_id,omitempty"`
	Note         string       `json:"note,omitempty"`
}

// TransferStep is a later step of a transfer: the target answered, the
// transfer completed, or it was cancelled (by the counselor, or because
// the target did not answer or the caller left).
type TransferStep struct {
	ID     string `json:"id"`
	Reason string `json:"reason,omitempty"`
}

// Call directions of a voice contact.
const (
	DirectionInbound  = "inbound"
	DirectionOutbound = "outbound"
)

// OutboundCall is a counselor or department official calling a citizen
// through the center's trunk, the center's number shown as the caller.
type OutboundCall struct {
	Number string `json:"number"`  // the citizen's number, digits only
	From   string `json:"from"`    // the center's number shown to the citizen
	UserID string `json:"user_id"` // who placed it; their phone is bridged
}
