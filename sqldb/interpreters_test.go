package sqldb_test

import (
	"testing"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/sqldb"
)

// TestInterpreters: interpreter.saved keeps the pool's read model, per
// tenant, an update replacing the row and the languages kept in order.
func TestInterpreters(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		in := minwon.Interpreter{ID: "i1", TenantID: "t1", Name: "응우옌 통역사", Languages: []string{"vi", "en"}, UserID: "nguyen"}
		bbb := minwon.Interpreter{ID: "i2", TenantID: "t1", Name: "BBB 자원봉사 통역", Languages: []string{"en", "zh", "ja"}, Address: "15885644"}
		other := minwon.Interpreter{ID: "i3", TenantID: "t2", Name: "Ivanov", Languages: []string{"ru"}, Address: "sip:ru@interp.example.org"}
		mustAppend(t, db, event(minwon.EventInterpreterSaved, 0, in, tenant("t1")), event(minwon.EventInterpreterSaved, 0, bbb, tenant("t1")),
			event(minwon.EventInterpreterSaved, 0, other, tenant("t2")))
		t.Run("ByTenant", func(t *testing.T) {
			got, err := db.Interpreters(ctx, "t1")
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, "t1's pool", got, []*minwon.Interpreter{&in, &bbb})
			all, _ := db.Interpreters(ctx, "")
			wantEqual(t, "all pools", all, []*minwon.Interpreter{&in, &bbb, &other})
		})
		t.Run("SavedAgainReplaces", func(t *testing.T) {
			off := bbb
			off.Languages, off.Disabled = []string{"zh"}, true
			mustAppend(t, db, event(minwon.EventInterpreterSaved, 0, off, tenant("t1")))
			got, _ := db.Interpreters(ctx, "t1")
			wantEqual(t, "t1's pool", got, []*minwon.Interpreter{&in, &off})
		})
		t.Run("UnknownTenantIsEmpty", func(t *testing.T) {
			got, err := db.Interpreters(ctx, "nope")
			if err != nil || got == nil || len(got) != 0 {
				t.Fatalf("pool of an unknown tenant = %#v, %v; want an empty list", got, err)
			}
		})
	})
}
