package train

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestFactorIsEigendecomposition: when the sketch spans every item
// (n ≤ dims + oversampling), factor returns the exact leading eigenpairs
// of D^−α G D^−α.
func TestFactorIsEigendecomposition(t *testing.T) {
	l := randomLog(500, 30, 8, 5)
	cfg := DefaultConfig()
	d, err := newDataset(l, cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := len(d.items)
	g := d.gram(func(string, int, int) {}).RawSymmetric()
	scale := make([]float64, n)
	for i := range scale {
		scale[i] = math.Pow(g.Data[i*g.Stride+i], -0.25)
	}
	dense := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			dense.SetSym(i, j, scale[i]*g.Data[i*g.Stride+j]*scale[j])
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(dense, true) {
		t.Fatal("eigen")
	}
	want := eig.Values(nil)
	sort.Sort(sort.Reverse(sort.Float64Slice(want)))
	e := DefaultEmbeddingConfig()
	e.Dims, e.Subspaces = 16, 4 // sketch of 16+16 columns ≥ 30 items
	passes := 0
	vecs, sig := d.factor(e, scale, func(stage string, done, total int) {
		if stage == StageFactor && done == total {
			passes++
		}
	})
	if passes != 1 {
		t.Errorf("progress reached the end %d times; want once", passes)
	}
	for c := 0; c < e.Dims; c++ {
		if math.Abs(sig[c]-want[c]) > 1e-8*want[0] {
			t.Fatalf("eigenvalue %d = %v; want %v", c, sig[c], want[c])
		}
		// (S G S) v = σ v.
		v := make([]float64, n)
		for i := range v {
			v[i] = vecs[i*e.Dims+c]
		}
		var resid, norm float64
		for i := 0; i < n; i++ {
			var s float64
			for j := 0; j < n; j++ {
				s += dense.At(i, j) * v[j]
			}
			resid += (s - sig[c]*v[i]) * (s - sig[c]*v[i])
			norm += v[i] * v[i]
		}
		if math.Abs(norm-1) > 1e-9 || math.Sqrt(resid) > 1e-8*want[0] {
			t.Fatalf("eigenvector %d: norm² %v, residual %v", c, norm, math.Sqrt(resid))
		}
	}
}

func TestOrthonormalize(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		name string
		n, l int
		rank int // columns beyond rank repeat earlier ones
	}{
		{"full rank", 5000, 12, 12},
		{"rank deficient", 300, 10, 6},
		{"more columns than rows", 4, 6, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := make([]float64, tc.n*tc.l)
			for i := 0; i < tc.n; i++ {
				for c := 0; c < tc.l; c++ {
					if c < tc.rank {
						y[i*tc.l+c] = rng.NormFloat64()
					} else {
						y[i*tc.l+c] = 2 * y[i*tc.l+c-tc.rank]
					}
				}
			}
			orthonormalize(y, tc.n, tc.l, rng)
			for a := 0; a < tc.l; a++ {
				for b := 0; b < tc.l; b++ {
					var s float64
					for i := 0; i < tc.n; i++ {
						s += y[i*tc.l+a] * y[i*tc.l+b]
					}
					want := 0.0
					if a == b && a < tc.n {
						want = 1
					}
					if math.Abs(s-want) > 1e-9 {
						t.Fatalf("⟨q%d, q%d⟩ = %v; want %v", a, b, s, want)
					}
				}
			}
		})
	}
}
