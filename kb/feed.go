package kb

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minwon/minwon"
)

// Feed keeps an Index in step with the knowledge base: it loads the
// published articles and the dictionary once, then follows the bus. Only
// articles in force at the feed's clock are searchable; Refresh re-checks
// the validity windows, so an article valid from 1 July appears at midnight
// without anyone touching it.
type Feed struct {
	index *Index
	now   func() time.Time

	// kick wakes Run to rebuild; while Run runs, Apply leaves the rebuild to
	// it, so a bulk import of thousands of articles costs a few rebuilds
	// rather than one per article.
	kick    chan struct{}
	running atomic.Bool

	mu    sync.Mutex
	live  map[string]Article // published version of each article, valid or not
	shown map[string]bool    // IDs in the index now
	dirty map[string]bool    // IDs whose live version changed since the index last saw them
	full  bool               // the next refresh rebuilds the whole index
}

// replaceAbove is the number of changes at which a refresh rebuilds the
// index whole instead of saving articles one by one: a bulk import of a new
// manual is cheaper as one build than as thousands of incremental saves.
const replaceAbove = 512

// NewFeed returns a feed that maintains index, judging validity by now.
func NewFeed(index *Index, now func() time.Time) *Feed {
	if now == nil {
		now = time.Now
	}
	return &Feed{index: index, now: now, live: map[string]Article{}, shown: map[string]bool{}, dirty: map[string]bool{}, kick: make(chan struct{}, 1)}
}

// Index returns the index the feed maintains.
func (f *Feed) Index() *Index { return f.index }

// FromVersion is the searchable form of a published article version.
func FromVersion(v *minwon.ArticleVersion) Article {
	return Article{ID: v.ArticleID, Title: v.Title, Body: v.Body, Category: v.Category, Department: v.Department,
		Tags: slices.Clone(v.Tags), Questions: slices.Clone(v.Questions), UpdatedAt: v.DecidedAt, ValidFrom: v.ValidFrom, ValidTo: v.ValidTo}
}

// Load reads the published articles and the dictionary from the store and
// builds the index. Subscribe Apply to the bus before calling it, so no
// event falls between the two.
func (f *Feed) Load(ctx context.Context, store minwon.ArticleStore) error {
	vs, err := store.LiveArticles(ctx)
	if err != nil {
		return fmt.Errorf("load articles: %w", err)
	}
	d, err := store.Dictionary(ctx)
	if err != nil {
		return fmt.Errorf("load dictionary: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, v := range vs {
		if _, ok := f.live[v.ArticleID]; !ok { // an event already applied is newer
			f.live[v.ArticleID] = FromVersion(v)
		}
	}
	if f.index.Dictionary() == nil {
		f.index.SetDictionary(d)
	}
	f.full = true
	f.refreshLocked()
	return nil
}

// Apply follows one event from the bus.
func (f *Feed) Apply(ev *minwon.Event) {
	switch ev.Type {
	case minwon.EventArticlePublished:
		var d minwon.ArticleDecided
		if ev.Decode(&d) != nil || d.Published == nil {
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		f.live[d.ArticleID] = FromVersion(d.Published)
		f.changed(d.ArticleID)
	case minwon.EventArticleRetired:
		var r minwon.ArticleRetirement
		if ev.Decode(&r) != nil {
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.live, r.ArticleID)
		f.changed(r.ArticleID)
	case minwon.EventDictionarySaved:
		var d minwon.DictionarySaved
		if ev.Decode(&d) == nil {
			f.index.SetDictionary(d.Entries)
		}
	}
}

// changed marks an article for the next refresh and refreshes now, or has
// Run do it soon. Callers hold f.mu.
func (f *Feed) changed(id string) {
	f.dirty[id] = true
	if !f.running.Load() {
		f.refreshLocked()
		return
	}
	select {
	case f.kick <- struct{}{}:
	default: // a rebuild is already due; it will include this change
	}
}

// Refresh re-checks the validity windows at the feed's clock and rebuilds
// the index when the set of articles in force changed.
func (f *Feed) Refresh() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshLocked()
}

func (f *Feed) refreshLocked() {
	now := f.now()
	want := make(map[string]bool, len(f.live))
	for id, a := range f.live {
		if a.validAt(now) {
			want[id] = true
		}
	}
	var upsert, remove []string
	for id := range want {
		if !f.shown[id] || f.dirty[id] {
			upsert = append(upsert, id)
		}
	}
	for id := range f.shown {
		if !want[id] {
			remove = append(remove, id)
		}
	}
	clear(f.dirty)
	if len(upsert)+len(remove) > replaceAbove {
		f.full = true
	}
	if f.full {
		ids := make([]string, 0, len(want))
		for id := range want {
			ids = append(ids, id)
		}
		slices.Sort(ids) // a stable order keeps tie-breaking in search stable
		arts := make([]Article, len(ids))
		for i, id := range ids {
			arts[i] = f.live[id]
		}
		f.index.Replace(arts)
		f.shown, f.full = want, false
		return
	}
	slices.Sort(upsert)
	for _, id := range upsert {
		f.index.Upsert(f.live[id])
		f.shown[id] = true
	}
	for _, id := range remove {
		f.index.Remove(id)
		delete(f.shown, id)
	}
}

func (a *Article) validAt(t time.Time) bool {
	return (a.ValidFrom.IsZero() || !t.Before(a.ValidFrom)) && (a.ValidTo.IsZero() || t.Before(a.ValidTo))
}

// NextChange returns the next validity boundary after the feed's clock, when
// an article enters or leaves the index.
func (f *Feed) NextChange() (time.Time, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	var next time.Time
	for _, a := range f.live {
		for _, t := range []time.Time{a.ValidFrom, a.ValidTo} {
			if t.After(now) && (next.IsZero() || t.Before(next)) {
				next = t
			}
		}
	}
	return next, !next.IsZero()
}

// Run refreshes the index at each validity boundary until ctx ends, and
// rebuilds it after published or retired articles, coalescing a burst of
// them. It wakes at least every maxWait, so a wall clock that jumps is
// caught up.
func (f *Feed) Run(ctx context.Context, maxWait time.Duration) {
	f.running.Store(true)
	defer f.running.Store(false)
	for {
		wait := maxWait
		if next, ok := f.NextChange(); ok {
			wait = min(wait, max(next.Sub(f.now()), time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
			f.Refresh()
		case <-f.kick:
			t.Stop()
			f.Refresh()
		}
	}
}

// Live returns the published articles the feed knows, in force or not, by
// ID; for export and the bot's offline tools.
func (f *Feed) Live() []Article {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Article, 0, len(f.live))
	for _, a := range f.live {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Article) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// FromStore reads the articles to export from the store: "live" (or
// "") for the published versions, "latest" for the newest of each.
func FromStore(ctx context.Context, as minwon.ArticleStore, which string) ([]Article, error) {
	var vs []*minwon.ArticleVersion
	switch which {
	case "", "live":
		live, err := as.LiveArticles(ctx)
		if err != nil {
			return nil, err
		}
		vs = live
	case "latest":
		heads, err := as.Articles(ctx, minwon.ArticleFilter{})
		if err != nil {
			return nil, err
		}
		for _, h := range heads {
			if h.Draft != nil {
				vs = append(vs, h.Draft)
			} else if h.Current != nil {
				vs = append(vs, h.Current)
			}
		}
	default:
		return nil, minwon.Errorf(minwon.EINVALID, "which is live or latest")
	}
	out := make([]Article, len(vs))
	for i, v := range vs {
		out[i] = FromVersion(v)
		out[i].UpdatedAt = time.Time{}
	}
	return out, nil
}
