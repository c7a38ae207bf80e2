package dapagg

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/privrec/privrec/model/dap"
)

// The privacy tests: what one aggregator sees of a report does not depend
// on the measurement. Each runs two very different measurement sets
// (every counter 0, session consent, personal arm; against every counter
// 255, full consent, control arm) through the real protocol with the
// client's randomness drawn from a fixed ChaCha8 seed, records every
// byte the Leader (or the Helper) learns per report, and compares the two
// sets' distributions of each component with a two-sample chi-square test
// over the high nibble of every byte (16 bins, 15 degrees of freedom).
//
// False-positive rate: each comparison rejects at α = 0.001, and there are
// six components per aggregator, so a correct implementation fails with
// probability below 0.6% per aggregator over the choice of seed; the seed
// is fixed, so the result is deterministic. The test has power: the same
// statistic on the sum of the two aggregators' output shares (the
// measurement itself) must reject by at least ten times the critical value.
// Everything random (task id, keys, verify key, report ids, sharding and
// HPKE randomness) comes from the seeded reader, so a run is reproducible.

const (
	viewReports = 150   // reports per measurement set
	viewAlpha   = 0.001 // per-comparison false-positive rate
)

var (
	lowMeasurement  = []uint64{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	highMeasurement = []uint64{0, 1, 0, 1, 255, 255, 255, 255, 255, 255, 255}
)

// views runs n reports of m and returns what the Leader and the Helper saw,
// and the encoded reports.
func views(t *testing.T, m []uint64, n int, seed uint64) (leader, helper []ReportView, reports [][]byte) {
	t.Helper()
	var lv, hv []ReportView
	rng := rand.NewChaCha8([32]byte{byte(seed), 'v', 'i', 'e', 'w'})
	dep := newDeploymentSeeded(t, 1,
		AggregatorOptions{View: func(v ReportView) { lv = append(lv, v) }},
		AggregatorOptions{View: func(v ReportView) { hv = append(hv, v) }}, rng)
	for range n {
		r, err := dap.GenerateReport(&dep.params, m, rng)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := r.MarshalBinary()
		if _, p := dep.upload(t, b, dap.MediaReport, dep.dir.Task.ID); p != nil {
			t.Fatal(p)
		}
		reports = append(reports, b)
	}
	if _, err := dep.col.Collect(context.Background(), Interval{Start: 19990 * day, Duration: 40 * day}); err != nil {
		t.Fatal(err)
	}
	if len(lv) != n || len(hv) != n {
		t.Fatalf("views: leader %d, helper %d, want %d each", len(lv), len(hv), n)
	}
	return lv, hv, reports
}

// nibbles is the 16-bin histogram of the high nibbles of every byte.
func nibbles(parts [][]byte) []float64 {
	h := make([]float64, 16)
	for _, p := range parts {
		for _, b := range p {
			h[b>>4]++
		}
	}
	return h
}

// chiSquare is the two-sample homogeneity statistic of histograms a and b.
func chiSquare(a, b []float64) float64 {
	var na, nb float64
	for i := range a {
		na += a[i]
		nb += b[i]
	}
	stat := 0.0
	for i := range a {
		tot := a[i] + b[i]
		if tot == 0 {
			continue
		}
		ea, eb := na*tot/(na+nb), nb*tot/(na+nb)
		stat += (a[i]-ea)*(a[i]-ea)/ea + (b[i]-eb)*(b[i]-eb)/eb
	}
	return stat
}

var chiCritical = distuv.ChiSquared{K: 15}.Quantile(1 - viewAlpha)

func component(vs []ReportView, f func(ReportView) []byte) [][]byte {
	out := make([][]byte, len(vs))
	for i, v := range vs {
		out[i] = f(v)
	}
	return out
}

var components = []struct {
	name string
	f    func(ReportView) []byte
}{
	{"public share", func(v ReportView) []byte { return v.PublicShare }},
	{"input share", func(v ReportView) []byte { return v.InputShare }},
	{"leader prep share", func(v ReportView) []byte { return v.PrepShare }},
	{"prep message", func(v ReportView) []byte { return v.PrepMsg }},
	{"output share", func(v ReportView) []byte { return v.OutShare }},
	{"report id", func(v ReportView) []byte { return v.ReportID[:] }},
}

func TestOneAggregatorsViewIsIndependentOfInputs(t *testing.T) {
	lowL, lowH, lowR := views(t, lowMeasurement, viewReports, 1)
	highL, highH, highR := views(t, highMeasurement, viewReports, 2)

	// Everything on the wire has one size whatever the measurement.
	for i := range lowR {
		if len(lowR[i]) != len(lowR[0]) || len(highR[i]) != len(lowR[0]) {
			t.Fatalf("report sizes differ: %d, %d, %d bytes", len(lowR[0]), len(lowR[i]), len(highR[i]))
		}
	}
	for _, agg := range []struct {
		name      string
		low, high []ReportView
	}{{"leader", lowL, highL}, {"helper", lowH, highH}} {
		for _, c := range components {
			lo, hi := component(agg.low, c.f), component(agg.high, c.f)
			if len(lo[0]) != len(hi[0]) {
				t.Errorf("%s %s: %d bytes for one set, %d for the other", agg.name, c.name, len(lo[0]), len(hi[0]))
				continue
			}
			stat := chiSquare(nibbles(lo), nibbles(hi))
			t.Logf("%s %-17s %5d bytes/report  χ² = %6.2f (reject above %.2f)", agg.name, c.name, len(lo[0]), stat, chiCritical)
			if stat > chiCritical {
				t.Errorf("%s's %s depends on the measurement: χ²(15) = %.1f > %.1f", agg.name, c.name, stat, chiCritical)
			}
		}
	}

	// Power: the two output shares together are the measurement, and the
	// same test tells the sets apart at once.
	joint := func(l, h []ReportView) [][]byte {
		out := make([][]byte, len(l))
		for i := range l {
			lv, _ := fieldVec(l[i].OutShare)
			hv, _ := fieldVec(h[i].OutShare)
			lv.AddAssign(hv)
			out[i], _ = lv.MarshalBinary()
		}
		return out
	}
	stat := chiSquare(nibbles(joint(lowL, lowH)), nibbles(joint(highL, highH)))
	t.Logf("both aggregators' output shares together: χ² = %.0f", stat)
	if stat < 10*chiCritical {
		t.Errorf("the joint view of both aggregators should reveal the measurement: χ² = %.1f", stat)
	}
}

// TestViewHookSeesEachAggregator guards the views themselves: the
// Helper's input share is a seed pair (64 bytes), the Leader's holds the
// measurement and proof shares, and both saw the same reports in order.
func TestViewHookSeesEachAggregator(t *testing.T) {
	l, h, _ := views(t, lowMeasurement, 3, 3)
	if len(h[0].InputShare) != 64 || len(l[0].InputShare) <= 64 {
		t.Fatalf("input share sizes: leader %d, helper %d bytes", len(l[0].InputShare), len(h[0].InputShare))
	}
	for i := range l {
		if l[i].ReportID != h[i].ReportID {
			t.Fatalf("view %d: leader and helper saw different reports", i)
		}
	}
}

// elementValues reads each report's Field128 elements at positions
// [0, n) of a component as fractions of 2^64 from their high 8 bytes (a
// uniform element gives a uniform fraction, up to 2^-59 from the field's
// order).
func elementValues(parts [][]byte, n int) [][]float64 {
	out := make([][]float64, n)
	for _, p := range parts {
		for i := range n {
			hi := p[16*i+8 : 16*i+16]
			var x uint64
			for j := 7; j >= 0; j-- {
				x = x<<8 | uint64(hi[j])
			}
			out[i] = append(out[i], float64(x)/(1<<64))
		}
	}
	return out
}

// ksStatistic is the two-sample Kolmogorov–Smirnov distance.
func ksStatistic(a, b []float64) float64 {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	d, i, j := 0.0, 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			i++
		} else {
			j++
		}
		d = max(d, math.Abs(float64(i)/float64(len(a))-float64(j)/float64(len(b))))
	}
	return d
}

