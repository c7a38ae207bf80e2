package train

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/privrec/privrec/model"
)

// StageRepeat is Train's last progress stage: choosing the buy-again
// parameters on the validation split (trials done of the grid).
const StageRepeat = "repeat"

// RepeatTuning is what TuneRepeat chose and on what: the buy-again
// parameters (model.Params.RepeatWeight and RepeatHalfLifeDays), their
// validation NDCG@10 on the next-basket protocol (repeats kept), the
// validation users and trials behind it, and the log's median interval
// between two purchases of one item by one user, which scales the
// half-lives tried.
type RepeatTuning struct {
	Weight       float64
	HalfLifeDays float64
	Validation   float64
	Users        int
	Trials       int
	IntervalDays float64
	Tried        []RepeatTrial // in the order tried
}

// RepeatTrial is one pair of buy-again parameters TuneRepeat tried and its
// validation NDCG@10.
type RepeatTrial struct {
	Weight, HalfLifeDays, Validation float64
}

// String formats t on one line.
func (t RepeatTuning) String() string {
	return fmt.Sprintf("repeat weight %g, half-life %g days (validation NDCG@10 %.4f on %d users, %d trials; median re-purchase interval %.1f days)",
		t.Weight, t.HalfLifeDays, t.Validation, t.Users, t.Trials, t.IntervalDays)
}

// maxRepeatCases bounds the validation users TuneRepeat scores each trial
// on: an even sample of them beyond this.
const maxRepeatCases = 1500

// repeatParams sets the buy-again parameters of p for a model trained on
// log with cfg, unless cfg sets them (RepeatWeight > 0): on the validation
// split (TuneRepeat), or, for a differentially private model, to values
// that look at no data (α = 1, no decay: the shopper's most frequent
// items, ties by the model), since choosing them on the raw log would leak
// what ε does not account for.
func repeatParams(log *Log, cfg Config, p *model.Params, progress func(string, int, int)) error {
	switch {
	case cfg.Params.RepeatWeight > 0:
		return nil
	case cfg.Privacy.Enabled():
		p.RepeatWeight, p.RepeatHalfLifeDays = 1, 0
		return nil
	}
	t, err := TuneRepeat(log, cfg, progress)
	if err != nil {
		return err
	}
	if t.Trials > 0 {
		p.RepeatWeight, p.RepeatHalfLifeDays = t.Weight, t.HalfLifeDays
	}
	return nil
}

// TuneRepeat chooses the buy-again parameters of a model trained on log
// with cfg, on a validation split of log that keeps repeats: each user's
// last basket (users with at least two) is held out, a model is trained
// with cfg on the rest, and every trial ranks the held-out baskets in
// model.ModeBuyAgain, scored by NDCG@10 over all their purchased items.
//
// The half-lives tried are multiples (¼ to 16×) of the log's median
// re-purchase interval, and no decay; the weights α are 0.25 to 1. The
// search is coordinate-wise — half-life at α = 0.75, α at the best
// half-life, the half-life again — and ties go to the value tried first
// (no decay, then the larger α). A log with no user of two baskets, or no
// re-purchase, makes no trial: the result has Trials 0.
//
// It trains one model and scores about fifteen trials on at most 1,500
// validation users.
func TuneRepeat(log *Log, cfg Config, progress func(string, int, int)) (RepeatTuning, error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	t := RepeatTuning{IntervalDays: repurchaseInterval(log)}
	valLog, cases := repeatSplit(log)
	if len(cases) == 0 || t.IntervalDays == 0 {
		return t, nil
	}
	if len(cases) > maxRepeatCases {
		step := float64(len(cases)) / maxRepeatCases
		sample := make([]repeatCase, 0, maxRepeatCases)
		for i := range maxRepeatCases {
			sample = append(sample, cases[int(float64(i)*step)])
		}
		cases = sample
	}
	t.Users = len(cases)
	vcfg := cfg
	vcfg.Params.RepeatWeight = 1 // explicit: no tuning inside
	spec, err := Train(valLog, vcfg, nil)
	if err != nil {
		return t, fmt.Errorf("tune repeat: train on the validation split: %w", err)
	}
	halfLives := []float64{0}
	for _, f := range []float64{0.25, 1, 4, 16} {
		halfLives = append(halfLives, roundTo3(f*t.IntervalDays))
	}
	weights := []float64{1, 0.75, 0.5, 0.25}
	const grid = 5 + 4 + 5 // upper bound on the trials, for progress
	type key struct{ w, hl float64 }
	tried := make(map[key]float64)
	best := key{-1, -1}
	bestScore := math.Inf(-1)
	try := func(w, hl float64) error {
		k := key{w, hl}
		if _, ok := tried[k]; ok {
			return nil
		}
		s, err := scoreRepeat(spec, w, hl, cases)
		if err != nil {
			return fmt.Errorf("tune repeat: weight %g, half-life %g: %w", w, hl, err)
		}
		tried[k] = s
		t.Tried = append(t.Tried, RepeatTrial{w, hl, s})
		progress(StageRepeat, len(tried), grid)
		if s > bestScore {
			best, bestScore = k, s
		}
		return nil
	}
	for _, hl := range halfLives {
		if err := try(0.75, hl); err != nil {
			return t, err
		}
	}
	for _, w := range weights {
		if err := try(w, best.hl); err != nil {
			return t, err
		}
	}
	for _, hl := range halfLives {
		if err := try(best.w, hl); err != nil {
			return t, err
		}
	}
	progress(StageRepeat, grid, grid)
	t.Weight, t.HalfLifeDays, t.Validation, t.Trials = best.w, best.hl, bestScore, len(tried)
	return t, nil
}

