package guard

import (
	"slices"
	"testing"
)

func TestExpand(t *testing.T) {
	tests := []struct {
		pat  string
		want []string
	}{
		{"시발", []string{"시발"}},
		{"[시씨]발", []string{"시발", "씨발"}},
		{"불을?지르", []string{"불을지르", "불지르"}},
		{"개색[기히]?", []string{"개색기", "개색히", "개색"}},
	}
	for _, tt := range tests {
		seqs, err := expand(tt.pat)
		if err != nil {
			t.Fatalf("expand(%q): %v", tt.pat, err)
		}
		var got []string
		for _, s := range seqs {
			got = append(got, string(s))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("expand(%q) = %q, want %q", tt.pat, got, tt.want)
		}
	}
	for _, bad := range []string{"", "[", "[]", "?", "시]", "[시"} {
		if _, err := expand(bad); err == nil {
			t.Errorf("expand(%q) gave no error", bad)
		}
	}
}

func TestKeys(t *testing.T) {
	same := [][]rune{
		{'시', '씨', '씌', '쒸', '쉬', '싀'},
		{'발', '빨'},
		{'새', '세', '쌔', '쉐', '섀'},
		{'끼', '기'},
		{'ㅅ', 'ㅆ'},
	}
	for _, group := range same {
		for _, r := range group[1:] {
			if key(r) != key(group[0]) {
				t.Errorf("key(%q) = %q, key(%q) = %q: want the same", r, key(r), group[0], key(group[0]))
			}
		}
	}
	for _, pair := range [][2]rune{{'좆', '좇'}, {'발', '팔'}, {'신', '싱'}, {'개', '게' + 1}} {
		if key(pair[0]) == key(pair[1]) {
			t.Errorf("key(%q) = key(%q)", pair[0], pair[1])
		}
	}
}

// TestLexicon checks every root: it compiles, and its own first spelling,
// standing alone, is found as that root (or, for innocent words, cancels
// the match), so no root is dead.
func TestLexicon(t *testing.T) {
	lx, err := compileLexicon(lexicon)
	if err != nil {
		t.Fatal(err)
	}
	var s scratch
	for _, r := range lx.roots {
		if r.check != nil {
			continue // context decides; covered by the table tests
		}
		s.analyze(lx, r.name, Counsel)
		ok := false
		for _, f := range s.found {
			ok = ok || f.name == r.name
		}
		if r.flags&innocent != 0 {
			ok = len(s.found) == 0 && slices.Contains(s.protect, true)
		}
		if !ok {
			t.Errorf("root %q (%s): its spelling %q is not found (found %v)", r.pat, r.label, r.name, s.found)
		}
	}
}

func TestResolve(t *testing.T) {
	lx := defaultLexicon()
	var s scratch
	tests := []struct {
		text  string
		roots []string
	}{
		{"개새끼", []string{"개새기"}},
		{"수박씨발라", nil},
		{"씨발 시발점", []string{"시발"}},
		{"미친놈", []string{"미친놈"}},
		{"이 병신아", []string{"병신"}},
	}
	for _, tt := range tests {
		s.analyze(lx, tt.text, Counsel)
		var got []string
		for _, f := range s.found {
			got = append(got, f.name)
		}
		if !slices.Equal(got, tt.roots) {
			t.Errorf("%q: roots %q, want %q", tt.text, got, tt.roots)
		}
	}
}

func TestQuoted(t *testing.T) {
	tests := []struct {
		text   string
		quoted bool
	}{
		{"누가 죽여버린다고 했어요", true},
		{"씨발이라고 욕했어요", true},
		{"죽여버린다", false},
		{"씨발 진짜", false},
		{"폭탄 설치했다는 전화", true},
	}
	lx := defaultLexicon()
	var s scratch
	for _, tt := range tests {
		s.analyze(lx, tt.text, Counsel)
		if len(s.found) == 0 {
			t.Errorf("%q: no root found", tt.text)
			continue
		}
		if got := s.found[0].quoted; got != tt.quoted {
			t.Errorf("%q: quoted %v, want %v", tt.text, got, tt.quoted)
		}
	}
}
