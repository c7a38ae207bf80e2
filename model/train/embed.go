package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/privrec/privrec/model"
)

// Progress stages of the embedding kind, before QuantizeEmbedding's.
const (
	StageFactor = "factor" // randomized eigendecomposition: done/total passes over the log
)

// EmbeddingConfig configures the embedding kind (Config.Kind ==
// model.ModelEmbedding). The zero value is not valid; DefaultConfig sets
// the documented defaults. A plain value, safe to copy.
//
// The model is a low-rank EASE: with the item–item Gram matrix G ≈ V Σ Vᵀ
// (its Dims leading eigenpairs, found by a randomized eigensolver that only
// multiplies by the sparse log), item j's vector is v_j = V_j·diag(√(σ/(σ+λ)))
// and the device scores score_j = ⟨Σ_i x_i·v_i, v_j⟩, which is
// x·V diag(σ/(σ+λ)) Vᵀ: the ridge regression (G+λI)⁻¹G of EASE restricted to
// the top eigenspace. RATIONALE.md ("Embedding kind") has the measurements.
type EmbeddingConfig struct {
	// Dims is the vector length, a multiple of Subspaces. Default 64.
	Dims int
	// Subspaces is the number of one-byte product-quantization codes per
	// item. Default 16 (4 dimensions per code).
	Subspaces int
	// Lambda is the ridge shrinkage: eigen-direction c keeps σ_c/(σ_c+λ).
	// Zero means Config.Lambda. Default 0.
	Lambda float64
	// Normalize is the exponent α of the symmetric normalisation
	// D^−α G D^−α (D = diag G) factored instead of G: 0 factors G itself;
	// larger values keep popular items from owning every direction.
	// Default 0.25 (RATIONALE.md).
	Normalize float64
	// PowerIterations is how many power iterations sharpen the randomized
	// range finder (each costs two passes over the log). Default 4.
	PowerIterations int
	// Seed drives the random test matrix, the PQ rotation and k-means.
	// Default 1.
	Seed uint64
}

// DefaultEmbeddingConfig returns the documented defaults.
func DefaultEmbeddingConfig() EmbeddingConfig {
	return EmbeddingConfig{Dims: 64, Subspaces: 16, Normalize: 0.25, PowerIterations: 4, Seed: 1}
}

// Validate reports whether e can train, wrapping model.ErrBadRequest.
func (e EmbeddingConfig) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: validate embedding config: %s", model.ErrBadRequest, fmt.Sprintf(format, args...))
	}
	switch {
	case e.Dims < 1 || e.Dims > model.MaxDims:
		return bad("dims is %d; want 1..%d", e.Dims, model.MaxDims)
	case e.Subspaces < 1 || e.Subspaces > model.MaxSubspaces || e.Dims%e.Subspaces != 0:
		return bad("subspaces is %d; want 1..%d dividing dims %d", e.Subspaces, model.MaxSubspaces, e.Dims)
	case math.IsNaN(e.Lambda) || math.IsInf(e.Lambda, 0) || e.Lambda < 0:
		return bad("lambda is %v; want a finite value >= 0", e.Lambda)
	case math.IsNaN(e.Normalize) || e.Normalize < 0 || e.Normalize > 1:
		return bad("normalize is %v; want 0..1", e.Normalize)
	case e.PowerIterations < 0 || e.PowerIterations > 32:
		return bad("power iterations is %d; want 0..32", e.PowerIterations)
	}
	return nil
}

// xColumns is X by columns: item i's users and weights are
// user[start[i]:start[i+1]] and x[…], users ascending.
type xColumns struct {
	start []int64
	user  []int32
	x     []float64
}

func columnsOf(users [][]entry, n int) *xColumns {
	c := &xColumns{start: make([]int64, n+1)}
	for _, row := range users {
		for _, e := range row {
			if e.x != 0 {
				c.start[e.item+1]++
			}
		}
	}
	for i := 0; i < n; i++ {
		c.start[i+1] += c.start[i]
	}
	c.user = make([]int32, c.start[n])
	c.x = make([]float64, c.start[n])
	fill := slices.Clone(c.start[:n])
	for u, row := range users {
		for _, e := range row {
			if e.x != 0 {
				k := fill[e.item]
				c.user[k], c.x[k] = int32(u), e.x
				fill[e.item]++
			}
		}
	}
	return c
}

