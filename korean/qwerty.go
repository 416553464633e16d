package korean

// qwertyLower maps a..z to the jamo the same key types on a 2-set (두벌식)
// keyboard; Shift gives the tense consonants and ㅒ ㅖ, and the same jamo on
// every other key.
var qwertyLower = [26]rune{
	'ㅁ', 'ㅠ', 'ㅊ', 'ㅇ', 'ㄷ', 'ㄹ', 'ㅎ', 'ㅗ', 'ㅑ', 'ㅓ', 'ㅏ', 'ㅣ', 'ㅡ', // a–m
	'ㅜ', 'ㅐ', 'ㅔ', 'ㅂ', 'ㄱ', 'ㄴ', 'ㅅ', 'ㅕ', 'ㅍ', 'ㅈ', 'ㅌ', 'ㅛ', 'ㅋ', // n–z
}

func qwertyJamo(r rune) rune {
	switch r {
	case 'Q':
		return 'ㅃ'
	case 'W':
		return 'ㅉ'
	case 'E':
		return 'ㄸ'
	case 'R':
		return 'ㄲ'
	case 'T':
		return 'ㅆ'
	case 'O':
		return 'ㅒ'
	case 'P':
		return 'ㅖ'
	}
	if 'A' <= r && r <= 'Z' {
		r += 'a' - 'A'
	}
	if 'a' <= r && r <= 'z' {
		return qwertyLower[r-'a']
	}
	return r
}

// FromQwerty reads s as typed on a 2-set keyboard left in English mode and
// returns the Hangul meant: tlqkf → 시발, qudtls → 병신, rotoRl → 개새끼,
// dkssud → 안녕. Characters other than ASCII letters are kept.
func FromQwerty(s string) string {
	var t Text
	t.fold(s, keepAll|Qwerty)
	return t.String()
}
