package center

import (
	"testing"
	"time"

	"github.com/minwon/minwon"
)

// TestPickInterpreter: who is rung for a language, by table.
func TestPickInterpreter(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	pool := []*minwon.Interpreter{
		{ID: "bbb", TenantID: "seoul", Languages: []string{"en", "zh", "ja"}, Address: "15885644"},
		{ID: "lan", TenantID: "seoul", Languages: []string{"vi"}, UserID: "lan"},
		{ID: "mai", TenantID: "jongno", Languages: []string{"vi", "en"}, UserID: "mai"},
		{ID: "olga", TenantID: "seoul", Languages: []string{"ru"}, Address: "sip:ru@interp.example.org", Disabled: true},
		{ID: "wang", TenantID: "seoul", Languages: []string{"zh"}, UserID: "wang"},
	}
	cases := []struct {
		name     string
		lang     string
		tenants  []string
		busy     []string
		lastRung map[string]time.Time
		want     string // "" nobody
	}{
		{"OnlyOneSpeaksIt", "ja", []string{"seoul"}, nil, nil, "bbb"},
		{"NeverRungBeforeByID", "zh", []string{"seoul"}, nil, nil, "bbb"},
		{"RungLongestAgoFirst", "zh", []string{"seoul"}, nil, map[string]time.Time{"bbb": t0, "wang": t0.Add(-time.Hour)}, "wang"},
		{"NeverRungBeatsRung", "zh", []string{"seoul"}, nil, map[string]time.Time{"bbb": t0}, "wang"},
		{"SkipsOneInAConference", "zh", []string{"seoul"}, []string{"bbb"}, nil, "wang"},
		{"AllBusyIsNobody", "zh", []string{"seoul"}, []string{"bbb", "wang"}, nil, ""},
		{"SkipsTheDisabled", "ru", []string{"seoul"}, nil, nil, ""},
		{"UnknownLanguageIsNobody", "th", []string{"seoul"}, nil, nil, ""},
		{"OwnTenantBeforeTheCity", "vi", []string{"jongno", "seoul"}, nil, nil, "mai"},
		{"TheCityWhenTheDistrictHasNone", "ja", []string{"jongno", "seoul"}, nil, nil, "bbb"},
		{"TheCityWhenTheDistrictsAreBusy", "vi", []string{"jongno", "seoul"}, []string{"mai"}, nil, "lan"},
		{"NotAnotherTenantsPool", "vi", []string{"seoul"}, []string{"lan"}, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			busy := map[string]bool{}
			for _, id := range tc.busy {
				busy[id] = true
			}
			got := pickInterpreter(pool, tc.lang, tc.tenants, busy, tc.lastRung)
			if id := idOf(got); id != tc.want {
				t.Fatalf("picked %q, want %q", id, tc.want)
			}
		})
	}
}

func idOf(in *minwon.Interpreter) string {
	if in == nil {
		return ""
	}
	return in.ID
}

// TestInterpreterInput: what a pool entry may hold.
func TestInterpreterInput(t *testing.T) {
	langs := []struct {
		in   []string
		want string // the normalised list, or "!" for an error
	}{
		{[]string{"en"}, "en"},
		{[]string{" EN ", "zh", "en"}, "en,zh"},
		{nil, "!"},
		{[]string{"ko"}, "!"},
		{[]string{"english"}, "!"},
		{[]string{"e1"}, "!"},
	}
	for _, tc := range langs {
		got, err := interpreterLanguages(tc.in)
		s := "!"
		if err == nil {
			s = ""
			for i, l := range got {
				if i > 0 {
					s += ","
				}
				s += l
			}
		} else if minwon.ErrorCode(err) != minwon.EINVALID {
			t.Fatalf("languages %q: %v, want invalid", tc.in, err)
		}
		if s != tc.want {
			t.Errorf("languages %q = %q, want %q", tc.in, s, tc.want)
		}
	}
	addrs := []struct{ in, want string }{
		{"1588-5644", "15885644"},
		{"+82-2-120-1001", "021201001"},
		{"sip:bbb@interp.example.org:5060", "sip:bbb@interp.example.org:5060"},
		{"sip:bad uri@x", "!"},
		{"12", "!"},
		{"call bbb", "!"},
	}
	for _, tc := range addrs {
		got, err := interpreterAddress(tc.in)
		if err != nil {
			got = "!"
		}
		if got != tc.want {
			t.Errorf("address %q = %q (%v), want %q", tc.in, got, err, tc.want)
		}
	}
}
