package train

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/privrec/privrec/model"
)

// Param names a hyper-parameter Tune searches. The names are those of
// privrec train's flags, of the train output and of the signed manifest's
// tuning record.
type Param string

// The hyper-parameters Tune may search, in the order of its passes.
const (
	ParamTrainHalfLife      Param = "train-half-life"      // Config.TrainHalfLifeDays
	ParamLambda             Param = "lambda"               // Config.Lambda
	ParamPopularityWeight   Param = "popularity-weight"    // Params.PopularityWeight
	ParamHalfLife           Param = "half-life"            // Params.HalfLifeDays (scoring)
	ParamTrendHalfLife      Param = "trend-half-life"      // Config.TrendHalfLifeDays
	ParamPopularityHalfLife Param = "popularity-half-life" // Params.PopularityHalfLifeDays
	ParamNeighbors          Param = "neighbors"            // Config.Neighbors (at most the starting value)
	ParamViewWeight         Param = "view-weight"          // Params.ViewWeight, when the log has views
	ParamCartWeight         Param = "cart-weight"          // Params.CartWeight, when the log has carts
)

// Params lists every Param, in the order Tune searches them.
func Params() []Param {
	return []Param{ParamTrainHalfLife, ParamLambda, ParamPopularityWeight, ParamHalfLife, ParamTrendHalfLife,
		ParamPopularityHalfLife, ParamNeighbors, ParamViewWeight, ParamCartWeight}
}

// Get returns p's value in c.
func (p Param) Get(c Config) float64 {
	switch p {
	case ParamTrainHalfLife:
		return c.TrainHalfLifeDays
	case ParamLambda:
		return c.Lambda
	case ParamPopularityWeight:
		return c.Params.PopularityWeight
	case ParamHalfLife:
		return c.Params.HalfLifeDays
	case ParamTrendHalfLife:
		return c.TrendHalfLifeDays
	case ParamPopularityHalfLife:
		return c.Params.PopularityHalfLifeDays
	case ParamNeighbors:
		return float64(c.Neighbors)
	case ParamViewWeight:
		return c.Params.ViewWeight
	case ParamCartWeight:
		return c.Params.CartWeight
	}
	return math.NaN()
}

// Set returns c with p set to v (rounded for Neighbors).
func (p Param) Set(c Config, v float64) Config {
	switch p {
	case ParamTrainHalfLife:
		c.TrainHalfLifeDays = v
	case ParamLambda:
		c.Lambda = v
	case ParamPopularityWeight:
		c.Params.PopularityWeight = v
	case ParamHalfLife:
		c.Params.HalfLifeDays = v
	case ParamTrendHalfLife:
		c.TrendHalfLifeDays = v
	case ParamPopularityHalfLife:
		c.Params.PopularityHalfLifeDays = v
	case ParamNeighbors:
		c.Neighbors = int(math.Round(v))
	case ParamViewWeight:
		c.Params.ViewWeight = v
	case ParamCartWeight:
		c.Params.CartWeight = v
	}
	return c
}

// retrains reports whether changing p changes the trained weights, not
// only how the shipped model scores (or how many weights it keeps).
func (p Param) retrains() bool {
	switch p {
	case ParamTrainHalfLife, ParamLambda, ParamViewWeight, ParamCartWeight:
		return true
	}
	return false
}

// LogStats is the scale of a log, which the defaults of ConfigFor and the
// ranges of Tune are relative to, and what Check looks at.
type LogStats struct {
	Interactions, Users, Items int
	Views, Carts, Purchases    int
	// Start and End are the earliest and latest times, Unix ms.
	Start, End int64
	// SpanDays is End − Start in days.
	SpanDays float64
	// SingleEventUsers is how many users have exactly one interaction.
	SingleEventUsers int
	// HistoryDays is the median, over users with two or more
	// interactions, of the days between their first and last one.
	HistoryDays float64
}

