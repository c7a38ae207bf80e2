package train

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/privrec/privrec/model"
)

// maxLambdaDoublings bounds how often private doubles λ when the noisy
// Gram matrix is not positive definite; the Gershgorin cap ends the loop
// long before for any λ a Config allows to be useful.
const maxLambdaDoublings = 128

// gershgorin returns the smallest λ from which g + λI is strictly
// diagonally dominant: max over rows of Σ_j≠i |g_ij| − g_ii (≥ 0).
func gershgorin(g *mat.SymDense) float64 {
	n := g.SymmetricDim()
	off := make([]float64, n)
	raw := g.RawSymmetric()
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			v := math.Abs(raw.Data[i*raw.Stride+j])
			off[i] += v
			off[j] += v
		}
	}
	r := 0.0
	for i, o := range off {
		r = max(r, o-raw.Data[i*raw.Stride+i])
	}
	return r
}

// bound clips every entry weight of every user's row to [0,1] (kind
// weights above 1, events after a public End). The per-user L2 bounds are
// applied where each statistic is computed (privatePopularity,
// selectionGram, pairGram), on the entries that statistic uses.
func (d *dataset) bound(Privacy) {
	for _, row := range d.users {
		for i := range row {
			row[i].x = min(1, max(0, row[i].x))
		}
	}
}

// private computes the three releases of differentially private training
// (Privacy): the noisy popularity, the pairs selected on a noisy Gram
// matrix among its top items, and the noisy Gram entries of those pairs,
// and fits EASE on the last. The rows must already be clipped (newDataset
// does it). Everything after the noise is post-processing.
//
// It returns the EASE weights among the kept items (len(keep)² values,
// row-major) and the kept items' indices, ascending, so memory is the
// kept block's, whatever the catalog.
func (d *dataset) private(cfg Config, progress func(string, int, int)) ([]float64, []int, []float32, error) {
	p := cfg.Privacy
	s, err := p.Scales()
	if err != nil {
		return nil, nil, nil, err
	}
	noise := p.noiseSource()
	pop := d.privatePopularity(cfg.TrendHalfLifeDays, float64(p.MaxItems), s.CountsSigma, noise)
	keep := topItems(pop, p.GramItems)
	pairs := d.selectPairs(keep, p, s, noise, progress)
	g := d.pairGram(keep, pairs, p.PairBound, p.DiagBound, s.PairSigma, p.PairShrink*s.PairSigma, noise)
	// A noisy Gram matrix + λI need not be positive definite: double λ
	// until it is (RATIONALE.md). Each step only adds to the diagonal, and
	// λ never goes past the Gershgorin bound, beyond which the matrix is
	// strictly diagonally dominant with a positive diagonal, hence
	// positive definite: the loop ends.
	bound := gershgorin(g)
	lambda, added := cfg.Lambda, 0.0
	for range maxLambdaDoublings {
		addDiagonal(g, lambda-added)
		added = lambda
		bm, err := solveEASE(g, progress)
		if err == nil {
			return bm, keep, pop, nil
		}
		if !errors.Is(err, model.ErrInternal) || lambda > bound {
			return nil, nil, nil, err
		}
		lambda = min(2*lambda, bound*(1+1e-9)+1e-9)
	}
	return nil, nil, nil, fmt.Errorf("%w: solve private ease: gram matrix not positive definite up to lambda %v", model.ErrInternal, lambda)
}

// scaleTo returns the factor that brings a vector of squared L2 norm sq
// within squared norm bound: 1 when it is already, √(bound/sq) otherwise.
func scaleTo(sq, bound float64) float64 {
	if sq <= bound {
		return 1
	}
	return math.Sqrt(bound / sq)
}

// blockIndex maps item indices to their position in block, −1 outside.
func (d *dataset) blockIndex(block []int) []int32 {
	pos := make([]int32, len(d.items))
	for i := range pos {
		pos[i] = -1
	}
	for a, i := range block {
		pos[i] = int32(a)
	}
	return pos
}

// blockRow appends to row the entries of full inside the block (pos ≥ 0)
// with a positive weight, and returns it.
func blockRow(row, full []entry, pos []int32) []entry {
	for _, e := range full {
		if pos[e.item] >= 0 && e.x > 0 {
			row = append(row, e)
		}
	}
	return row
}

