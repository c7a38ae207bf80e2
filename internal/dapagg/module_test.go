package dapagg

import (
	"context"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model/dap"
)

// TestEndToEndMeasureModule: the reports come from the measure module
// itself (wasm/measure, built by the test, run in the wazero harness under
// the strict host), fed the HPKE config lists exactly as the aggregators
// serve them: the aggregators accept every one and the collected aggregate
// equals the simulated sums. (TestEndToEnd2000Shoppers makes its reports
// natively with model/dap, the code the module runs.)
func TestEndToEndMeasureModule(t *testing.T) {
	ctx := context.Background()
	wasm := wasmtest.Build(t, filepath.Join(wasmtest.Root(t), "wasm", "measure"))
	rt, err := host.NewRuntime(ctx, host.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	mm, err := rt.CompileMeasure(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := mm.Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Close(ctx)

	dep := newDeployment(t, 50, AggregatorOptions{})
	served := func(base string) []byte {
		resp, err := dep.srv.Client().Get(dep.srv.URL + base + "/hpke_config")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	req := dap.MeasureRequest{TaskID: dep.dir.Task.ID[:], LeaderConfig: served(DemoLeaderPath), HelperConfig: served(DemoHelperPath),
		Now: testClock.Unix(), TimePrecision: day}
	sim := DefaultSimulation()
	sim.Shoppers = 200
	ms, err := sim.Measurements()
	if err != nil {
		t.Fatal(err)
	}
	want := make([]int64, dap.MeasurementLength)
	start := time.Now()
	for i, m := range ms {
		req.Measurement = m
		res, err := inst.Report(ctx, req)
		if err != nil {
			t.Fatalf("report %d: %v", i, err)
		}
		if _, p := dep.upload(t, res.Report, dap.MediaReport, dep.dir.Task.ID); p != nil {
			t.Fatalf("report %d from the module refused: %v", i, p)
		}
		for j, v := range m {
			want[j] += int64(v)
		}
	}
	t.Logf("%d reports from the module in %v", len(ms), time.Since(start).Round(time.Millisecond))
	got, err := dep.col.Collect(ctx, Interval{Start: 19990 * day, Duration: 40 * day})
	if err != nil {
		t.Fatal(err)
	}
	if got.ReportCount != uint64(len(ms)) {
		t.Fatalf("collected %d reports of %d", got.ReportCount, len(ms))
	}
	for j := range want {
		if got.Aggregate[j] != want[j] {
			t.Errorf("aggregate[%d] (%s) = %d, simulated %d", j, dap.LayoutNames[j], got.Aggregate[j], want[j])
		}
	}
}
