package center

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/kb"
)

// Knowledge-base commands. Counselors and supervisors write drafts;
// supervisors publish, reject and retire. Each command reads the article's
// head from the store under kbMu, which orders knowledge-base writes so two
// saves never claim the same version number.

func (c *Center) articleStore() (minwon.ArticleStore, error) {
	as, ok := c.store.(minwon.ArticleStore)
	if !ok {
		return nil, minwon.Errorf(minwon.EUNAVAILABLE, "this store keeps no knowledge base")
	}
	return as, nil
}

func (c *Center) kbUser(actorID string, role minwon.Role, what string) (*minwon.User, error) {
	u := c.User(actorID)
	if u == nil || u.Disabled {
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "unknown user")
	}
	if role == minwon.RoleCounselor && (u.HasRole(minwon.RoleCounselor) || u.HasRole(minwon.RoleSupervisor)) {
		return u, nil
	}
	if !u.HasRole(role) {
		return nil, minwon.Errorf(minwon.EFORBIDDEN, "only %ss %s", role, what)
	}
	return u, nil
}

// CleanArticle trims and checks an article's content: a title, a body
// within MaxArticleBody, short labels, and a validity window that ends after
// it starts. HTML in the body is kept as text; the UI never renders it.
func CleanArticle(in minwon.ArticleContent) (minwon.ArticleContent, error) {
	in.Title = strings.TrimSpace(in.Title)
	in.Body = strings.TrimSpace(in.Body)
	in.Category = strings.TrimSpace(in.Category)
	in.Department = strings.TrimSpace(in.Department)
	if in.Title == "" {
		return in, minwon.Errorf(minwon.EINVALID, "an article needs a title")
	}
	for _, f := range []struct {
		what, s string
		max     int
	}{{"title", in.Title, 600}, {"body", in.Body, minwon.MaxArticleBody}, {"category", in.Category, 200}, {"department", in.Department, 200}} {
		if err := minwon.ValidateText(f.s, f.max); err != nil {
			return in, minwon.Errorf(minwon.ErrorCode(err), "%s: %s", f.what, minwon.ErrorMessage(err))
		}
	}
	list := func(what string, vs []string, n, max int) ([]string, error) {
		out := []string{}
		for _, v := range vs {
			if v = strings.TrimSpace(v); v == "" || slices.Contains(out, v) {
				continue
			}
			if err := minwon.ValidateText(v, max); err != nil {
				return nil, minwon.Errorf(minwon.ErrorCode(err), "%s: %s", what, minwon.ErrorMessage(err))
			}
			out = append(out, v)
		}
		if len(out) > n {
			return nil, minwon.Errorf(minwon.EINVALID, "at most %d %s", n, what)
		}
		return out, nil
	}
	var err error
	if in.Tags, err = list("tags", in.Tags, 50, 200); err != nil {
		return in, err
	}
	if in.Questions, err = list("questions", in.Questions, 100, 1000); err != nil {
		return in, err
	}
	in.ValidFrom, in.ValidTo = in.ValidFrom.UTC().Truncate(time.Microsecond), in.ValidTo.UTC().Truncate(time.Microsecond)
	if !in.ValidTo.IsZero() && !in.ValidTo.After(in.ValidFrom) {
		return in, minwon.Errorf(minwon.EINVALID, "valid_to must be after valid_from")
	}
	return in, nil
}

// head returns an article's head, or nil when it does not exist.
func head(ctx context.Context, as minwon.ArticleStore, id string) (*minwon.Article, error) {
	a, err := as.Article(ctx, id)
	if minwon.ErrorCode(err) == minwon.ENOTFOUND {
		return nil, nil
	}
	return a, err
}

func (c *Center) kbCommit(ctx context.Context, evs ...*minwon.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.commit(ctx, evs)
}

func articleEvent(typ minwon.EventType, tenantID, actor string, now time.Time, data any) *minwon.Event {
	ev := minwon.NewEvent(typ, now, data)
	ev.TenantID, ev.ActorID = tenantID, actor
	return ev
}

