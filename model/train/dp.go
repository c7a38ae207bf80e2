package train

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/privrec/privrec/model"
)

// maxLambdaDoublings bounds how often private doubles λ when the noisy
// Gram matrix is not positive definite.
const maxLambdaDoublings = 30

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
func (d *dataset) private(cfg Config, progress func(string, int, int)) ([]float64, []float32, error) {
	s, err := cfg.Privacy.Scales()
	if err != nil {
		return nil, nil, err
	}
	noise := cfg.Privacy.noiseSource()
	g := d.gram(progress)
	raw := g.RawSymmetric()
	n := raw.N
	cut := cfg.Privacy.Threshold * s.GramSigma
	for i := 0; i < n; i++ {
		base := i * raw.Stride
		for j := i; j < n; j++ {
			v := raw.Data[base+j] + s.GramSigma*noise.NormFloat64()
			switch {
			case i == j:
				v = max(0, v) // an item's own (decayed) buyer count is never negative
			case cut > 0 && v < cut:
				v = 0
			}
			raw.Data[base+j] = v
		}
	}
	pop := d.privatePopularity(cfg.TrendHalfLifeDays, s.CountsSigma, noise)
	// A noisy Gram matrix + λI need not be positive definite: double λ
	// until it is (RATIONALE.md). Each step only adds to the diagonal.
	lambda, added := cfg.Lambda, 0.0
	for range maxLambdaDoublings {
		addDiagonal(g, lambda-added)
		added = lambda
		b, err := solveEASE(g, progress)
		if err == nil {
			return b, pop, nil
		}
		if !errors.Is(err, model.ErrInternal) {
			return nil, nil, err
		}
		lambda *= 2
	}
	return nil, nil, fmt.Errorf("%w: solve private ease: gram matrix not positive definite up to lambda %v", model.ErrInternal, lambda)
}

// privatePopularity is popularity with Gaussian noise of scale sigma on
// every item's buyer sum and on the user count; shares are clipped to
// [0,1]. Buyer weights are clipped to [0,1] too (events after a public End).
func (d *dataset) privatePopularity(halfLifeDays, sigma float64, noise interface{ NormFloat64() float64 }) []float32 {
	n := len(d.items)
	sum := make([]float64, n)
	halfLife := halfLifeDays * float64(24*time.Hour/time.Millisecond)
	for _, row := range d.users {
		for _, e := range row {
			if !e.buy {
				continue
			}
			w := 1.0
			if halfLife > 0 {
				w = math.Exp2(-float64(max(0, d.end-e.last)) / halfLife)
			}
			sum[e.item] += w
		}
	}
	for i := range sum {
		sum[i] += sigma * noise.NormFloat64()
	}
	users := max(1, float64(len(d.users))+sigma*noise.NormFloat64())
	out := make([]float32, n)
	for i, c := range sum {
		out[i] = float32(min(1, max(0, c/users)))
	}
	return out
}
