package center

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/calendar"
	"github.com/minwon/minwon/ivr"
)

// This file holds what the IVR of each tenant consults at the start of a
// call: business hours with Korean public holidays (package calendar) and
// the situational notices supervisors set. Both are events (ivr.hours,
// ivr.notice.set, ivr.notice.removed) projected here on reload.

// IVRHours is the payload of ivr.hours: a tenant's own business hours and
// extra holidays, or nil Config to follow its parent again.
type IVRHours struct {
	Config *HoursConfig `json:"config"`
}

// HoursConfig is the calendar part an admin edits: weekly hours, breaks,
// holiday behaviour and the extra holidays (elections, 임시공휴일).
type HoursConfig struct {
	Hours         calendar.Hours      `json:"hours"`
	ExtraHolidays []calendar.ExtraDay `json:"extra_holidays,omitempty"`
	// CallbackAfterMins: a caller whose estimated wait exceeds this many
	// minutes is offered a callback; 0 offers none. Inherited with the hours.
	CallbackAfterMins int `json:"callback_after_mins,omitempty"`
}

// IVRNotice is a situational message of a tenant's IVR (ivr.notice.set),
// with the SHA-256 of its audio under the tenant's prompt folder.
type IVRNotice struct {
	calendar.Notice
	Audio string    `json:"audio_sha256"`
	SetBy string    `json:"set_by,omitempty"`
	SetAt time.Time `json:"set_at,omitzero"`
	// TenantID is the tenant that set it (a city's notice plays in its
	// districts too).
	TenantID string `json:"tenant_id,omitempty"`
}

// IVRNoticeRemoved is the payload of ivr.notice.removed.
type IVRNoticeRemoved struct {
	ID string `json:"id"`
}

// NoticeVoice turns a notice's text, or an uploaded recording, into stored
// audio and returns its SHA-256 (prompts.Voice).
type NoticeVoice interface {
	Synthesize(ctx context.Context, tenant, text string) (string, error)
	Upload(tenant string, wav []byte) (string, error)
}

type ivrState struct {
	voice   NoticeVoice
	hours   map[string]*tenantHours
	notices map[string]map[string]IVRNotice // tenant → id → notice
	prompts map[string]map[string]IVRPrompt // tenant → lang/name → recording
	seen    map[string]bool                 // IDs of the IVR events applied, so the bus's copy is not applied twice
}

// IVRPrompt is a tenant's own recording of a catalogue prompt
// (ivr.prompt.set); an empty Audio removes it, so the default plays again.
type IVRPrompt struct {
	Lang  string    `json:"lang"`
	Name  string    `json:"name"`
	Audio string    `json:"audio_sha256,omitempty"`
	SetBy string    `json:"set_by,omitempty"`
	SetAt time.Time `json:"set_at,omitzero"`
	// TenantID is the tenant whose recording it is (a district may play its city's).
	TenantID string `json:"tenant_id,omitempty"`
}

type tenantHours struct {
	cfg   HoursConfig
	cal   *calendar.Calendar
	by    string
	at    time.Time
	owner string
}

// SetNoticeVoice sets how notice audio is made; without one, notices
// cannot be set.
func (c *Center) SetNoticeVoice(v NoticeVoice) {
	c.mu.Lock()
	c.ivr.voice = v
	c.mu.Unlock()
}

// alwaysOpen is the calendar of a tenant with no hours anywhere in its
// family: a 120 line, open around the clock.
var alwaysOpen, _ = calendar.New(calendar.Config{Hours: calendar.AlwaysOpen()})

// reloadIVR rebuilds the hours and notices from their events. They change a
// few times a year, so the whole history is read. Callers hold c.mu.
func (c *Center) reloadIVR(ctx context.Context) error {
	c.ivr.hours = map[string]*tenantHours{}
	c.ivr.notices = map[string]map[string]IVRNotice{}
	c.ivr.prompts = map[string]map[string]IVRPrompt{}
	c.ivr.seen = map[string]bool{}
	evs, err := c.store.Events(ctx, minwon.EventFilter{Types: []minwon.EventType{minwon.EventIVRHours, minwon.EventIVRNoticeSet, minwon.EventIVRNoticeRemoved, minwon.EventIVRPromptSet}})
	if err != nil {
		return fmt.Errorf("load IVR hours and notices: %w", err)
	}
	for _, ev := range evs {
		if err := c.applyIVR(ev); err != nil {
			// Stored events were validated; one that no longer is (a newer
			// rule) must not stop the center.
			c.log.Error("skip IVR event", "tenant", ev.TenantID, "event", ev.ID, "err", err)
		}
	}
	return nil
}

