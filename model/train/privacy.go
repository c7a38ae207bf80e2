package train

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/privrec/privrec/model"
)

// Privacy makes Train differentially private at the user level: two logs
// that differ by all the events of one user give spec distributions within
// (Epsilon, Delta) of each other. It is off when Epsilon is zero.
//
// How (RATIONALE.md, "Differential privacy"): every user's row of X is
// bounded to MaxItems distinct items with weights in [0,1]; Gaussian noise
// calibrated to that bound is added to the two statistics the spec is
// built from, the Gram matrix XᵀX and the per-item buyer sums (with the
// user count); the budget is split between them with zCDP accounting.
// Context lists are not trained under DP. The item set and the end of the
// log (End) are treated as public.
//
// A Privacy is a plain value, safe to copy and to share between goroutines.
type Privacy struct {
	// Epsilon is the ε of (ε, δ)-DP over the whole training run; zero
	// turns differential privacy off. Smaller is more private and noisier.
	Epsilon float64
	// Delta is the δ of (ε, δ)-DP; needed in (0, 1) when Epsilon > 0. Use
	// well below 1/users (1e-6 for a few thousand users).
	Delta float64
	// MaxItems (c) bounds each user's contribution: a user with more
	// distinct items keeps MaxItems of them, drawn uniformly from a seed
	// derived from Seed and the user id alone. The noise grows with it
	// (Gram σ ∝ c, popularity σ ∝ √c). Default 50.
	MaxItems int
	// GramShare is the part of the privacy budget (of zCDP's ρ) spent on
	// the Gram matrix; the rest goes to the buyer sums and the user count.
	// Default 0.8, in (0, 1).
	GramShare float64
	// Threshold zeroes the noisy Gram matrix's off-diagonal entries below
	// Threshold·σ: most true co-occurrences are zero, and pure noise there
	// only adds spurious neighbours. Post-processing, so it costs no
	// budget. Zero keeps every entry. Default 3.
	Threshold float64
	// GramItems restricts the item-to-item model to the GramItems items
	// with the highest noisy popularity (chosen after that release, so it
	// costs no budget): the noise of a co-occurrence swamps the signal of
	// rare items anyway, fewer entries mean fewer noise entries passing
	// Threshold, and the solve is cubic in it. Other items keep their
	// popularity but get no neighbours. Zero keeps every item. Default 300
	// (RATIONALE.md).
	GramItems int
	// End is the time (Unix ms) the training decays are measured from and
	// the popularity is dated at. It must be public, e.g. the time the log
	// was exported; zero uses the log's latest event and treats it as
	// public (RATIONALE.md). Entry weights of later events are clipped to 1.
	End int64
	// Seed draws the noise and the per-user item samples: the same log,
	// Config and Seed give the same spec bit for bit. In production it must
	// be secret and fresh for every run (privrec train draws one from
	// crypto/rand); anyone who knows it can subtract the noise.
	Seed uint64
}

// DefaultPrivacy returns the defaults for the fields other than Epsilon,
// Delta, End and Seed; Privacy is still off until Epsilon is set.
func DefaultPrivacy() Privacy {
	return Privacy{MaxItems: 50, GramShare: 0.8, Threshold: 3, GramItems: 300}
}

// PrivateConfig returns the configuration tuned for private training at
// (epsilon, delta) on the UCI Online Retail validation split (RATIONALE.md,
// "Differential privacy"). Noise changes which levers pay: X is binary
// (decayed weights shrink the signal, not the noise), λ is 1500 and only
// the 300 most popular items get neighbours. From ε = 4 up, the trend-decayed
// popularity prior (60-day half-life, β = 4) is kept and 80 % of the budget
// goes to the Gram matrix; below, the noise drowns trends and co-purchases,
// so the model is plain popularity (β = 0, half the budget on the counts).
// seed must be secret and fresh in production (Privacy.Seed).
func PrivateConfig(epsilon, delta float64, seed uint64) Config {
	c := DefaultConfig()
	c.Lambda = 1500
	c.TrainHalfLifeDays = 0
	c.ContextItems = 0
	c.Privacy.Epsilon, c.Privacy.Delta, c.Privacy.Seed = epsilon, delta, seed
	if epsilon >= 4 {
		c.TrendHalfLifeDays, c.Params.PopularityWeight, c.Privacy.GramShare = 60, 4, 0.8
	} else {
		c.TrendHalfLifeDays, c.Params.PopularityWeight, c.Privacy.GramShare = 0, 0, 0.5
	}
	return c
}

