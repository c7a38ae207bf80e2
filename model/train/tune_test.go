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
// the peak are significant and away from it are not.
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

// TestTuneNoise: an objective that only jitters case by case moves
// nothing: no gain is significant.
func TestTuneNoise(t *testing.T) {
	l := spanLog(360)
	start := train.ConfigFor(l)
	r := rand.New(rand.NewPCG(1, 2))
	cfg, rec, err := train.Tune(l, start, train.TuneOptions{Budget: time.Hour, Fixed: []train.Param{train.ParamTrainHalfLife, train.ParamLambda}},
		func(*model.Spec) ([]float64, error) {
			out := make([]float64, 100)
			for i := range out {
				out[i] = 0.1 + 0.001*r.NormFloat64()
			}
			return out, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Params.HalfLifeDays != start.Params.HalfLifeDays || cfg.Params.PopularityWeight != start.Params.PopularityWeight {
		t.Errorf("noise moved the config: half-life %v, prior %v (%s)", cfg.Params.HalfLifeDays, cfg.Params.PopularityWeight, rec)
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
