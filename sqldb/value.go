package sqldb

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// query is one SQL statement in both dialects. Statements are written once,
// with ? placeholders, and rebound to $n for PostgreSQL when the package
// loads, so both backends run the same SQL text apart from placeholders.
type query struct{ sqlite, pg string }

func newQuery(s string) *query { return &query{sqlite: s, pg: rebind(s)} }

func (q *query) text(d Dialect) string {
	if d == Postgres {
		return q.pg
	}
	return q.sqlite
}

// rebind turns ? placeholders into $1, $2, … outside quoted literals.
func rebind(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	n, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (db *DB) rebind(s string) string {
	if db.dialect == Postgres {
		return rebind(s)
	}
	return s
}

// timeArg converts a time for storage: microseconds since the epoch on
// SQLite, a UTC time.Time cut to microseconds on PostgreSQL, whose
// TIMESTAMPTZ keeps no more. Both keep the same instant, so a filter gives
// the same answer on either. The zero time is stored as NULL.
func (db *DB) timeArg(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if db.dialect == Postgres {
		return t.UTC().Truncate(time.Microsecond)
	}
	return t.UnixMicro()
}

func (db *DB) timePtrArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return db.timeArg(*t)
}

// timeCol scans a time column of either dialect; NULL is the zero time.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMicro(v).UTC()
	case time.Time:
		*c.t = v.UTC()
	default:
		return fmt.Errorf("scan time from %T", src)
	}
	return nil
}

// timePtrCol scans a nullable time column; NULL is nil.
type timePtrCol struct{ t **time.Time }

func (c timePtrCol) Scan(src any) error {
	if src == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(src); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// jsonArg encodes a list or map column. Lists and maps are small and only
// ever read whole, so a JSON text column beats a side table.
func jsonArg(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sqldb: marshal %T: %v", v, err)) // only slices and maps of strings and ints reach here
	}
	return string(b)
}

// jsonCol scans a JSON text column into v.
type jsonCol struct{ v any }

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch s := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(s)
	case []byte:
		b = s
	default:
		return fmt.Errorf("scan JSON from %T", src)
	}
	return json.Unmarshal(b, c.v)
}

// placeholders returns "?, ?, …" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