// Enabled reports whether p asks for differential privacy.
func (p Privacy) Enabled() bool { return p.Epsilon != 0 }

// Validate reports whether p is off or a usable privacy setting, wrapping
// model.ErrBadRequest.
func (p Privacy) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: validate privacy: %s", model.ErrBadRequest, fmt.Sprintf(format, args...))
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	if !p.Enabled() {
		if p.Delta != 0 {
			return bad("delta is %v but epsilon is 0; set both or neither", p.Delta)
		}
		return nil
	}
	switch {
	case !finite(p.Epsilon) || p.Epsilon < 0:
		return bad("epsilon is %v; want a finite value > 0 (0 turns DP off)", p.Epsilon)
	case !finite(p.Delta) || p.Delta <= 0 || p.Delta >= 1:
		return bad("delta is %v; want 0 < delta < 1 when epsilon > 0", p.Delta)
	case p.MaxItems < 1:
		return bad("max items is %d; want >= 1", p.MaxItems)
	case !finite(p.GramShare) || p.GramShare <= 0 || p.GramShare >= 1:
		return bad("gram share is %v; want 0 < share < 1", p.GramShare)
	case !finite(p.Threshold) || p.Threshold < 0:
		return bad("threshold is %v; want a finite value >= 0", p.Threshold)
	case p.GramItems < 0:
		return bad("gram items is %d; want >= 0 (0: all)", p.GramItems)
	case p.End < 0:
		return bad("end is %d; want a Unix ms time >= 0", p.End)
	}
	return nil
}

// NoiseScales are the figures of a Privacy setting's Gaussian mechanisms.
type NoiseScales struct {
	Rho         float64 // zCDP budget ρ with ρ + 2√(ρ·ln(1/δ)) = ε
	GramL2      float64 // L2 sensitivity of the Gram matrix's upper triangle: √((c²+c)/2)
	GramSigma   float64 // noise σ on each upper-triangle Gram entry
	CountsL2    float64 // L2 sensitivity of the buyer sums and user count: √(c+1)
	CountsSigma float64 // noise σ on each buyer sum and on the user count
}

// Scales computes the noise of p, which must be enabled and valid.
//
// A user's bounded row x (≤ c entries in [0,1]) adds x xᵀ to the Gram
// matrix, whose upper triangle (diagonal included) has squared L2 norm
// (Σx_i⁴ + (Σx_i²)²)/2 ≤ (c + c²)/2; it adds at most 1 to each of c buyer
// sums and 1 to the user count, squared L2 norm ≤ c + 1. The Gaussian
// mechanism with sensitivity Δ and noise σ is Δ²/(2σ²)-zCDP, zCDP composes
// by adding ρ, and ρ-zCDP implies (ρ + 2√(ρ ln(1/δ)), δ)-DP for every δ
// (Bun & Steinke 2016), valid for any ε, unlike the classic ε < 1 bound.
func (p Privacy) Scales() (NoiseScales, error) {
	if !p.Enabled() {
		return NoiseScales{}, fmt.Errorf("%w: noise scales: privacy is off", model.ErrBadRequest)
	}
	if err := p.Validate(); err != nil {
		return NoiseScales{}, fmt.Errorf("noise scales: %w", err)
	}
	l := math.Log(1 / p.Delta)
	s := math.Sqrt(l+p.Epsilon) - math.Sqrt(l)
	c := float64(p.MaxItems)
	n := NoiseScales{Rho: s * s, GramL2: math.Sqrt((c*c + c) / 2), CountsL2: math.Sqrt(c + 1)}
	n.GramSigma = n.GramL2 / math.Sqrt(2*p.GramShare*n.Rho)
	n.CountsSigma = n.CountsL2 / math.Sqrt(2*(1-p.GramShare)*n.Rho)
	return n, nil
}

// noiseSource is the Gaussian noise of one training run, from Seed.
func (p Privacy) noiseSource() *rand.Rand {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], p.Seed)
	copy(key[8:], "privrec dp noise")
	return rand.New(rand.NewChaCha8(sha256.Sum256(key[:])))
}

// sampler is the item sample of one user: it depends on Seed and the user
// id only, so adding or removing another user never changes it.
func (p Privacy) sampler(user string) *rand.Rand {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], p.Seed)
	h.Write([]byte("privrec dp sample"))
	h.Write(b[:])
	h.Write([]byte(user))
	var key [32]byte
	copy(key[:], h.Sum(nil))
	return rand.New(rand.NewChaCha8(key))
}
