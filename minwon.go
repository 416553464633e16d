// Package minwon holds the vocabulary of a public civil-complaint contact
// center ("120" in Korea, "311" elsewhere): tenants, queues, agents, contacts,
// messages, hand-offs to departments, notices and the events that record every
// change. It imports nothing outside the standard library; adapters (SQL, HTTP,
// WebSocket, SIP) live in their own packages.
package minwon

import (
	"time"
	"unicode/utf8"
)

// Version is set at build time with -ldflags.
var Version = "dev"

// TenantKind tells a city center from its districts and outsourcing clients.
type TenantKind string

const (
	TenantCity     TenantKind = "city"
	TenantDistrict TenantKind = "district"
	TenantClient   TenantKind = "client"
)

// Tenant is a center, or a district or client served by it. Sub-tenants share
// the parent's counselors; their own entry points (chat slug, dialled numbers)
// route into their own queues.
type Tenant struct {
	ID           string     `json:"id"`
	ParentID     string     `json:"parent_id,omitempty"`
	Name         string     `json:"name"`
	Kind         TenantKind `json:"kind"`
	EntryPoints  []string   `json:"entry_points"`  // chat slugs and dialled numbers, unique across the system
	DefaultQueue string     `json:"default_queue"` // queue a new contact joins when nothing else decides
	// Bot lets the self-service bot answer this tenant's Korean web chats
	// first; a citizen reaches a counselor when the bot hands over.
	Bot       bool      `json:"bot"`
	CreatedAt time.Time `json:"created_at"`
	// Salt keys the tenant's caller identities (CallerHash); generated when
	// the tenant is created, kept by tenant.salt, never shown.
	Salt Secret `json:"-"`
	// Policy is the tenant's own counselor-protection policy; nil follows
	// the parent's, or the defaults. Set by policy.updated.
	Policy *TenantPolicy `json:"-"`
	// RecordingDays is how long the tenant keeps call recordings, counted
	// from the end of the call; 0 takes the server's default.
	RecordingDays int `json:"recording_days,omitempty"`
}

// Department is a city office a matter can be handed to.
type Department struct {
	ID       string `json:"id"`
	TenantID string `json:"tenant_id"`
	Name     string `json:"name"`
	Phone    string `json:"phone,omitempty"`
	// SIPURI is where the department's phones answer a transferred call
	// (sip:user@host:port); empty: calls can't be transferred to it.
	SIPURI string `json:"sip_uri,omitempty"`
}

// Queue holds waiting contacts that need the same skills.
type Queue struct {
	ID       string   `json:"id"`
	TenantID string   `json:"tenant_id"`
	Name     string   `json:"name"`
	Skills   []string `json:"skills"`   // an agent needs all of them, e.g. "lang:en", "sign", "topic:abuse"
	Priority int      `json:"priority"` // higher is served first when an agent could take several queues
	// OverflowQueue receives contacts that waited OverflowAfter here.
	OverflowQueue string        `json:"overflow_queue,omitempty"`
	OverflowAfter time.Duration `json:"overflow_after_ns,omitempty"`
	OfferTimeout  time.Duration `json:"offer_timeout_ns"`
	// ServiceLevel is the answer threshold for the service-level figure.
	ServiceLevel time.Duration `json:"service_level_ns"`
}

// Standard skill values. Language skills are "lang:" + ISO 639-1 code.
const (
	SkillSign  = "sign"        // sign-language video
	SkillAbuse = "topic:abuse" // dedicated team for abusive callers
)

// Role is a permission set.
type Role string

const (
	RoleCounselor  Role = "counselor"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
	RoleDepartment Role = "department" // a department officer receiving hand-offs
)

// ValidRole reports whether r is one of the defined roles.
func ValidRole(r Role) bool {
	switch r {
	case RoleCounselor, RoleSupervisor, RoleAdmin, RoleDepartment:
		return true
	}
	return false
}

// User is a person who logs in. Counselors and supervisors are also agents.
type User struct {
	ID           string   `json:"id"`
	TenantID     string   `json:"tenant_id"`
	Login        string   `json:"login"`
	Name         string   `json:"name"`
	Roles        []Role   `json:"roles"`
	DepartmentID string   `json:"department_id,omitempty"`
	Skills       []string `json:"skills"`
	// Capacity per channel: how many contacts of that channel at once.
	Capacity     map[Channel]int `json:"capacity"`
	Disabled     bool            `json:"disabled"`
	PasswordHash string          `json:"-"`
	CreatedAt    time.Time       `json:"created_at"`
}

// HasRole reports whether u holds r. Admins hold every role but department.
func (u *User) HasRole(r Role) bool {
	for _, have := range u.Roles {
		if have == r || (have == RoleAdmin && r != RoleDepartment) {
			return true
		}
	}
	return false
}

// IsAgent reports whether u takes contacts: an explicit counselor role, not
// disabled. Admins may act as counselors but are not offered contacts.
func (u *User) IsAgent() bool {
	if u.Disabled {
		return false
	}
	for _, r := range u.Roles {
		if r == RoleCounselor {
			return true
		}
	}
	return false
}

// DefaultCapacity is one voice call, or up to three chats, at a time.
func DefaultCapacity() map[Channel]int {
	return map[Channel]int{ChannelVoice: 1, ChannelChat: 3, ChannelVideo: 1, ChannelSMS: 5}
}

// AgentState is what the status board shows for a counselor.
type AgentState string

const (
	AgentOffline   AgentState = "offline"
	AgentAvailable AgentState = "available"
	AgentBusy      AgentState = "busy" // handling at least one contact
	AgentACW       AgentState = "acw"  // after-contact work
	AgentBreak     AgentState = "break"
	AgentAway      AgentState = "away" // missed an offer or stepped away
)

// Break reasons a counselor picks.
var BreakReasons = []string{"meal", "rest", "training", "meeting", "coaching", "protective"}

// Channel is how a contact reaches the center.
type Channel string

const (
	ChannelChat  Channel = "chat"
	ChannelVoice Channel = "voice"
	ChannelSMS   Channel = "sms"
	ChannelVideo Channel = "video"
)

// ContactState is where a contact is in its life.
type ContactState string

const (
	ContactBot       ContactState = "bot" // the self-service bot is answering; not routed to counselors
	ContactWaiting   ContactState = "queued"
	ContactRinging   ContactState = "offered"
	ContactActive    ContactState = "active"
	ContactWrapUp    ContactState = "wrapup" // citizen gone, counselor writing up
	ContactClosed    ContactState = "closed"
	ContactAbandoned ContactState = "abandoned" // citizen left before a counselor answered
)

// Resolution says how a contact ended.
type Resolution string

const (
	ResolvedFirstContact Resolution = "resolved" // answered by the center itself
	ResolvedHandoff      Resolution = "handoff"  // passed to a department
	ResolvedBot          Resolution = "bot"      // answered by the self-service bot; no counselor needed
)

// Categories is the default civic taxonomy of the wrap-up form.
var Categories = []string{"교통", "주차", "환경", "세무", "복지", "보건", "민원서류", "주택건축", "안전", "상하수도", "문화체육", "생활", "기타"}

