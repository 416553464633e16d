package guard

import "testing"

func TestRatioScale(t *testing.T) {
	// Feature 0 only in abusive rows, 1 in both alike, 2 only in clean ones.
	rows := []row{
		{label: 1, feats: []uint32{0, 1}},
		{label: 1, feats: []uint32{0, 1}},
		{label: 0, feats: []uint32{1, 2}},
		{label: 0, feats: []uint32{1, 2}},
	}
	t.Run("LeaningFeaturesWeighMore", func(t *testing.T) {
		v := ratioScale(rows, 3, 1)
		if v[1] > 1e-9 {
			t.Errorf("shared feature scaled %.3f, want 0", v[1])
		}
		if v[0] < 0.5 || v[2] < 0.5 || v[0]-v[2] > 1e-9 || v[2]-v[0] > 1e-9 {
			t.Errorf("one-sided features scaled %.3f and %.3f, want equal and large", v[0], v[2])
		}
	})
	t.Run("NegativeSmoothingTurnsItOff", func(t *testing.T) {
		for i, x := range ratioScale(rows, 3, -1) {
			if x != 1 {
				t.Errorf("feature %d scaled %.3f, want 1", i, x)
			}
		}
	})
}