// Stats measures log.
func Stats(log *Log) LogStats {
	var s LogStats
	if log == nil || len(log.Interactions) == 0 {
		return s
	}
	type span struct {
		n          int
		first, end int64
	}
	users := make(map[string]*span)
	items := make(map[string]struct{})
	s.Start, s.End = math.MaxInt64, math.MinInt64
	for _, in := range log.Interactions {
		s.Interactions++
		s.Start, s.End = min(s.Start, in.At), max(s.End, in.At)
		items[in.Item] = struct{}{}
		switch in.Kind {
		case model.KindView:
			s.Views++
		case model.KindCart:
			s.Carts++
		default:
			s.Purchases++
		}
		u := users[in.User]
		if u == nil {
			u = &span{first: in.At, end: in.At}
			users[in.User] = u
		}
		u.n++
		u.first, u.end = min(u.first, in.At), max(u.end, in.At)
	}
	s.Users, s.Items = len(users), len(items)
	s.SpanDays = float64(s.End-s.Start) / dayMs
	var hist []float64
	for _, u := range users {
		if u.n == 1 {
			s.SingleEventUsers++
			continue
		}
		hist = append(hist, float64(u.end-u.first)/dayMs)
	}
	if len(hist) > 0 {
		slices.Sort(hist)
		s.HistoryDays = hist[(len(hist)-1)/2]
	}
	return s
}

const dayMs = float64(24 * time.Hour / time.Millisecond)

// Span fractions of the defaults ConfigFor derives from a log's span.
// They are the values chosen on the Online Retail validation split (60,
// 60, 14 and 30 days of a 373-day log) expressed as fractions of the span,
// so a log of 22 years is not read through a two-month window; Tune
// searches around them on the log at hand (RATIONALE.md, "Self-tuning").
const (
	trainHalfLifeSpans      = 1.0 / 6
	halfLifeSpans           = 1.0 / 6
	trendHalfLifeSpans      = 1.0 / 26
	popularityHalfLifeSpans = 1.0 / 12
)

// ConfigFor returns DefaultConfig with its time scales relative to log:
// the training, scoring, trend and prior half-lives are fractions of the
// log's span (all off for a log whose events share one time). These are
// the values privrec train uses with --no-tune, and where Tune starts.
func ConfigFor(log *Log) Config {
	c := DefaultConfig()
	s := Stats(log)
	c.TrainHalfLifeDays = roundSig(s.SpanDays * trainHalfLifeSpans)
	c.Params.HalfLifeDays = roundSig(s.SpanDays * halfLifeSpans)
	c.TrendHalfLifeDays = roundSig(s.SpanDays * trendHalfLifeSpans)
	c.Params.PopularityHalfLifeDays = roundSig(s.SpanDays * popularityHalfLifeSpans)
	return c
}

// roundSig rounds v to three significant digits, for reports and flags.
func roundSig(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 3, 64), 64)
	return r
}

// TuneOptions configure Tune.
type TuneOptions struct {
	// Budget bounds the search's wall time: Tune starts no trial it
	// expects to end past it (the starting point is always scored).
	// Zero means DefaultTuneBudget.
	Budget time.Duration
	// Fixed are the parameters Tune leaves at the starting Config's value
	// (privrec train's explicit flags).
	Fixed []Param
	// Progress, when not nil, is called after every trial.
	Progress func(TuneProgress)
	// Now is the clock; nil means time.Now. Tests pass a fake one.
	Now func() time.Time
	// Weights, when not nil, weigh the validation cases (one per case,
	// in the objective's order, none negative, not all zero): the figures
	// Tune compares and reports are weighted means. eval.TunePrivrec
	// weighs cases by the age of their basket (eval.AgeWeights).
	Weights []float64
}

// DefaultTuneBudget is the search time privrec train allows by default: on
// 2 cores it is 30–50 trainings of a catalog of a few thousand items.
const DefaultTuneBudget = 3 * time.Minute

// TuneProgress reports one trial.
type TuneProgress struct {
	Trial   int     // 1-based
	Param   Param   // the parameter varied; "" for the starting point
	Value   float64 // its value in this trial
	Score   float64 // validation figure of this trial
	Best    float64 // best validation figure so far
	Elapsed time.Duration
	Left    time.Duration // of the budget
}