// TestViewPerElement is the same question asked element by element, where
// a leak in one coordinate cannot hide among the others: for each of the
// output share's 11 elements (both aggregators) and the Leader's 88
// measurement-share elements, the two sets' values have the same
// distribution by a two-sample Kolmogorov–Smirnov test, at α = 0.001 for
// the whole family (Bonferroni over the 110 positions). The measurement
// itself (both output shares added) is told apart at its informative
// positions.
func TestViewPerElement(t *testing.T) {
	lowL, lowH, _ := views(t, lowMeasurement, viewReports, 4)
	highL, highH, _ := views(t, highMeasurement, viewReports, 5)
	positions := 11 + 11 + dap.MeasurementLength*dap.MeasurementBits
	c := math.Sqrt(-math.Log(viewAlpha/float64(positions)/2) / 2)
	crit := c * math.Sqrt(2/float64(viewReports))
	out := func(vs []ReportView) [][]byte { return component(vs, func(v ReportView) []byte { return v.OutShare }) }
	meas := func(vs []ReportView) [][]byte {
		return component(vs, func(v ReportView) []byte { return v.InputShare })
	}
	worst := 0.0
	for _, s := range []struct {
		name      string
		low, high [][]float64
	}{
		{"leader output share", elementValues(out(lowL), 11), elementValues(out(highL), 11)},
		{"helper output share", elementValues(out(lowH), 11), elementValues(out(highH), 11)},
		{"leader measurement share", elementValues(meas(lowL), dap.MeasurementLength*dap.MeasurementBits), elementValues(meas(highL), dap.MeasurementLength*dap.MeasurementBits)},
	} {
		for i := range s.low {
			d := ksStatistic(s.low[i], s.high[i])
			worst = max(worst, d)
			if d > crit {
				t.Errorf("%s element %d depends on the measurement: KS distance %.3f > %.3f", s.name, i, d, crit)
			}
		}
	}
	t.Logf("largest KS distance over %d positions: %.3f (reject above %.3f)", positions, worst, crit)

	// Power: the measurement's impressions entry (0 against 255) is told
	// apart at once.
	sum := func(l, h []ReportView) [][]byte {
		o := make([][]byte, len(l))
		for i := range l {
			lv, _ := fieldVec(l[i].OutShare)
			hv, _ := fieldVec(h[i].OutShare)
			lv.AddAssign(hv)
			o[i], _ = lv.MarshalBinary()
		}
		return o
	}
	low, high := sum(lowL, lowH), sum(highL, highH)
	lowLow := make([]float64, len(low))
	highLow := make([]float64, len(high))
	for i := range low {
		lowLow[i] = float64(low[i][16*dap.IndexPersonalImpressions])
		highLow[i] = float64(high[i][16*dap.IndexPersonalImpressions])
	}
	if d := ksStatistic(lowLow, highLow); d < crit {
		t.Errorf("the measurement itself passes the test (KS %.3f): the test has no power", d)
	}
}
