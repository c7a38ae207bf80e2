package dapagg

import (
	"math"
	"testing"

	"github.com/privrec/privrec/model/dap"
)

// plainResult sums measurements in the clear: what a collection of them
// returns, without the protocol.
func plainResult(ms [][]uint64) *Result {
	r := &Result{ReportCount: uint64(len(ms)), Interval: Interval{Start: 0, Duration: day}, Aggregate: make([]int64, dap.MeasurementLength)}
	for _, m := range ms {
		for j, v := range m {
			r.Aggregate[j] += int64(v)
		}
	}
	return r
}

// TestIntervalCoverage checks the intervals Summarize states: over 400
// simulated shops (seeds 1..400) each 95% interval holds the simulated
// truth in 92–98% of them (three binomial standard deviations around 95%;
// a method that is off by a factor in width fails it, see the second
// half, which shrinks the intervals to 80% and expects the check to
// notice).
func TestIntervalCoverage(t *testing.T) {
	const trials = 400
	names := []string{"consent rate", "full share", "lift", "CTR lift", "personal CTR", "control CTR", "personal conversion", "control conversion"}
	covered := map[string]int{}
	covered80 := map[string]int{}
	for seed := uint64(1); seed <= trials; seed++ {
		sim := DefaultSimulation()
		sim.Seed = seed
		ms, err := sim.Measurements()
		if err != nil {
			t.Fatal(err)
		}
		res := plainResult(ms)
		for conf, tally := range map[float64]map[string]int{0.95: covered, 0.80: covered80} {
			k, err := Summarize(res, KPIOptions{Visitors: uint64(sim.Shoppers), Confidence: conf})
			if err != nil {
				t.Fatal(err)
			}
			truth := []float64{sim.ConsentRate(), sim.Full / sim.ConsentRate(), sim.Lift(), sim.CTRLift(), sim.PersonalCTR, sim.ControlCTR,
				sim.PersonalCTR * sim.PersonalBuy, sim.ControlCTR * sim.ControlBuy}
			for i, e := range []Estimate{*k.ConsentRate, k.FullShare, k.Lift, k.CTRLift, k.Personal.CTR, k.Control.CTR, k.Personal.Conversion, k.Control.Conversion} {
				if e.Valid && e.Low <= truth[i] && truth[i] <= e.High {
					tally[names[i]]++
				}
			}
		}
	}
	for _, n := range names {
		c := float64(covered[n]) / trials
		t.Logf("%-20s 95%% interval coverage %.3f, 80%% interval %.3f", n, c, float64(covered80[n])/trials)
		if c < 0.92 || c > 0.98 {
			t.Errorf("%s: the 95%% interval held the truth in %.1f%% of %d shops, want 92–98%%", n, 100*c, trials)
		}
		// The check has power: an 80% interval called 95% is caught.
		if c80 := float64(covered80[n]) / trials; c80 >= 0.92 {
			t.Errorf("%s: the 80%% interval covers %.1f%%; the coverage check could not tell it from a 95%% one", n, 100*c80)
		}
	}
}

func TestSummarizeRefuses(t *testing.T) {
	ms, _ := DefaultSimulation().Measurements()
	res := plainResult(ms)
	for _, c := range []struct {
		name string
		res  *Result
		o    KPIOptions
	}{
		{"fewer visitors than reports", res, KPIOptions{Visitors: 10}},
		{"confidence above 1", res, KPIOptions{Confidence: 1.5}},
		{"wrong length", &Result{ReportCount: 1, Aggregate: []int64{1}}, KPIOptions{}},
		{"empty batch", &Result{Aggregate: make([]int64, dap.MeasurementLength)}, KPIOptions{}},
	} {
		if _, err := Summarize(c.res, c.o); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

// TestRatioNoEvents: an arm with no purchases makes the lift undefined,
// said so, rather than infinite or zero with an interval.
func TestRatioNoEvents(t *testing.T) {
	e := ratio(5, 100, 0, 100, 0, 1.96)
	if e.Valid || e.Why == "" {
		t.Errorf("ratio with no control events: %+v", e)
	}
	// Katz by hand: 10/100 over 5/100, var = 1/10-1/100+1/5-1/100 = 0.28.
	e = ratio(10, 100, 5, 100, 0, 1.96)
	half := 1.96 * math.Sqrt(0.28)
	if math.Abs(e.Value-2) > 1e-12 || math.Abs(e.Low-2*math.Exp(-half)) > 1e-12 || math.Abs(e.High-2*math.Exp(half)) > 1e-12 {
		t.Errorf("katz interval %+v", e)
	}
}
