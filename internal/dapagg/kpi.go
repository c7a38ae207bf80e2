package dapagg

import (
	"errors"
	"fmt"
	"math"

	"github.com/privrec/privrec/model/dap"
)

// KPI is what privrec kpi prints: the consent split and rate, and per arm
// the click-through and conversion of recommended items, with the lift of
// personal recommendations over the popularity fallback. Every estimate
// carries a confidence interval and the name of its method.
type KPI struct {
	Reports    uint64   `json:"reports"`  // shopper-days that reported
	Interval   [2]int64 `json:"interval"` // [start, end) Unix seconds
	Confidence float64  `json:"confidence"`

	ConsentSession       int64 `json:"consent_session"`
	ConsentFull          int64 `json:"consent_full"`
	ConsentSignalLimited int64 `json:"consent_signal_limited"`
	// FullShare is the share of reporting shopper-days with full consent.
	FullShare Estimate `json:"full_share"`
	// Visitors is the site's own count of visitor-days over the same days
	// (0: not given); ConsentRate is Reports/Visitors then.
	Visitors    uint64    `json:"visitors,omitempty"`
	ConsentRate *Estimate `json:"consent_rate,omitempty"`

	// Visits is the page views with recommendations over the batch.
	Visits int64 `json:"visits"`

	Personal Arm `json:"personal"`
	Control  Arm `json:"control"`
	// Lift is conversion personal / conversion control.
	Lift Estimate `json:"lift"`
	// CTRLift is CTR personal / CTR control.
	CTRLift Estimate `json:"ctr_lift"`

	// Noise is the DP noise the aggregators added (zero: none; Prio3 is
	// exact, so then the intervals are sampling error only).
	Noise Noise `json:"noise"`
	// Notes are the assumptions behind the intervals, in words.
	Notes []string `json:"notes"`
}

// Arm is one arm's totals and rates.
type Arm struct {
	ShopperDays int64    `json:"shopper_days"`
	Impressions int64    `json:"impressions"`
	Clicks      int64    `json:"clicks"`
	Purchases   int64    `json:"purchases"`
	CTR         Estimate `json:"ctr"`        // clicks / impressions
	Conversion  Estimate `json:"conversion"` // purchases / impressions
}

// Estimate is a value with its confidence interval. Valid is false when
// the data cannot support it (no impressions in an arm, no purchases in
// the control arm), and Why says so.
type Estimate struct {
	Value  float64 `json:"value"`
	Low    float64 `json:"low"`
	High   float64 `json:"high"`
	Method string  `json:"method"`
	Valid  bool    `json:"valid"`
	Why    string  `json:"why,omitempty"`
}

// KPIOptions are the inputs of Summarize besides the aggregate.
type KPIOptions struct {
	// Visitors is the site's count of visitor-days over the batch (0: no
	// consent rate).
	Visitors uint64
	// Confidence is the interval's coverage; 0 means 0.95.
	Confidence float64
	// Noise is what the aggregators added; its variance widens the
	// intervals.
	Noise Noise
}

// Summarize turns a collected aggregate (measurement layout v1) into KPIs.
// Proportions use the Wilson score interval; ratios the Katz log interval
// (the delta method on log p1 − log p2). Both treat each impression as an
// independent trial, which holds for the simulation and understates the
// width when shoppers differ a lot (a shopper's impressions are
// correlated; the aggregate alone cannot show by how much). With DP noise
// the variance of each noisy count (two aggregators' draws) is added and
// proportions switch to the Wald interval.
func Summarize(res *Result, o KPIOptions) (*KPI, error) {
	if len(res.Aggregate) != dap.MeasurementLength {
		return nil, fmt.Errorf("kpi: the aggregate has %d entries, layout v%d has %d", len(res.Aggregate), dap.LayoutVersion, dap.MeasurementLength)
	}
	if res.ReportCount == 0 {
		return nil, errors.New("kpi: the batch holds no reports")
	}
	conf := o.Confidence
	if conf == 0 {
		conf = 0.95
	}
	if !(conf > 0 && conf < 1) {
		return nil, fmt.Errorf("kpi: confidence %v must be in (0, 1)", conf)
	}
	z := normalQuantile(1 - (1-conf)/2)
	a := res.Aggregate
	noiseVar := 2 * o.Noise.Variance() // two aggregators' draws per coordinate
	k := &KPI{
		Reports: res.ReportCount, Confidence: conf, Noise: o.Noise,
		Interval:             [2]int64{int64(res.Interval.Start), int64(res.Interval.Start + res.Interval.Duration)},
		ConsentSession:       a[dap.IndexConsentSession],
		ConsentFull:          a[dap.IndexConsentFull],
		ConsentSignalLimited: a[dap.IndexConsentSignalLimited],
		Visitors:             o.Visitors,
		Visits:               a[dap.IndexVisits],
	}
	n := float64(res.ReportCount)
	k.FullShare = proportion(float64(k.ConsentFull), n, noiseVar, 0, z)
	if o.Visitors > 0 {
		if o.Visitors < res.ReportCount {
			return nil, fmt.Errorf("kpi: --visitors %d is below the %d reports in the batch; count visitor-days (each visitor once per day) over the same days", o.Visitors, res.ReportCount)
		}
		e := proportion(n, float64(o.Visitors), 0, 0, z)
		k.ConsentRate = &e
	}
	control := a[dap.IndexArmControl]
	k.Personal = arm(int64(res.ReportCount)-control, a[dap.IndexPersonalImpressions], a[dap.IndexPersonalClicks], a[dap.IndexPersonalPurchases], noiseVar, z)
	k.Control = arm(control, a[dap.IndexControlImpressions], a[dap.IndexControlClicks], a[dap.IndexControlPurchases], noiseVar, z)
	k.Lift = ratio(k.Personal.Purchases, k.Personal.Impressions, k.Control.Purchases, k.Control.Impressions, noiseVar, z)
	k.CTRLift = ratio(k.Personal.Clicks, k.Personal.Impressions, k.Control.Clicks, k.Control.Impressions, noiseVar, z)
	k.Notes = []string{
		fmt.Sprintf("%.0f%% intervals: Wilson score for proportions, Katz log (delta method) for the lift ratios", 100*conf),
		"each impression is treated as an independent trial; shoppers who differ a lot make the true uncertainty larger",
		"reports count shopper-days (at most one report per shopper per day); the consent rate needs visitor-days over the same days",
	}
	if o.Noise.enabled() {
		k.Notes = append(k.Notes, fmt.Sprintf("each aggregator added discrete Laplace noise (ε = %g, sensitivity %g) to every count; the intervals include its variance (%.1f per count)", o.Noise.Epsilon, o.Noise.Sensitivity, noiseVar))
	} else {
		k.Notes = append(k.Notes, "no DP noise: Prio3 aggregates are exact, the intervals are sampling error only")
	}
	return k, nil
}