// parallelRange runs f over [0,n) in chunks on every CPU; each index is
// handled by exactly one call, so results written per index are
// deterministic.
func parallelRange(n int, f func(lo, hi int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), n/256))
	if workers == 1 {
		f(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min(n, (w+1)*chunk)
		if lo >= hi {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); f(lo, hi) }()
	}
	wg.Wait()
}

// gramOp multiplies n×l row-major matrices by S XᵀX S, S = diag(scale),
// without forming XᵀX.
type gramOp struct {
	users [][]entry
	cols  *xColumns
	scale []float64
	n, l  int
	z     []float64 // users × l scratch
}

// apply sets out = S XᵀX S q.
func (g *gramOp) apply(q, out []float64) {
	l := g.l
	parallelRange(len(g.users), func(lo, hi int) {
		for u := lo; u < hi; u++ {
			z := g.z[u*l : (u+1)*l]
			clear(z)
			for _, e := range g.users[u] {
				w := e.x * g.scale[e.item]
				qi := q[int(e.item)*l : int(e.item+1)*l]
				for c, v := range qi {
					z[c] += w * v
				}
			}
		}
	})
	parallelRange(g.n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			o := out[i*l : (i+1)*l]
			clear(o)
			for k := g.cols.start[i]; k < g.cols.start[i+1]; k++ {
				w := g.cols.x[k]
				z := g.z[int(g.cols.user[k])*l : int(g.cols.user[k]+1)*l]
				for c, v := range z {
					o[c] += w * v
				}
			}
			s := g.scale[i]
			for c := range o {
				o[c] *= s
			}
		}
	})
}

// reduceChunks computes Σ over fixed chunks of [0,n) of f(lo, hi, part)
// into out (len m): each chunk fills its own zeroed part on some CPU, and
// the parts are summed in chunk order, so the floats do not depend on the
// number of CPUs or on timing.
func reduceChunks(n, m int, out []float64, f func(lo, hi int, part []float64)) {
	const chunk = 8192
	chunks := (n + chunk - 1) / chunk
	parts := make([]float64, chunks*m)
	parallelRange(chunks, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			f(c*chunk, min(n, (c+1)*chunk), parts[c*m:(c+1)*m])
		}
	})
	clear(out[:m])
	for c := 0; c < chunks; c++ {
		for r, v := range parts[c*m : (c+1)*m] {
			out[r] += v
		}
	}
}

// orthonormalize makes the l columns of the n×l row-major y orthonormal in
// place. It tries Cholesky QR twice (CholQR2: Y ← Y·R⁻¹ with RᵀR = YᵀY,
// four passes over y, stable once the first pass has made y well
// conditioned) and falls back to column-by-column Gram–Schmidt, which
// costs a pass per column, when YᵀY is not numerically positive definite
// (rank deficiency, n < l, or a badly conditioned sketch).
func orthonormalize(y []float64, n, l int, rng *rand.Rand) {
	if n >= l && cholQR(y, n, l) && cholQR(y, n, l) {
		return
	}
	gramSchmidt(y, n, l, rng)
}

// cholQR replaces y by y·R⁻¹ where RᵀR = yᵀy, reporting false (y
// unchanged) when a pivot of the Cholesky factorisation falls below 1e-12
// of the largest diagonal, i.e. when the columns are nearly dependent.
func cholQR(y []float64, n, l int) bool {
	g := make([]float64, l*l)
	reduceChunks(n, l*l, g, func(lo, hi int, p []float64) {
		for i := lo; i < hi; i++ {
			row := y[i*l : (i+1)*l]
			for a, va := range row {
				if va == 0 {
					continue
				}
				pa := p[a*l : (a+1)*l]
				for b := a; b < l; b++ {
					pa[b] += va * row[b]
				}
			}
		}
	})
	// Upper Cholesky: g = RᵀR, R stored in the upper triangle of g.
	big := 0.0
	for a := 0; a < l; a++ {
		big = max(big, g[a*l+a])
	}
	for a := 0; a < l; a++ {
		d := g[a*l+a]
		for k := 0; k < a; k++ {
			d -= g[k*l+a] * g[k*l+a]
		}
		if !(d > 1e-12*big) {
			return false
		}
		d = math.Sqrt(d)
		g[a*l+a] = d
		for b := a + 1; b < l; b++ {
			v := g[a*l+b]
			for k := 0; k < a; k++ {
				v -= g[k*l+a] * g[k*l+b]
			}
			g[a*l+b] = v / d
		}
	}
	// Each row: solve x R = row (forward substitution over columns).
	parallelRange(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := y[i*l : (i+1)*l]
			for b := 0; b < l; b++ {
				v := row[b]
				for k := 0; k < b; k++ {
					v -= row[k] * g[k*l+b]
				}
				row[b] = v / g[b*l+b]
			}
		}
	})
	return true
}

