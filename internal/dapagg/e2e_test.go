package dapagg

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/privrec/privrec/model/dap"
)

// day is the task's time precision in these tests: one report per shopper
// per day.
const day = 86400

// testClock is the tests' fixed now: day 20,000 of the Unix epoch, noon.
var testClock = time.Unix(20000*day+12*3600, 0)

// deployment is a Leader and Helper on one httptest server, plus the
// collector and what a client needs.
type deployment struct {
	dir    *TaskDir
	srv    *httptest.Server
	demo   *Demo
	params dap.ReportParams
	col    *Collector
}

func newDeployment(t testing.TB, minBatch uint64, o AggregatorOptions) *deployment {
	return newDeployment2(t, minBatch, o, o)
}

// newDeployment2 gives the Leader and the Helper options of their own.
func newDeployment2(t testing.TB, minBatch uint64, lo, ho AggregatorOptions) *deployment {
	t.Helper()
	return newDeploymentSeeded(t, minBatch, lo, ho, crand.Reader)
}

// newDeploymentSeeded draws the task's id and keys from r.
func newDeploymentSeeded(t testing.TB, minBatch uint64, lo, ho AggregatorOptions, r io.Reader) *deployment {
	t.Helper()
	d, err := newTaskDir(Task{TimePrecision: day, Start: 19990 * day, End: 20030 * day, MinBatchSize: minBatch,
		ControlShare: 0.2, LeaderURL: DemoLeaderPath, HelperURL: DemoHelperPath}, r)
	if err != nil {
		t.Fatal(err)
	}
	return deploymentFor(t, d, lo, ho)
}

