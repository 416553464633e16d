package minwon

import (
	"context"
	"time"
)

// ArticleState is where one version of a knowledge-base article stands.
type ArticleState string

// Article version states. A version is written as a draft, submitted for
// review, and published or rejected by a supervisor. Publishing a version
// supersedes the one that was live; retiring takes the live one down.
const (
	ArticleDraft      ArticleState = "draft"
	ArticlePending    ArticleState = "pending" // submitted, waiting for a supervisor
	ArticlePublished  ArticleState = "published"
	ArticleRejected   ArticleState = "rejected"
	ArticleSuperseded ArticleState = "superseded" // replaced by a later version
	ArticleRetired    ArticleState = "retired"
)

// ArticleContent is what counselors read: the fields of a knowledge-base
// article that change from version to version.
type ArticleContent struct {
	Title      string   `json:"title"`
	Body       string   `json:"body"` // plain text in the spoken style; never HTML
	Category   string   `json:"category"`
	Department string   `json:"department"` // name of the department responsible for the matter
	Tags       []string `json:"tags"`
	Questions  []string `json:"questions"` // the ways citizens ask
	// ValidFrom and ValidTo bound when the article is in force (a fee that
	// changes on 1 July); zero means unbounded. ValidTo is exclusive.
	ValidFrom time.Time `json:"valid_from,omitzero"`
	ValidTo   time.Time `json:"valid_to,omitzero"`
}

// ValidAt reports whether the content is in force at t.
func (c *ArticleContent) ValidAt(t time.Time) bool {
	return (c.ValidFrom.IsZero() || !t.Before(c.ValidFrom)) && (c.ValidTo.IsZero() || t.Before(c.ValidTo))
}

// ArticleVersion is one saved version of an article, with who wrote it and
// who decided on it.
type ArticleVersion struct {
	ArticleID string `json:"article_id"`
	TenantID  string `json:"tenant_id"`
	Version   int    `json:"version"` // 1, 2, … within the article
	ArticleContent
	State       ArticleState `json:"state"`
	AuthorID    string       `json:"author_id"`
	CreatedAt   time.Time    `json:"created_at"`
	SubmittedAt time.Time    `json:"submitted_at,omitzero"`
	DecidedBy   string       `json:"decided_by,omitempty"` // the supervisor who published or rejected it
	DecidedAt   time.Time    `json:"decided_at,omitzero"`
	Note        string       `json:"note,omitempty"` // reason for a rejection or retirement
}

// Article is the head of an article's history: which version is live and
// which is the newest.
type Article struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id"`
	Live      int       `json:"live_version"`   // published version in force; 0 when none
	Latest    int       `json:"latest_version"` // newest version, perhaps a draft
	Retired   bool      `json:"retired"`
	UpdatedAt time.Time `json:"updated_at"` // last change of any kind
	// PublishedAt is when the live version was published: what counselors
	// are briefed on as "changed today".
	PublishedAt time.Time `json:"published_at,omitzero"`
	// Current is the live version, or the latest when none is live.
	Current *ArticleVersion `json:"current"`
	// Draft is the latest version when it is a draft or pending and newer
	// than the live one.
	Draft *ArticleVersion `json:"draft,omitempty"`
}

// ArticleFilter selects articles; zero fields match everything.
type ArticleFilter struct {
	TenantID   string
	Category   string
	Department string
	// Live only: articles with a published version.
	Live bool
	// Pending only: articles with a version waiting for approval.
	Pending bool
	// PublishedSince selects articles whose live version was published at
	// or after it (the counselors' "changed today").
	PublishedSince time.Time
	// ChangedSince selects articles changed in any way at or after it.
	ChangedSince time.Time
	Limit        int
}

// MaxArticleBody bounds an article's body; a manual page read out on the
// phone is far shorter.
const MaxArticleBody = 100_000

// Payloads of the knowledge-base events.
type (
	// ArticleSubmitted asks a supervisor to review a version.
	ArticleSubmitted struct {
		ArticleID string `json:"article_id"`
		Version   int    `json:"version"`
	}
	// ArticleDecided publishes or rejects a version. A published event
	// carries the version's content so that search indexes on every node
	// apply it from the bus without reading tables.
	ArticleDecided struct {
		ArticleID string          `json:"article_id"`
		Version   int             `json:"version"`
		Note      string          `json:"note,omitempty"`
		Published *ArticleVersion `json:"published,omitempty"`
	}
	// ArticleRetirement takes an article's live version out of service.
	ArticleRetirement struct {
		ArticleID string `json:"article_id"`
		Note      string `json:"note,omitempty"`
	}
	// DictionarySaved replaces the synonym dictionary search expands
	// queries with: a citizen's word → the words the articles use.
	DictionarySaved struct {
		Entries map[string][]string `json:"entries"`
	}
)

// ArticleStore reads the knowledge base's read models. It is a separate
// interface from Store so that stores without a knowledge base keep working.
type ArticleStore interface {
	Articles(ctx context.Context, f ArticleFilter) ([]*Article, error)
	Article(ctx context.Context, id string) (*Article, error) // ENOTFOUND when absent
	// ArticleVersions returns an article's versions, newest first.
	ArticleVersions(ctx context.Context, id string) ([]*ArticleVersion, error)
	// LiveArticles returns the published version of every article that has
	// one, valid or not: the search index applies the validity window.
	LiveArticles(ctx context.Context) ([]*ArticleVersion, error)
	Dictionary(ctx context.Context) (map[string][]string, error)
}