// isIVREvent reports whether the IVR projection consumes events of type t.
func isIVREvent(t minwon.EventType) bool {
	switch t {
	case minwon.EventIVRHours, minwon.EventIVRNoticeSet, minwon.EventIVRNoticeRemoved, minwon.EventIVRPromptSet:
		return true
	}
	return false
}

// ApplyIVREvent brings an IVR change made on another node into this node's
// memory; subscribe it to the bus. Events this node made itself, or loaded,
// are skipped.
func (c *Center) ApplyIVREvent(ev *minwon.Event) {
	if !isIVREvent(ev.Type) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ivr.seen == nil || c.ivr.seen[ev.ID] {
		return // not loaded yet: the load reads it from the store
	}
	if err := c.applyIVR(ev); err != nil {
		c.log.Error("apply IVR event from the bus", "tenant", ev.TenantID, "event", ev.ID, "err", err)
	}
}

// applyIVR applies one IVR event to memory. Callers hold c.mu.
func (c *Center) applyIVR(ev *minwon.Event) error {
	c.ivr.seen[ev.ID] = true
	switch ev.Type {
	case minwon.EventIVRHours:
		var p IVRHours
		if err := ev.Decode(&p); err != nil {
			return err
		}
		if p.Config == nil {
			delete(c.ivr.hours, ev.TenantID)
			return nil
		}
		cal, err := calendar.New(calendar.Config{Hours: p.Config.Hours, ExtraHolidays: p.Config.ExtraHolidays})
		if err != nil {
			return err
		}
		c.ivr.hours[ev.TenantID] = &tenantHours{cfg: *p.Config, cal: cal, by: ev.ActorID, at: ev.At, owner: ev.TenantID}
	case minwon.EventIVRNoticeSet:
		var n IVRNotice
		if err := ev.Decode(&n); err != nil {
			return err
		}
		m := c.ivr.notices[ev.TenantID]
		if m == nil {
			m = map[string]IVRNotice{}
			c.ivr.notices[ev.TenantID] = m
		}
		m[n.ID] = n
	case minwon.EventIVRNoticeRemoved:
		var p IVRNoticeRemoved
		if err := ev.Decode(&p); err != nil {
			return err
		}
		delete(c.ivr.notices[ev.TenantID], p.ID)
	case minwon.EventIVRPromptSet:
		var p IVRPrompt
		if err := ev.Decode(&p); err != nil {
			return err
		}
		key := p.Lang + "/" + p.Name
		if p.Audio == "" {
			delete(c.ivr.prompts[ev.TenantID], key)
			return nil
		}
		m := c.ivr.prompts[ev.TenantID]
		if m == nil {
			m = map[string]IVRPrompt{}
			c.ivr.prompts[ev.TenantID] = m
		}
		m[key] = p
	}
	return nil
}

// hoursOf returns the hours that apply to tenant id: its own, else the
// nearest ancestor's (a district follows its city), else always open.
// Callers hold c.mu.
func (c *Center) hoursOf(id string) *tenantHours {
	t := c.tenants[id]
	for i := 0; i < 8 && t != nil; i++ {
		if h := c.ivr.hours[t.ID]; h != nil {
			return h
		}
		t = c.tenants[t.ParentID]
	}
	return nil
}

// activeNoticesOf returns the notices active at at on tenant id's lines:
// its own and its ancestors' (a city's disaster notice reaches every
// district), in a fixed order. Callers hold c.mu.
func (c *Center) activeNoticesOf(id string, at time.Time) []IVRNotice {
	var out []IVRNotice
	t := c.tenants[id]
	for i := 0; i < 8 && t != nil; i++ {
		for _, n := range c.ivr.notices[t.ID] {
			if n.ActiveAt(at) {
				out = append(out, n)
			}
		}
		t = c.tenants[t.ParentID]
	}
	slices.SortFunc(out, func(a, b IVRNotice) int {
		return cmp.Or(strings.Compare(a.TenantID, b.TenantID), strings.Compare(a.ID, b.ID))
	})
	return out
}

