package calendar

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/minwon/minwon"
)

// NoticeKind is what a situational notice is about. It sets the order in
// which active notices play.
type NoticeKind string

// Notice kinds, highest priority first.
const (
	NoticeDisaster   NoticeKind = "disaster"    // 재난 안내: overrides every other notice
	NoticeMoved      NoticeKind = "moved"       // the department moved or changed number
	NoticeAfterHours NoticeKind = "after_hours" // office closed
	NoticeLunch      NoticeKind = "lunch"       // lunch break
	NoticeGeneral    NoticeKind = "general"     // anything else
)

var noticePriority = map[NoticeKind]int{
	NoticeDisaster: 5, NoticeMoved: 4, NoticeAfterHours: 3, NoticeLunch: 2, NoticeGeneral: 1,
}

// Limits on notices. A spoken notice longer than MaxNoticeText characters
// (about a minute of speech) keeps callers from the menu; a notice meant to
// run for longer than its kind's limit is almost always a wrong end date.
const (
	MaxNoticeText = 300
	MaxNotices    = 200
)

// MaxNoticeDuration is how long a notice of each kind may run.
var MaxNoticeDuration = map[NoticeKind]time.Duration{
	NoticeDisaster:   30 * 24 * time.Hour,
	NoticeMoved:      366 * 24 * time.Hour,
	NoticeAfterHours: 31 * 24 * time.Hour,
	NoticeLunch:      24 * time.Hour,
	NoticeGeneral:    92 * 24 * time.Hour,
}

// Notice is a message a supervisor sets for a time window. The IVR plays the
// active ones before the menu, or instead of it when ReplaceMenu is set.
type Notice struct {
	ID   string     `json:"id"`
	Kind NoticeKind `json:"kind"`
	// Text is what is spoken (or the caption of Prompt).
	Text string `json:"text"`
	// Prompt optionally names a recorded announcement to play instead of
	// synthesising Text.
	Prompt      string    `json:"prompt,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	ReplaceMenu bool      `json:"replace_menu,omitempty"`
	// Then says where a call goes after a notice that replaces the menu:
	// ThenQueue (the default) or ThenEnd.
	Then string `json:"then,omitempty"`
}

// What follows a notice that replaces the menu.
const (
	ThenQueue = "queue" // on to a counselor, in the default language
	ThenEnd   = "end"   // goodbye: nobody is taking calls on this line
)

// ActiveAt reports whether t is in [Start, End).
func (n Notice) ActiveAt(t time.Time) bool { return !t.Before(n.Start) && t.Before(n.End) }

// Validate checks one notice on its own.
func (n Notice) Validate() error {
	id := n.ID
	switch {
	case strings.TrimSpace(id) == "" || !utf8.ValidString(id) || len(id) > 64:
		return minwon.Errorf(minwon.EINVALID, "notice: id is required (up to 64 bytes of UTF-8)")
	case noticePriority[n.Kind] == 0:
		return minwon.Errorf(minwon.EINVALID, "notice %q: kind %q: want disaster, moved, after_hours, lunch or general", id, n.Kind)
	case !utf8.ValidString(n.Text) || strings.TrimSpace(n.Text) == "":
		return minwon.Errorf(minwon.EINVALID, "notice %q: text is required (UTF-8)", id)
	case utf8.RuneCountInString(n.Text) > MaxNoticeText:
		return minwon.Errorf(minwon.EINVALID, "notice %q: text longer than %d characters", id, MaxNoticeText)
	case !utf8.ValidString(n.Prompt) || len(n.Prompt) > 200:
		return minwon.Errorf(minwon.EINVALID, "notice %q: prompt name too long or not UTF-8", id)
	case n.Then != "" && n.Then != ThenQueue && n.Then != ThenEnd:
		return minwon.Errorf(minwon.EINVALID, "notice %q: then %q: want queue or end", id, n.Then)
	case n.Then != "" && !n.ReplaceMenu:
		return minwon.Errorf(minwon.EINVALID, "notice %q: then applies only to a notice that replaces the menu", id)
	case n.Start.IsZero() || n.End.IsZero():
		return minwon.Errorf(minwon.EINVALID, "notice %q: start and end are required", id)
	case !n.End.After(n.Start):
		return minwon.Errorf(minwon.EINVALID, "notice %q: end %s is not after start %s", id, n.End.In(KST).Format(time.DateTime), n.Start.In(KST).Format(time.DateTime))
	case n.End.Sub(n.Start) > MaxNoticeDuration[n.Kind]:
		return minwon.Errorf(minwon.EINVALID, "notice %q: runs %s; a %s notice may run at most %s", id, n.End.Sub(n.Start).Round(time.Minute), n.Kind, MaxNoticeDuration[n.Kind])
	}
	return nil
}

// Notices is a line's set of situational notices.
type Notices []Notice

// Validate checks each notice, unique IDs, and that two notices of the same
// kind never overlap in time: which of them to play would be a guess.
// Notices of different kinds may overlap; priority decides.
func (ns Notices) Validate() error {
	if len(ns) > MaxNotices {
		return minwon.Errorf(minwon.EINVALID, "notices: more than %d", MaxNotices)
	}
	ids := map[string]bool{}
	for _, n := range ns {
		if err := n.Validate(); err != nil {
			return err
		}
		if ids[n.ID] {
			return minwon.Errorf(minwon.EINVALID, "notice %q: id used twice", n.ID)
		}
		ids[n.ID] = true
	}
	for i, a := range ns {
		for _, b := range ns[i+1:] {
			if a.Kind == b.Kind && a.Start.Before(b.End) && b.Start.Before(a.End) {
				return minwon.Errorf(minwon.EINVALID, "notice %q overlaps notice %q of the same kind %s", b.ID, a.ID, a.Kind)
			}
		}
	}
	return nil
}

// Active returns the notices to play at t, highest priority first (then by
// start). An active disaster notice overrides all others: only disaster
// notices are returned while one is active.
func (ns Notices) Active(t time.Time) []Notice {
	var out []Notice
	disaster := false
	for _, n := range ns {
		if n.ActiveAt(t) {
			out = append(out, n)
			disaster = disaster || n.Kind == NoticeDisaster
		}
	}
	if disaster {
		out = slices.DeleteFunc(out, func(n Notice) bool { return n.Kind != NoticeDisaster })
	}
	slices.SortStableFunc(out, func(a, b Notice) int {
		if c := cmp.Compare(noticePriority[b.Kind], noticePriority[a.Kind]); c != 0 {
			return c
		}
		return a.Start.Compare(b.Start)
	})
	return out
}

// ReplacesMenu reports whether any of the active notices is played instead of
// the menu.
func ReplacesMenu(active []Notice) bool {
	return slices.ContainsFunc(active, func(n Notice) bool { return n.ReplaceMenu })
}
