package guard

import (
	"math"
	"testing"
)

// TestLBFGS minimises an ill-conditioned quadratic and the Rosenbrock
// function, whose minima are known.
func TestLBFGS(t *testing.T) {
	scales := []float64{1, 10, 100, 1000}
	quad := func(x, g []float64) float64 {
		var f float64
		for i, v := range x {
			d := v - float64(i)
			f += scales[i] * d * d / 2
			g[i] = scales[i] * d
		}
		return f
	}
	x := make([]float64, len(scales))
	if loss, _ := lbfgs(quad, x, 5, 200, 0); loss > 1e-12 {
		t.Errorf("quadratic: loss %g at %v", loss, x)
	}
	for i, v := range x {
		if math.Abs(v-float64(i)) > 1e-5 {
			t.Errorf("quadratic: x[%d] = %v, want %d", i, v, i)
		}
	}
	rosen := func(x, g []float64) float64 {
		a, b := 1-x[0], x[1]-x[0]*x[0]
		g[0] = -2*a - 400*x[0]*b
		g[1] = 200 * b
		return a*a + 100*b*b
	}
	y := []float64{-1.2, 1}
	if loss, _ := lbfgs(rosen, y, 7, 500, 0); loss > 1e-8 || math.Abs(y[0]-1) > 1e-3 || math.Abs(y[1]-1) > 1e-3 {
		t.Errorf("Rosenbrock: loss %g at %v, want (1, 1)", loss, y)
	}
}