// ivrTenant checks that user may act on tenant id's IVR: an admin, or a
// supervisor of the tenant or of its parent; hours are written by admins
// only. Another tenant's IVR is not found rather than forbidden.
// Callers hold c.mu.
func (c *Center) ivrTenant(userID, id string, adminOnly bool) (*minwon.Tenant, error) {
	u, t, err := c.tenantStaff(userID, id)
	if err != nil {
		return nil, err
	}
	switch {
	case u.HasRole(minwon.RoleAdmin):
	case !supervises(u, t):
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no tenant %q", id)
	case adminOnly:
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "only admins change business hours")
	}
	if t == nil {
		return nil, minwon.Errorf(minwon.ENOTFOUND, "no tenant %q", id)
	}
	return t, nil
}

// HoursView is a tenant's business hours as the editor shows them.
type HoursView struct {
	TenantID string       `json:"tenant_id"`
	Source   PolicySource `json:"source"` // own, inherited, or default (always open)
	From     string       `json:"from,omitempty"`
	Config   HoursConfig  `json:"config"`
	// UpdatedBy and UpdatedAt come from the ivr.hours event that set them.
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

func (c *Center) hoursView(t *minwon.Tenant) *HoursView {
	h := c.hoursOf(t.ID)
	v := &HoursView{TenantID: t.ID, Source: PolicyDefault, Config: HoursConfig{Hours: calendar.AlwaysOpen()}}
	if h != nil {
		v.Source, v.Config, v.UpdatedBy, v.UpdatedAt = PolicyOwn, h.cfg, h.by, h.at
		if h.owner != t.ID {
			v.Source, v.From = PolicyInherited, h.owner
		}
	}
	return v
}

// Hours returns the business hours that apply to a tenant and where they
// come from, to an admin or the tenant's supervisors.
func (c *Center) Hours(userID, tenantID string) (*HoursView, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, err := c.ivrTenant(userID, tenantID, false)
	if err != nil {
		return nil, err
	}
	return c.hoursView(t), nil
}

// SetHours stores an admin's business hours for a tenant as an ivr.hours
// event; nil cfg removes the tenant's own, so it follows its parent again.
// An invalid calendar is an EINVALID error naming the field.
func (c *Center) SetHours(ctx context.Context, userID, tenantID string, cfg *HoursConfig) (*HoursView, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.ivrTenant(userID, tenantID, true)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		if err := cfg.Hours.Validate(); err != nil {
			return nil, minwon.FieldErrorf("hours", "%s", minwon.ErrorMessage(err))
		}
		if _, err := calendar.NewHolidays(cfg.ExtraHolidays); err != nil {
			return nil, minwon.FieldErrorf("extra_holidays", "%s", minwon.ErrorMessage(err))
		}
		if cfg.CallbackAfterMins < 0 || cfg.CallbackAfterMins > MaxCallbackAfter {
			return nil, minwon.FieldErrorf("callback_after_mins", "%d: want 0 (no callback offer) to %d minutes", cfg.CallbackAfterMins, MaxCallbackAfter)
		}
	}
	ev := minwon.NewEvent(minwon.EventIVRHours, c.cfg.Now(), IVRHours{Config: cfg})
	ev.TenantID, ev.ActorID = t.ID, userID
	if err := c.applyIVR(ev); err != nil {
		return nil, err
	}
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return nil, err
	}
	if cur := c.tenants[t.ID]; cur != nil {
		return c.hoursView(cur), nil
	}
	return nil, minwon.Errorf(minwon.ENOTFOUND, "no tenant %q", t.ID)
}

// IVRNotices returns a tenant's own notices, past ones included until
// removed, ordered by start.
func (c *Center) IVRNotices(userID, tenantID string) ([]IVRNotice, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, err := c.ivrTenant(userID, tenantID, false)
	if err != nil {
		return nil, err
	}
	out := slices.Collect(maps.Values(c.ivr.notices[t.ID]))
	slices.SortFunc(out, func(a, b IVRNotice) int {
		if d := a.Start.Compare(b.Start); d != 0 {
			return d
		}
		return strings.Compare(a.ID, b.ID)
	})
	if out == nil {
		out = []IVRNotice{}
	}
	return out, nil
}

