package guard

import (
	"math"
)

// objective computes the loss at x and writes its gradient into g.
type objective func(x, g []float64) float64

// lbfgs minimises a smooth convex function from x (changed in place) with
// limited-memory BFGS: mem past steps, a backtracking line search under the
// Armijo condition, at most iters iterations. It stops early when a step
// lowers the loss by less than tol of its value. Single-threaded and free of
// randomness, so the same inputs give the same x.
func lbfgs(f objective, x []float64, mem, iters int, tol float64) (loss float64, n int) {
	dim := len(x)
	g := make([]float64, dim)
	loss = f(x, g)
	s := make([][]float64, 0, mem)
	y := make([][]float64, 0, mem)
	rho := make([]float64, 0, mem)
	alpha := make([]float64, mem)
	d := make([]float64, dim)
	xn := make([]float64, dim)
	gn := make([]float64, dim)
	for n = 0; n < iters; n++ {
		// d = −H·g by the two-loop recursion.
		copy(d, g)
		for k := len(s) - 1; k >= 0; k-- {
			alpha[k] = rho[k] * dot(s[k], d)
			axpy(-alpha[k], y[k], d)
		}
		if k := len(s) - 1; k >= 0 {
			scal(dot(s[k], y[k])/dot(y[k], y[k]), d)
		} else {
			scal(1/math.Max(norm(g), 1e-12), d)
		}
		for k := range s {
			b := rho[k] * dot(y[k], d)
			axpy(alpha[k]-b, s[k], d)
		}
		scal(-1, d)
		slope := dot(g, d)
		if slope >= 0 { // not a descent direction: restart from the gradient
			s, y, rho = s[:0], y[:0], rho[:0]
			copy(d, g)
			scal(-1/math.Max(norm(g), 1e-12), d)
			slope = dot(g, d)
		}
		step, ln := 1.0, 0.0
		for try := 0; ; try++ {
			for i := range x {
				xn[i] = x[i] + step*d[i]
			}
			ln = f(xn, gn)
			if ln <= loss+1e-4*step*slope || try == 30 {
				break
			}
			step /= 2
		}
		if len(s) == mem {
			s0, y0 := s[0], y[0]
			s, y, rho = append(s[:0], s[1:]...), append(y[:0], y[1:]...), rho[1:]
			s, y = append(s, s0), append(y, y0)
		} else {
			s, y = append(s, make([]float64, dim)), append(y, make([]float64, dim))
		}
		sk, yk := s[len(s)-1], y[len(y)-1]
		for i := range x {
			sk[i] = xn[i] - x[i]
			yk[i] = gn[i] - g[i]
		}
		sy := dot(sk, yk)
		if sy <= 1e-12 {
			s, y = s[:len(s)-1], y[:len(y)-1]
		} else {
			rho = append(rho, 1/sy)
		}
		copy(x, xn)
		copy(g, gn)
		done := loss-ln < tol*math.Abs(loss)
		loss = ln
		if done {
			n++
			break
		}
	}
	return loss, n
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

func scal(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}

func norm(x []float64) float64 { return math.Sqrt(dot(x, x)) }
