package train_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

// spanLog is a small log of users in taste groups spread over days.
func spanLog(days int) *train.Log {
	const day = 86_400_000
	r := rand.New(rand.NewPCG(7, 7))
	l := &train.Log{}
	for u := 0; u < 120; u++ {
		for e := 0; e < 6; e++ {
			l.Interactions = append(l.Interactions, train.Interaction{User: fmt.Sprintf("u%03d", u),
				Item: fmt.Sprintf("g%d-%d", u%4, r.IntN(8)), Kind: model.KindPurchase, At: 1_600_000_000_000 + int64(r.IntN(days+1))*day})
		}
	}
	return l
}

// peaked is an objective over 200 cases that peaks where the scoring
// half-life is 40 days and the prior weight 16 (read back from the spec),
// the same for every case plus a fixed per-case offset, so moves towards
// the peak gain and moves away from it lose.
func peaked(calls *int) func(*model.Spec) ([]float64, error) {
	return func(s *model.Spec) ([]float64, error) {
		*calls++
		p := s.Params
		f := -math.Abs(math.Log2(max(p.HalfLifeDays, 1e-3)/40)) - math.Abs(math.Log2(max(p.PopularityWeight, 1e-3)/16))
		out := make([]float64, 200)
		for i := range out {
			out[i] = f + float64(i%7)*0.01
		}
		return out, nil
	}
}

func TestTuneFindsPeak(t *testing.T) {
	l := spanLog(360)
	start := train.ConfigFor(l)
	calls := 0
	cfg, rec, err := train.Tune(l, start, train.TuneOptions{Budget: time.Hour, Fixed: []train.Param{train.ParamTrainHalfLife, train.ParamLambda}}, peaked(&calls))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Params.HalfLifeDays; math.Abs(math.Log2(got/40)) > 0.5 {
		t.Errorf("half-life %v; want within √2 of the peak at 40", got)
	}
	if got := cfg.Params.PopularityWeight; math.Abs(math.Log2(got/16)) > 0.5 {
		t.Errorf("popularity weight %v; want within √2 of the peak at 16", got)
	}
	if cfg.TrainHalfLifeDays != start.TrainHalfLifeDays || cfg.Lambda != start.Lambda {
		t.Errorf("fixed parameters moved: train half-life %v (was %v), lambda %v (was %v)", cfg.TrainHalfLifeDays, start.TrainHalfLifeDays, cfg.Lambda, start.Lambda)
	}
	if rec.Trials != calls || rec.Exhausted || !(rec.Score > rec.Start) {
		t.Errorf("record %+v after %d calls; want every call counted, converged, a gain", rec, calls)
	}
	for _, p := range rec.Searched {
		if p == train.ParamTrainHalfLife || p == train.ParamLambda {
			t.Errorf("searched fixed %s", p)
		}
	}
}

