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
// How (RATIONALE.md, "Differential privacy"): three Gaussian mechanisms,
// each on a statistic whose per-user contribution is scaled to a fixed L2
// norm: the per-item buyer sums with the user count (popularity, and the
// GramItems candidates by it); the Gram matrix among the candidates, of
// purchases decayed with the long SelectHalfLifeDays and paired by how
// close in time they were bought (SelectWindowDays), only to select the
// co-occurring pairs above Threshold·σ; and the Gram entries of XᵀX on
// those pairs alone (their products and their items' diagonal, each
// bounded apart), shrunk towards 0 by their noise (PairShrink), which EASE
// is fitted on. The accountant is
// Gaussian differential privacy: the three compose (adaptively) into one
// μ-GDP mechanism, converted to (ε, δ) exactly. Context lists are not
// trained under DP. The item set and the end of the log (End) are treated
// as public.
//
// A Privacy is a plain value, safe to copy and to share between goroutines.
type Privacy struct {
	// Epsilon is the ε of (ε, δ)-DP over the whole training run; zero
	// turns differential privacy off. Smaller is more private and noisier.
	Epsilon float64
	// Delta is the δ of (ε, δ)-DP; needed in (0, 1) when Epsilon > 0. Use
	// well below 1/users (1e-6 for a few thousand users).
	Delta float64
	// MaxItems (c) bounds each user's contribution to the buyer sums: a
	// user's vector of buyer weights (each at most 1) is scaled down to L2
	// norm √c, so a user with more than c items counts for all of them,
	// each a little. Popularity σ ∝ √(c+1). Default 10.
	MaxItems int
	// CountsShare is the part of the privacy budget (of μ², the GDP
	// parameter squared) spent on the buyer sums and the user count; the
	// rest goes to the Gram matrix. Zero chooses it from ε alone (public):
	// enough for a popularity noise σ of about 12.5, within [0.1, 0.5]
	// (RATIONALE.md).
	CountsShare float64
	// GramItems (m) is how many candidate items, those of highest noisy
	// popularity (chosen after that release, so it costs no budget), get
	// an item-to-item model: a co-occurrence of rare items is below the
	// noise, and the solve is cubic in m. Other items keep their
	// popularity but get no neighbours. Zero keeps every item. Default 600.
	GramItems int
	// GramMaxItems (n₀) bounds each user's contribution to the selection
	// Gram matrix: the upper triangle of the user's x xᵀ among the
	// candidates (time-weighted, SelectWindowDays) is scaled down to the L2
	// norm of n₀ items at weight 1, √((n₀+n₀²)/2). Default 3.
	GramMaxItems int
	// SelectHalfLifeDays is the half-life of the purchase weights the
	// selection Gram matrix is computed from (2^(−age/half-life) at End, 1
	// when zero; items only viewed or carted count 0 unless the log has no
	// purchases), or, when negative, the training X itself (decayed with
	// TrainHalfLifeDays, kind weights). Which pairs co-occur changes more
	// slowly than what is bought now: a longer half-life than X's lets older
	// co-purchases count in the selection, while the fitted values keep X's.
	// Default 120.
	SelectHalfLifeDays float64
	// SelectWindowDays weights each pair of a user's purchases in the
	// selection Gram matrix by 2^(−|t_a − t_b|/SelectWindowDays), t the
	// latest purchase of each item: items bought days apart are what
	// "bought together" means, while a heavy buyer's items bought a year
	// apart pair by the thousand and mostly by chance. The bound then
	// spends the user's budget on their close pairs. Zero weighs every pair
	// alike. Default 7.
	SelectWindowDays float64
	// Threshold selects the pairs: those whose noisy selection Gram entry
	// exceeds Threshold·σ. Only they are released again and fitted. Zero
	// selects every pair with a positive noisy entry. Default 2.
	Threshold float64
	// PairShare is the part of the Gram budget spent on the second, pair
	// release; the rest selects the pairs. Default 0.5, in (0, 1).
	PairShare float64
	// PairBound (B) bounds each user's contribution to the pair release:
	// the vector of the user's products x_i·x_j over the selected pairs
	// and x_i² over their items is scaled down to L2 norm B. Only
	// selected pairs count, so a user with many items is scaled much less
	// than in the full Gram matrix. With DiagBound set, B bounds the
	// products alone. Default 0.5.
	PairBound float64
	// DiagBound, when positive, bounds the diagonal part of each user's
	// pair-release vector (the x_i²) on its own, to L2 norm DiagBound, and
	// PairBound then bounds the products over the selected pairs alone:
	// Δ_P = √(B² + DiagBound²). A user's many items then no longer shrink
	// their few selected pairs. Zero bounds both together by B. Default
	// 0.3 (with B = 0.5: Δ_P = 0.583).
	DiagBound float64
	// PairShrink shrinks every released pair value towards 0 by
	// PairShrink·σ_P (soft thresholding; post-processing, so it costs no
	// budget): most pairs that pass the selection do so by chance, and
	// their released values are near 0; a real co-purchase keeps most of
	// its value. Zero keeps the values as released. Default 2.
	PairShrink float64
	// LambdaNoise, when positive, makes PrivateConfig's λ
	// LambdaNoise·σ_pairs: noise on the Gram entries calls for more
	// regularisation, and σ is public. Train itself uses Config.Lambda.
	// Default 40.
	LambdaNoise float64
	// End is the time (Unix ms) the training decays are measured from and
	// the popularity is dated at. It must be public, e.g. the time the log
	// was exported; zero uses the log's latest event and treats it as
	// public (RATIONALE.md). Entry weights of later events are clipped to 1.
	End int64
	// Seed draws the noise: the same log, Config and Seed give the same
	// spec bit for bit. In production it must be secret and fresh for
	// every run (privrec train draws one from crypto/rand); anyone who
	// knows it can subtract the noise.
	Seed uint64
}