// NoticeRequest is a supervisor's situational notice: the calendar notice
// (its ID is generated when empty) and, where the server cannot synthesize
// speech, an uploaded WAV of it.
type NoticeRequest struct {
	calendar.Notice
	WAV []byte `json:"wav,omitempty"`
}

// SetIVRNotice stores a supervisor's notice as ivr.notice.set, after making
// its audio: the uploaded WAV, else the text spoken by the Korean voice. A
// notice with an existing ID replaces it. It is refused when it would make
// the tenant's notices invalid (same-kind overlap, too long a run).
func (c *Center) SetIVRNotice(ctx context.Context, userID, tenantID string, req NoticeRequest) (*IVRNotice, error) {
	n := req.Notice
	if n.ID == "" {
		n.ID = minwon.NewID()
	}
	n.Text = strings.TrimSpace(n.Text)
	n.Start, n.End = n.Start.UTC(), n.End.UTC()
	check := func() (*minwon.Tenant, error) {
		t, err := c.ivrTenant(userID, tenantID, false)
		if err != nil {
			return nil, err
		}
		if err := n.Validate(); err != nil {
			return nil, noticeField(err)
		}
		var all calendar.Notices
		for id, o := range c.ivr.notices[t.ID] {
			if id != n.ID {
				all = append(all, o.Notice)
			}
		}
		if err := append(all, n).Validate(); err != nil {
			return nil, noticeField(err)
		}
		if c.ivr.voice == nil {
			return nil, minwon.Errorf(minwon.EUNAVAILABLE, "this server keeps no notice audio (no data directory)")
		}
		return t, nil
	}
	c.mu.RLock()
	t, err := check()
	voice := c.ivr.voice
	c.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	// The audio is made outside the lock: synthesis takes a second or two.
	var sha string
	if len(req.WAV) > 0 {
		sha, err = voice.Upload(t.ID, req.WAV)
	} else {
		sha, err = voice.Synthesize(ctx, t.ID, n.Text)
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, err = check(); err != nil { // another supervisor may have set one meanwhile
		return nil, err
	}
	now := c.cfg.Now()
	in := IVRNotice{Notice: n, Audio: sha, SetBy: userID, SetAt: now.UTC().Truncate(time.Microsecond), TenantID: t.ID}
	ev := minwon.NewEvent(minwon.EventIVRNoticeSet, now, in)
	ev.TenantID, ev.ActorID = t.ID, userID
	if err := c.applyIVR(ev); err != nil {
		return nil, err
	}
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return nil, err
	}
	return &in, nil
}

// noticeField turns a calendar validation error into one naming the field
// at fault, for the form: calendar's messages read `notice "ID": WHAT ...`.
func noticeField(err error) error {
	msg := minwon.ErrorMessage(err)
	_, what, _ := strings.Cut(msg, "\": ")
	field := "notice"
	for _, f := range []struct{ prefix, field string }{
		{"kind", "kind"}, {"text", "text"}, {"prompt", "text"}, {"then", "then"},
		{"start and end", "start"}, {"end", "end"}, {"runs", "end"},
	} {
		if strings.HasPrefix(what, f.prefix) {
			field = f.field
			break
		}
	}
	switch {
	case strings.HasPrefix(msg, "notice: id"):
		field = "id"
	case strings.Contains(msg, " overlaps notice "):
		field = "start"
	}
	return minwon.FieldErrorf(field, "%s", msg)
}

// RemoveIVRNotice removes a tenant's notice (ivr.notice.removed); it stops
// playing at once.
func (c *Center) RemoveIVRNotice(ctx context.Context, userID, tenantID, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.ivrTenant(userID, tenantID, false)
	if err != nil {
		return err
	}
	if _, ok := c.ivr.notices[t.ID][id]; !ok {
		return minwon.Errorf(minwon.ENOTFOUND, "no notice %q", id)
	}
	ev := minwon.NewEvent(minwon.EventIVRNoticeRemoved, c.cfg.Now(), IVRNoticeRemoved{ID: id})
	ev.TenantID, ev.ActorID = t.ID, userID
	if err := c.applyIVR(ev); err != nil {
		return err
	}
	return c.commit(ctx, []*minwon.Event{ev})
}

