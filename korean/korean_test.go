package korean_test

import (
	"testing"

	"github.com/minwon/minwon/korean"
)

func TestSplitJoin(t *testing.T) {
	tests := []struct {
		syl            rune
		init, vow, fin rune
	}{
		{'가', 'ㄱ', 'ㅏ', 0},
		{'씨', 'ㅆ', 'ㅣ', 0},
		{'발', 'ㅂ', 'ㅏ', 'ㄹ'},
		{'괜', 'ㄱ', 'ㅙ', 'ㄴ'},
		{'닭', 'ㄷ', 'ㅏ', 'ㄺ'},
		{'힣', 'ㅎ', 'ㅣ', 'ㅎ'},
		{'없', 'ㅇ', 'ㅓ', 'ㅄ'},
	}
	for _, tt := range tests {
		l, v, f, ok := korean.Split(tt.syl)
		if !ok || l != tt.init || v != tt.vow || f != tt.fin {
			t.Errorf("Split(%q) = %q %q %q %v", tt.syl, l, v, f, ok)
		}
		if got, ok := korean.Join(tt.init, tt.vow, tt.fin); !ok || got != tt.syl {
			t.Errorf("Join(%q, %q, %q) = %q, %v; want %q", tt.init, tt.vow, tt.fin, got, ok, tt.syl)
		}
	}
	t.Run("RejectsNonSyllables", func(t *testing.T) {
		for _, r := range []rune{'a', 'ㄱ', '1', ' ', '漢'} {
			if _, _, _, ok := korean.Split(r); ok {
				t.Errorf("Split(%q) ok", r)
			}
		}
	})
	t.Run("RejectsImpossibleJamo", func(t *testing.T) {
		for _, c := range [][3]rune{{'ㅏ', 'ㅏ', 0}, {'ㄱ', 'ㄱ', 0}, {'ㄳ', 'ㅏ', 0}, {'ㄱ', 'ㅏ', 'ㄸ'}, {'ㄱ', 'ㅏ', 'ㅏ'}, {'a', 'ㅏ', 0}} {
			if r, ok := korean.Join(c[0], c[1], c[2]); ok {
				t.Errorf("Join(%q) = %q", c, r)
			}
		}
	})
}

