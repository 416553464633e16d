package policy_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/minwon/minwon"
	"github.com/minwon/minwon/guard/policy"
)

// call is one past contact of a caller for the detector tests.
type call struct {
	gap      time.Duration // since the previous call began
	talk     time.Duration
	lines    []string
	category string
}

// replay runs the calls for one caller and returns the after-contact
// decision of each.
func replay(t *testing.T, w *world, start time.Time, calls []call) []policy.Decision {
	t.Helper()
	begin := start
	var out []policy.Decision
	for i, cl := range calls {
		begin = begin.Add(cl.gap)
		w.clock.t = begin
		c := w.open(fmt.Sprintf("h%d", i), "caller-1", minwon.ChannelVoice, "a1")
		for j, line := range cl.lines {
			w.clock.t = begin.Add(cl.talk * time.Duration(j) / time.Duration(len(cl.lines)+1))
			w.say(c, line)
		}
		w.clock.t = begin.Add(cl.talk)
		out = append(out, w.wrap(c, cl.category))
	}
	return out
}

func repeated(n int) []string {
	out := make([]string, n)
	for i := range out {
		switch i % 3 {
		case 0:
			out[i] = "내 말 좀 들어봐"
		case 1:
			out[i] = fmt.Sprintf("이야기 %d", i)
		default:
			out[i] = "내 말  좀 들어봐!!"
		}
	}
	return out
}

func distinct(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("질문 %d 있어요", i)
	}
	return out
}

func short(n int, gap time.Duration) []call {
	out := make([]call, n)
	for i := range out {
		out[i] = call{gap: gap, talk: 8 * time.Second, category: "기타"}
	}
	return out
}

// TestDetectors covers the history detectors: each row is one caller's
// contacts, and the finding (and flag) expected after the last.
func TestDetectors(t *testing.T) {
	late := time.Date(2026, 12, 1, 23, 10, 0, 0, policy.KST)
	noon := time.Date(2026, 12, 1, 12, 0, 0, 0, policy.KST)
	unrelated := func(gap time.Duration) call {
		return call{gap: gap, talk: 3 * time.Minute, lines: distinct(2), category: policy.UnrelatedCategory}
	}
	tests := []struct {
		name  string
		start time.Time
		calls []call
		want  minwon.IncidentType // "" expects no finding on the last call
		flag  bool
	}{
		{"PrankAfterFiveShortContacts", noon, short(5, 10*time.Minute), minwon.IncidentPrank, true},
		{"FourShortContactsAreNoPrank", noon, short(4, 10*time.Minute), "", false},
		{"ShortContactsSpreadOverDaysAreNoPrank", noon, short(5, 7*time.Hour), "", false},
		{"ALongLastContactIsNoPrank", noon, append(short(5, time.Minute), call{gap: time.Minute, talk: 4 * time.Minute, category: "교통"}), "", false},
		{"DrunkLongLateAndRepetitive", late, []call{{talk: 40 * time.Minute, lines: repeated(12)}}, minwon.IncidentDrunkLong, false},
		{"DrunkLongTwiceInAMonthFlags", late, []call{{talk: 40 * time.Minute, lines: repeated(12)},
			{gap: 5 * 24 * time.Hour, talk: 50 * time.Minute, lines: repeated(15)}}, minwon.IncidentDrunkLong, true},
		{"DrunkLongRunningIntoTheNight", time.Date(2026, 12, 1, 21, 40, 0, 0, policy.KST),
			[]call{{talk: 35 * time.Minute, lines: repeated(12)}}, minwon.IncidentDrunkLong, false},
		{"LongAtNoonIsNotDrunkLong", noon, []call{{talk: 40 * time.Minute, lines: repeated(12)}}, "", false},
		{"LongLateButVariedIsNotDrunkLong", late, []call{{talk: 40 * time.Minute, lines: distinct(12)}}, "", false},
		{"LateRepetitiveButShortIsNotDrunkLong", late, []call{{talk: 10 * time.Minute, lines: repeated(12)}}, "", false},
		{"ThreeUnrelatedInADay", noon, []call{unrelated(0), unrelated(time.Hour), unrelated(time.Hour)}, minwon.IncidentRepeatedUnrelated, true},
		{"TwoUnrelatedInADay", noon, []call{unrelated(0), unrelated(time.Hour)}, "", false},
		{"UnrelatedAcrossSeoulMidnight", time.Date(2026, 12, 1, 23, 0, 0, 0, policy.KST),
			[]call{unrelated(0), unrelated(50 * time.Minute), unrelated(20 * time.Minute)}, "", false},
		{"CityMattersDoNotCount", noon, []call{unrelated(0), unrelated(time.Hour),
			{gap: time.Hour, talk: 3 * time.Minute, lines: distinct(2), category: "교통"}}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, policy.DefaultConfig(), fake)
			ds := replay(t, w, tt.start, tt.calls)
			d := ds[len(ds)-1]
			if d.Type != tt.want {
				t.Fatalf("finding %q, want %q (events %v)", d.Type, tt.want, types(d.Events))
			}
			if got := has(d.Events, minwon.EventCallerFlagged) != nil; got != tt.flag {
				t.Fatalf("flagged %v, want %v", got, tt.flag)
			}
			if tt.want == "" {
				return
			}
			inc := decode[minwon.Incident](t, has(d.Events, minwon.EventIncidentOpened))
			if inc.Source != minwon.SourceHistory || inc.Type != tt.want || inc.CallerID != "caller-1" {
				t.Errorf("incident %+v", inc)
			}
			if tt.flag {
				if rt := w.eng.Route(w.reg, "caller-1"); rt.Flag == nil || rt.Flag.Type != tt.want {
					t.Errorf("routing %+v", rt)
				}
			}
		})
	}
}

func TestDrunkLongGivesABreak(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	ds := replay(t, w, time.Date(2026, 12, 2, 1, 0, 0, 0, policy.KST), []call{{talk: 45 * time.Minute, lines: repeated(12)}})
	if has(ds[0].Events, minwon.EventProtectiveBreak) == nil {
		t.Fatalf("no break after a drunk long call: %v", types(ds[0].Events))
	}
}

func TestFindingOnAContactWithAnIncidentIsAnItem(t *testing.T) {
	w := newWorld(t, policy.DefaultConfig(), fake)
	late := time.Date(2026, 12, 1, 23, 10, 0, 0, policy.KST)
	lines := append([]string{swear1}, repeated(12)...)
	ds := replay(t, w, late, []call{{talk: 40 * time.Minute, lines: lines}})
	if has(ds[0].Events, minwon.EventIncidentOpened) != nil {
		t.Fatal("a second incident for one contact")
	}
	it := decode[minwon.IncidentItem](t, has(ds[0].Events, minwon.EventIncidentItem))
	if it.Kind != minwon.ItemHistory || it.Type != minwon.IncidentDrunkLong {
		t.Fatalf("item %+v", it)
	}
	if inc := w.contacts["h0"].Incident; inc.Type != minwon.IncidentAbuse || len(inc.Items) != 2 {
		t.Fatalf("incident %s with %d items", inc.Type, len(inc.Items))
	}
	if len(w.reg.Caller("caller-1").Detected) != 1 {
		t.Fatal("the register did not note the finding")
	}
}
