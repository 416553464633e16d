package sqldb_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
	"github.com/minwon/minwon/sqldb"
)

// incidentEvents is a small history: kim's abuse incident raised to a threat,
// warned twice, ended, in a legal case, noted and confirmed; lee's sexual
// harassment a day later; and another tenant's incident.
func incidentEvents() []*minwon.Event {
	ev := func(typ minwon.EventType, d time.Duration, data any, ag string) *minwon.Event {
		return event(typ, d, data, tenant("city"), contact("c-"+ag), agent(ag))
	}
	a := &minwon.Incident{ID: "inc-a", TenantID: "city", ContactID: "c-kim", CallerID: "caller-1", AgentID: "kim",
		Channel: minwon.ChannelChat, Type: minwon.IncidentAbuse, Source: minwon.SourceGuard, OpenedAt: at(0)}
	b := &minwon.Incident{ID: "inc-b", TenantID: "city", ContactID: "c-lee", CallerID: "caller-2", AgentID: "lee",
		Channel: minwon.ChannelChat, Type: minwon.IncidentSexual, Source: minwon.SourceGuard, OpenedAt: at(24 * time.Hour)}
	o := &minwon.Incident{ID: "inc-o", TenantID: "gu", ContactID: "c-o", CallerID: "caller-3", AgentID: "park",
		Channel: minwon.ChannelChat, Type: minwon.IncidentAbuse, Source: minwon.SourceGuard, OpenedAt: at(time.Hour)}
	other := event(minwon.EventIncidentOpened, time.Hour, o, tenant("gu"), contact("c-o"))
	return []*minwon.Event{
		ev(minwon.EventIncidentOpened, 0, a, "kim"),
		ev(minwon.EventIncidentItem, 0, &minwon.IncidentItem{IncidentID: "inc-a", Kind: minwon.ItemMessage, MessageID: "m1",
			Type: minwon.IncidentAbuse, Label: "abuse", Score: 0.9, Text: "ㅅㅂ", Masked: "●●", Spans: []minwon.Span{{Start: 0, End: 6}}, At: at(0)}, "kim"),
		ev(minwon.EventIncidentWarned, 0, &minwon.IncidentWarned{IncidentID: "inc-a", N: 1, Type: minwon.IncidentAbuse, By: minwon.FromSystem, Script: "경고 1", At: at(0)}, "kim"),
		other,
		ev(minwon.EventIncidentItem, time.Minute, &minwon.IncidentItem{IncidentID: "inc-a", Kind: minwon.ItemMessage, MessageID: "m2",
			Type: minwon.IncidentThreat, Label: "threat", Score: 0.8, Text: "가만 안 둬",
			Recording: &minwon.RecordingRef{Name: "rec-kim", Start: 52 * time.Second, End: 58 * time.Second}, At: at(time.Minute)}, "kim"),
		ev(minwon.EventIncidentWarned, time.Minute, &minwon.IncidentWarned{IncidentID: "inc-a", N: 2, Type: minwon.IncidentThreat, By: minwon.FromAgent, Script: "경고 2",
			Recording: &minwon.RecordingRef{Name: "rec-kim", Start: 30 * time.Second, End: 75 * time.Second}, At: at(time.Minute)}, "kim"),
		// A later, less severe offence does not lower the type.
		ev(minwon.EventIncidentEnded, 2*time.Minute, &minwon.IncidentEnded{IncidentID: "inc-a", Type: minwon.IncidentAbuse, By: minwon.FromSystem,
			Reason: "warnings", Script: "종료", Recording: &minwon.RecordingRef{Name: "rec-kim", Start: 90 * time.Second, End: 135 * time.Second}, At: at(2 * time.Minute)}, "kim"),
		ev(minwon.EventStrikeRecorded, 2*time.Minute, &minwon.Strike{CallerID: "caller-1", Type: minwon.IncidentThreat, IncidentID: "inc-a", ContactID: "c-kim", At: at(2 * time.Minute)}, "kim"),
		ev(minwon.EventCaseOpened, 2*time.Minute, &minwon.LegalCase{ID: "case-1", TenantID: "city", CallerID: "caller-1", Type: minwon.IncidentThreat,
			IncidentIDs: []string{"inc-a"}, State: minwon.CaseOpen, OpenedAt: at(2 * time.Minute)}, "kim"),
		ev(minwon.EventIncidentAction, 3*time.Minute, &minwon.IncidentAction{IncidentID: "inc-a", Kind: minwon.ActionNote, ActorID: "kim", Note: "협박이 무서웠습니다", At: at(3 * time.Minute)}, "kim"),
		ev(minwon.EventIncidentOpened, 24*time.Hour, b, "lee"),
		ev(minwon.EventIncidentReviewed, 25*time.Hour, &minwon.IncidentReview{IncidentID: "inc-a", Verdict: minwon.ReviewConfirmed, ActorID: "sup", Reason: "확인", At: at(25 * time.Hour)}, "kim"),
		ev(minwon.EventIncidentReviewed, 26*time.Hour, &minwon.IncidentReview{IncidentID: "inc-b", Verdict: minwon.ReviewDismissed, ActorID: "sup", Reason: "오탐", At: at(26 * time.Hour)}, "lee"),
	}
}

func ids(incs []*minwon.Incident) []string {
	out := []string{}
	for _, inc := range incs {
		out = append(out, inc.ID)
	}
	return out
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantSameAsProjection checks the store gives every incident exactly as the
// center's in-memory projection builds it from the same events.
func wantSameAsProjection(t *testing.T, db *sqldb.DB, evs []*minwon.Event) {
	t.Helper()
	p := policy.NewIncidents()
	if err := p.Apply(evs...); err != nil {
		t.Fatal(err)
	}
	for _, tenant := range []string{"city", "gu"} {
		for _, want := range p.List(tenant) {
			got, err := db.Incident(ctx, want.ID)
			if err != nil {
				t.Fatalf("incident %s: %v", want.ID, err)
			}
			if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
				t.Fatalf("incident %s from the store:\n%s\nfrom the projection:\n%s", want.ID, g, w)
			}
		}
	}
}

func TestIncidentReadModel(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		evs := incidentEvents()
		mustAppend(t, db, evs...)
		t.Run("MatchesTheProjection", func(t *testing.T) { wantSameAsProjection(t, db, evs) })
		t.Run("TypeRisesToTheMostSevere", func(t *testing.T) {
			inc, err := db.Incident(ctx, "inc-a")
			if err != nil {
				t.Fatal(err)
			}
			if inc.Type != minwon.IncidentThreat || len(inc.Items) != 2 || len(inc.Warnings) != 2 || inc.Ended == nil ||
				len(inc.Actions) != 1 || inc.Status() != minwon.StatusConfirmed {
				t.Fatalf("incident = %s", jsonOf(t, inc))
			}
		})
		kst := policy.KST
		day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, kst) }
		cases := []struct {
			name  string
			q     minwon.IncidentQuery
			want  []string
			total int
		}{
			{"AllNewestFirst", minwon.IncidentQuery{TenantID: "city"}, []string{"inc-b", "inc-a"}, 2},
			{"OtherTenant", minwon.IncidentQuery{TenantID: "gu"}, []string{"inc-o"}, 1},
			{"ByCounselor", minwon.IncidentQuery{TenantID: "city", AgentID: "kim"}, []string{"inc-a"}, 1},
			{"ByRaisedType", minwon.IncidentQuery{TenantID: "city", Type: minwon.IncidentThreat}, []string{"inc-a"}, 1},
			{"NotByOpeningType", minwon.IncidentQuery{TenantID: "city", Type: minwon.IncidentAbuse}, []string{}, 0},
			{"Confirmed", minwon.IncidentQuery{TenantID: "city", Status: minwon.StatusConfirmed}, []string{"inc-a"}, 1},
			{"Dismissed", minwon.IncidentQuery{TenantID: "city", Status: minwon.StatusDismissed}, []string{"inc-b"}, 1},
			{"OpenNone", minwon.IncidentQuery{TenantID: "city", Status: minwon.StatusOpen}, []string{}, 0},
			// base is 18:00 KST on 1 March; lee's is 18:00 on 2 March.
			{"SeoulDay", minwon.IncidentQuery{TenantID: "city", From: day(2025, 3, 2), To: day(2025, 3, 3)}, []string{"inc-b"}, 1},
			{"FromInclusive", minwon.IncidentQuery{TenantID: "city", From: at(0)}, []string{"inc-b", "inc-a"}, 2},
			{"ToExclusive", minwon.IncidentQuery{TenantID: "city", To: at(0)}, []string{}, 0},
			{"FirstPage", minwon.IncidentQuery{TenantID: "city", Limit: 1}, []string{"inc-b"}, 2},
			{"SecondPage", minwon.IncidentQuery{TenantID: "city", Limit: 1, Offset: 1}, []string{"inc-a"}, 2},
			{"PastTheEnd", minwon.IncidentQuery{TenantID: "city", Limit: 1, Offset: 2}, []string{}, 2},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := db.Incidents(ctx, tc.q)
				if err != nil {
					t.Fatal(err)
				}
				wantEqual(t, "incidents", ids(got), tc.want)
				if total != tc.total {
					t.Fatalf("total = %d, want %d", total, tc.total)
				}
			})
		}
		t.Run("KeepsTheRecordingSegments", func(t *testing.T) {
			inc, err := db.Incident(ctx, "inc-a")
			if err != nil {
				t.Fatal(err)
			}
			want := func(what string, r *minwon.RecordingRef, start, end time.Duration) {
				if r == nil || r.Name != "rec-kim" || r.Start != start || r.End != end {
					t.Fatalf("%s: recording reference %+v", what, r)
				}
			}
			want("item", inc.Items[1].Recording, 52*time.Second, 58*time.Second)
			want("warning", inc.Warnings[1].Recording, 30*time.Second, 75*time.Second)
			want("end", inc.Ended.Recording, 90*time.Second, 135*time.Second)
			if inc.Warnings[0].Recording != nil {
				t.Fatalf("a reference from nowhere: %+v", inc.Warnings[0].Recording)
			}
		})
		t.Run("ListCarriesTheFullRecord", func(t *testing.T) {
			got, _, err := db.Incidents(ctx, minwon.IncidentQuery{TenantID: "city", AgentID: "kim"})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || len(got[0].Warnings) != 2 || got[0].Review == nil {
				t.Fatalf("list = %s", jsonOf(t, got))
			}
		})
		t.Run("RefusesBadQueries", func(t *testing.T) {
			_, _, err := db.Incidents(ctx, minwon.IncidentQuery{})
			wantCode(t, err, minwon.EINVALID)
			_, _, err = db.Incidents(ctx, minwon.IncidentQuery{TenantID: "city", Status: "closed"})
			wantCode(t, err, minwon.EINVALID)
			_, _, err = db.Incidents(ctx, minwon.IncidentQuery{TenantID: "city", Offset: -1})
			wantCode(t, err, minwon.EINVALID)
			_, err = db.Incident(ctx, "nope")
			wantCode(t, err, minwon.ENOTFOUND)
		})
		t.Run("RefusesAnEventForAnUnknownIncident", func(t *testing.T) {
			err := db.Append(ctx, event(minwon.EventIncidentAction, time.Hour, &minwon.IncidentAction{IncidentID: "ghost", Kind: minwon.ActionNote, ActorID: "kim", Note: "x"}, tenant("city")))
			wantCode(t, err, minwon.ENOTFOUND)
			err = db.Append(ctx, event(minwon.EventIncidentReviewed, time.Hour, &minwon.IncidentReview{IncidentID: "inc-a", Verdict: "maybe"}, tenant("city")))
			wantCode(t, err, minwon.EINVALID)
		})
	})
}

// A database that stored incident events before the read model existed gets
// them in the table when it migrates.
func TestIncidentReadModelFilledByMigration(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *sqldb.DB) {
		if err := sqldb.MigrateDownTo(ctx, db, 3); err != nil {
			t.Fatal(err)
		}
		evs := incidentEvents()
		if err := sqldb.InsertEventsOnly(ctx, db, evs...); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		wantSameAsProjection(t, db, evs)
		got, total, err := db.Incidents(ctx, minwon.IncidentQuery{TenantID: "city", Type: minwon.IncidentThreat, Status: minwon.StatusConfirmed})
		if err != nil {
			t.Fatal(err)
		}
		if total != 1 || len(got) != 1 || got[0].ID != "inc-a" {
			t.Fatalf("after the migration: %d %v", total, ids(got))
		}
		// New events go on from the filled rows.
		mustAppend(t, db, event(minwon.EventIncidentAction, 30*time.Hour, &minwon.IncidentAction{IncidentID: "inc-b", Kind: minwon.ActionNote, ActorID: "lee", Note: "메모"}, tenant("city")))
		inc, err := db.Incident(ctx, "inc-b")
		if err != nil || len(inc.Actions) != 1 {
			t.Fatalf("append after the migration: %v %+v", err, inc)
		}
	})
}

// BenchmarkIncidentList reads one page of a busy year: 10,000 incidents of
// 40 counselors over 365 days, filtered by counselor and a month, with the
// total, as the supervisors' page asks.
func BenchmarkIncidentList(b *testing.B) {
	forEachBackendB(b, func(b *testing.B, db *sqldb.DB) {
		const n = 10_000
		evs := make([]*minwon.Event, 0, 2000)
		for i := range n {
			id, ag := fmt.Sprintf("inc-%05d", i), fmt.Sprintf("a%02d", i%40)
			d := 365 * 24 * time.Hour / n * time.Duration(i)
			inc := &minwon.Incident{ID: id, TenantID: "city", ContactID: "c-" + id, CallerID: "caller", AgentID: ag,
				Channel: minwon.ChannelChat, Type: minwon.IncidentAbuse, Source: minwon.SourceGuard, OpenedAt: at(d)}
			evs = append(evs, event(minwon.EventIncidentOpened, d, inc, tenant("city")),
				event(minwon.EventIncidentItem, d, &minwon.IncidentItem{IncidentID: id, Kind: minwon.ItemMessage, Type: minwon.IncidentAbuse, Score: 0.9, Text: benchText, At: at(d)}, tenant("city")),
				event(minwon.EventIncidentWarned, d, &minwon.IncidentWarned{IncidentID: id, N: 1, Type: minwon.IncidentAbuse, By: minwon.FromSystem, Script: "경고", At: at(d)}, tenant("city")))
			if len(evs) >= 1500 {
				mustAppend(b, db, evs...)
				evs = evs[:0]
			}
		}
		mustAppend(b, db, evs...)
		q := minwon.IncidentQuery{TenantID: "city", AgentID: "a07", From: at(180 * 24 * time.Hour), To: at(211 * 24 * time.Hour), Limit: 50}
		b.ResetTimer()
		for b.Loop() {
			incs, total, err := db.Incidents(ctx, q)
			if err != nil || total == 0 || len(incs) == 0 {
				b.Fatalf("%v %d %d", err, total, len(incs))
			}
		}
	})
}