// DefaultPrivacy returns the defaults for the fields other than Epsilon,
// Delta, End and Seed; Privacy is still off until Epsilon is set.
func DefaultPrivacy() Privacy {
	return Privacy{MaxItems: 10, GramItems: 600, GramMaxItems: 3, SelectHalfLifeDays: 120, SelectWindowDays: 7, Threshold: 2, PairShare: 0.5, PairBound: 0.5, DiagBound: 0.3, PairShrink: 2, LambdaNoise: 40}
}

// PrivateConfig returns the configuration for private training at
// (epsilon, delta). Its choices depend on ε, δ and the defaults only, never
// on a log, so they spend no budget: X and popularity are decayed with
// 60-day half-lives (longer than the non-private 14-day trend, whose few
// recent buyers the noise would drown), the popularity prior weighs β = 4,
// λ follows the noise of the fitted Gram entries (LambdaNoise), and the
// shopper's history is scored without recency decay (Params.HalfLifeDays
// 0): a private model has neighbours for a few hundred popular items only,
// so an old purchase among them is often the only personal evidence a
// history holds, and decaying it hands the ranking to popularity. The
// decay runs on the device and costs no budget either way. They
// were chosen on the validation split of UCI Online Retail (RATIONALE.md,
// "Differential privacy"). seed must be secret and fresh in production
// (Privacy.Seed).
func PrivateConfig(epsilon, delta float64, seed uint64) Config {
	c := DefaultConfig()
	c.TrainHalfLifeDays = 60
	c.TrendHalfLifeDays = 60
	c.Params.PopularityWeight = 4
	c.Params.HalfLifeDays = 0
	c.ContextItems = 0
	c.Privacy.Epsilon, c.Privacy.Delta, c.Privacy.Seed = epsilon, delta, seed
	if s, err := c.Privacy.Scales(); err == nil && c.Privacy.LambdaNoise > 0 {
		c.Lambda = c.Privacy.LambdaNoise * s.PairSigma
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
	case !finite(p.CountsShare) || p.CountsShare < 0 || p.CountsShare >= 1:
		return bad("counts share is %v; want 0 < share < 1, or 0 to choose it from epsilon", p.CountsShare)
	case p.GramItems < 0:
		return bad("gram items is %d; want >= 0 (0: all)", p.GramItems)
	case p.GramMaxItems < 1:
		return bad("gram max items is %d; want >= 1", p.GramMaxItems)
	case !finite(p.SelectHalfLifeDays):
		return bad("select half-life is %v days; want a finite value", p.SelectHalfLifeDays)
	case !finite(p.SelectWindowDays) || p.SelectWindowDays < 0:
		return bad("select window is %v days; want a finite value >= 0 (0: no time weighting)", p.SelectWindowDays)
	case !finite(p.Threshold) || p.Threshold < 0:
		return bad("threshold is %v; want a finite value >= 0", p.Threshold)
	case !finite(p.PairShare) || p.PairShare <= 0 || p.PairShare >= 1:
		return bad("pair share is %v; want 0 < share < 1", p.PairShare)
	case !finite(p.PairBound) || p.PairBound <= 0:
		return bad("pair bound is %v; want a finite value > 0", p.PairBound)
	case !finite(p.DiagBound) || p.DiagBound < 0:
		return bad("diag bound is %v; want a finite value >= 0", p.DiagBound)
	case !finite(p.PairShrink) || p.PairShrink < 0:
		return bad("pair shrink is %v; want a finite value >= 0 (0: no shrinkage)", p.PairShrink)
	case !finite(p.LambdaNoise) || p.LambdaNoise < 0:
		return bad("lambda noise is %v; want a finite value >= 0", p.LambdaNoise)
	case p.End < 0:
		return bad("end is %d; want a Unix ms time >= 0", p.End)
	}
	return nil
}

// NoiseScales are the figures of a Privacy setting's Gaussian mechanisms.
type NoiseScales struct {
	Mu          float64 // GDP budget μ: the largest whose μ-GDP is (ε, δ)-DP
	Rho         float64 // μ²/2, the same mechanisms' zCDP ρ (for comparison)
	CountsShare float64 // part of μ² spent on the buyer sums and user count
	CountsL2    float64 // L2 sensitivity of the buyer sums and user count: √(c+1)
	CountsSigma float64 // noise σ on each buyer sum and on the user count
	GramL2      float64 // L2 sensitivity of the selection Gram's upper triangle: √((n₀²+n₀)/2)
	GramSigma   float64 // noise σ on each of its entries
	PairL2      float64 // L2 sensitivity of the pair release: √(B² + B_d²)
	PairSigma   float64 // noise σ on each released pair and diagonal entry
}