func arm(days, imp, clicks, purchases int64, noiseVar, z float64) Arm {
	return Arm{ShopperDays: days, Impressions: imp, Clicks: clicks, Purchases: purchases,
		CTR:        proportion(float64(clicks), float64(imp), noiseVar, noiseVar, z),
		Conversion: proportion(float64(purchases), float64(imp), noiseVar, noiseVar, z)}
}

// proportion is x/n with a Wilson score interval, or, when the counts carry
// noise (varX, varN > 0), the Wald interval with the delta-method variance
// [n·p(1−p) + varX + p²·varN] / n².
func proportion(x, n, varX, varN, z float64) Estimate {
	if n <= 0 {
		return Estimate{Method: "wilson", Why: "no trials (denominator 0)"}
	}
	p := x / n
	if varX == 0 && varN == 0 {
		if p < 0 || p > 1 {
			return Estimate{Value: p, Method: "wilson", Why: fmt.Sprintf("%g of %g is not a proportion", x, n)}
		}
		z2 := z * z
		den := 1 + z2/n
		mid := (p + z2/(2*n)) / den
		half := z * math.Sqrt(p*(1-p)/n+z2/(4*n*n)) / den
		return Estimate{Value: p, Low: math.Max(0, mid-half), High: math.Min(1, mid+half), Method: "wilson", Valid: true}
	}
	q := math.Min(math.Max(p, 0), 1)
	v := (n*q*(1-q) + varX + q*q*varN) / (n * n)
	half := z * math.Sqrt(v)
	return Estimate{Value: p, Low: p - half, High: p + half, Method: "wald+noise", Valid: true}
}

// ratio is (x1/n1)/(x2/n2) with the Katz log interval,
// exp(log r ± z·√(1/x1 − 1/n1 + 1/x2 − 1/n2)), widened by the noise
// variance through the same delta method.
func ratio(x1, n1, x2, n2 int64, noiseVar, z float64) Estimate {
	e := Estimate{Method: "katz-log"}
	if n1 <= 0 || n2 <= 0 {
		e.Why = "an arm has no impressions"
		return e
	}
	if x1 <= 0 || x2 <= 0 {
		e.Why = "an arm has no events, so the ratio (or its log interval) is undefined"
		return e
	}
	if x1 > n1 || x2 > n2 {
		e.Why = "more events than impressions in an arm; the counters are inconsistent"
		return e
	}
	f1, g1, f2, g2 := float64(x1), float64(n1), float64(x2), float64(n2)
	r := (f1 / g1) / (f2 / g2)
	v := 1/f1 - 1/g1 + 1/f2 - 1/g2
	if noiseVar > 0 {
		v += noiseVar * (1/(f1*f1) + 1/(g1*g1) + 1/(f2*f2) + 1/(g2*g2))
	}
	half := z * math.Sqrt(v)
	e.Value, e.Low, e.High, e.Valid = r, r*math.Exp(-half), r*math.Exp(half), true
	return e
}

// normalQuantile is the standard normal quantile.
func normalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }
