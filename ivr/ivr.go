// Package ivr is the call flow a citizen hears before a counselor answers:
// greeting, the recording notice, the language menu, queue position and
// estimated wait over hold audio, then the connection. It is a pure state
// machine: inputs (a prompt finished, a digit, a timer, the caller hung up, a
// counselor answered) go in with the time, actions (play, hold, enqueue,
// connect, hang up) come out. It knows nothing of SIP, RTP or the store; the
// sip package drives it and carries out its actions.
package ivr

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Prompt names one recorded announcement of the prompt catalogue.
type Prompt string

// The catalogue's prompts. Position and wait announcements are one prompt per
// number (PositionPrompt, WaitPrompt), so no sentence is stitched from words.
const (
	Greeting   Prompt = "greeting"    // the center's welcome
	Notice     Prompt = "notice"      // calls are recorded; always before a counselor
	Menu       Prompt = "menu"        // the language menu
	Invalid    Prompt = "invalid"     // the key pressed is not on the menu
	Queued     Prompt = "queued"      // every counselor is busy; please hold
	Connecting Prompt = "connecting"  // a counselor is taking the call
	Busy       Prompt = "busy"        // the center can't take the call now
	Goodbye    Prompt = "goodbye"     // the counselor ended the call
	Hold       Prompt = "hold"        // hold audio, looped while queued
	AfterHours Prompt = "after_hours" // the line is closed now; call again in business hours
	Lunch      Prompt = "lunch"       // the line is on its lunch break
	Holiday    Prompt = "holiday"     // the line is closed for a public holiday
	Thanks     Prompt = "thanks"      // thank you for calling (a call that ends without a counselor)

	// The callback offer: offered after the wait announcement, confirmed by
	// reading the caller's number back digit by digit (DigitPrompt).
	CallbackOffer  Prompt = "callback_offer"  // press 1 to be called back, keeping your place
	CallbackNumber Prompt = "callback_number" // we will call you back at this number:
	CallbackKeys   Prompt = "callback_keys"   // press 1 if that is right, 2 to keep waiting
	CallbackBooked Prompt = "callback_booked" // your place is kept; a counselor will call you back
)

// DigitPrompt is one spoken digit of a number read back to the caller.
func DigitPrompt(d rune) Prompt { return Prompt("digit_" + string(d)) }

// holidayPrompts names the announcement of each statutory holiday ("today
// is 추석"), played before Holiday when a line is closed for it.
var holidayPrompts = map[string]Prompt{
	"신정": "holiday_sinjeong", "설날": "holiday_seollal", "삼일절": "holiday_samiljeol",
	"부처님오신날": "holiday_buddha", "어린이날": "holiday_children", "현충일": "holiday_memorial",
	"광복절": "holiday_liberation", "추석": "holiday_chuseok", "개천절": "holiday_gaecheonjeol",
	"한글날": "holiday_hangul", "성탄절": "holiday_christmas", "대체공휴일": "holiday_substitute",
}

// HolidayPrompt returns the announcement of a holiday by its Korean name
// (설날 전날 and 다음날 count as 설날, a substitute day of any holiday as
// 대체공휴일). Extra holidays (elections, 임시공휴일) have none.
func HolidayPrompt(name string) (Prompt, bool) {
	switch {
	case strings.HasPrefix(name, "대체공휴일"):
		name = "대체공휴일"
	case name == "설날 전날" || name == "설날 다음날":
		name = "설날"
	case name == "추석 전날" || name == "추석 다음날":
		name = "추석"
	}
	p, ok := holidayPrompts[name]
	return p, ok
}

// Schedule is what the tenant's calendar and notices say about a call at
// its start; the adapter evaluates them with the center's clock and hands
// the answer in, so the machine stays pure.
type Schedule struct {
	// Closed: the line is closed now (after hours, lunch, a holiday). The
	// caller hears Closing, the notices and Thanks, and is not queued.
	Closed  bool
	Closing []Prompt
	// Notices are the situational notices active now, in playing order.
	Notices []Prompt
	// ReplaceMenu: the notices replace the language menu; the call then
	// goes to the queue in the default language, or ends when End is set.
	ReplaceMenu bool
	End         bool
	// CallbackAfter: a queued caller whose estimated wait exceeds it is
	// offered a callback; 0 never offers one.
	CallbackAfter time.Duration
	// CallbackNumber is the caller's number (caller ID), digits only; the
	// confirmation reads it back. Empty (withheld) means no offer: there is
	// no number to call.
	CallbackNumber string
}

// Plan lists the prompts a caller hears under s before the language menu,
// the queue or the end of the call: what "calling now" sounds like.
func Plan(s Schedule) []Prompt {
	out := []Prompt{Greeting}
	switch {
	case s.Closed:
		out = append(append(append(out, s.Closing...), s.Notices...), Thanks)
	case s.ReplaceMenu && s.End:
		out = append(append(out, s.Notices...), Thanks)
	case s.ReplaceMenu:
		out = append(append(out, s.Notices...), Notice)
	default:
		out = append(append(out, s.Notices...), Notice, Menu)
	}
	return out
}

// Announced positions and waits are capped: beyond them the prompt says "more
// than" rather than a number nobody needs exactly.
const (
	MaxPosition = 20
	MaxWaitMins = 30
)

// PositionPrompt is the announcement of a place in the queue: 1..MaxPosition,
// or "more than MaxPosition".
func PositionPrompt(pos int) Prompt {
	if pos > MaxPosition {
		return "position_many"
	}
	if pos < 1 {
		pos = 1
	}
	return Prompt("position_" + itoa(pos))
}

// WaitPrompt is the estimated-wait announcement in whole minutes, rounded up:
// "under a minute", 1..MaxWaitMins, or "more than MaxWaitMins minutes".
func WaitPrompt(wait time.Duration) Prompt {
	if wait < time.Minute {
		return "wait_short"
	}
	mins := int((wait + time.Minute - 1) / time.Minute)
	if mins > MaxWaitMins {
		return "wait_long"
	}
	return Prompt("wait_" + itoa(mins))
}

// The call-protection announcements the counselor's warning and ending
// buttons play (sip/protect.go). They are not the machine's, but a tenant
// records its own like any other prompt.
const (
	ProtectWarning1      Prompt = "protect_warning_1"
	ProtectWarning2      Prompt = "protect_warning_2"
	ProtectClosing       Prompt = "protect_closing"        // ended after the warnings
	ProtectClosingSexual Prompt = "protect_closing_sexual" // ended at once for sexual harassment
	ProtectClosingTime   Prompt = "protect_closing_time"   // ended under the 20-minute rule
)

// ProtectionPrompts lists the call-protection announcements.
func ProtectionPrompts() []Prompt {
	return []Prompt{ProtectWarning1, ProtectWarning2, ProtectClosing, ProtectClosingSexual, ProtectClosingTime}
}

// Recordable reports whether a tenant may replace prompt p with a recording
// of its own: any prompt of the machine or of call protection.
func Recordable(p Prompt) bool {
	return slices.Contains(AllPrompts(), p) || slices.Contains(ProtectionPrompts(), p)
}

