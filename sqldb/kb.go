package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/minwon/minwon"
)

var _ minwon.ArticleStore = (*DB)(nil)

var (
	// A new version supersedes the drafts before it: only the newest draft
	// can be submitted, so a reviewer never approves a stale text.
	kbSaveHead = newQuery(`INSERT INTO kb_articles (id, tenant_id, live, latest, retired, updated_at) VALUES (?, ?, 0, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET latest = excluded.latest, updated_at = excluded.updated_at`)
	kbSupersedeDrafts = newQuery(`UPDATE kb_versions SET state = 'superseded' WHERE article_id = ? AND state IN ('draft', 'pending')`)
	kbInsertVersion   = newQuery(`INSERT INTO kb_versions (article_id, version, tenant_id, title, body, category, department, tags, questions,
	valid_from, valid_to, state, author_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	kbSubmit         = newQuery(`UPDATE kb_versions SET state = 'pending', submitted_at = ? WHERE article_id = ? AND version = ?`)
	kbTouch          = newQuery(`UPDATE kb_articles SET updated_at = ? WHERE id = ?`)
	kbSupersedeLive  = newQuery(`UPDATE kb_versions SET state = 'superseded' WHERE article_id = ? AND state = 'published'`)
	kbDecide         = newQuery(`UPDATE kb_versions SET state = ?, decided_by = ?, decided_at = ?, note = ? WHERE article_id = ? AND version = ?`)
	kbPublishHead    = newQuery(`UPDATE kb_articles SET live = ?, retired = ?, published_at = ?, updated_at = ? WHERE id = ?`)
	kbRetireLive     = newQuery(`UPDATE kb_versions SET state = 'retired', decided_by = ?, decided_at = ?, note = ? WHERE article_id = ? AND state = 'published'`)
	kbRetireHead     = newQuery(`UPDATE kb_articles SET live = 0, retired = ?, updated_at = ? WHERE id = ?`)
	kbSaveDictionary = newQuery(`INSERT INTO kb_dictionary (id, entries) VALUES ('default', ?) ON CONFLICT (id) DO UPDATE SET entries = excluded.entries`)
)

// applyKB returns the read-model statements of the knowledge-base events.
func (db *DB) applyKB(ev *minwon.Event) ([]stmt, error) {
	t := db.timeArg
	switch ev.Type {
	case minwon.EventArticleSaved:
		var v minwon.ArticleVersion
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		if v.ArticleID == "" || v.Version < 1 {
			return nil, minwon.Errorf(minwon.EINVALID, "article event %s has no article ID or version", ev.ID)
		}
		return []stmt{
			{q: kbSaveHead, args: []any{v.ArticleID, or(v.TenantID, ev.TenantID), v.Version, false, t(ev.At)}},
			{q: kbSupersedeDrafts, args: []any{v.ArticleID}},
			{q: kbInsertVersion, args: []any{v.ArticleID, v.Version, or(v.TenantID, ev.TenantID), v.Title, v.Body, v.Category, v.Department,
				jsonArg(nonNil(v.Tags)), jsonArg(nonNil(v.Questions)), t(v.ValidFrom), t(v.ValidTo), string(minwon.ArticleDraft),
				or(v.AuthorID, ev.ActorID), t(or2(v.CreatedAt, ev.At))}},
		}, nil

	case minwon.EventArticleSubmitted:
		var v minwon.ArticleSubmitted
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		what := fmt.Sprintf("article %s version %d", v.ArticleID, v.Version)
		return []stmt{
			{q: kbSubmit, args: []any{t(ev.At), v.ArticleID, v.Version}, what: what},
			{q: kbTouch, args: []any{t(ev.At), v.ArticleID}},
		}, nil

	case minwon.EventArticlePublished, minwon.EventArticleRejected:
		var v minwon.ArticleDecided
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		what := fmt.Sprintf("article %s version %d", v.ArticleID, v.Version)
		if ev.Type == minwon.EventArticleRejected {
			return []stmt{
				{q: kbDecide, args: []any{string(minwon.ArticleRejected), ev.ActorID, t(ev.At), v.Note, v.ArticleID, v.Version}, what: what},
				{q: kbTouch, args: []any{t(ev.At), v.ArticleID}},
			}, nil
		}
		return []stmt{
			{q: kbSupersedeLive, args: []any{v.ArticleID}},
			{q: kbDecide, args: []any{string(minwon.ArticlePublished), ev.ActorID, t(ev.At), v.Note, v.ArticleID, v.Version}, what: what},
			{q: kbPublishHead, args: []any{v.Version, false, t(ev.At), t(ev.At), v.ArticleID}, what: "article " + v.ArticleID},
		}, nil

	case minwon.EventArticleRetired:
		var v minwon.ArticleRetirement
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		return []stmt{
			{q: kbRetireLive, args: []any{ev.ActorID, t(ev.At), v.Note, v.ArticleID}},
			{q: kbRetireHead, args: []any{true, t(ev.At), v.ArticleID}, what: "article " + v.ArticleID},
		}, nil

	case minwon.EventDictionarySaved:
		var v minwon.DictionarySaved
		if err := decode(ev, &v); err != nil {
			return nil, err
		}
		entries := v.Entries
		if entries == nil {
			entries = map[string][]string{}
		}
		return []stmt{{q: kbSaveDictionary, args: []any{jsonArg(entries)}}}, nil
	}
	return nil, nil
}

// or2 returns a, or b when a is zero.
func or2[T comparable](a, b T) T {
	var zero T
	if a != zero {
		return a
	}
	return b
}

const versionCols = `SELECT v.article_id, v.version, v.tenant_id, v.title, v.body, v.category, v.department, v.tags, v.questions,
	v.valid_from, v.valid_to, v.state, v.author_id, v.created_at, v.submitted_at, v.decided_by, v.decided_at, v.note FROM kb_versions v`

func scanVersion(rows *sql.Rows) (*minwon.ArticleVersion, error) {
	var v minwon.ArticleVersion
	err := rows.Scan(&v.ArticleID, &v.Version, &v.TenantID, &v.Title, &v.Body, &v.Category, &v.Department, jsonCol{&v.Tags}, jsonCol{&v.Questions},
		timeCol{&v.ValidFrom}, timeCol{&v.ValidTo}, &v.State, &v.AuthorID, timeCol{&v.CreatedAt}, timeCol{&v.SubmittedAt}, &v.DecidedBy,
		timeCol{&v.DecidedAt}, &v.Note)
	v.Tags, v.Questions = nonNil(v.Tags), nonNil(v.Questions)
	return &v, err
}

// Articles returns the articles matching f, most recently changed first,
// each with its current version and pending draft.
func (db *DB) Articles(ctx context.Context, f minwon.ArticleFilter) ([]*minwon.Article, error) {
	w := &where{}
	if f.TenantID != "" {
		w.add("a.tenant_id = ?", f.TenantID)
	}
	if f.Live {
		w.add("a.live > 0")
	}
	if !f.PublishedSince.IsZero() {
		w.add("a.published_at >= ?", db.timeArg(f.PublishedSince))
	}
	if !f.ChangedSince.IsZero() {
		w.add("a.updated_at >= ?", db.timeArg(f.ChangedSince))
	}
	arts, err := db.articles(ctx, w)
	if err != nil {
		return nil, err
	}
	out := arts[:0]
	for _, a := range arts {
		c := a.Current
		switch {
		case f.Category != "" && (c == nil || c.Category != f.Category):
		case f.Department != "" && (c == nil || c.Department != f.Department):
		case f.Pending && (a.Draft == nil || a.Draft.State != minwon.ArticlePending):
		default:
			out = append(out, a)
		}
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out, nil
}

// Article returns one article with its current version and draft.
func (db *DB) Article(ctx context.Context, id string) (*minwon.Article, error) {
	w := &where{}
	w.add("a.id = ?", id)
	arts, err := db.articles(ctx, w)
	return one(arts, err, "no article %q", id)
}

func (db *DB) articles(ctx context.Context, w *where) ([]*minwon.Article, error) {
	arts, err := list(ctx, db, "articles", `SELECT a.id, a.tenant_id, a.live, a.latest, a.retired, a.updated_at, a.published_at FROM kb_articles a`+
		w.String()+` ORDER BY a.updated_at DESC, a.id`, w.args, func(rows *sql.Rows) (*minwon.Article, error) {
		var a minwon.Article
		return &a, rows.Scan(&a.ID, &a.TenantID, &a.Live, &a.Latest, &a.Retired, timeCol{&a.UpdatedAt}, timeCol{&a.PublishedAt})
	})
	if err != nil || len(arts) == 0 {
		return arts, err
	}
	// One query for the versions the heads point at, rather than one per article.
	vs, err := list(ctx, db, "article versions", versionCols+` JOIN kb_articles a ON a.id = v.article_id AND (v.version = a.live OR v.version = a.latest)`+
		w.String(), w.args, scanVersion)
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]*minwon.ArticleVersion, len(vs))
	for _, v := range vs {
		byKey[fmt.Sprintf("%s\x00%d", v.ArticleID, v.Version)] = v
	}
	for _, a := range arts {
		live, latest := byKey[fmt.Sprintf("%s\x00%d", a.ID, a.Live)], byKey[fmt.Sprintf("%s\x00%d", a.ID, a.Latest)]
		a.Current = live
		if live == nil {
			a.Current = latest
		}
		if latest != nil && a.Latest > a.Live && (latest.State == minwon.ArticleDraft || latest.State == minwon.ArticlePending) {
			a.Draft = latest
		}
	}
	return arts, nil
}

// ArticleVersions returns every version of an article, newest first.
func (db *DB) ArticleVersions(ctx context.Context, id string) ([]*minwon.ArticleVersion, error) {
	return list(ctx, db, "article versions", versionCols+` WHERE v.article_id = ? ORDER BY v.version DESC`, []any{id}, scanVersion)
}

// LiveArticles returns the published version of every article that has one.
func (db *DB) LiveArticles(ctx context.Context) ([]*minwon.ArticleVersion, error) {
	return list(ctx, db, "live articles", versionCols+` JOIN kb_articles a ON a.id = v.article_id AND v.version = a.live ORDER BY v.article_id`, nil, scanVersion)
}

// Dictionary returns the synonym dictionary; empty when none was saved.
func (db *DB) Dictionary(ctx context.Context) (map[string][]string, error) {
	var raw string
	err := db.rdb.QueryRowContext(ctx, `SELECT entries FROM kb_dictionary WHERE id = 'default'`).Scan(&raw)
	out := map[string][]string{}
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	} else if err != nil {
		return nil, fmt.Errorf("read dictionary: %w", err)
	}
	if err := (jsonCol{&out}).Scan(raw); err != nil {
		return nil, fmt.Errorf("read dictionary: %w", err)
	}
	return out, nil
}
