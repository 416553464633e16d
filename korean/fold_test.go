package korean_test

import (
	"strings"
	"testing"

	"github.com/minwon/minwon/korean"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opts korean.Options
		want string
	}{
		{"DropsSpacesAndSymbols", "여권 발급, 어디서?", 0, "여권발급어디서"},
		{"LowerCases", "KTX 예매", 0, "ktx예매"},
		{"DropsDigits", "시1발", 0, "시발"},
		{"KeepsDigitsForSearch", "18세 미만", korean.Digits, "18세미만"},
		{"ComposesJamo", "ㅆㅣㅂㅏㄹ", 0, "씨발"},
		{"ComposesJamoBeforeSyllable", "ㅇㅕ권 발급", 0, "여권발급"},
		{"SpacedWord", "씨 발", 0, "씨발"},
		{"SymbolInside", "시@발", 0, "시발"},
		{"MaskSymbol", "시*발", korean.Masks, "시*발"},
		{"MaskedSyllable", "씨X 병x 개XX", korean.Masks, "씨*병*개**"},
		{"LatinXIsAWordAwayFromHangul", "xbox x. 병", korean.Masks, "xboxx병"},
		{"MaskASpaceAway", "씨 X", korean.Masks, "씨*"},
		{"LookAlikeDigitOne", "ㅆ1발", korean.LookAlikes, "씨발"},
		{"LookAlikeLetterL", "ㅅl발", korean.LookAlikes, "시발"},
		{"LookAlikeC", "c발", korean.LookAlikes, "씨발"},
		{"LookAlikeCNotInWords", "cctv 발견", korean.LookAlikes, "cctv발견"},
		{"OneAfterSyllableIsADigit", "시1발", korean.LookAlikes, "시발"},
		{"Qwerty", "tlqkf 뭐야", korean.Qwerty, "시발뭐야"},
		{"Squeezed", "시이이발 ㅋㅋㅋㅋ", korean.Squeezed, "시발ㅋㅋ"},
		{"NotSqueezedByDefault", "시이이발", 0, "시이이발"},
		{"SpacedJamo", "ㅆ ㅣ ㅂ ㅏ ㄹ 뭐야", korean.SpacedJamo, "씨발뭐야"},
		{"SpacedJamoOffByDefault", "ㅆ ㅣ ㅂ ㅏ ㄹ", 0, "ㅆㅣㅂㅏㄹ"},
		{"SpacedInitialsStayApart", "ㅅ ㅂ", korean.SpacedJamo, "ㅅㅂ"},
		{"SpacedJamoOnlyBetweenLoneJamo", "ㅅ 아", korean.SpacedJamo, "ㅅ아"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := korean.Fold(tt.in, tt.opts).String(); got != tt.want {
				t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestFoldOffsets checks that every folded rune points back at the source
// bytes it came from, which is what lets a match mark the original text.
func TestFoldOffsets(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		opts  korean.Options
		i, j  int    // folded rune range
		quote string // the source it must point at
	}{
		{"Plain", "여권 발급", 0, 2, 4, "발급"},
		{"SpacedMatchCoversTheSpace", "야 씨 발 뭐야", 0, 1, 3, "씨 발"},
		{"ComposedJamo", "아 ㅆㅣㅂㅏㄹ", 0, 1, 3, "ㅆㅣㅂㅏㄹ"},
		{"DigitInside", "이 시1발", 0, 1, 3, "시1발"},
		{"Stretched", "씨이이이바아알 진짜", korean.Squeezed, 0, 2, "씨이이이바아알"},
		{"Qwerty", "아 tlqkf", korean.Qwerty, 1, 3, "tlqkf"},
		{"MaskedSyllable", "이 씨X", korean.Masks, 1, 3, "씨X"},
		{"NFD", "\u1112\u1161\u11ab 글", 0, 0, 1, "\u1112\u1161\u11ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := korean.Fold(tt.in, tt.opts)
			s, e := f.Span(tt.i, tt.j)
			if got := tt.in[s:e]; got != tt.quote {
				t.Errorf("Fold(%q) runes %d..%d point at %q, want %q (folded %q)", tt.in, tt.i, tt.j, got, tt.quote, f.String())
			}
		})
	}
	t.Run("EveryRuneInOrder", func(t *testing.T) {
		in := "ㅆㅣㅂㅏㄹ, 시*발!! 18세 tlqkf 개애새끼 ㅋㅋㅋ"
		for _, opts := range []korean.Options{0, korean.Digits, korean.Squeezed | korean.Masks | korean.LookAlikes, korean.Qwerty} {
			f := korean.Fold(in, opts)
			prev := 0
			for i := range f.Runes {
				if f.Start[i] < prev || f.End[i] <= f.Start[i] || f.End[i] > len(in) {
					t.Fatalf("opts %b: rune %d %q at %d..%d after %d", opts, i, f.Runes[i], f.Start[i], f.End[i], prev)
				}
				prev = f.End[i]
			}
		}
	})
}

func TestFoldGaps(t *testing.T) {
	f := korean.Fold("수박씨 발라, 시1발", 0)
	if got := f.String(); got != "수박씨발라시발" {
		t.Fatalf("folded %q", got)
	}
	tests := []struct {
		i     int
		gap   korean.Gap
		start bool
	}{
		{0, 0, true},
		{2, 0, false},
		{3, korean.GapSpace, true},
		{5, korean.GapSpace | korean.GapSymbol, true},
		{6, korean.GapDigit, false},
	}
	for _, tt := range tests {
		if f.Gaps[tt.i] != tt.gap {
			t.Errorf("gap before %d (%q) = %b, want %b", tt.i, f.Runes[tt.i], f.Gaps[tt.i], tt.gap)
		}
		if f.WordStart(tt.i) != tt.start {
			t.Errorf("WordStart(%d) = %v", tt.i, !tt.start)
		}
	}
	if !f.WordEnd(3) || f.WordEnd(2) || !f.WordEnd(f.Len()) {
		t.Error("WordEnd wrong")
	}
}

// TestFoldReuse checks that refolding into the same Text forgets the old
// text and does not allocate once warm, which the guard's hot path needs.
func TestFoldReuse(t *testing.T) {
	var f korean.Text
	f.Fold("아주 긴 문장을 먼저 한 번 접어 둡니다 "+strings.Repeat("가", 100), korean.Squeezed|korean.Masks)
	f.Fold("짧게", korean.Squeezed|korean.Masks)
	if f.String() != "짧게" || len(f.Start) != 2 {
		t.Fatalf("refold = %q", f.String())
	}
	allocs := testing.AllocsPerRun(100, func() {
		f.Fold("씨이발 진짜 뭐하는 거야 ㅋㅋㅋ", korean.Squeezed|korean.Masks|korean.LookAlikes)
	})
	if allocs != 0 {
		t.Errorf("Fold allocates %.0f times per call", allocs)
	}
}