// Tuning is what Tune chose and how. It is a plain value.
type Tuning struct {
	// Chosen holds the value of every parameter in the chosen Config,
	// searched or fixed, in Params order; Searched says which were searched.
	Chosen   []ParamValue
	Searched []Param
	// Score is the chosen Config's validation figure; Start the figure of
	// the starting Config.
	Score, Start float64
	Trials       int
	Elapsed      time.Duration
	// Exhausted is true when the budget ended the search before it
	// converged.
	Exhausted bool
}

// ParamValue is one parameter's value.
type ParamValue struct {
	Param Param
	Value float64
}

// String formats the chosen values as flags would take them.
func (t Tuning) String() string {
	parts := make([]string, len(t.Chosen))
	for i, pv := range t.Chosen {
		parts[i] = fmt.Sprintf("%s=%s", pv.Param, strconv.FormatFloat(pv.Value, 'g', 4, 64))
	}
	return strings.Join(parts, " ")
}

// ErrNoScore is returned by Tune when the objective gives no finite figure.
var ErrNoScore = errors.New("objective gave no finite score")

// minRelGain is the bar a move must clear for Tune to take it: its mean
// gain over the validation cases (weighted by TuneOptions.Weights) must be
// at least 0.1% of the current figure. Below that a trial is a tie (the
// quantized model rounds the same way), and taking ties would walk the
// search along flat ridges and spend the budget there.
//
// There is no standard-error bar. One was needed while the validation
// baskets were a basket older than the served ones and moves towards the
// past looked like gains; with the cases weighted by age
// (eval.AgeWeights) the validation figure estimates the served one, and
// a noise bar mostly rejects real gains on small logs: on MovieLens (205
// validation users) "one standard error" refused the move to binary
// training that gains 0.006 on test (RATIONALE.md, "Self-tuning").
const minRelGain = 0.001

// improves reports whether cand beats cur by minRelGain of cur's mean,
// in the means weighted by w (nil: equally).
func improves(cand, cur, w []float64) bool {
	if len(cand) == 0 || len(cand) != len(cur) {
		return false
	}
	gain := wmean(cand, w) - wmean(cur, w)
	return gain > 0 && gain >= minRelGain*math.Abs(wmean(cur, w))
}

func weight(w []float64, i int) float64 {
	if w == nil {
		return 1
	}
	return w[i]
}

// wmean is the mean of xs weighted by w (nil: equally).
func wmean(xs, w []float64) float64 {
	var s, sw float64
	for i, x := range xs {
		s += weight(w, i) * x
		sw += weight(w, i)
	}
	return s / max(sw, math.SmallestNonzeroFloat64)
}