// SaveArticle writes a new draft version of an article, creating it when id
// is new ("" picks an ID). A published version stays live until a
// supervisor publishes the draft.
func (c *Center) SaveArticle(ctx context.Context, actor, id string, content minwon.ArticleContent) (*minwon.ArticleVersion, error) {
	u, err := c.kbUser(actor, minwon.RoleCounselor, "write articles")
	if err != nil {
		return nil, err
	}
	if id == "" {
		id = minwon.NewID()
	}
	if err := checkID(id); err != nil {
		return nil, err
	}
	if content, err = CleanArticle(content); err != nil {
		return nil, err
	}
	as, err := c.articleStore()
	if err != nil {
		return nil, err
	}
	c.kbMu.Lock()
	defer c.kbMu.Unlock()
	h, err := head(ctx, as, id)
	if err != nil {
		return nil, err
	}
	now := c.cfg.Now()
	v := minwon.ArticleVersion{ArticleID: id, TenantID: u.TenantID, Version: 1, ArticleContent: content, State: minwon.ArticleDraft, AuthorID: actor, CreatedAt: now}
	if h != nil {
		v.TenantID, v.Version = h.TenantID, h.Latest+1
	}
	if err := c.kbCommit(ctx, articleEvent(minwon.EventArticleSaved, v.TenantID, actor, now, v)); err != nil {
		return nil, err
	}
	return &v, nil
}