// selectPairs is the second release: the Gram matrix among the block
// (selectionGram) with noise of scale GramSigma on each upper-triangle
// entry. It returns the selected pairs, a len(block)² mask set at [a·m+b],
// a < b, where the noisy entry, clipped to the Cauchy–Schwarz bound of the
// noisy diagonal, exceeds Threshold·σ (post-processing).
func (d *dataset) selectPairs(block []int, p Privacy, s NoiseScales, noise interface{ NormFloat64() float64 }, progress func(string, int, int)) []bool {
	m := len(block)
	g := d.selectionGram(block, float64(p.GramMaxItems), p.SelectHalfLifeDays, p.SelectWindowDays, progress)
	for a := 0; a < m; a++ {
		for b := a; b < m; b++ {
			g[a*m+b] += s.GramSigma * noise.NormFloat64()
		}
	}
	cut := p.Threshold * s.GramSigma
	sel := make([]bool, m*m)
	for a := 0; a < m; a++ {
		da := max(0, g[a*m+a])
		for b := a + 1; b < m; b++ {
			v := min(g[a*m+b], math.Sqrt(da*max(0, g[b*m+b])))
			sel[a*m+b] = v > cut && v > 0
		}
	}
	return sel
}

// selectionGram is the upper triangle (row-major, len(block)² values) of
// the Gram matrix among the block, each pair of a user's items weighted by
// how close in time they were bought, and every user's contribution (the
// upper triangle of their own, so weighted, x xᵀ) scaled to L2 norm at most
// √((n₀+n₀²)/2), n₀ = bound: the norm of n₀ items at weight 1 with no time
// weighting. The row holds the user's purchase weights 2^(−age/halfLifeDays)
// (1 with halfLifeDays 0; 0 for items not bought), or with a negative
// halfLifeDays the row of X; all within [0,1]. A pair (a, b) of bought items
// weighs 2^(−|t_a − t_b|/windowDays) more, t the latest purchase of each (1
// with windowDays 0, for the diagonal, and for items not bought), so every
// entry of the user's vector stays within [0,1].
//
// Scaling the vector itself, not the row, spends the whole bound on every
// user: a user with many items has Σx⁴ ≪ (Σx²)², and scaling the row to
// ‖x‖² ≤ n₀ left their vector at norm n₀/√2 of the √((n₀+n₀²)/2) allowed.
func (d *dataset) selectionGram(block []int, bound, halfLifeDays, windowDays float64, progress func(string, int, int)) []float64 {
	m := len(block)
	pos := d.blockIndex(block)
	g := make([]float64, m*m)
	var row []entry
	halfLife := halfLifeDays * float64(24*time.Hour/time.Millisecond)
	window := windowDays * float64(24*time.Hour/time.Millisecond)
	near := func(ea, eb entry) float64 {
		if window <= 0 || ea.item == eb.item || !ea.buy || !eb.buy {
			return 1
		}
		return math.Exp2(-math.Abs(float64(ea.last-eb.last)) / window)
	}
	limit := (bound + bound*bound) / 2
	for u, full := range d.users {
		row = blockRow(row[:0], full, pos)
		if halfLifeDays >= 0 {
			for k, e := range row {
				v := 0.0
				if e.buy {
					v = 1
					if halfLife > 0 {
						v = math.Exp2(-float64(max(0, d.end-e.last)) / halfLife)
					}
				}
				row[k].x = v
			}
		}
		sq := 0.0
		for k, ea := range row {
			for _, eb := range row[k:] {
				v := ea.x * eb.x * near(ea, eb)
				sq += v * v
			}
		}
		f := scaleTo(sq, limit)
		for k, ea := range row {
			base := int(pos[ea.item]) * m
			for _, eb := range row[k:] {
				g[base+int(pos[eb.item])] += ea.x * eb.x * near(ea, eb) * f
			}
		}
		if u%512 == 0 || u == len(d.users)-1 {
			progress(StageMatrix, u+1, len(d.users))
		}
	}
	return g
}

// pairGram is the third release: pairSums with noise of scale sigma on
// each released entry and on nothing else (the other entries are zero
// whatever the log). Post-processing: diagonal clipped at 0, pairs at the
// Cauchy–Schwarz bound √(G_aa·G_bb), then shrunk by shrink towards 0
// (soft thresholding: max(0, v − shrink)).
//
// The shrinkage is there because most selected pairs are noise: at ε = 4
// on Online Retail about 6,800 of the 180,000 candidate pairs pass the
// selection and only about 300 of them would without noise (RATIONALE.md).
// A pair the selection let through by chance has a value near 0 here, and
// shrinking by a couple of σ sends it to 0 while a real co-purchase keeps
// most of its value; it also pulls the winners of a noisy draw back, as
// an estimate of many small effects should be.
func (d *dataset) pairGram(block []int, sel []bool, bound, diagBound, sigma, shrink float64, noise interface{ NormFloat64() float64 }) *mat.SymDense {
	m := len(block)
	g, has := d.pairSums(block, sel, bound, diagBound)
	raw := g.RawSymmetric()
	for a := 0; a < m; a++ {
		if has[a] {
			raw.Data[a*raw.Stride+a] = max(0, raw.Data[a*raw.Stride+a]+sigma*noise.NormFloat64())
		}
	}
	for a := 0; a < m; a++ {
		for b := a + 1; b < m; b++ {
			if !sel[a*m+b] {
				continue
			}
			v := raw.Data[a*raw.Stride+b] + sigma*noise.NormFloat64()
			v = min(v, math.Sqrt(raw.Data[a*raw.Stride+a]*raw.Data[b*raw.Stride+b]))
			raw.Data[a*raw.Stride+b] = max(0, v-shrink)
		}
	}
	return g
}

