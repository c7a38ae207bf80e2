package eval

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

// ErrNoValidation is returned by TuneEASE when the log leaves no validation
// case: no user has three baskets (or sessions) with a new purchase in the
// second-to-last.
var ErrNoValidation = errors.New("no validation cases")

// EASEBytes is about the peak memory, in bytes, of fitting full EASE on a
// log of items distinct items: the Gram matrix, its Cholesky factor and
// inverse and the weights, n² float64 each, and the float32 copy a
// Reference keeps (36·n² bytes). It grows with the square of the catalog:
// 3.4 GB at 10k items, 90 GB at 50k.
func EASEBytes(items int) int64 { return 36 * int64(items) * int64(items) }

// LambdaScore is one λ TuneEASE tried and its figures on the validation
// cases.
type LambdaScore struct {
	Lambda     float64
	Validation Metrics
}

// Tuning is what TuneEASE chose and why: every λ tried, in the order tried,
// and the best by validation NDCG@10.
type Tuning struct {
	Best  LambdaScore
	Tried []LambdaScore
}

// TuneEASE chooses full EASE's λ on a validation split of log, never on the
// test baskets: log is the training part of a Split, and Split of it holds
// out each user's last training basket (DESIGN.md, "Quality protocol"). Full
// EASE is fitted on the rest for every λ tried and ranked by NDCG@10 on
// those baskets; ties go to the larger λ.
//
// The search needs no scale from the caller: λ = 10, 100, 1000 and 10000
// first, one more decade down (to 0.01) or up (to 10⁷) while the decade at
// an end beats its neighbour, then 3× either side of the best decade. That is six to eight
// fits; each costs EASEBytes of memory and a dense n³ solve, so check
// EASEBytes against the memory at hand before calling. progress, when not
// nil, is called after every fit.
func TuneEASE(log *train.Log, progress func(LambdaScore)) (Tuning, error) {
	val, cases := Split(log)
	if len(cases) == 0 {
		return Tuning{}, fmt.Errorf("tune ease: %w (need users with three or more baskets)", ErrNoValidation)
	}
	var t Tuning
	tried := make(map[float64]bool)
	try := func(lambda float64) error {
		// round 3·10^-1 to 0.3 and friends, for reports
		lambda, _ = strconv.ParseFloat(strconv.FormatFloat(lambda, 'g', 6, 64), 64)
		if tried[lambda] {
			return nil
		}
		tried[lambda] = true
		ref, err := EASE(val, lambda)
		if err != nil {
			return fmt.Errorf("tune ease: λ=%g: %w", lambda, err)
		}
		m, err := Evaluate(cases, ref)
		if err != nil {
			return fmt.Errorf("tune ease: λ=%g: %w", lambda, err)
		}
		s := LambdaScore{Lambda: lambda, Validation: m}
		t.Tried = append(t.Tried, s)
		if progress != nil {
			progress(s)
		}
		return nil
	}
	best := func() LambdaScore {
		s := append([]LambdaScore(nil), t.Tried...)
		sort.Slice(s, func(a, b int) bool { return s[a].Lambda < s[b].Lambda })
		b := s[0]
		for _, x := range s[1:] {
			if x.Validation.NDCG >= b.Validation.NDCG {
				b = x
			}
		}
		return b
	}
	const lowest, highest = -2, 7 // decades
	ndcg := func(d int) float64 {
		l, _ := strconv.ParseFloat(strconv.FormatFloat(math.Pow(10, float64(d)), 'g', 6, 64), 64)
		for _, x := range t.Tried {
			if x.Lambda == l {
				return x.Validation.NDCG
			}
		}
		return math.NaN()
	}
	lo, hi := 1, 4
	for d := lo; d <= hi; d++ {
		if err := try(math.Pow(10, float64(d))); err != nil {
			return Tuning{}, err
		}
	}
	// extend while an end decade beats its neighbour
	for lo > lowest && ndcg(lo) > ndcg(lo+1) {
		lo--
		if err := try(math.Pow(10, float64(lo))); err != nil {
			return Tuning{}, err
		}
	}
	for hi < highest && ndcg(hi) > ndcg(hi-1) {
		hi++
		if err := try(math.Pow(10, float64(hi))); err != nil {
			return Tuning{}, err
		}
	}
	d := math.Round(math.Log10(best().Lambda))
	for _, l := range []float64{3 * math.Pow(10, d-1), 3 * math.Pow(10, d)} {
		if err := try(l); err != nil {
			return Tuning{}, err
		}
	}
	t.Best = best()
	return t, nil
}

// PrivrecTuning is what TunePrivrec chose: the search's record and the
// validation cases its figure (NDCG@10, weighted by AgeWeights) was
// measured on.
type PrivrecTuning struct {
	train.Tuning
	Cases int // validation users
	// Effective is the weighted cases' effective number, (Σw)²/Σw²: how
	// many equally weighted cases would be as noisy.
	Effective float64
}

// holdoutMode selects the weighting of TunePrivrec's validation cases,
// for the comparison in model/train/RATIONALE.md ("Self-tuning"): "" age
// weights (AgeWeights), "flat" every case 1.
var holdoutMode = ""