// gramSchmidt makes the l columns of the n×l row-major y orthonormal in
// place (classical Gram–Schmidt, applied twice per column, which is as
// stable as modified Gram–Schmidt and reads y row by row). A column that
// vanishes (rank deficiency) is replaced by a fresh random one, or left
// zero when there is no room for another direction (n < l).
func gramSchmidt(y []float64, n, l int, rng *rand.Rand) {
	dots := make([]float64, l+1)
	for c := 0; c < l; c++ {
		for attempt := 0; ; attempt++ {
			orig := columnNorm(y, n, l, c)
			for pass := 0; pass < 2; pass++ {
				// dots[r] = ⟨y_r, y_c⟩ for r < c.
				reduceChunks(n, c, dots, func(lo, hi int, p []float64) {
					for i := lo; i < hi; i++ {
						row := y[i*l : i*l+l]
						yc := row[c]
						for r := 0; r < c; r++ {
							p[r] += row[r] * yc
						}
					}
				})
				parallelRange(n, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						row := y[i*l : i*l+l]
						s := row[c]
						for r := 0; r < c; r++ {
							s -= dots[r] * row[r]
						}
						row[c] = s
					}
				})
			}
			nrm := columnNorm(y, n, l, c)
			if nrm > 0 && nrm > 1e-10*orig {
				inv := 1 / nrm
				for i := 0; i < n; i++ {
					y[i*l+c] *= inv
				}
				break
			}
			if attempt > 8 {
				for i := 0; i < n; i++ {
					y[i*l+c] = 0
				}
				break
			}
			for i := 0; i < n; i++ {
				y[i*l+c] = rng.NormFloat64()
			}
		}
	}
}

func columnNorm(y []float64, n, l, c int) float64 {
	var s float64
	for i := 0; i < n; i++ {
		v := y[i*l+c]
		s += v * v
	}
	return math.Sqrt(s)
}

// factor returns the k leading eigenpairs of S G S (vectors n×k
// row-major, values descending) by the randomized range finder with power
// iterations (Halko, Martinsson & Tropp 2011), oversampled by max(16, k/4).
func (d *dataset) factor(e EmbeddingConfig, scale []float64, progress func(string, int, int)) ([]float64, []float64) {
	n, k := len(d.items), e.Dims
	l := min(n, k+max(16, k/4))
	op := &gramOp{users: d.users, cols: columnsOf(d.users, n), scale: scale, n: n, l: l, z: make([]float64, len(d.users)*l)}
	rng := rand.New(rand.NewChaCha8(pqSeed(e.Seed, -2)))
	q := make([]float64, n*l)
	for i := range q {
		q[i] = rng.NormFloat64()
	}
	y := make([]float64, n*l)
	passes := e.PowerIterations + 2
	progress(StageFactor, 0, passes)
	op.apply(q, y)
	orthonormalize(y, n, l, rng)
	q, y = y, q
	progress(StageFactor, 1, passes)
	for it := 0; it < e.PowerIterations; it++ {
		op.apply(q, y)
		orthonormalize(y, n, l, rng)
		q, y = y, q
		progress(StageFactor, 2+it, passes)
	}
	// T = Qᵀ (SGS) Q, l×l; its eigenvectors rotate Q onto the eigenbasis.
	op.apply(q, y)
	tt := make([]float64, l*l)
	reduceChunks(n, l*l, tt, func(lo, hi int, p []float64) {
		for i := lo; i < hi; i++ {
			qi, yi := q[i*l:(i+1)*l], y[i*l:(i+1)*l]
			for a, qa := range qi {
				pa := p[a*l : (a+1)*l]
				for b, yb := range yi {
					pa[b] += qa * yb
				}
			}
		}
	})
	t := mat.NewSymDense(l, nil)
	for a := 0; a < l; a++ {
		for b := a; b < l; b++ {
			t.SetSym(a, b, (tt[a*l+b]+tt[b*l+a])/2)
		}
	}
	progress(StageFactor, passes, passes)
	var eig mat.EigenSym
	if !eig.Factorize(t, true) {
		// Cannot happen for a finite symmetric matrix; fall back to Q.
		return nil, nil
	}
	vals := eig.Values(nil)
	var u mat.Dense
	eig.VectorsTo(&u)
	order := make([]int, l)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return vals[order[a]] > vals[order[b]] })
	k = min(k, l)
	out := make([]float64, n*e.Dims)
	sig := make([]float64, e.Dims)
	for c := 0; c < k; c++ {
		sig[c] = max(0, vals[order[c]])
	}
	uc := make([]float64, k*l) // the kept eigenvectors of T, one per row
	for c := 0; c < k; c++ {
		for r := 0; r < l; r++ {
			uc[c*l+r] = u.At(r, order[c])
		}
	}
	parallelRange(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			qi := q[i*l : (i+1)*l]
			for c := 0; c < k; c++ {
				var s float64
				for r, v := range uc[c*l : (c+1)*l] {
					s += qi[r] * v
				}
				out[i*e.Dims+c] = s
			}
		}
	})
	return out, sig
}