// pairSums sums, over users, the products x_a·x_b over the selected pairs
// sel among the block and x_a² over the items of any selected pair (has).
// With diagBound 0, each user's vector of all those values is scaled to L2
// norm at most bound; otherwise its products are scaled to L2 norm at most
// bound and its squares, apart, to at most diagBound, so one user moves
// the sums by at most √(bound² + diagBound²).
func (d *dataset) pairSums(block []int, sel []bool, bound, diagBound float64) (*mat.SymDense, []bool) {
	m := len(block)
	pos := d.blockIndex(block)
	has := make([]bool, m)
	for a := 0; a < m; a++ {
		for b := a + 1; b < m; b++ {
			if sel[a*m+b] {
				has[a], has[b] = true, true
			}
		}
	}
	for i, a := range pos {
		if a >= 0 && !has[a] {
			pos[i] = -1
		}
	}
	g := mat.NewSymDense(m, nil)
	raw := g.RawSymmetric()
	var row []entry
	for _, full := range d.users {
		row = blockRow(row[:0], full, pos)
		sqd, sqp := 0.0, 0.0
		for k, ea := range row {
			sqd += ea.x * ea.x * ea.x * ea.x
			base := int(pos[ea.item]) * m
			for _, eb := range row[k+1:] {
				if sel[base+int(pos[eb.item])] {
					v := ea.x * eb.x
					sqp += v * v
				}
			}
		}
		fd, fp := 0.0, 0.0
		if diagBound > 0 {
			fd, fp = scaleTo(sqd, diagBound*diagBound), scaleTo(sqp, bound*bound)
		} else {
			fd = scaleTo(sqd+sqp, bound*bound)
			fp = fd
		}
		for k, ea := range row {
			a := int(pos[ea.item])
			raw.Data[a*raw.Stride+a] += fd * ea.x * ea.x
			for _, eb := range row[k+1:] {
				if b := int(pos[eb.item]); sel[a*m+b] {
					raw.Data[a*raw.Stride+b] += fp * ea.x * eb.x
				}
			}
		}
	}
	return g, has
}

// topItems returns the indices of the k items with the highest popularity
// (ties by lower index), in increasing index order; all items when k is 0
// or at least their number.
func topItems(pop []float32, k int) []int {
	idx := make([]int, len(pop))
	for i := range idx {
		idx[i] = i
	}
	if k > 0 && k < len(pop) {
		sort.SliceStable(idx, func(a, b int) bool { return pop[idx[a]] > pop[idx[b]] })
		idx = idx[:k]
		sort.Ints(idx)
	}
	return idx
}

// privatePopularity is the first release: popularity with Gaussian noise
// of scale sigma on every item's buyer sum (privateSums) and on the user
// count; shares are clipped to [0,1].
func (d *dataset) privatePopularity(halfLifeDays, bound, sigma float64, noise interface{ NormFloat64() float64 }) []float32 {
	sum := d.privateSums(halfLifeDays, bound)
	for i := range sum {
		sum[i] += sigma * noise.NormFloat64()
	}
	users := max(1, float64(len(d.users))+sigma*noise.NormFloat64())
	out := make([]float32, len(sum))
	for i, c := range sum {
		out[i] = float32(min(1, max(0, c/users)))
	}
	return out
}

// privateSums are the buyer sums of privatePopularity: a buyer weighs at
// most 1 (2^(−age/half-life) with halfLifeDays > 0), and each user's vector
// of buyer weights is scaled to squared L2 norm at most bound, so with the
// user count one user moves them by at most √(bound+1) in L2.
func (d *dataset) privateSums(halfLifeDays, bound float64) []float64 {
	sum := make([]float64, len(d.items))
	halfLife := halfLifeDays * float64(24*time.Hour/time.Millisecond)
	var w []float64
	for _, row := range d.users {
		w = w[:0]
		sq := 0.0
		for _, e := range row {
			v := 0.0
			if e.buy {
				v = 1
				if halfLife > 0 {
					v = math.Exp2(-float64(max(0, d.end-e.last)) / halfLife)
				}
			}
			w = append(w, v)
			sq += v * v
		}
		f := scaleTo(sq, bound)
		for k, e := range row {
			sum[e.item] += w[k] * f
		}
	}
	return sum
}