// AgeWeights weighs the validation cases of Split(log) so that their ages
// at the end of the validation model's training log are distributed as
// the ages of the baskets the model trained on log will be asked about.
//
// The validation basket of a user is their last basket in log; the basket
// the tuned model serves is the one after it, a gap later. So each
// served age is a validation age minus a gap between two of a user's
// baskets: the target distribution is, for every case of age a, the ages
// a − g over the gaps g ≤ a measured on the cases themselves (the time
// from each case's latest history event to its basket), each case's share
// spread evenly over them. A gap longer than a is dropped: its basket
// would come after the log's end, which the protocol's test baskets
// cannot (in `privrec train` the served baskets do come later; the weights
// then correct only part of the shift, in the right direction). Without
// them the search tunes for baskets a gap older than the ones it serves
// (on Online Retail median 72 days at the end of training against 30 for
// the test baskets), and drifts towards long time scales; on a log whose
// gaps are short next to the ages (MovieLens) the weights are about 1.
//
// Both distributions are compared in bins of equal validation count
// (ageBins), and each case's weight is its bin's target share over its
// validation share; the weights' mean is 1. It returns nil (equal
// weights) when there are fewer than two bins' worth of cases.
func AgeWeights(val *train.Log, cases []Case) []float64 {
	n := len(cases)
	bins := min(ageBins, n/minBinCases)
	if bins < 2 {
		return nil
	}
	var end int64 = math.MinInt64
	for _, in := range val.Interactions {
		end = max(end, in.At)
	}
	ages := make([]float64, n)
	gaps := make([]float64, 0, n)
	for i, c := range cases {
		ages[i] = float64(end - c.Now)
		var last int64 = math.MinInt64
		for _, e := range c.History {
			last = max(last, e.At)
		}
		if last != math.MinInt64 && last <= c.Now {
			gaps = append(gaps, float64(c.Now-last))
		}
	}
	if len(gaps) == 0 {
		return nil
	}
	sort.Float64s(gaps)
	sorted := append([]float64(nil), ages...)
	sort.Float64s(sorted)
	// edges[b] is the upper edge of bin b (the last bin is open).
	edges := make([]float64, bins-1)
	for b := range edges {
		edges[b] = sorted[(b+1)*n/bins]
	}
	binOf := func(a float64) int { return sort.SearchFloat64s(edges, a+0.5) }
	have := make([]float64, bins)
	for _, a := range ages {
		have[binOf(a)]++
	}
	// upTo is how many gaps are at most t.
	upTo := func(t float64) int { return sort.Search(len(gaps), func(j int) bool { return gaps[j] > t }) }
	want := make([]float64, bins)
	for _, a := range ages {
		k := upTo(a) // the gaps that fit: a − g ≥ 0
		if k == 0 {
			continue
		}
		// Bin b holds the ages in [edges[b−1], edges[b]): a − g lands in
		// it for a − edges[b] < g ≤ a − edges[b−1]. Counting by binary
		// search keeps this O(bins·log n) per case, not O(n).
		prev := k // gaps ≤ a − edges[−1] = a − (−∞), of those that fit
		for b := 0; b < bins; b++ {
			next := 0 // gaps ≤ a − edges[b]
			if b < bins-1 {
				next = min(k, upTo(a-edges[b]))
			}
			want[b] += float64(prev-next) / float64(k)
			prev = next
		}
	}
	var total float64
	for _, w := range want {
		total += w
	}
	if total == 0 {
		return nil
	}
	w := make([]float64, n)
	for i, a := range ages {
		b := binOf(a)
		w[i] = want[b] / total / (have[b] / float64(n))
	}
	return w
}

// ageBins is the most bins AgeWeights compares the two age distributions
// in, and minBinCases the fewest validation cases a bin may hold: ten bins
// resolve a shift of a tenth of the cases; fewer than 50 cases make a
// bin's weight mostly noise.
const (
	ageBins     = 10
	minBinCases = 50
)

// TunePrivrec tunes the shipped model's hyper-parameters (train.Tune) on a
// validation split of log: Split of log holds out each user's last basket,
// the model is trained on the rest, and every trial is scored by NDCG@10 on
// those baskets, natively, through model.Build (the shipped
// quantization), user by user and each user weighted by AgeWeights so the
// baskets are as recent as the ones served (opts.Weights, when set,
// replaces those: one weight per case of Split(log)).
// log is what the model will then be trained on: the whole log for privrec
// train, the training part of a Split for privrec eval, so the test
// baskets are never seen. It returns the chosen Config for log.
//
// It returns ErrNoValidation when no user has two baskets with a new
// purchase in the last; the caller then keeps start.
func TunePrivrec(log *train.Log, start train.Config, opts train.TuneOptions) (train.Config, PrivrecTuning, error) {
	val, cases := Split(log)
	if len(cases) == 0 {
		return start, PrivrecTuning{}, fmt.Errorf("tune privrec: %w (need users with two or more baskets)", ErrNoValidation)
	}
	if opts.Weights == nil && holdoutMode != "flat" {
		opts.Weights = AgeWeights(val, cases)
	}
	cfg, t, err := train.Tune(val, start, opts, func(spec *model.Spec) ([]float64, error) {
		m, err := model.Build(spec)
		if err != nil {
			return nil, err
		}
		r, err := Rankings(cases, m)
		if err != nil {
			return nil, err
		}
		per := make([]float64, len(cases))
		for i := range cases {
			per[i] = Score(cases[i:i+1], r[i:i+1]).NDCG
		}
		return per, nil
	})
	if err != nil {
		return start, PrivrecTuning{}, fmt.Errorf("tune privrec: %w", err)
	}
	eff := float64(len(cases))
	if w := opts.Weights; w != nil {
		var s, sq float64
		for _, x := range w {
			s, sq = s+x, sq+x*x
		}
		eff = s * s / sq
	}
	return cfg, PrivrecTuning{Tuning: t, Cases: len(cases), Effective: eff}, nil
}