// embedding trains the embedding kind: factor, shrink, rotate, quantize.
func (d *dataset) embedding(cfg Config, progress func(string, int, int)) (*model.Embedding, error) {
	e := cfg.Embedding
	lambda := e.Lambda
	if lambda == 0 {
		lambda = cfg.Lambda
	}
	n := len(d.items)
	// D = diag G: each item's summed squared weights.
	diag := make([]float64, n)
	for _, row := range d.users {
		for _, en := range row {
			diag[en.item] += en.x * en.x
		}
	}
	scale := make([]float64, n)
	for i, g := range diag {
		if g > 0 {
			scale[i] = math.Pow(g, -e.Normalize)
		}
	}
	vecs, sig := d.factor(e, scale, progress)
	if vecs == nil {
		return nil, fmt.Errorf("%w: factor gram matrix: eigendecomposition failed", model.ErrInternal)
	}
	// Scores live in the normalised space: v_j = V_j·√(σ/(σ+λ)). The λ of
	// the normalised matrix is scaled by its typical diagonal, so a λ tuned
	// for G means the same shrinkage for D^−α G D^−α.
	lam := lambda * meanScaledDiag(diag, scale) / max(meanOf(diag), 1e-300)
	shrink := make([]float64, e.Dims)
	for c, s := range sig {
		if s > 0 {
			shrink[c] = math.Sqrt(s / (s + lam))
		}
	}
	// A seeded random rotation R spreads every eigen-direction over all
	// subspaces, so each PQ code carries a similar share of the variance
	// (the leading directions would otherwise crowd the first subspace).
	// Scores are unchanged: ⟨vR, wR⟩ = ⟨v, w⟩, and Fold stays the identity.
	rot := randomRotation(e.Dims, rand.New(rand.NewChaCha8(pqSeed(e.Seed, -3))))
	out := make([]float32, n*e.Dims)
	parallelRange(n, func(lo, hi int) {
		tmp := make([]float64, e.Dims)
		for i := lo; i < hi; i++ {
			v := vecs[i*e.Dims : (i+1)*e.Dims]
			for c := range tmp {
				tmp[c] = v[c] * shrink[c]
			}
			for c := 0; c < e.Dims; c++ {
				var s float64
				for r, x := range tmp {
					s += x * rot[r*e.Dims+c]
				}
				out[i*e.Dims+c] = float32(s)
			}
		}
	})
	vecs = nil
	emb, err := QuantizeEmbedding(out, e.Dims, e.Subspaces, nil, e.Seed, progress)
	if err != nil {
		return nil, fmt.Errorf("train embedding: %w", err)
	}
	return emb, nil
}

func meanOf(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(max(1, len(v)))
}

// meanScaledDiag is the mean diagonal of D^−α G D^−α.
func meanScaledDiag(diag, scale []float64) float64 {
	var s float64
	for i, g := range diag {
		s += g * scale[i] * scale[i]
	}
	return s / float64(max(1, len(diag)))
}

// randomRotation returns a dims × dims orthogonal matrix, row-major, from
// Gram–Schmidt on a Gaussian matrix.
func randomRotation(dims int, rng *rand.Rand) []float64 {
	m := make([]float64, dims*dims)
	for i := range m {
		m[i] = rng.NormFloat64()
	}
	orthonormalize(m, dims, dims, rng)
	return m
}