func TestCompose(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"CompatibilityJamo", "ㅆㅣㅂㅏㄹ", "씨발"},
		{"FinalBeforeConsonant", "ㅂㅕㅇㅅㅣㄴ", "병신"},
		{"FinalMovesToNextSyllable", "ㄱㅏㄱㅏ", "가가"},
		{"CompoundVowel", "ㄱㅗㅐㄴㅊㅏㄶㅇㅏ", "괜찮아"},
		{"FinalClusterTyped", "ㄷㅏㄹㄱ", "닭"},
		{"FinalClusterTypedApart", "ㅇㅓㅂㅅㄷㅏ", "없다"},
		{"ClusterSplitsBeforeVowel", "ㄷㅏㄹㄱㅇㅣ", "닭이"},
		{"ConjoiningNFD", "\u1112\u1161\u11ab\u1100\u1173\u11af", "한글"},
		{"ConjoiningFinalAfterPrecomposed", "하\u11ab", "한"},
		{"KeepsInitialsAlone", "ㅅㅂ ㅂㅅ ㅋㅋㅋ", "ㅅㅂ ㅂㅅ ㅋㅋㅋ"},
		{"KeepsLoneVowels", "ㅠㅠ ㅜㅜ", "ㅠㅠ ㅜㅜ"},
		{"NeverAttachesToTypedSyllable", "아ㅋㅋ", "아ㅋㅋ"},
		{"PartlyTyped", "시ㅂㅏㄹ", "시발"},
		{"SpacesStopComposition", "ㅅ ㅣ", "ㅅ ㅣ"},
		{"PlainTextUnchanged", "여권 발급 어디서 해요?", "여권 발급 어디서 해요?"},
		{"MixedScripts", "abc ㄱㅏ 123", "abc 가 123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := korean.Compose(tt.in); got != tt.want {
				t.Errorf("Compose(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDecomposeAndInitials(t *testing.T) {
	tests := []struct{ in, jamo, initials string }{
		{"씨발", "ㅆㅣㅂㅏㄹ", "ㅆㅂ"},
		{"병신", "ㅂㅕㅇㅅㅣㄴ", "ㅂㅅ"},
		{"안녕하세요", "ㅇㅏㄴㄴㅕㅇㅎㅏㅅㅔㅇㅛ", "ㅇㄴㅎㅅㅇ"},
		{"괜찮아 ok", "ㄱㅙㄴㅊㅏㄶㅇㅏ ok", "ㄱㅊㅇ ok"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := korean.Decompose(tt.in); got != tt.jamo {
			t.Errorf("Decompose(%q) = %q, want %q", tt.in, got, tt.jamo)
		}
		if got := korean.Initials(tt.in); got != tt.initials {
			t.Errorf("Initials(%q) = %q, want %q", tt.in, got, tt.initials)
		}
		if tt.in != "" && tt.in != "괜찮아 ok" {
			if got := korean.Compose(tt.jamo); got != tt.in {
				t.Errorf("Compose(Decompose(%q)) = %q", tt.in, got)
			}
		}
	}
}

func TestSqueeze(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"VowelEcho", "시이이발", "시발"},
		{"EchoCarriesFinal", "씨이이이바아알", "씨발"},
		{"EchoAfterCompoundVowel", "쉬이이벌", "쉬벌"},
		{"EchoOfAe", "개애애새끼", "개새끼"},
		{"LoneVowelEcho", "시ㅣㅣ발", "시발"},
		{"RepeatedJamo", "ㅋㅋㅋㅋㅋㅋ", "ㅋㅋ"},
		{"RepeatedSyllable", "하하하하", "하하"},
		{"LatinToOne", "fuuuuck", "fuck"},
		{"KeepsTwo", "ㅋㅋ", "ㅋㅋ"},
		{"RepeatedVowelJamo", "ㅠㅠㅠㅠ", "ㅠㅠ"},
		{"SyllableWithFinalIsNotStretched", "먹어어어", "먹어"},
		{"DifferentVowelKept", "아이", "아이"},
		{"NearVowelKept", "그해에", "그해에"},
		{"SpaceBreaksStretch", "시 이발", "시 이발"},
		{"DigitsKept", "1000원", "1000원"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := korean.Squeeze(tt.in); got != tt.want {
				t.Errorf("Squeeze(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFromQwerty(t *testing.T) {
	tests := []struct{ in, want string }{
		{"tlqkf", "시발"},
		{"qudtls", "병신"},
		{"rotoRl", "개새끼"},
		{"dkssudgktpdy", "안녕하세요"},
		{"wlfkf", "지랄"},
		{"TLQKF", "씨빨"}, // caps lock: Shift gives ㅆ and ㅃ, the same jamo elsewhere
		{"ekfrdl", "닭이"},
		{"rhkswjs", "관전"},
		{"tlqkf 123!", "시발 123!"},
	}
	for _, tt := range tests {
		if got := korean.FromQwerty(tt.in); got != tt.want {
			t.Errorf("FromQwerty(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestJamoDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"씨발", "씨발", 0},
		{"씨발", "씌발", 1},
		{"병신", "븅신", 1},
		{"시발", "씨발", 1},
		{"개새끼", "개색기", 2},
		{"씨발", "", 5},
		{"", "", 0},
		{"abc", "abd", 1},
		{"지랄", "ㅈㄹ", 3},
	}
	for _, tt := range tests {
		if got := korean.JamoDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("JamoDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := korean.JamoDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("JamoDistance(%q, %q) = %d, want %d (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}