// Tune searches the hyper-parameters of start on log, a training log, by
// the figures score gives a model trained on it: one per validation case,
// higher is better, the same cases in the same order every call (model/eval
// scores NDCG@10 on held-out baskets: eval.TunePrivrec). It returns the best
// Config found and the record of the search.
//
// The search is coordinate ascent, parameter by parameter in Params order,
// on multiplicative steps that shrink (×4, ×2, ×√2) pass after pass; the
// half-lives, the prior and the kind weights are first tried off (0), then
// stepped. Nothing in it is a scale fitted to one log: steps are relative to the starting values
// (ConfigFor makes them relative to the log's span), half-lives stay
// within 1/512 and 4 spans, λ within 10⁻⁴ and 10⁴ times its start. A move
// is taken when it raises the (weighted) validation figure by at least
// 0.1% (minRelGain).
// Training-free trials (scoring parameters, fewer neighbours) reuse the
// last trained weights. The search stops when a pass at the finest step
// changes nothing, or before a trial that would overrun opts.Budget.
//
// Differentially private configs are refused (model.ErrBadRequest):
// choosing hyper-parameters on the raw log would leak what the stated ε
// does not account for. Errors of score are returned wrapped.
func Tune(log *Log, start Config, opts TuneOptions, score func(*model.Spec) ([]float64, error)) (Config, Tuning, error) {
	if err := start.Validate(); err != nil {
		return start, Tuning{}, fmt.Errorf("tune: %w", err)
	}
	if start.Privacy.Enabled() {
		return start, Tuning{}, fmt.Errorf("%w: tune: differentially private training is not tuned on the raw log", model.ErrBadRequest)
	}
	if log == nil || len(log.Interactions) == 0 {
		return start, Tuning{}, fmt.Errorf("%w: tune: no interactions", model.ErrBadRequest)
	}
	if w := opts.Weights; w != nil {
		var sw float64
		for _, x := range w {
			if !(x >= 0) || math.IsInf(x, 0) {
				return start, Tuning{}, fmt.Errorf("%w: tune: weight %v; want finite, non-negative weights", model.ErrBadRequest, x)
			}
			sw += x
		}
		if sw == 0 {
			return start, Tuning{}, fmt.Errorf("%w: tune: every weight is 0", model.ErrBadRequest)
		}
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	budget := opts.Budget
	if budget == 0 {
		budget = DefaultTuneBudget
	}
	stats := Stats(log)
	tr := newTuneTrainer(log)
	begin := now()
	t := Tuning{}

	// The search space: every parameter not fixed that matters for log.
	var dims []Param
	for _, p := range Params() {
		switch {
		case slices.Contains(opts.Fixed, p):
		case p == ParamViewWeight && stats.Views == 0, p == ParamCartWeight && stats.Carts == 0:
		case isHalfLife(p) && stats.SpanDays == 0:
		case p == ParamNeighbors && start.Kind != model.ModelNeighbors:
		default:
			dims = append(dims, p)
		}
	}
	t.Searched = dims

	type key string
	keyOf := func(c Config) key {
		var b strings.Builder
		for _, p := range Params() {
			fmt.Fprintf(&b, "%g,", p.Get(c))
		}
		return key(b.String())
	}
	seen := make(map[key][]float64)
	var costTrain, costScore time.Duration // the latest of each
	var curScore []float64                 // the current best's figures
	trial := func(c Config, p Param) ([]float64, bool, error) {
		if s, ok := seen[keyOf(c)]; ok {
			return s, true, nil
		}
		retrain := !tr.has(c)
		cost := costScore
		if retrain {
			cost = costTrain
		}
		elapsed := now().Sub(begin)
		if t.Trials > 0 && elapsed+cost > budget {
			t.Exhausted = true
			return nil, false, nil
		}
		t0 := now()
		spec, err := tr.spec(c)
		if err != nil {
			return nil, false, fmt.Errorf("tune: %s=%g: %w", p, p.Get(c), err)
		}
		s, err := score(spec)
		if err != nil {
			return nil, false, fmt.Errorf("tune: %s=%g: %w", p, p.Get(c), err)
		}
		if w := opts.Weights; w != nil && len(w) != len(s) {
			return nil, false, fmt.Errorf("%w: tune: %d weights for %d validation cases", model.ErrBadRequest, len(w), len(s))
		}
		if m := wmean(s, opts.Weights); len(s) == 0 || math.IsNaN(m) || math.IsInf(m, 0) {
			return nil, false, fmt.Errorf("tune: %s=%g: %w", p, p.Get(c), ErrNoScore)
		}
		if d := now().Sub(t0); retrain {
			costTrain = d
		} else {
			costScore = d
		}
		t.Trials++
		seen[keyOf(c)] = s
		if opts.Progress != nil {
			el := now().Sub(begin)
			best := wmean(s, opts.Weights)
			if curScore != nil {
				best = wmean(curScore, opts.Weights)
			}
			opts.Progress(TuneProgress{Trial: t.Trials, Param: p, Value: p.Get(c), Score: wmean(s, opts.Weights), Best: best, Elapsed: el, Left: max(0, budget-el)})
		}
		return s, true, nil
	}
	cur := start
	s, _, err := trial(start, "")
	if err != nil {
		return start, t, err
	}
	curScore = s
	t.Start = wmean(s, opts.Weights)
	better := func(s []float64) bool { return improves(s, curScore, opts.Weights) }

	origin := func(p Param) float64 { // the value a parameter that is off restarts from
		if v := p.Get(start); v > 0 {
			return v
		}
		if isHalfLife(p) {
			return roundSig(stats.SpanDays / 6)
		}
		d := DefaultConfig()
		return p.Get(d)
	}
	bounds := func(p Param) (lo, hi float64) {
		switch {
		case isHalfLife(p):
			return stats.SpanDays / 512, 4 * stats.SpanDays
		case p == ParamLambda:
			return start.Lambda * 1e-4, start.Lambda * 1e4
		case p == ParamPopularityWeight:
			return 1e-3, 1e4
		case p == ParamNeighbors:
			return float64(start.MinNeighbors), float64(start.Neighbors)
		default: // kind weights, relative to a purchase
			return 1e-3, start.Params.PurchaseWeight
		}
	}
	canBeOff := func(p Param) bool {
		return isHalfLife(p) || p == ParamPopularityWeight || p == ParamViewWeight || p == ParamCartWeight
	}

	// line searches p from cur with step f; it reports whether it moved
	// and whether the budget stopped it.
	line := func(p Param, f float64) (bool, bool, error) {
		moved := false
		lo, hi := bounds(p)
		v := p.Get(cur)
		try := func(nv float64) (bool, bool, error) {
			if p == ParamNeighbors {
				nv = math.Round(nv)
			} else if nv != 0 {
				nv = roundSig(nv)
			}
			if nv != 0 && (nv < lo*(1-1e-9) || nv > hi*(1+1e-9)) || nv == p.Get(cur) {
				return false, true, nil
			}
			c := p.Set(cur, nv)
			if p != ParamLambda && p.retrains() && !slices.Contains(opts.Fixed, ParamLambda) {
				// λ keeps its ratio to the Gram matrix's diagonal: X's
				// scale changes with the training half-life and kind
				// weights, and a λ fitted to one scale is wrong for another.
				a, err := tr.diag(cur)
				if err != nil {
					return false, true, err
				}
				b, err := tr.diag(c)
				if err != nil {
					return false, true, err
				}
				if a > 0 && b > 0 {
					c.Lambda = roundSig(c.Lambda * b / a)
				}
			}
			if c.Validate() != nil {
				return false, true, nil
			}
			s, ok, err := trial(c, p)
			if err != nil || !ok {
				return false, ok, err
			}
			if better(s) {
				cur, curScore, moved = c, s, true
				return true, true, nil
			}
			return false, true, nil
		}
		if v == 0 {
			ok, more, err := try(origin(p))
			if err != nil || !more || !ok {
				return moved, !more, err
			}
			v = p.Get(cur)
		} else if canBeOff(p) {
			// Off first: it is the largest move a parameter has, and
			// when it wins (no training decay on a log that does not
			// drift) a search short of budget should not spend its
			// trials stepping towards it.
			ok, more, err := try(0)
			if err != nil || !more || ok {
				return moved, !more, err
			}
		}
		for _, dir := range []float64{f, 1 / f} {
			if p == ParamNeighbors && dir > 1 {
				continue // the starting neighbours are the most the budget allows
			}
			stepped := false
			for {
				ok, more, err := try(p.Get(cur) * dir)
				if err != nil || !more {
					return moved, !more, err
				}
				if !ok {
					break
				}
				stepped = true
			}
			if stepped {
				break
			}
		}
		return moved, false, nil
	}

	steps := []float64{4, 2, math.Sqrt2}
search:
	for si := 0; si < len(steps); {
		moved := false
		for _, p := range dims {
			m, stop, err := line(p, steps[si])
			if err != nil {
				return start, t, err
			}
			moved = moved || m
			if stop {
				break search
			}
		}
		if !moved || si < len(steps)-1 {
			si++ // a pass that moved at the finest step is repeated
		}
		if !moved && si == len(steps) {
			break
		}
	}
	t.Score = wmean(curScore, opts.Weights)
	t.Elapsed = now().Sub(begin)
	for _, p := range Params() {
		if p == ParamViewWeight && stats.Views == 0 || p == ParamCartWeight && stats.Carts == 0 {
			continue
		}
		t.Chosen = append(t.Chosen, ParamValue{p, p.Get(cur)})
	}
	return cur, t, nil
}

func isHalfLife(p Param) bool {
	switch p {
	case ParamTrainHalfLife, ParamHalfLife, ParamTrendHalfLife, ParamPopularityHalfLife:
		return true
	}
	return false
}

// tuneTrainer trains the models of Tune's trials, keeping what a trial
// shares with the last one: the dataset and Gram matrix (for the same
// training half-life and kind weights), the fitted rows (for the same λ
// too) and the context lists (which no tuned parameter changes). Its
// specs are exactly Train's for the same Config (a test checks it); it
// falls back to Train for the kinds and sizes it does not cache.
type tuneTrainer struct {
	log   *Log
	diags map[[6]float64]float64 // mean Gram diagonal by data key

	dataKey  [6]float64
	d        *dataset
	g        *sparseGram
	rowsKey  [7]float64
	rows     [][]model.Neighbor // sorted, at most rowsKeep per item
	rowsKeep int
	contexts map[string][]model.Neighbor
	ctxKey   [2]int
	haveCtx  bool
}

func newTuneTrainer(log *Log) *tuneTrainer {
	return &tuneTrainer{log: log, diags: make(map[[6]float64]float64)}
}

// diag is the mean diagonal of XᵀX (the mean over items of Σ_u x_ui²) for
// c's training half-life and kind weights: the scale λ is relative to.
func (t *tuneTrainer) diag(c Config) (float64, error) {
	k := dataKeyOf(c)
	if v, ok := t.diags[k]; ok {
		return v, nil
	}
	d, err := newDataset(t.log, c)
	if err != nil {
		return 0, err
	}
	t.diags[k] = meanDiag(d)
	return t.diags[k], nil
}

func meanDiag(d *dataset) float64 {
	var s float64
	for _, row := range d.users {
		for _, e := range row {
			s += e.x * e.x
		}
	}
	return s / float64(max(1, len(d.items)))
}

func (t *tuneTrainer) cached(c Config) bool {
	return c.Kind == model.ModelNeighbors && !c.Privacy.Enabled() && (t.d == nil || len(t.d.items) > c.DenseMaxItems)
}

func dataKeyOf(c Config) [6]float64 {
	return [6]float64{c.TrainHalfLifeDays, c.Params.ViewWeight, c.Params.CartWeight, c.Params.PurchaseWeight,
		float64(c.MaxUserItems), float64(c.Candidates)}
}

func rowsKeyOf(c Config) [7]float64 {
	k := dataKeyOf(c)
	return [7]float64{k[0], k[1], k[2], k[3], k[4], k[5], c.Lambda}
}

// has reports whether spec(c) needs no training.
func (t *tuneTrainer) has(c Config) bool {
	return t.cached(c) && t.rows != nil && t.rowsKey == rowsKeyOf(c) && c.Neighbors <= t.rowsKeep
}

func (t *tuneTrainer) spec(c Config) (*model.Spec, error) {
	if !t.cached(c) {
		return Train(t.log, c, nil)
	}
	nop := func(string, int, int) {}
	if t.d == nil || t.dataKey != dataKeyOf(c) {
		d, err := newDataset(t.log, c)
		if err != nil {
			return nil, err
		}
		if len(d.items) <= c.DenseMaxItems {
			return Train(t.log, c, nil)
		}
		t.d, t.dataKey, t.rows = d, dataKeyOf(c), nil
		t.g = buildGram(d.capUsers(c.MaxUserItems), len(d.items), c.GramRowCap(), nop)
	}
	if t.rows == nil || t.rowsKey != rowsKeyOf(c) || c.Neighbors > t.rowsKeep {
		rows, err := localRidge(t.g, c.Lambda, c.Candidates, nop)
		if err != nil {
			return nil, err
		}
		t.rows, t.rowsKey, t.rowsKeep = truncateRows(rows, c.Neighbors, nop), rowsKeyOf(c), c.Neighbors
	}
	if ck := [2]int{c.ContextItems, c.ContextMinBuyers}; !t.haveCtx || t.ctxKey != ck {
		t.contexts, t.ctxKey, t.haveCtx = t.d.contexts(c, nop), ck, true
	}
	d := t.d
	spec := &model.Spec{Items: d.items, Params: c.Params, Popularity: d.popularity(c.TrendHalfLifeDays), Contexts: t.contexts}
	spec.Params.PopularityAt = max(0, d.end)
	spec.Neighbors = make([][]model.Neighbor, len(t.rows))
	for i, row := range t.rows {
		spec.Neighbors[i] = row[:min(len(row), c.Neighbors)]
	}
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	return spec, nil
}