// TestTuneTies: an objective whose figure moves by less than 0.1% from
// trial to trial (ties, rounding) moves nothing, however the cases
// jitter; one that rises by 0.2% per step of the prior weight moves it.
func TestTuneTies(t *testing.T) {
	l := spanLog(360)
	start := train.ConfigFor(l)
	fixed := []train.Param{train.ParamTrainHalfLife, train.ParamLambda}
	r := rand.New(rand.NewPCG(1, 2))
	jitter := func(level float64) []float64 {
		out := make([]float64, 100)
		var sum float64
		for i := range out {
			out[i] = r.NormFloat64()
			sum += out[i]
		}
		for i := range out { // mean exactly level, cases jittered around it
			out[i] = level + 0.01*(out[i]-sum/100)
		}
		return out
	}
	cfg, rec, err := train.Tune(l, start, train.TuneOptions{Budget: time.Hour, Fixed: fixed}, func(*model.Spec) ([]float64, error) {
		return jitter(0.1 * (1 + 0.0009*r.Float64())), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Params.HalfLifeDays != start.Params.HalfLifeDays || cfg.Params.PopularityWeight != start.Params.PopularityWeight {
		t.Errorf("ties moved the config: half-life %v, prior %v (%s)", cfg.Params.HalfLifeDays, cfg.Params.PopularityWeight, rec)
	}
	cfg, rec, err = train.Tune(l, start, train.TuneOptions{Budget: time.Hour, Fixed: fixed}, func(s *model.Spec) ([]float64, error) {
		return jitter(0.1 * (1 + 0.002*math.Log2(1+s.Params.PopularityWeight))), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !(cfg.Params.PopularityWeight > start.Params.PopularityWeight) {
		t.Errorf("a 0.2%% gain per step left the prior weight at %v (%s)", cfg.Params.PopularityWeight, rec)
	}
}

// TestTuneBudget: with a clock that advances a minute per reading, a
// 3-minute budget stops the search after a few trials and says so.
func TestTuneBudget(t *testing.T) {
	l := spanLog(360)
	clock := time.Unix(0, 0)
	calls := 0
	_, rec, err := train.Tune(l, train.ConfigFor(l), train.TuneOptions{Budget: 3 * time.Minute, Fixed: []train.Param{train.ParamTrainHalfLife, train.ParamLambda},
		Now: func() time.Time { clock = clock.Add(time.Minute); return clock }}, peaked(&calls))
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Exhausted || rec.Trials > 2 || rec.Trials != calls {
		t.Errorf("%d trials (%d calls), exhausted %v; want at most 2 in 3 minutes at 2 minutes each, exhausted", rec.Trials, calls, rec.Exhausted)
	}
}

func TestTuneRefuses(t *testing.T) {
	l := spanLog(30)
	private := train.ConfigFor(l)
	private.Privacy.Epsilon, private.Privacy.Delta = 4, 1e-6
	bad := train.ConfigFor(l)
	bad.Lambda = -1
	calls := 0
	for _, tc := range []struct {
		name string
		log  *train.Log
		cfg  train.Config
	}{{"private", l, private}, {"invalid", l, bad}, {"empty log", &train.Log{}, train.ConfigFor(l)}} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := train.Tune(tc.log, tc.cfg, train.TuneOptions{}, peaked(&calls)); !errors.Is(err, model.ErrBadRequest) {
				t.Errorf("err = %v; want ErrBadRequest", err)
			}
		})
	}
	if calls != 0 {
		t.Errorf("objective called %d times", calls)
	}
}

// TestConfigFor: the time scales follow the log's span, not one file's.
func TestConfigFor(t *testing.T) {
	for _, days := range []int{30, 365, 8000} {
		l := spanLog(days)
		s := train.Stats(l)
		c := train.ConfigFor(l)
		if r := c.TrainHalfLifeDays / s.SpanDays; math.Abs(r-1.0/6) > 0.01 {
			t.Errorf("%d days: train half-life %v is %.3f spans; want 1/6", days, c.TrainHalfLifeDays, r)
		}
		if c.Params.HalfLifeDays <= 0 || c.TrendHalfLifeDays <= 0 || c.TrendHalfLifeDays >= c.TrainHalfLifeDays {
			t.Errorf("%d days: half-lives %+v", days, c)
		}
		if err := c.Validate(); err != nil {
			t.Error(err)
		}
	}
	same := &train.Log{Interactions: []train.Interaction{{User: "a", Item: "x", At: 5}, {User: "b", Item: "y", At: 5}}}
	if c := train.ConfigFor(same); c.TrainHalfLifeDays != 0 || c.Params.HalfLifeDays != 0 {
		t.Errorf("one-time log: half-lives %v, %v; want off", c.TrainHalfLifeDays, c.Params.HalfLifeDays)
	}
}

// TestTuneWeights: a move whose gain lies only on cases weighted 0 is not
// taken; the same gain on the weighted cases is. Weights of the wrong
// length, negative or all zero are refused.
func TestTuneWeights(t *testing.T) {
	l := spanLog(360)
	start := train.ConfigFor(l)
	fixed := []train.Param{train.ParamTrainHalfLife, train.ParamLambda, train.ParamHalfLife, train.ParamTrendHalfLife,
		train.ParamPopularityHalfLife, train.ParamNeighbors}
	// The prior weight helps the first 100 cases and hurts the last 100.
	objective := func(s *model.Spec) ([]float64, error) {
		out := make([]float64, 200)
		b := math.Log2(1 + s.Params.PopularityWeight)
		for i := range out {
			out[i] = 0.1 + float64(i%7)*0.01
			if i < 100 {
				out[i] += 0.01 * b
			} else {
				out[i] -= 0.01 * b
			}
		}
		return out, nil
	}
	for _, tc := range []struct {
		name   string
		w      func(i int) float64
		higher bool
	}{
		{"first half weighted", func(i int) float64 { return float64(1 - i/100) }, true},
		{"second half weighted", func(i int) float64 { return float64(i / 100) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := make([]float64, 200)
			for i := range w {
				w[i] = tc.w(i)
			}
			cfg, rec, err := train.Tune(l, start, train.TuneOptions{Budget: time.Hour, Fixed: fixed, Weights: w}, objective)
			if err != nil {
				t.Fatal(err)
			}
			got := cfg.Params.PopularityWeight
			if tc.higher && !(got > start.Params.PopularityWeight) || !tc.higher && got >= start.Params.PopularityWeight {
				t.Errorf("prior weight %v from %v (%s); want it %s", got, start.Params.PopularityWeight, rec, map[bool]string{true: "higher", false: "lower"}[tc.higher])
			}
			if !(rec.Score > rec.Start) {
				t.Errorf("weighted figure %v from %v; want a gain", rec.Score, rec.Start)
			}
		})
	}
	for name, w := range map[string][]float64{"short": make([]float64, 199), "negative": append([]float64{-1}, make([]float64, 199)...),
		"zero": make([]float64, 200)} {
		if name != "short" {
			w[len(w)-1] = 0
		} else {
			w[0] = 1
		}
		if _, _, err := train.Tune(l, start, train.TuneOptions{Fixed: fixed, Weights: w}, objective); !errors.Is(err, model.ErrBadRequest) {
			t.Errorf("%s weights: err = %v; want ErrBadRequest", name, err)
		}
	}
}