// HoursStatus is whether a tenant's line is open at a time, and what a
// caller would hear.
type HoursStatus struct {
	TenantID string       `json:"tenant_id"`
	At       time.Time    `json:"at"`
	Open     bool         `json:"open"`
	Why      calendar.Why `json:"why"`
	Holiday  string       `json:"holiday,omitempty"`
	// NextChange is when the line next opens or closes; absent for a line
	// that never changes (always open).
	NextChange *time.Time `json:"next_change,omitempty"`
	// Notices are the situational notices active then, in playing order.
	Notices []IVRNotice `json:"notices"`
	// Schedule is what the IVR is handed at the start of a call then.
	Schedule ivr.Schedule `json:"-"`
}

// HoursStatusAt evaluates a tenant's hours and notices at a time (zero: the
// center's now), for an admin or the tenant's supervisors.
func (c *Center) HoursStatusAt(userID, tenantID string, at time.Time) (*HoursStatus, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, err := c.ivrTenant(userID, tenantID, false)
	if err != nil {
		return nil, err
	}
	if at.IsZero() {
		at = c.cfg.Now()
	}
	return c.hoursStatus(t, at, true), nil
}

// CallSchedule is what the IVR of a call to number consults at its start,
// evaluated with the center's clock.
func (c *Center) CallSchedule(number string) (ivr.Schedule, string, bool) {
	t, _, ok := c.TenantByNumber(number)
	if !ok {
		return ivr.Schedule{}, "", false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	st := c.hoursStatus(t, c.cfg.Now(), false)
	if h := c.hoursOf(t.ID); h != nil {
		st.Schedule.CallbackAfter = time.Duration(h.cfg.CallbackAfterMins) * time.Minute
	}
	return st.Schedule, t.ID, true
}

// NoticePrompt is the IVR prompt name of a notice's audio; the SIP edge
// resolves it with ParseNoticePrompt.
func NoticePrompt(tenantID, sha string) ivr.Prompt {
	return ivr.Prompt("notice:" + tenantID + "/" + sha)
}

// ParseNoticePrompt splits a NoticePrompt into tenant and SHA-256.
func ParseNoticePrompt(p ivr.Prompt) (tenant, sha string, ok bool) {
	rest, ok := strings.CutPrefix(string(p), "notice:")
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, "/")
}

// hoursStatus evaluates t's calendar and notices at at; next also finds
// when the line next opens or closes, which a call does not need.
// Callers hold c.mu.
func (c *Center) hoursStatus(t *minwon.Tenant, at time.Time, next bool) *HoursStatus {
	cal := alwaysOpen
	if h := c.hoursOf(t.ID); h != nil {
		cal = h.cal
	}
	open, why := cal.Open(at)
	st := &HoursStatus{TenantID: t.ID, At: at, Open: open, Why: why, Holiday: why.Holiday, Notices: []IVRNotice{}}
	if next {
		if nc, ok := cal.NextChange(at); ok {
			st.NextChange = &nc
		}
	}
	all := c.activeNoticesOf(t.ID, at)
	byID := map[string]IVRNotice{}
	var ns calendar.Notices
	for _, n := range all {
		// IDs are unique per tenant; a city's and a district's may clash.
		key := n.TenantID + "/" + n.ID
		byID[key] = n
		cn := n.Notice
		cn.ID = key
		ns = append(ns, cn)
	}
	sch := ivr.Schedule{Closed: !open}
	for _, cn := range ns.Active(at) {
		n := byID[cn.ID]
		st.Notices = append(st.Notices, n)
		sch.Notices = append(sch.Notices, NoticePrompt(n.TenantID, n.Audio))
		if n.ReplaceMenu && !sch.ReplaceMenu {
			sch.ReplaceMenu, sch.End = true, n.Then == calendar.ThenEnd
		}
	}
	if !open {
		switch why.Code {
		case calendar.WhyHoliday:
			if p, ok := ivr.HolidayPrompt(why.Holiday); ok {
				sch.Closing = append(sch.Closing, p)
			}
			sch.Closing = append(sch.Closing, ivr.Holiday)
		case calendar.WhyBreak:
			sch.Closing = append(sch.Closing, ivr.Lunch)
		default:
			sch.Closing = append(sch.Closing, ivr.AfterHours)
		}
	}
	st.Schedule = sch
	return st
}