// roundTo3 rounds v to three significant digits, for reports.
func roundTo3(v float64) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, 2-math.Floor(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// repeatCase is one validation user: their other events, the time of the
// held-out basket and its purchased items.
type repeatCase struct {
	history model.History
	now     int64
	targets map[string]bool
}

// repeatSplit holds out each user's last basket (users with at least two):
// baskets as the quality protocol forms them (the Basket column, else
// sessions of gaps under 30 minutes), ordered by their earliest time, ties
// by basket id. It returns the other rows as a log (the same catalog) and
// one case per user whose held-out basket purchases something, by user id.
func repeatSplit(log *Log) (*Log, []repeatCase) {
	const gap = 30 * 60 * 1000
	byUser := make(map[string][]int)
	for i, in := range log.Interactions {
		byUser[in.User] = append(byUser[in.User], i)
	}
	users := make([]string, 0, len(byUser))
	for u := range byUser {
		users = append(users, u)
	}
	slices.Sort(users)
	held := make([]bool, len(log.Interactions))
	var cases []repeatCase
	for _, u := range users {
		rows := byUser[u]
		// Basket of each row: its Basket, or a session of the basketless rows.
		slices.SortStableFunc(rows, func(a, b int) int { return cmp.Compare(log.Interactions[a].At, log.Interactions[b].At) })
		basket := make(map[int]string, len(rows))
		session, prev := 0, int64(math.MinInt64)
		for k, i := range rows {
			in := log.Interactions[i]
			if in.Basket != "" {
				basket[i] = in.Basket
				continue
			}
			if k > 0 && prev != math.MinInt64 && in.At-prev >= gap {
				session++
			}
			prev = in.At
			basket[i] = fmt.Sprintf("\x00session %010d", session)
		}
		first := make(map[string]int64)
		for _, i := range rows {
			b, at := basket[i], log.Interactions[i].At
			if f, ok := first[b]; !ok || at < f {
				first[b] = at
			}
		}
		if len(first) < 2 {
			continue
		}
		last := ""
		for b, at := range first {
			if last == "" || at > first[last] || (at == first[last] && b > last) {
				last = b
			}
		}
		c := repeatCase{now: first[last], targets: make(map[string]bool)}
		for _, i := range rows {
			in := log.Interactions[i]
			if basket[i] == last {
				held[i] = true
				if in.Kind == model.KindPurchase {
					c.targets[in.Item] = true
				}
			}
		}
		for _, i := range rows {
			if !held[i] {
				in := log.Interactions[i]
				c.history = append(c.history, model.Event{Item: in.Item, Kind: in.Kind, At: in.At})
			}
		}
		if len(c.targets) > 0 {
			cases = append(cases, c)
		}
	}
	out := &Log{Catalog: log.Catalog}
	for i, in := range log.Interactions {
		if !held[i] {
			out.Interactions = append(out.Interactions, in)
		}
	}
	return out, cases
}

// repurchaseInterval is the median, in days, of the intervals between
// consecutive purchases (at distinct times) of one item by one user; 0
// when no user bought an item twice.
func repurchaseInterval(log *Log) float64 {
	type ui struct{ user, item string }
	times := make(map[ui][]int64)
	for _, in := range log.Interactions {
		if in.Kind == model.KindPurchase {
			k := ui{in.User, in.Item}
			times[k] = append(times[k], in.At)
		}
	}
	var gaps []int64
	for _, ts := range times {
		slices.Sort(ts)
		for i := 1; i < len(ts); i++ {
			if d := ts[i] - ts[i-1]; d > 0 {
				gaps = append(gaps, d)
			}
		}
	}
	if len(gaps) == 0 {
		return 0
	}
	slices.Sort(gaps)
	return float64(gaps[len(gaps)/2]) / float64(24*time.Hour/time.Millisecond)
}

// scoreRepeat is the mean NDCG@10 of spec with the buy-again parameters w
// and hl over cases, requests as the next-basket protocol sends them.
func scoreRepeat(spec *model.Spec, w, hl float64, cases []repeatCase) (float64, error) {
	s := *spec
	s.Params.RepeatWeight, s.Params.RepeatHalfLifeDays = w, hl
	m, err := model.Build(&s)
	if err != nil {
		return 0, err
	}
	const cut = 10
	var idcg [cut + 1]float64
	for r := 1; r <= cut; r++ {
		idcg[r] = idcg[r-1] + 1/math.Log2(float64(r)+1)
	}
	sum := 0.0
	for _, c := range cases {
		t := time.UnixMilli(c.now).UTC()
		resp, err := m.Recommend(model.Request{K: cut, History: c.history, Now: c.now, Mode: model.ModeBuyAgain,
			Context: model.Context{Hour: t.Hour(), Weekday: int(t.Weekday())}})
		if err != nil {
			return 0, err
		}
		dcg := 0.0
		for r, it := range resp.Items {
			if c.targets[it.Item] {
				dcg += 1 / math.Log2(float64(r)+2)
			}
		}
		sum += dcg / idcg[min(cut, len(c.targets))]
	}
	return sum / float64(len(cases)), nil
}