// deploymentFor serves task directory d.
func deploymentFor(t testing.TB, d *TaskDir, lo, ho AggregatorOptions) *deployment {
	t.Helper()
	for _, o := range []*AggregatorOptions{&lo, &ho} {
		if o.Now == nil {
			o.Now = func() time.Time { return testClock }
		}
	}
	var demo *Demo
	var err error
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { demo.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	demo, err = NewDemo(d, srv.URL, srv.Client(), lo, ho)
	if err != nil {
		t.Fatal(err)
	}
	col, err := NewCollector(d.Task, d.Collector, srv.URL+DemoLeaderPath, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	dep := &deployment{dir: d, srv: srv, demo: demo, col: col}
	dep.params = dap.ReportParams{TaskID: d.Task.ID, TimePrecision: day, Now: testClock.Unix(),
		Leader: dap.HpkeConfigList{dep.fetchConfig(t, DemoLeaderPath)}, Helper: dap.HpkeConfigList{dep.fetchConfig(t, DemoHelperPath)}}
	return dep
}

// fetchConfig reads an aggregator's hpke_config as a client does.
func (dep *deployment) fetchConfig(t testing.TB, base string) dap.HpkeConfig {
	t.Helper()
	resp, err := dep.srv.Client().Get(dep.srv.URL + base + "/hpke_config")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") != dap.MediaHpkeConfigList {
		t.Fatalf("hpke_config Content-Type %q", resp.Header.Get("Content-Type"))
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(resp.Body)
	var list dap.HpkeConfigList
	if err := list.UnmarshalBinary(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	c, err := list.SelectConfig()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// report makes one report with model/dap's client, the code the measure
// module runs, at the given day offset from testClock.
func (dep *deployment) report(t testing.TB, m []uint64, dayOffset int) []byte {
	t.Helper()
	p := dep.params
	p.Now += int64(dayOffset) * day
	r, err := dap.GenerateReport(&p, m, crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// upload POSTs a report body and returns the status and, on refusal, the
// problem document.
func (dep *deployment) upload(t testing.TB, body []byte, contentType string, task dap.TaskID) (int, *Problem) {
	t.Helper()
	url := dep.srv.URL + DemoLeaderPath + "/tasks/" + task.String() + "/reports"
	resp, err := dep.srv.Client().Post(url, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return resp.StatusCode, nil
	}
	err = readProblem(resp, "upload")
	var p *Problem
	if !asProblem(err, &p) {
		t.Fatalf("upload refused without a problem document: %v", err)
	}
	return resp.StatusCode, p
}

// TestEndToEnd2000Shoppers: 2,000 simulated visitor-days with a known
// consent mix and per-arm rates report through model/dap's client to the
// Leader, the Leader and Helper aggregate over HTTP, the collector
// unshards, and Summarize recovers the exact aggregate and the simulated
// consent rate and lift within its stated 95% intervals.
func TestEndToEnd2000Shoppers(t *testing.T) {
	sim := DefaultSimulation()
	ms, err := sim.Measurements()
	if err != nil {
		t.Fatal(err)
	}
	dep := newDeployment(t, 100, AggregatorOptions{})
	want := make([]int64, dap.MeasurementLength)
	for i, m := range ms {
		if code, p := dep.upload(t, dep.report(t, m, -(i%3)), dap.MediaReport, dep.dir.Task.ID); p != nil {
			t.Fatalf("report %d: HTTP %d: %v", i, code, p)
		}
		for j, v := range m {
			want[j] += int64(v)
		}
	}
	iv := Interval{Start: 19997 * day, Duration: 7 * day}
	res, err := dep.col.Collect(context.Background(), iv)
	if err != nil {
		t.Fatal(err)
	}
	if res.ReportCount != uint64(len(ms)) {
		t.Fatalf("collected %d reports, uploaded %d", res.ReportCount, len(ms))
	}
	for j := range want {
		if res.Aggregate[j] != want[j] {
			t.Errorf("aggregate[%d] (%s) = %d, the simulated sum is %d", j, dap.LayoutNames[j], res.Aggregate[j], want[j])
		}
	}
	if got, want := res.Interval, (Interval{Start: 19998 * day, Duration: 3 * day}); got != want {
		t.Errorf("collected interval %+v, the reports span %+v", got, want)
	}
	if st := dep.demo.Leader.Stats(); st.Aggregated != uint64(len(ms)) || len(st.Rejected) != 0 {
		t.Errorf("leader stats %+v", st)
	}

	k, err := Summarize(res, KPIOptions{Visitors: uint64(sim.Shoppers)})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := Summarize(plainResult(ms), KPIOptions{Visitors: uint64(sim.Shoppers)})
	if k.Lift != plain.Lift || *k.ConsentRate != *plain.ConsentRate || k.Personal != plain.Personal || k.Control != plain.Control {
		t.Errorf("the KPIs from the collected batch differ from those of the plain sums:\n%+v\n%+v", k, plain)
	}
	t.Logf("reports %d: consent rate %.3f [%.3f, %.3f] (truth %.3f); lift %.2f [%.2f, %.2f] (truth %.2f); CTR lift %.2f [%.2f, %.2f] (truth %.2f)",
		k.Reports, k.ConsentRate.Value, k.ConsentRate.Low, k.ConsentRate.High, sim.ConsentRate(),
		k.Lift.Value, k.Lift.Low, k.Lift.High, sim.Lift(), k.CTRLift.Value, k.CTRLift.Low, k.CTRLift.High, sim.CTRLift())
	for _, c := range []struct {
		name  string
		e     Estimate
		truth float64
	}{
		{"consent rate", *k.ConsentRate, sim.ConsentRate()},
		{"full share", k.FullShare, sim.Full / sim.ConsentRate()},
		{"lift", k.Lift, sim.Lift()},
		{"CTR lift", k.CTRLift, sim.CTRLift()},
		{"personal CTR", k.Personal.CTR, sim.PersonalCTR},
		{"control CTR", k.Control.CTR, sim.ControlCTR},
		{"personal conversion", k.Personal.Conversion, sim.PersonalCTR * sim.PersonalBuy},
		{"control conversion", k.Control.Conversion, sim.ControlCTR * sim.ControlBuy},
	} {
		if !c.e.Valid || c.truth < c.e.Low || c.truth > c.e.High {
			t.Errorf("%s: %.4f [%.4f, %.4f] (%s, valid %v %s) does not hold the simulated %.4f", c.name, c.e.Value, c.e.Low, c.e.High, c.e.Method, c.e.Valid, c.e.Why, c.truth)
		}
	}

	// The batch is collected now: the same interval again overlaps, and a
	// late report for it is refused at upload.
	if _, err := dep.col.Collect(context.Background(), iv); !IsProblem(err, ProbBatchOverlap) {
		t.Errorf("collecting the same batch twice: %v, want batchOverlap", err)
	}
	if _, p := dep.upload(t, dep.report(t, ms[0], 0), dap.MediaReport, dep.dir.Task.ID); p == nil || p.Kind() != ProbReportRejected {
		t.Errorf("a report for a collected batch: %v, want reportRejected", p)
	}
}