// latestVersion returns the version of an article a decision is about: it
// must be the newest and still open (draft or pending).
func latestVersion(ctx context.Context, as minwon.ArticleStore, id string, version int) (*minwon.Article, *minwon.ArticleVersion, error) {
	h, err := as.Article(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if h.Draft == nil || h.Draft.Version != version {
		return nil, nil, minwon.Errorf(minwon.ECONFLICT, "version %d of %q is not the open draft (latest is %d)", version, id, h.Latest)
	}
	return h, h.Draft, nil
}

// lockDraft checks that actor may do what, takes the knowledge-base write
// lock and reads the open draft version; the caller runs unlock when done.
func (c *Center) lockDraft(ctx context.Context, actor string, role minwon.Role, what, id string, version int) (*minwon.Article, *minwon.ArticleVersion, func(), error) {
	if _, err := c.kbUser(actor, role, what); err != nil {
		return nil, nil, nil, err
	}
	as, err := c.articleStore()
	if err != nil {
		return nil, nil, nil, err
	}
	c.kbMu.Lock()
	h, v, err := latestVersion(ctx, as, id, version)
	if err != nil {
		c.kbMu.Unlock()
		return nil, nil, nil, err
	}
	return h, v, c.kbMu.Unlock, nil
}

// SubmitArticle asks a supervisor to review a draft.
func (c *Center) SubmitArticle(ctx context.Context, actor, id string, version int) (*minwon.ArticleVersion, error) {
	h, v, unlock, err := c.lockDraft(ctx, actor, minwon.RoleCounselor, "submit articles", id, version)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if v.State != minwon.ArticleDraft {
		return nil, minwon.Errorf(minwon.ECONFLICT, "version %d is already %s", version, v.State)
	}
	now := c.cfg.Now()
	if err := c.kbCommit(ctx, articleEvent(minwon.EventArticleSubmitted, h.TenantID, actor, now, minwon.ArticleSubmitted{ArticleID: id, Version: version})); err != nil {
		return nil, err
	}
	v.State, v.SubmittedAt = minwon.ArticlePending, now
	return v, nil
}

// ApproveArticle publishes a draft or pending version; it replaces the
// live one at once.
func (c *Center) ApproveArticle(ctx context.Context, actor, id string, version int) (*minwon.ArticleVersion, error) {
	return c.decide(ctx, actor, id, version, true, "")
}

// RejectArticle sends a version back to its writer with a reason.
func (c *Center) RejectArticle(ctx context.Context, actor, id string, version int, note string) (*minwon.ArticleVersion, error) {
	if strings.TrimSpace(note) == "" {
		return nil, minwon.Errorf(minwon.EINVALID, "a rejection needs a reason for the writer")
	}
	return c.decide(ctx, actor, id, version, false, note)
}

func (c *Center) decide(ctx context.Context, actor, id string, version int, publish bool, note string) (*minwon.ArticleVersion, error) {
	if err := minwon.ValidateText(note, 2000); err != nil {
		return nil, err
	}
	h, v, unlock, err := c.lockDraft(ctx, actor, minwon.RoleSupervisor, "approve or reject articles", id, version)
	if err != nil {
		return nil, err
	}
	defer unlock()
	now := c.cfg.Now()
	v.DecidedBy, v.DecidedAt, v.Note = actor, now, note
	d := minwon.ArticleDecided{ArticleID: id, Version: version, Note: note}
	typ := minwon.EventArticleRejected
	if publish {
		v.State, d.Published, typ = minwon.ArticlePublished, v, minwon.EventArticlePublished
	} else {
		v.State = minwon.ArticleRejected
	}
	if err := c.kbCommit(ctx, articleEvent(typ, h.TenantID, actor, now, d)); err != nil {
		return nil, err
	}
	return v, nil
}

// RetireArticle takes an article's live version out of search; its history
// stays, and a new version can bring it back.
func (c *Center) RetireArticle(ctx context.Context, actor, id, note string) error {
	if _, err := c.kbUser(actor, minwon.RoleSupervisor, "retire articles"); err != nil {
		return err
	}
	if err := minwon.ValidateText(note, 2000); err != nil {
		return err
	}
	as, err := c.articleStore()
	if err != nil {
		return err
	}
	c.kbMu.Lock()
	defer c.kbMu.Unlock()
	h, err := as.Article(ctx, id)
	if err != nil {
		return err
	}
	if h.Live == 0 {
		return minwon.Errorf(minwon.ECONFLICT, "article %q has no published version", id)
	}
	return c.kbCommit(ctx, articleEvent(minwon.EventArticleRetired, h.TenantID, actor, c.cfg.Now(), minwon.ArticleRetirement{ArticleID: id, Note: note}))
}

// ImportResult counts what an import did.
type ImportResult struct {
	Created   int  `json:"created"`
	Updated   int  `json:"updated"`   // a new version of an existing article
	Unchanged int  `json:"unchanged"` // same content as the newest version
	Published bool `json:"published"`
}

// ImportArticles saves many articles at once, all or nothing: one new draft
// version for each article whose content differs from its newest version.
// With publish, which needs a supervisor, the versions are published too:
// bulk-loading a manual the center has already approved on paper. progress,
// when set, is called after each article is checked.
func (c *Center) ImportArticles(ctx context.Context, actor string, arts []kb.Article, publish bool, progress func(done, total int)) (ImportResult, error) {
	res := ImportResult{Published: publish}
	role := minwon.RoleCounselor
	if publish {
		role = minwon.RoleSupervisor
	}
	u, err := c.kbUser(actor, role, "publish an import")
	if err != nil {
		return res, err
	}
	as, err := c.articleStore()
	if err != nil {
		return res, err
	}
	c.kbMu.Lock()
	defer c.kbMu.Unlock()
	heads, err := as.Articles(ctx, minwon.ArticleFilter{})
	if err != nil {
		return res, err
	}
	byID := make(map[string]*minwon.Article, len(heads))
	for _, h := range heads {
		byID[h.ID] = h
	}
	now := c.cfg.Now()
	var evs []*minwon.Event
	seen := map[string]bool{}
	for i, a := range arts {
		if err := checkID(a.ID); err != nil {
			return res, minwon.Errorf(minwon.EINVALID, "article %d (%q): %s", i+1, a.ID, minwon.ErrorMessage(err))
		}
		if seen[a.ID] {
			return res, minwon.Errorf(minwon.EINVALID, "article %d: id %q appears twice", i+1, a.ID)
		}
		seen[a.ID] = true
		content, err := CleanArticle(minwon.ArticleContent{Title: a.Title, Body: a.Body, Category: a.Category, Department: a.Department,
			Tags: a.Tags, Questions: a.Questions, ValidFrom: a.ValidFrom, ValidTo: a.ValidTo})
		if err != nil {
			return res, minwon.Errorf(minwon.ErrorCode(err), "article %d (%q): %s", i+1, a.ID, minwon.ErrorMessage(err))
		}
		v := minwon.ArticleVersion{ArticleID: a.ID, TenantID: u.TenantID, Version: 1, ArticleContent: content, State: minwon.ArticleDraft, AuthorID: actor, CreatedAt: now}
		if h := byID[a.ID]; h != nil {
			v.TenantID, v.Version = h.TenantID, h.Latest+1
			newest := h.Draft
			if newest == nil && h.Current != nil && h.Current.Version == h.Latest {
				newest = h.Current
			}
			if newest != nil && sameContent(&newest.ArticleContent, &content) && (!publish || newest.Version == h.Live) {
				res.Unchanged++
				if progress != nil {
					progress(i+1, len(arts))
				}
				continue
			}
			res.Updated++
		} else {
			res.Created++
		}
		evs = append(evs, articleEvent(minwon.EventArticleSaved, v.TenantID, actor, now, v))
		if publish {
			p := v
			p.State, p.DecidedBy, p.DecidedAt = minwon.ArticlePublished, actor, now
			evs = append(evs, articleEvent(minwon.EventArticlePublished, v.TenantID, actor, now,
				minwon.ArticleDecided{ArticleID: a.ID, Version: v.Version, Note: "import", Published: &p}))
		}
		if progress != nil {
			progress(i+1, len(arts))
		}
	}
	if err := c.kbCommit(ctx, evs...); err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

func sameContent(a, b *minwon.ArticleContent) bool {
	return a.Title == b.Title && a.Body == b.Body && a.Category == b.Category && a.Department == b.Department &&
		slices.Equal(a.Tags, b.Tags) && slices.Equal(a.Questions, b.Questions) && a.ValidFrom.Equal(b.ValidFrom) && a.ValidTo.Equal(b.ValidTo)
}

// MaxDictionaryEntries bounds the synonym dictionary.
const MaxDictionaryEntries = 10000

// SaveDictionary replaces the synonym dictionary; administrators only.
func (c *Center) SaveDictionary(ctx context.Context, actor string, entries map[string][]string) (map[string][]string, error) {
	u, err := c.kbUser(actor, minwon.RoleAdmin, "edit the dictionary")
	if err != nil {
		return nil, err
	}
	if len(entries) > MaxDictionaryEntries {
		return nil, minwon.Errorf(minwon.ETOOLARGE, "at most %d dictionary entries", MaxDictionaryEntries)
	}
	clean := make(map[string][]string, len(entries))
	for k, vs := range entries {
		k = strings.TrimSpace(k)
		if err := minwon.ValidateText(k, 200); err != nil || k == "" {
			return nil, minwon.Errorf(minwon.EINVALID, "dictionary word %q: a word is 1 to 200 bytes of text", k)
		}
		var out []string
		for _, v := range vs {
			v = strings.TrimSpace(v)
			if err := minwon.ValidateText(v, 200); err != nil {
				return nil, minwon.Errorf(minwon.EINVALID, "synonym of %q: %s", k, minwon.ErrorMessage(err))
			}
			if v != "" && v != k && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		if len(out) == 0 {
			return nil, minwon.Errorf(minwon.EINVALID, "dictionary word %q has no synonyms", k)
		}
		if len(out) > 50 {
			return nil, minwon.Errorf(minwon.EINVALID, "dictionary word %q: at most 50 synonyms", k)
		}
		clean[k] = out
	}
	c.kbMu.Lock()
	defer c.kbMu.Unlock()
	if err := c.kbCommit(ctx, articleEvent(minwon.EventDictionarySaved, u.TenantID, actor, c.cfg.Now(), minwon.DictionarySaved{Entries: clean})); err != nil {
		return nil, err
	}
	return clean, nil
}
