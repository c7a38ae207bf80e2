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
// validation cases its figure (NDCG@10) was measured on.
type PrivrecTuning struct {
	train.Tuning
	Cases int // validation users
}

// TunePrivrec tunes the shipped model's hyper-parameters (train.Tune) on a
// validation split of log: Split of log holds out each user's last basket,
// the model is trained on the rest, and every trial is scored by NDCG@10 on
// those baskets (user by user, so Tune can tell a real gain from noise),
// natively, through model.Build (the shipped quantization).
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
	return cfg, PrivrecTuning{Tuning: t, Cases: len(cases)}, nil
}