// AllPrompts lists every prompt the machine may ask for, the set a prompt
// catalogue must hold in each language.
func AllPrompts() []Prompt {
	ps := []Prompt{Greeting, Notice, Menu, Invalid, Queued, Connecting, Busy, Goodbye, Hold, AfterHours, Lunch, Holiday, Thanks, "position_many", "wait_short", "wait_long",
		CallbackOffer, CallbackNumber, CallbackKeys, CallbackBooked}
	ps = append(ps, slices.Sorted(maps.Values(holidayPrompts))...)
	for d := '0'; d <= '9'; d++ {
		ps = append(ps, DigitPrompt(d))
	}
	for i := 1; i <= MaxPosition; i++ {
		ps = append(ps, PositionPrompt(i))
	}
	for i := 1; i <= MaxWaitMins; i++ {
		ps = append(ps, WaitPrompt(time.Duration(i)*time.Minute))
	}
	return ps
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// Option is one choice of the language menu.
type Option struct {
	Digit rune   // '1'..'9'
	Lang  string // ISO 639-1, the queue's language skill ("lang:" + Lang)
}

// Config shapes the flow. DefaultConfig is the 120 center's.
type Config struct {
	Options     []Option
	DefaultLang string        // chosen when the caller presses nothing
	MenuTimeout time.Duration // wait for a key after the menu finished playing
	MenuTries   int           // menu plays at most this often before DefaultLang is taken
	// AnnounceEvery is how often a queued caller hears the position again.
	AnnounceEvery time.Duration
}

// DefaultConfig is Korean, English, Chinese and Vietnamese, five seconds for
// a key, the menu three times, the position every 30 seconds.
func DefaultConfig() Config {
	return Config{
		Options:       []Option{{'1', "ko"}, {'2', "en"}, {'3', "zh"}, {'4', "vi"}},
		DefaultLang:   "ko",
		MenuTimeout:   5 * time.Second,
		MenuTries:     3,
		AnnounceEvery: 30 * time.Second,
	}
}

// State is where a call is in the flow.
type State string

const (
	StateGreeting   State = "greeting"
	StateAnnounce   State = "announce" // the situational notices play
	StateNotice     State = "notice"
	StateMenu       State = "menu"
	StateQueuing    State = "queuing" // waiting for the center to accept the contact
	StateQueued     State = "queued"
	StateCallback   State = "callback" // the caller's number is read back for confirmation
	StateBooking    State = "booking"  // waiting for the center to keep the contact as a callback
	StateConnecting State = "connecting"
	StateConnected  State = "connected"
	StateEnding     State = "ending" // a closing prompt plays, then the call ends
	StateDone       State = "done"
)

// InputKind says what happened.
type InputKind int

const (
	InputPlayed   InputKind = iota + 1 // the Play action with Seq finished
	InputDigit                         // the caller pressed Digit (RFC 4733 or SIP INFO)
	InputTimer                         // the deadline passed
	InputHangup                        // the caller hung up
	InputQueued                        // the center queued the contact; Position, Wait set
	InputRejected                      // the center refused the contact (busy, closing)
	InputPosition                      // the contact's place changed
	InputAnswered                      // a counselor accepted the contact
	InputEnded                         // the counselor or the center ended the contact
	InputBooked                        // the center keeps the contact as a callback (after ActCallback)
	InputRequeued                      // the counselor transferred the call back to a queue
)

// Input is one thing that happened to the call.
type Input struct {
	Kind     InputKind
	Seq      int  // InputPlayed: the Play action's Seq
	Digit    rune // InputDigit
	Position int  // InputQueued, InputPosition: 1 is next
	Wait     time.Duration
}

// ActionKind says what the adapter must do.
type ActionKind int

const (
	ActPlay    ActionKind = iota + 1 // stop what plays, play Prompts in order, report InputPlayed with Seq
	ActHold                          // loop the hold audio until the next play, connect or hang-up
	ActEnqueue                       // create the contact on the queue of Lang; report InputQueued or InputRejected
	ActConnect                       // stop the audio and bridge the caller to the counselor
	ActLeave                         // the caller left: end the contact (abandoned while queued)
	ActHangup                        // end the call
	// ActOffered reports that the caller heard the callback offer (once a call).
	ActOffered
	// ActCallback asks the center to keep the contact's place as a callback
	// to Number, with no line held; report InputBooked or InputRejected. The
	// call then ends without ActLeave: the contact is not abandoned.
	ActCallback
)

// Action is one thing the adapter must do, in order.
type Action struct {
	Kind    ActionKind
	Seq     int      // ActPlay
	Prompts []Prompt // ActPlay
	Lang    string   // ActPlay: the catalogue language; ActEnqueue: the chosen language
	Number  string   // ActCallback: the number to call back
}

// Machine is one call's flow. It is not safe for concurrent use; the adapter
// feeds it from one goroutine.
type Machine struct {
	cfg      Config
	state    State
	lang     string
	seq      int // Seq of the Play action whose end moves the flow on
	tries    int
	deadline time.Time
	pos      int
	wait     time.Duration
	contact  bool // a contact exists in the center
	sched    Schedule
	offered  bool // the callback offer was heard
	declined bool // the caller kept waiting, or the center refused the callback: no more offers
}

// New returns a machine at the start of a call.
func New(cfg Config) *Machine {
	def := DefaultConfig()
	if len(cfg.Options) == 0 {
		cfg.Options = def.Options
	}
	if cfg.DefaultLang == "" {
		cfg.DefaultLang = def.DefaultLang
	}
	if cfg.MenuTimeout <= 0 {
		cfg.MenuTimeout = def.MenuTimeout
	}
	if cfg.MenuTries <= 0 {
		cfg.MenuTries = def.MenuTries
	}
	if cfg.AnnounceEvery <= 0 {
		cfg.AnnounceEvery = def.AnnounceEvery
	}
	return &Machine{cfg: cfg, lang: cfg.DefaultLang}
}

// State returns where the call is.
func (m *Machine) State() State { return m.state }

// Lang returns the language the caller chose, or the default before a choice.
func (m *Machine) Lang() string { return m.lang }

// Deadline returns when the machine wants InputTimer, if it does.
func (m *Machine) Deadline() (time.Time, bool) {
	return m.deadline, !m.deadline.IsZero()
}

// Start begins the call with the greeting, on a line that is open with no
// notices.
func (m *Machine) Start(now time.Time) []Action { return m.StartWith(now, Schedule{}) }

// StartWith begins the call with the greeting; what follows it is decided
// by s, the line's schedule at the start of the call.
func (m *Machine) StartWith(now time.Time, s Schedule) []Action {
	m.state, m.sched = StateGreeting, s
	return []Action{m.play(Greeting)}
}

func (m *Machine) play(ps ...Prompt) Action {
	m.seq++
	return Action{Kind: ActPlay, Seq: m.seq, Prompts: ps, Lang: m.lang}
}

// Handle feeds one input and returns what to do.
func (m *Machine) Handle(now time.Time, in Input) []Action {
	if m.state == StateDone || m.state == "" {
		return nil
	}
	if in.Kind == InputHangup {
		m.state, m.deadline = StateDone, time.Time{}
		if m.contact {
			return []Action{{Kind: ActLeave}}
		}
		return nil
	}
	if in.Kind == InputPlayed && in.Seq != m.seq {
		return nil // a prompt that was cut off by a newer one
	}
	if in.Kind == InputTimer && (m.deadline.IsZero() || now.Before(m.deadline)) {
		return nil
	}
	if in.Kind == InputPosition {
		m.pos, m.wait = in.Position, in.Wait
		return nil
	}
	if in.Kind == InputEnded && m.contact {
		// The counselor hung up, or the center ended the contact.
		m.contact = false
		m.state, m.deadline = StateEnding, time.Time{}
		return []Action{m.play(Goodbye)}
	}
	if in.Kind == InputRequeued && m.contact && (m.state == StateConnecting || m.state == StateConnected) {
		// Back to waiting with hold audio; the next answer connects again.
		m.state, m.deadline = StateQueued, now.Add(m.cfg.AnnounceEvery)
		return []Action{{Kind: ActHold}}
	}
	switch m.state {
	case StateGreeting:
		if in.Kind == InputPlayed {
			s := m.sched
			switch {
			case s.Closed:
				// Nobody answers: the reason, the notices, and the end.
				m.state = StateEnding
				return []Action{m.play(append(append(append([]Prompt{}, s.Closing...), s.Notices...), Thanks)...)}
			case len(s.Notices) > 0:
				m.state = StateAnnounce
				return []Action{m.play(s.Notices...)}
			}
			m.state = StateNotice
			return []Action{m.play(Notice)}
		}
	case StateAnnounce:
		// Keys are ignored: a disaster notice must be heard.
		if in.Kind == InputPlayed {
			if m.sched.ReplaceMenu && m.sched.End {
				m.state = StateEnding
				return []Action{m.play(Thanks)}
			}
			m.state = StateNotice
			return []Action{m.play(Notice)}
		}
	case StateNotice:
		// Keys are ignored: the recording notice can't be skipped.
		if in.Kind == InputPlayed {
			if m.sched.ReplaceMenu {
				return m.choose(m.cfg.DefaultLang)
			}
			m.state, m.tries = StateMenu, 1
			return []Action{m.play(Menu)}
		}
	case StateMenu:
		return m.menu(now, in)
	case StateQueuing:
		switch in.Kind {
		case InputQueued:
			m.contact, m.state = true, StateQueued
			m.pos, m.wait = in.Position, in.Wait
			return m.announce(now, Queued)
		case InputRejected:
			m.state = StateEnding
			return []Action{m.play(Busy)}
		}
	case StateQueued:
		switch in.Kind {
		case InputPlayed:
			return []Action{{Kind: ActHold}}
		case InputTimer:
			return m.announce(now)
		case InputDigit:
			if in.Digit == '1' && m.offered && !m.declined {
				m.state, m.tries, m.deadline = StateCallback, 1, time.Time{}
				return []Action{m.readBack()}
			}
		case InputAnswered:
			return m.answered()
		}
	case StateCallback:
		return m.confirm(now, in)
	case StateBooking:
		switch in.Kind {
		case InputBooked:
			// The place is kept without the line: nothing to leave at hang-up.
			m.contact, m.state = false, StateEnding
			return []Action{m.play(CallbackBooked)}
		case InputRejected:
			m.declined, m.state = true, StateQueued
			m.deadline = now.Add(m.cfg.AnnounceEvery)
			return []Action{m.play(Queued)}
		case InputAnswered:
			return m.answered() // a counselor took the call while it was being booked
		}
	case StateConnecting:
		if in.Kind == InputPlayed {
			m.state = StateConnected
			return []Action{{Kind: ActConnect}}
		}
	case StateEnding:
		if in.Kind == InputPlayed {
			m.state = StateDone
			if m.contact {
				m.contact = false
				return []Action{{Kind: ActLeave}, {Kind: ActHangup}}
			}
			return []Action{{Kind: ActHangup}}
		}
	}
	return nil
}

func (m *Machine) answered() []Action {
	m.state, m.deadline = StateConnecting, time.Time{}
	return []Action{m.play(Connecting)}
}

// announce plays the place and the wait (after first), and the callback
// offer while the wait exceeds the tenant's threshold.
func (m *Machine) announce(now time.Time, first ...Prompt) []Action {
	m.deadline = now.Add(m.cfg.AnnounceEvery)
	ps := append(first, PositionPrompt(m.pos), WaitPrompt(m.wait))
	s := m.sched
	if m.declined || s.CallbackAfter <= 0 || s.CallbackNumber == "" || m.wait <= s.CallbackAfter {
		return []Action{m.play(ps...)}
	}
	acts := []Action{m.play(append(ps, CallbackOffer)...)}
	if !m.offered {
		m.offered = true
		acts = append(acts, Action{Kind: ActOffered})
	}
	return acts
}

// readBack plays the number a callback would go to and the keys to answer.
func (m *Machine) readBack(first ...Prompt) Action {
	ps := append(first, CallbackNumber)
	for _, d := range m.sched.CallbackNumber {
		ps = append(ps, DigitPrompt(d))
	}
	return m.play(append(ps, CallbackKeys)...)
}

// confirm handles the read-back: 1 books the callback, 2 keeps waiting on
// the line; another key or silence reads the number again, and after
// MenuTries the caller keeps waiting, the safe default.
func (m *Machine) confirm(now time.Time, in Input) []Action {
	var first []Prompt
	switch in.Kind {
	case InputPlayed:
		m.deadline = now.Add(m.cfg.MenuTimeout)
		return nil
	case InputAnswered:
		return m.answered()
	case InputDigit:
		switch in.Digit {
		case '1':
			m.state, m.deadline = StateBooking, time.Time{}
			m.seq++ // whatever plays now no longer moves the flow
			return []Action{{Kind: ActCallback, Number: m.sched.CallbackNumber}}
		case '2':
			return m.keepWaiting(now)
		}
		first = []Prompt{Invalid}
	case InputTimer:
	default:
		return nil
	}
	m.deadline = time.Time{}
	if m.tries >= m.cfg.MenuTries {
		return m.keepWaiting(now)
	}
	m.tries++
	return []Action{m.readBack(first...)}
}

func (m *Machine) keepWaiting(now time.Time) []Action {
	m.declined, m.state = true, StateQueued
	m.deadline = now.Add(m.cfg.AnnounceEvery)
	m.seq++
	return []Action{{Kind: ActHold}}
}

func (m *Machine) menu(now time.Time, in Input) []Action {
	switch in.Kind {
	case InputPlayed:
		m.deadline = now.Add(m.cfg.MenuTimeout)
	case InputDigit:
		// A key during the menu counts: callers who know it needn't wait.
		for _, o := range m.cfg.Options {
			if o.Digit == in.Digit {
				return m.choose(o.Lang)
			}
		}
		return m.retry(Invalid)
	case InputTimer:
		return m.retry()
	}
	return nil
}

// retry plays the menu again, or takes the default language once the caller
// had MenuTries chances.
func (m *Machine) retry(first ...Prompt) []Action {
	m.deadline = time.Time{}
	if m.tries >= m.cfg.MenuTries {
		return m.choose(m.cfg.DefaultLang)
	}
	m.tries++
	return []Action{m.play(append(first, Menu)...)}
}

func (m *Machine) choose(lang string) []Action {
	m.lang, m.state = lang, StateQueuing
	m.deadline = time.Time{}
	m.seq++ // whatever plays now no longer moves the flow
	return []Action{{Kind: ActEnqueue, Lang: lang}}
}
