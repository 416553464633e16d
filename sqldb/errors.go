package sqldb

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/minwon/minwon"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// refusal maps a database error caused by the data of one event (a
// duplicate key, a missing parent row, a value the column refuses) to a
// *minwon.Error naming that event. For any other error, such as I/O or a
// lost connection, it returns nil: that error belongs to no one event.
func refusal(err error, ev *minwon.Event) *minwon.Error {
	code := ""
	var se *sqlite.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &se):
		switch c := se.Code(); {
		case c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			code = minwon.ECONFLICT
		case c == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			code = minwon.ENOTFOUND
		case c&0xff == sqlite3.SQLITE_CONSTRAINT || c == sqlite3.SQLITE_MISMATCH || c == sqlite3.SQLITE_RANGE:
			code = minwon.EINVALID
		case c == sqlite3.SQLITE_TOOBIG:
			code = minwon.ETOOLARGE
		}
	case errors.As(err, &pe):
		switch {
		case pe.Code == "23505":
			code = minwon.ECONFLICT
		case pe.Code == "23503":
			code = minwon.ENOTFOUND
		case pe.Code == "54000": // program_limit_exceeded: a value too large to index
			code = minwon.ETOOLARGE
		// Class 23 is integrity constraints, class 22 data exceptions such as
		// a NUL character or invalid UTF-8 in text, which PostgreSQL refuses.
		case len(pe.Code) == 5 && (pe.Code[:2] == "23" || pe.Code[:2] == "22"):
			code = minwon.EINVALID
		}
	}
	switch code {
	case "":
		return nil
	case minwon.ECONFLICT:
		return minwon.Errorf(code, "%s event %s conflicts with stored data (already stored?)", ev.Type, ev.ID)
	case minwon.ENOTFOUND:
		return minwon.Errorf(code, "%s event %s refers to a record that does not exist", ev.Type, ev.ID)
	case minwon.ETOOLARGE:
		return minwon.Errorf(code, "%s event %s holds a value too large to store", ev.Type, ev.ID)
	default:
		return minwon.Errorf(code, "%s event %s holds a value the store refuses", ev.Type, ev.ID)
	}
}

// notFound reports a read-model change that found no row to change.
func notFound(ev *minwon.Event, what string) *minwon.Error {
	return minwon.Errorf(minwon.ENOTFOUND, "%s event %s: %s not found", ev.Type, ev.ID, what)
}