// Contact is one conversation between a citizen and the center, on one channel.
type Contact struct {
	ID          string       `json:"id"`
	TenantID    string       `json:"tenant_id"`
	QueueID     string       `json:"queue_id"`
	Channel     Channel      `json:"channel"`
	State       ContactState `json:"state"`
	EntryPoint  string       `json:"entry_point"`
	CitizenID   string       `json:"citizen_id"` // stable identity: salted hash of phone or chat account
	CitizenName string       `json:"citizen_name,omitempty"`
	Language    string       `json:"language"`
	Priority    int          `json:"priority"`
	AgentID     string       `json:"agent_id,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	AnsweredAt  *time.Time   `json:"answered_at,omitempty"`
	EndedAt     *time.Time   `json:"ended_at,omitempty"`
	ClosedAt    *time.Time   `json:"closed_at,omitempty"`
	// Wrap-up.
	Category     string     `json:"category,omitempty"`
	Resolution   Resolution `json:"resolution,omitempty"`
	DepartmentID string     `json:"department_id,omitempty"`
	Summary      string     `json:"summary,omitempty"`
	Memo         string     `json:"memo,omitempty"`
	// Satisfaction survey, 1..5; 0 when not answered.
	Rating        int    `json:"rating,omitempty"`
	RatingComment string `json:"rating_comment,omitempty"`
}

// CallbackStatus is where a callback task stands.
type CallbackStatus string

const (
	CallbackWaiting   CallbackStatus = "waiting"   // in the queue, no line held
	CallbackCompleted CallbackStatus = "completed" // the counselor reached the citizen
	CallbackFailed    CallbackStatus = "failed"    // no answer, wrong number, …
)

// Callback is a voice contact whose caller chose to be called back rather
// than hold: it keeps its place in the queue, and the counselor who
// accepts it calls Number.
type Callback struct {
	Number      string         `json:"number"`
	RequestedAt time.Time      `json:"requested_at"`
	Status      CallbackStatus `json:"status"`
	Notes       string         `json:"notes,omitempty"`
	// Dialled: the center placed the outbound call itself (a dialer is
	// configured); otherwise the counselor dials and reports the outcome.
	Dialled bool `json:"dialled,omitempty"`
}

// Suggestion is a knowledge-base article offered with a score (0..1): by the
// bot to a citizen choosing between two matters, or to the counselor who takes
// a contact over from the bot.
type Suggestion struct {
	ArticleID string  `json:"article_id"`
	Title     string  `json:"title"`
	Score     float64 `json:"score"`
	Snippet   string  `json:"snippet,omitempty"`
}

// Sender says who wrote a message.
type Sender string

const (
	FromCitizen Sender = "citizen"
	FromAgent   Sender = "agent"
	FromBot     Sender = "bot"
	FromSystem  Sender = "system"
	FromWhisper Sender = "whisper" // supervisor to counselor; the citizen never sees it
)

// Message is one line of a conversation.
type Message struct {
	ID        string    `json:"id"`
	ContactID string    `json:"contact_id"`
	Seq       int       `json:"seq"` // 1, 2, … within the contact; the citizen's view skips whispers
	From      Sender    `json:"from"`
	AuthorID  string    `json:"author_id,omitempty"`
	Text      string    `json:"text"`
	ClientID  string    `json:"client_id,omitempty"` // sender's idempotency key
	At        time.Time `json:"at"`
	// Masked is set on staff views of a message the protection engine
	// flagged: Text is then the masked text and IncidentID the incident to
	// reveal the original through. Never stored.
	Masked     bool   `json:"masked,omitempty"`
	IncidentID string `json:"incident_id,omitempty"`
}

// MaxMessageBytes bounds one message.
const MaxMessageBytes = 4000

// ValidateText checks text a person typed.
func ValidateText(s string, max int) error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "text is not valid UTF-8")
	}
	if len(s) > max {
		return Errorf(ETOOLARGE, "text is longer than %d bytes", max)
	}
	for _, r := range s {
		if r == 0 {
			return Errorf(EINVALID, "text contains a NUL character")
		}
	}
	return nil
}

// HandoffState tracks a department's work on a handed-off matter.
type HandoffState string

const (
	HandoffOpen     HandoffState = "open"
	HandoffAccepted HandoffState = "accepted"
	HandoffDone     HandoffState = "done"
)

// Handoff is a matter passed to a department with what was already said, so
// the citizen never explains twice.
type Handoff struct {
	ID           string       `json:"id"`
	TenantID     string       `json:"tenant_id"`
	ContactID    string       `json:"contact_id"`
	DepartmentID string       `json:"department_id"`
	Summary      string       `json:"summary"`
	Note         string       `json:"note,omitempty"`
	State        HandoffState `json:"state"`
	CreatedBy    string       `json:"created_by"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
	Reply        string       `json:"reply,omitempty"`
}

// Notice is a shift briefing or announcement on the notices board.
type Notice struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	AuthorID  string    `json:"author_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	ReadBy    []string  `json:"read_by"` // user IDs that confirmed reading
}

// Session is a logged-in browser.
type Session struct {
	TokenHash string    `json:"-"`
	UserID    string    `json:"user_id"`
	CSRF      string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}
