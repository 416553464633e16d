package korean_test

import (
	"slices"
	"testing"

	"github.com/minwon/minwon/korean"
)

func TestTrimEnding(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"DropsObjectParticle", "여권을", "여권"},
		{"DropsTopicParticle", "과태료는", "과태료"},
		{"DropsCompoundParticle", "주민센터에서는", "주민센터"},
		{"DropsLightVerbAndEnding", "신청하려면", "신청"},
		{"DropsReceiveVerbAndEnding", "발급받으려면", "발급"},
		{"DropsPoliteQuestion", "전입신고하나요", "전입신고"},
		{"DropsCopula", "등본인가요", "등본"},
		{"KeepsTwoSyllables", "나이", "나이"},
		{"KeepsShortWordEndingLikeParticle", "차도", "차도"},
		{"KeepsWordWithoutEnding", "여권", "여권"},
		{"KeepsLatin", "abc", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := korean.TrimEnding(tt.in); got != tt.want {
				t.Errorf("TrimEnding(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsFiller(t *testing.T) {
	for _, w := range []string{"어떻게", "알려주세요", "혹시", "궁금한데요", "있잖아요", "될까요"} {
		if !korean.IsFiller(w) {
			t.Errorf("IsFiller(%q) = false", w)
		}
	}
	for _, w := range []string{"여권", "과태료", ""} {
		if korean.IsFiller(w) {
			t.Errorf("IsFiller(%q) = true", w)
		}
	}
}

func TestNearSyllables(t *testing.T) {
	collect := func(f func(rune, func(rune)), r rune) []rune {
		var out []rune
		f(r, func(x rune) { out = append(out, x) })
		return out
	}
	t.Run("EachNearChangesOneJamo", func(t *testing.T) {
		got := collect(korean.EachNear, '발')
		for _, want := range []rune{'밝', '바', '벌', '팔', '받'} {
			if !slices.Contains(got, want) {
				t.Errorf("EachNear(발) lacks %q", want)
			}
		}
		if slices.Contains(got, '발') || slices.Contains(got, '급') {
			t.Errorf("EachNear(발) holds 발 or a two-jamo change")
		}
		if len(got) != 18+20+27 {
			t.Errorf("EachNear(발) gave %d syllables", len(got))
		}
		if len(collect(korean.EachNear, 'a')) != 0 {
			t.Error("EachNear(a) gave syllables")
		}
	})
	t.Run("EachWithInitialCompletesSyllable", func(t *testing.T) {
		got := collect(korean.EachWithInitial, 'ㅂ')
		if len(got) != 21*28 || !slices.Contains(got, '본') || slices.Contains(got, '돈') {
			t.Errorf("EachWithInitial(ㅂ) gave %d", len(got))
		}
		if len(collect(korean.EachWithInitial, 'ㄳ')) != 0 || len(collect(korean.EachWithInitial, 'ㅏ')) != 0 {
			t.Error("a jamo that cannot begin a syllable gave syllables")
		}
	})
	t.Run("SwapAcrossUndoesTransposition", func(t *testing.T) {
		if x, y, ok := korean.SwapAcross('박', '릅'); !ok || x != '발' || y != '급' {
			t.Errorf("SwapAcross(박, 릅) = %q %q %v", x, y, ok)
		}
		if _, _, ok := korean.SwapAcross('바', '급'); ok {
			t.Error("SwapAcross without a final ok")
		}
	})
	t.Run("IsInitialsNeedsTwoConsonants", func(t *testing.T) {
		for in, want := range map[string]bool{"ㅇㄱㅂㄱ": true, "ㅈㅁ": true, "ㅇ": false, "ㅇㄱ발급": false, "ㅠㅠ": false, "": false} {
			if got := korean.IsInitials([]rune(in)); got != want {
				t.Errorf("IsInitials(%q) = %v", in, got)
			}
		}
	})
}
