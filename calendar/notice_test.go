package calendar

import (
	"strings"
	"testing"

	"github.com/minwon/minwon"
)

func notice(id string, kind NoticeKind, from, to string) Notice {
	return Notice{ID: id, Kind: kind, Text: "안내 " + id, Start: at(from), End: at(to)}
}

func ids(ns []Notice) string {
	var s []string
	for _, n := range ns {
		s = append(s, n.ID)
	}
	return strings.Join(s, ",")
}

func TestNoticesActive(t *testing.T) {
	lunch := notice("lunch", NoticeLunch, "2026-12-02 12:00", "2026-12-02 13:00")
	moved := notice("moved", NoticeMoved, "2026-12-01 00:00", "2027-01-01 00:00")
	general := notice("general", NoticeGeneral, "2026-12-01 00:00", "2026-12-31 00:00")
	disaster := notice("typhoon", NoticeDisaster, "2026-12-02 12:30", "2026-12-03 00:00")
	disaster.ReplaceMenu = true
	ns := Notices{general, lunch, disaster, moved}
	if err := ns.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		at      string
		want    string
		replace bool
	}{
		{"NoneBeforeAny", "2026-11-30 10:00", "", false},
		{"PriorityOrder", "2026-12-02 12:10", "moved,lunch,general", false},
		{"StartInclusive", "2026-12-02 12:00", "moved,lunch,general", false},
		{"EndExclusive", "2026-12-02 13:00", "typhoon", true},
		{"DisasterOverridesAll", "2026-12-02 12:30", "typhoon", true},
		{"AfterDisaster", "2026-12-03 00:00", "moved,general", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ns.Active(at(tc.at))
			if ids(got) != tc.want || ReplacesMenu(got) != tc.replace {
				t.Errorf("Active(%s) = %s (replace %v); want %s (replace %v)", tc.at, ids(got), ReplacesMenu(got), tc.want, tc.replace)
			}
		})
	}
}

func TestNoticesValidate(t *testing.T) {
	ok := notice("a", NoticeLunch, "2026-12-02 12:00", "2026-12-02 13:00")
	for _, tc := range []struct {
		name string
		ns   Notices
		want string
	}{
		{"EndBeforeStart", Notices{notice("a", NoticeLunch, "2026-12-02 13:00", "2026-12-02 12:00")}, "is not after start"},
		{"EmptyWindow", Notices{notice("a", NoticeLunch, "2026-12-02 13:00", "2026-12-02 13:00")}, "is not after start"},
		{"TooLong", Notices{notice("a", NoticeLunch, "2026-12-02 12:00", "2026-12-04 12:00")}, "may run at most"},
		{"DisasterTooLong", Notices{notice("a", NoticeDisaster, "2026-12-02 12:00", "2027-02-02 12:00")}, "may run at most"},
		{"OverlapSameKind", Notices{ok, notice("b", NoticeLunch, "2026-12-02 12:59", "2026-12-02 14:00")}, `"b" overlaps notice "a"`},
		{"DuplicateID", Notices{ok, notice("a", NoticeMoved, "2026-12-02 12:00", "2026-12-02 13:00")}, "id used twice"},
		{"UnknownKind", Notices{notice("a", "party", "2026-12-02 12:00", "2026-12-02 13:00")}, "kind"},
		{"MissingID", Notices{notice("", NoticeLunch, "2026-12-02 12:00", "2026-12-02 13:00")}, "id is required"},
		{"NoStart", Notices{{ID: "a", Kind: NoticeLunch, Text: "x", End: at("2026-12-02 13:00")}}, "start and end are required"},
		{"TextTooLong", Notices{{ID: "a", Kind: NoticeLunch, Text: strings.Repeat("가", MaxNoticeText+1), Start: at("2026-12-02 12:00"), End: at("2026-12-02 13:00")}}, "longer than"},
		{"UnknownThen", Notices{{ID: "a", Kind: NoticeLunch, Text: "x", ReplaceMenu: true, Then: "transfer", Start: at("2026-12-02 12:00"), End: at("2026-12-02 13:00")}}, "want queue or end"},
		{"ThenWithoutReplacingTheMenu", Notices{{ID: "a", Kind: NoticeLunch, Text: "x", Then: ThenEnd, Start: at("2026-12-02 12:00"), End: at("2026-12-02 13:00")}}, "only to a notice that replaces the menu"},
		{"TextNotUTF8", Notices{{ID: "a", Kind: NoticeLunch, Text: "\xff\xfe", Start: at("2026-12-02 12:00"), End: at("2026-12-02 13:00")}}, "UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.ns.Validate()
			if minwon.ErrorCode(err) != minwon.EINVALID || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want invalid containing %q", err, tc.want)
			}
		})
	}
	t.Run("AdjacentSameKindIsFine", func(t *testing.T) {
		ns := Notices{ok, notice("b", NoticeLunch, "2026-12-02 13:00", "2026-12-02 14:00")}
		if err := ns.Validate(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("DifferentKindsMayOverlap", func(t *testing.T) {
		ns := Notices{ok, notice("d", NoticeDisaster, "2026-12-02 12:00", "2026-12-02 18:00")}
		if err := ns.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}