// Holidays lists the public holidays of a year; with a tenant, its extra
// holidays (and its parent's, when it follows them) are included.
func (c *Center) Holidays(userID, tenantID string, year int) ([]calendar.Holiday, error) {
	if year < calendar.MinYear || year > calendar.MaxYear {
		return nil, minwon.FieldErrorf("year", "%d: want a year from %d to %d", year, calendar.MinYear, calendar.MaxYear)
	}
	cal := alwaysOpen
	if tenantID != "" {
		c.mu.RLock()
		t, err := c.ivrTenant(userID, tenantID, false)
		if err == nil {
			if h := c.hoursOf(t.ID); h != nil {
				cal = h.cal
			}
		}
		c.mu.RUnlock()
		if err != nil {
			return nil, err
		}
	}
	hs, err := cal.Holidays().Year(year)
	if err != nil {
		return nil, err
	}
	if hs == nil {
		hs = []calendar.Holiday{}
	}
	return hs, nil
}

// promptLangs are the catalogue's languages a tenant may record prompts in.
var promptLangs = []string{"ko", "en"}

// IVRPrompts lists a tenant's own recordings of catalogue prompts.
func (c *Center) IVRPrompts(userID, tenantID string) ([]IVRPrompt, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, err := c.ivrTenant(userID, tenantID, false)
	if err != nil {
		return nil, err
	}
	out := []IVRPrompt{}
	for _, k := range slices.Sorted(maps.Keys(c.ivr.prompts[t.ID])) {
		out = append(out, c.ivr.prompts[t.ID][k])
	}
	return out, nil
}

// SetIVRPrompt stores an admin's recording (WAV, 8 kHz mono 16-bit) of one
// catalogue prompt for a tenant and its districts; nil wav removes it.
func (c *Center) SetIVRPrompt(ctx context.Context, userID, tenantID, lang, name string, wav []byte) (*IVRPrompt, error) {
	check := func() (*minwon.Tenant, error) {
		t, err := c.ivrTenant(userID, tenantID, true)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(promptLangs, lang) {
			return nil, minwon.FieldErrorf("lang", "%q: want one of %s", lang, strings.Join(promptLangs, ", "))
		}
		if !ivr.Recordable(ivr.Prompt(name)) {
			return nil, minwon.FieldErrorf("name", "%q is not a prompt of the catalogue", name)
		}
		if _, own := c.ivr.prompts[t.ID][lang+"/"+name]; wav == nil && !own {
			return nil, minwon.Errorf(minwon.ENOTFOUND, "%s has no recording of %s/%s", t.Name, lang, name)
		}
		if c.ivr.voice == nil && wav != nil {
			return nil, minwon.Errorf(minwon.EUNAVAILABLE, "this server keeps no prompt audio (no data directory)")
		}
		return t, nil
	}
	c.mu.RLock()
	t, err := check()
	voice := c.ivr.voice
	c.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	var sha string
	if wav != nil {
		if sha, err = voice.Upload(t.ID, wav); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, err = check(); err != nil {
		return nil, err
	}
	now := c.cfg.Now()
	p := IVRPrompt{Lang: lang, Name: name, Audio: sha, SetBy: userID, SetAt: now.UTC().Truncate(time.Microsecond), TenantID: t.ID}
	ev := minwon.NewEvent(minwon.EventIVRPromptSet, now, p)
	ev.TenantID, ev.ActorID = t.ID, userID
	if err := c.applyIVR(ev); err != nil {
		return nil, err
	}
	if err := c.commit(ctx, []*minwon.Event{ev}); err != nil {
		return nil, err
	}
	return &p, nil
}

// TenantPrompt returns the recording that replaces a catalogue prompt on
// tenant id's lines: its own, else the nearest ancestor's. The SIP edge
// plays it from the owner's prompt folder.
func (c *Center) TenantPrompt(tenantID, lang string, name ivr.Prompt) (owner, sha string, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t := c.tenants[tenantID]
	for i := 0; i < 8 && t != nil; i++ {
		if p, ok := c.ivr.prompts[t.ID][lang+"/"+string(name)]; ok {
			return t.ID, p.Audio, true
		}
		t = c.tenants[t.ParentID]
	}
	return "", "", false
}
