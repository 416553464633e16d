package korean

// JamoDistance returns the edit distance between a and b counted in jamo,
// each syllable read as its initial, vowel and final, so near spellings are
// near: 씌발 is one from 씨발, 븅신 one from 병신, 개색기 two from 개새끼.
// Compound vowels and final clusters count as one jamo; other runes as one.
func JamoDistance(a, b string) int {
	x, y := jamoRunes(a), jamoRunes(b)
	if len(x) < len(y) {
		x, y = y, x
	}
	// One row of the Levenshtein table, over the shorter string.
	row := make([]int, len(y)+1)
	for j := range row {
		row[j] = j
	}
	for i := 1; i <= len(x); i++ {
		diag := row[0]
		row[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			next := min(row[j]+1, row[j-1]+1, diag+cost)
			diag = row[j]
			row[j] = next
		}
	}
	return row[len(y)]
}

func jamoRunes(s string) []rune {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if l, v, f, ok := Split(r); ok {
			out = append(out, l, v)
			if f != 0 {
				out = append(out, f)
			}
			continue
		}
		out = append(out, r)
	}
	return out
}
