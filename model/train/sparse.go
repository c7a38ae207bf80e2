package train

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/privrec/privrec/model"
)

// localRidge fits the item-to-item model one target item at a time: target
// j is regressed on its cands strongest co-occurring items N only,
//
//	b_N = (G_NN + λI)⁻¹ G_Nj,
//
// which is column j of EASE with every coefficient outside N forced to
// zero (EASE's column j is the same ridge regression over all items but
// j). Items that never co-occur with j get no weight either way in the
// shipped, truncated model, so for cands large enough to cover an item's
// co-occurrences the two agree; RATIONALE.md has the measured gap.
//
// It returns, per source item i, its positive weights B_ij over targets j
// (the rows Train truncates), unsorted. Cost: per target O(cands·rowLen +
// cands³/3); memory: the positive weights, at most n·cands.
//
// Targets are solved in parallel; each solve is sequential, so the result
// does not depend on the number of goroutines.
func localRidge(g *sparseGram, lambda float64, cands int, progress func(string, int, int)) ([][]model.Neighbor, error) {
	n := g.n
	// Per-target results, transposed into rows at the end.
	type colOut struct {
		src []int32
		w   []float32
	}
	cols := make([]colOut, n)
	const block = 256
	blocks := (n + block - 1) / block
	var next atomic.Int64
	var failed atomic.Pointer[error]
	done := make(chan int, 2*runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	workers := max(1, min(runtime.GOMAXPROCS(0), blocks))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newRidgeSolver(n, cands)
			for {
				b := int(next.Add(1) - 1)
				if b >= blocks || failed.Load() != nil {
					return
				}
				lo, hi := b*block, min(n, (b+1)*block)
				for j := lo; j < hi; j++ {
					src, w, err := s.solve(g, j, lambda)
					if err != nil {
						failed.CompareAndSwap(nil, &err)
						return
					}
					cols[j] = colOut{src, w}
				}
				done <- hi - lo
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	solved := 0
	progress(StageSolve, 0, n)
	for k := range done {
		solved += k
		progress(StageSolve, solved, n)
	}
	if p := failed.Load(); p != nil {
		return nil, *p
	}
	counts := make([]int, n)
	for _, c := range cols {
		for _, i := range c.src {
			counts[i]++
		}
	}
	rows := make([][]model.Neighbor, n)
	for i, c := range counts {
		rows[i] = make([]model.Neighbor, 0, c)
	}
	for j, c := range cols {
		for k, i := range c.src {
			rows[i] = append(rows[i], model.Neighbor{Item: int32(j), Weight: c.w[k]})
		}
		cols[j] = colOut{}
	}
	return rows, nil
}

// ridgeSolver holds one goroutine's buffers for localRidge.
type ridgeSolver struct {
	pos  []int32 // item → position in the candidate set, −1 if absent
	set  []int32
	a    []float64 // cands × cands, row-major
	rhs  []float64
	diag []float64
	top  []cand
}

type cand struct {
	item int32
	v    float32
}

func newRidgeSolver(n, cands int) *ridgeSolver {
	pos := make([]int32, n)
	for i := range pos {
		pos[i] = -1
	}
	return &ridgeSolver{pos: pos, a: make([]float64, cands*cands), rhs: make([]float64, cands), diag: make([]float64, cands), set: make([]int32, 0, cands)}
}

// solve returns target j's positive weights (sources and values), in
// candidate order, in fresh slices.
func (s *ridgeSolver) solve(g *sparseGram, j int, lambda float64) ([]int32, []float32, error) {
	cols, vals := g.row(j)
	if len(cols) == 0 {
		return nil, nil, nil
	}
	k := min(len(cols), cap(s.set))
	// Candidates: the k largest co-occurrences of j, ties by lower index.
	s.top = s.top[:0]
	for c, i := range cols {
		s.top = append(s.top, cand{i, vals[c]})
	}
	if len(s.top) > k {
		slices.SortFunc(s.top, func(a, b cand) int {
			switch {
			case a.v > b.v:
				return -1
			case a.v < b.v:
				return 1
			}
			return int(a.item) - int(b.item)
		})
		s.top = s.top[:k]
	}
	slices.SortFunc(s.top, func(a, b cand) int { return int(a.item) - int(b.item) })
	s.set = s.set[:0]
	for p, c := range s.top {
		s.set = append(s.set, c.item)
		s.pos[c.item] = int32(p)
	}
	defer func() {
		for _, i := range s.set {
			s.pos[i] = -1
		}
	}()
	a := s.a[:k*k]
	clear(a)
	rhs := s.rhs[:k]
	for p, c := range s.top {
		rhs[p] = float64(c.v)
	}
	// G_NN from the candidates' rows. A truncated row may miss an entry
	// its partner's row has: take the larger of the two (entries are ≥ 0).
	for p, i := range s.set {
		rc, rv := g.row(int(i))
		for c, q := range rc {
			if r := s.pos[q]; r >= 0 {
				v := float64(rv[c])
				if v > a[p*k+int(r)] {
					a[p*k+int(r)] = v
					a[int(r)*k+p] = v
				}
			}
		}
	}
	// Cholesky of G_NN + λI. Truncation can make G_NN indefinite: then λ
	// doubles until the matrix is positive definite, which it is once λ
	// exceeds the Gershgorin bound (the loop ends).
	diag := s.diag[:k]
	for p, i := range s.set {
		diag[p] = g.diag[i]
	}
	l := lambda
	for tries := 0; ; tries++ {
		if ok := choleskySolve(a, diag, l, rhs, k); ok {
			break
		}
		if tries == maxLambdaDoublings {
			return nil, nil, fmt.Errorf("%w: solve target %d: not positive definite up to lambda %v", model.ErrInternal, j, l)
		}
		// Restore rhs (choleskySolve overwrote it) and retry.
		for p, c := range s.top {
			rhs[p] = float64(c.v)
		}
		l *= 2
	}
	var srcs []int32
	var ws []float32
	for p, i := range s.set {
		if w := rhs[p]; w > 0 && !math.IsInf(w, 0) {
			srcs = append(srcs, i)
			ws = append(ws, float32(w))
		}
	}
	return srcs, ws, nil
}

// choleskySolve solves (A + diag(d) + λI) x = b in place of b, with A's
// strict lower triangle and d read and A's lower triangle (diagonal
// included) overwritten by the factor. It reports false, with b
// clobbered, when the matrix is not positive definite.
func choleskySolve(a, d []float64, lambda float64, b []float64, k int) bool {
	for i := 0; i < k; i++ {
		a[i*k+i] = d[i] + lambda
	}
	for j := 0; j < k; j++ {
		rj := a[j*k : j*k+j+1]
		s := rj[j]
		for p := 0; p < j; p++ {
			s -= rj[p] * rj[p]
		}
		if !(s > 0) {
			// The strict upper triangle is never written: restore the
			// lower one from it, so the caller can retry with a larger λ.
			for r := 1; r < k; r++ {
				for c := 0; c < r; c++ {
					a[r*k+c] = a[c*k+r]
				}
			}
			return false
		}
		ljj := math.Sqrt(s)
		rj[j] = ljj
		inv := 1 / ljj
		for i := j + 1; i < k; i++ {
			ri := a[i*k : i*k+j+1]
			s := ri[j]
			for p := 0; p < j; p++ {
				s -= ri[p] * rj[p]
			}
			ri[j] = s * inv
		}
	}
	// L y = b, then Lᵀ x = y.
	for i := 0; i < k; i++ {
		s := b[i]
		ri := a[i*k : i*k+i]
		for p, v := range ri {
			s -= v * b[p]
		}
		b[i] = s / a[i*k+i]
	}
	for i := k - 1; i >= 0; i-- {
		s := b[i]
		for p := i + 1; p < k; p++ {
			s -= a[p*k+i] * b[p]
		}
		b[i] = s / a[i*k+i]
	}
	return true
}

// sparseEASE fits the item-to-item weights without a dense matrix: the
// sparse Gram matrix of the users' capped rows, then localRidge. It
// returns untruncated rows (positive weights only).
func (d *dataset) sparseEASE(cfg Config, progress func(string, int, int)) ([][]model.Neighbor, error) {
	g := buildGram(d.capUsers(cfg.MaxUserItems), len(d.items), cfg.GramRowCap(), progress)
	return localRidge(g, cfg.Lambda, cfg.Candidates, progress)
}
