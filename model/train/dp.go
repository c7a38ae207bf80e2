package train

import (
	"errors"
	"fmt"
	"math"
	"sort"

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

// bound enforces the contribution bound of p on every user's row: at most
// p.MaxItems entries, drawn uniformly by a sampler that depends on the
// seed and the user id only, and weights clipped to [0,1].
func (d *dataset) bound(p Privacy) {
	for u, row := range d.users {
		if len(row) > p.MaxItems {
			r := p.sampler(d.names[u])
			keep := r.Perm(len(row))[:p.MaxItems]
			sort.Ints(keep)
			kept := make([]entry, len(keep))
			for k, i := range keep {
				kept[k] = row[i]
			}
			row = kept
			d.users[u] = row
		}
		for i := range row {
			row[i].x = min(1, max(0, row[i].x))
		}
	}
}

// private fits EASE on the noisy Gram matrix and computes the noisy
// popularity: the two releases of differentially private training. The
// rows must already be bounded (newDataset does it). Everything after
// the noise is post-processing.
//
// It returns the EASE weights among the kept items (len(keep)² values,
// row-major) and the kept items' indices, ascending, so memory is the
// kept block's, whatever the catalog.
func (d *dataset) private(cfg Config, progress func(string, int, int)) ([]float64, []int, []float32, error) {
	s, err := cfg.Privacy.Scales()
	if err != nil {
		return nil, nil, nil, err
	}
	noise := cfg.Privacy.noiseSource()
	pop := d.privatePopularity(cfg.TrendHalfLifeDays, s.CountsSigma, noise)
	keep := topItems(pop, cfg.Privacy.GramItems)
	g := d.gramOf(keep, progress)
	m := len(keep)
	raw := g.RawSymmetric()
	for a := 0; a < m; a++ {
		for b := a; b < m; b++ {
			raw.Data[a*raw.Stride+b] += s.GramSigma * noise.NormFloat64()
		}
	}
	// Post-processing: an item's own (decayed) buyer count is never
	// negative; Cauchy–Schwarz bounds a co-occurrence by √(G_ii·G_jj); and
	// co-occurrences below Threshold·σ are zeroed.
	cut := cfg.Privacy.Threshold * s.GramSigma
	for a := 0; a < m; a++ {
		raw.Data[a*raw.Stride+a] = max(0, raw.Data[a*raw.Stride+a])
	}
	for a := 0; a < m; a++ {
		da := raw.Data[a*raw.Stride+a]
		for b := a + 1; b < m; b++ {
			v := min(raw.Data[a*raw.Stride+b], math.Sqrt(da*raw.Data[b*raw.Stride+b]))
			if cut > 0 && v < cut {
				v = 0
			}
			raw.Data[a*raw.Stride+b] = v
		}
	}
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

// privatePopularity is popularity with Gaussian noise of scale sigma on
// every item's buyer sum and on the user count; shares are clipped to
// [0,1]. Buyer weights are clipped to [0,1] too (events after a public End).
func (d *dataset) privatePopularity(halfLifeDays, sigma float64, noise interface{ NormFloat64() float64 }) []float32 {
	sum := d.buyerSums(halfLifeDays)
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