// Scales computes the noise of p, which must be enabled and valid.
//
// Sensitivities (one user added or removed): the buyer sums get the user's
// weights scaled to L2 ≤ √c, the count 1: Δ_C = √(c+1). The selection Gram
// gets the upper triangle (diagonal included) of the user's time-weighted
// x xᵀ, scaled to L2 norm ≤ √((n₀ + n₀²)/2) = Δ_G, the norm of n₀ items at
// weight 1. The pair release gets the products scaled to norm ≤ B and the
// squares to norm ≤ B_d (DiagBound): Δ_P = √(B² + B_d²), or B when B_d is 0.
//
// Accounting: the Gaussian mechanism with sensitivity Δ and noise σ is
// Δ/σ-GDP; adaptive composition of μ_k-GDP mechanisms is √(Σμ_k²)-GDP; and
// μ-GDP is (ε, δ)-DP exactly for δ = Φ(−ε/μ + μ/2) − e^ε·Φ(−ε/μ − μ/2)
// (Dong, Roth & Su 2022, Theorem 2.7, Corollaries 2.13 and 3.3; the same
// curve as Balle & Wang's analytic Gaussian mechanism). Scales solves that
// for μ and splits μ² between the three releases.
func (p Privacy) Scales() (NoiseScales, error) {
	if !p.Enabled() {
		return NoiseScales{}, fmt.Errorf("%w: noise scales: privacy is off", model.ErrBadRequest)
	}
	if err := p.Validate(); err != nil {
		return NoiseScales{}, fmt.Errorf("noise scales: %w", err)
	}
	mu := gdpMu(p.Epsilon, p.Delta)
	if !(mu > 0) {
		return NoiseScales{}, fmt.Errorf("%w: noise scales: no Gaussian noise gives epsilon %v at delta %v", model.ErrBadRequest, p.Epsilon, p.Delta)
	}
	c, n0 := float64(p.MaxItems), float64(p.GramMaxItems)
	n := NoiseScales{Mu: mu, Rho: mu * mu / 2, CountsL2: math.Sqrt(c + 1), GramL2: math.Sqrt((n0*n0 + n0) / 2), PairL2: math.Hypot(p.PairBound, p.DiagBound)}
	n.CountsShare = p.CountsShare
	if n.CountsShare == 0 {
		// μ_C = Δ_C/12.5, as a share of μ², within [0.1, 0.5]: a
		// function of ε, δ and c only.
		mc := n.CountsL2 / autoCountsSigma
		n.CountsShare = min(0.5, max(0.1, mc*mc/(mu*mu)))
	}
	m2 := mu * mu
	n.CountsSigma = n.CountsL2 / math.Sqrt(n.CountsShare*m2)
	n.GramSigma = n.GramL2 / math.Sqrt((1-n.CountsShare)*(1-p.PairShare)*m2)
	n.PairSigma = n.PairL2 / math.Sqrt((1-n.CountsShare)*p.PairShare*m2)
	return n, nil
}

// autoCountsSigma is the popularity noise a zero CountsShare aims at.
const autoCountsSigma = 12.5

// gdpDelta is the δ(ε) of a μ-GDP mechanism: Φ(−ε/μ + μ/2) −
// e^ε·Φ(−ε/μ − μ/2). The second term is computed as exp(ε + ln Φ), and
// where Φ would underflow from a lower bound on it, Φ(x) ≥ φ(x)·|x|/(x²+1),
// so δ errs on the high (safe) side and a large ε never gives Inf·0.
func gdpDelta(mu, eps float64) float64 {
	phi := func(x float64) float64 { return math.Erfc(-x/math.Sqrt2) / 2 }
	x := -eps/mu - mu/2
	var logPhi float64
	if x > -30 {
		logPhi = math.Log(phi(x))
	} else {
		logPhi = -x*x/2 - 0.5*math.Log(2*math.Pi) + math.Log(-x/(x*x+1))
	}
	return phi(-eps/mu+mu/2) - math.Exp(eps+logPhi)
}

// gdpMu is the largest μ whose μ-GDP gives (eps, delta)-DP, by bisection:
// δ(ε) grows with μ.
func gdpMu(eps, delta float64) float64 {
	lo, hi := 0.0, 1.0
	for gdpDelta(hi, eps) <= delta {
		lo, hi = hi, 2*hi
	}
	for range 200 {
		mid := (lo + hi) / 2
		if mid == lo || mid == hi {
			break
		}
		if gdpDelta(mid, eps) <= delta {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// noiseSource is the Gaussian noise of one training run, from Seed.
func (p Privacy) noiseSource() *rand.Rand {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], p.Seed)
	copy(key[8:], "privrec dp noise")
	return rand.New(rand.NewChaCha8(sha256.Sum256(key[:])))
}
