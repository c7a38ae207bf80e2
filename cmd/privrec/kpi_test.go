package main

import (
	"bytes"
	crand "crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/privrec/privrec/internal/dapagg"
	"github.com/privrec/privrec/model/dap"
)

const kpiDay = 86400

// kpiShop serves a fresh task written to a temporary directory, with
// reports of the given simulation uploaded through model/dap's client, and
// returns the directory and the Leader's URL.
func kpiShop(t *testing.T, sim dapagg.Simulation, minBatch uint64) (dir, leader string) {
	t.Helper()
	clock := time.Unix(20000*kpiDay+12*3600, 0)
	d, err := dapagg.NewTaskDir(dapagg.Task{TimePrecision: kpiDay, Start: 19990 * kpiDay, End: 20030 * kpiDay, MinBatchSize: minBatch,
		ControlShare: sim.ControlShare, LeaderURL: dapagg.DemoLeaderPath, HelperURL: dapagg.DemoHelperPath})
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(t.TempDir(), "measure")
	if err := d.Write(dir); err != nil {
		t.Fatal(err)
	}
	var demo *dapagg.Demo
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { demo.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	o := dapagg.AggregatorOptions{Now: func() time.Time { return clock }}
	if demo, err = dapagg.NewDemo(d, srv.URL, srv.Client(), o, o); err != nil {
		t.Fatal(err)
	}
	p := dap.ReportParams{TaskID: d.Task.ID, TimePrecision: kpiDay, Now: clock.Unix(),
		Leader: dap.HpkeConfigList{d.Leader.Hpke.Config}, Helper: dap.HpkeConfigList{d.Helper.Hpke.Config}}
	ms, err := sim.Measurements()
	if err != nil {
		t.Fatal(err)
	}
	url := srv.URL + dapagg.DemoLeaderPath + "/tasks/" + d.Task.ID.String() + "/reports"
	for _, m := range ms {
		r, err := dap.GenerateReport(&p, m, crand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := r.MarshalBinary()
		resp, err := srv.Client().Post(url, dap.MediaReport, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("upload: HTTP %d", resp.StatusCode)
		}
	}
	return dir, srv.URL + dapagg.DemoLeaderPath
}

// TestKPICommand: privrec kpi collects the 2,000-shopper simulation and
// prints its consent rate and lift; the JSON holds the exact aggregate and
// intervals that contain the simulated truth.
func TestKPICommand(t *testing.T) {
	sim := dapagg.DefaultSimulation()
	dir, leader := kpiShop(t, sim, 100)
	code, out, errb := runCLI(t, []string{"kpi", "--leader", leader, "--task-dir", dir, "--visitors", "2000", "--json"}, newKPICmd())
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var got struct {
		Reports     uint64          `json:"reports"`
		ConsentRate dapagg.Estimate `json:"consent_rate"`
		Lift        dapagg.Estimate `json:"lift"`
		Aggregate   []int64         `json:"aggregate"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	ms, _ := sim.Measurements()
	want := make([]int64, dap.MeasurementLength)
	for _, m := range ms {
		for j, v := range m {
			want[j] += int64(v)
		}
	}
	if got.Reports != uint64(len(ms)) || len(got.Aggregate) != len(want) {
		t.Fatalf("reports %d, aggregate %v; want %d reports", got.Reports, got.Aggregate, len(ms))
	}
	for j := range want {
		if got.Aggregate[j] != want[j] {
			t.Errorf("aggregate[%d] = %d, simulated %d", j, got.Aggregate[j], want[j])
		}
	}
	if got.ConsentRate.Value != float64(len(ms))/2000 || got.ConsentRate.Low > sim.ConsentRate() || got.ConsentRate.High < sim.ConsentRate() {
		t.Errorf("consent rate %+v, simulated %.3f", got.ConsentRate, sim.ConsentRate())
	}
	if got.Lift.Low > sim.Lift() || got.Lift.High < sim.Lift() {
		t.Errorf("lift %+v, simulated %.2f", got.Lift, sim.Lift())
	}

	// The batch is collected now; the text run over other days of the
	// same task has nothing to collect and says what to do.
	code, _, errb = runCLI(t, []string{"kpi", "--leader", leader, "--task-dir", dir}, newKPICmd())
	if code != exitFailed || !strings.Contains(errb, "batchOverlap") {
		t.Errorf("collecting again: exit %d %q, want 1 and batchOverlap", code, errb)
	}
}

func TestKPICommandText(t *testing.T) {
	sim := dapagg.DefaultSimulation()
	sim.Shoppers = 300
	dir, leader := kpiShop(t, sim, 10)
	code, out, errb := runCLI(t, []string{"kpi", "--leader", leader, "--task-dir", dir, "--visitors", "300", "--from", "2024-10-01", "--to", "2024-10-04"}, newKPICmd())
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	t.Log("\n" + out)
	for _, want := range []string{"days 2024-10-01 .. 2024-10-04", "consent rate", "personal", "control", "lift", "Wilson", "Katz", "no DP noise"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestKPICommandMistakes(t *testing.T) {
	sim := dapagg.DefaultSimulation()
	sim.Shoppers = 20
	dir, leader := kpiShop(t, sim, 5)
	otherDir, _ := kpiShop(t, sim, 5)
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no task dir", []string{"kpi", "--leader", leader}, exitUsage, "--task-dir DIR is required"},
		{"missing task dir", []string{"kpi", "--leader", leader, "--task-dir", filepath.Join(dir, "nope")}, exitIOError, "privrec serve --measure"},
		{"no leader for a path task", []string{"kpi", "--task-dir", dir}, exitUsage, "--leader URL is required"},
		{"bad day", []string{"kpi", "--leader", leader, "--task-dir", dir, "--from", "yesterday"}, exitUsage, "not a day like"},
		{"bad confidence", []string{"kpi", "--leader", leader, "--task-dir", dir, "--confidence", "95"}, exitUsage, "must be in (0, 1)"},
		{"too few reports", []string{"kpi", "--leader", leader, "--task-dir", dir, "--to", "2024-10-03"}, exitFailed, "wait for more shoppers"},
		{"leader URL without the API path", []string{"kpi", "--leader", strings.TrimSuffix(leader, dapagg.DemoLeaderPath), "--task-dir", dir}, exitFailed, "is --leader the Leader's API base"},
		{"another task's directory", []string{"kpi", "--leader", leader, "--task-dir", otherDir}, exitFailed, "is --task-dir the directory the Leader was started with"},
		{"visitors below reports", []string{"kpi", "--leader", leader, "--task-dir", dir, "--visitors", "1"}, exitFailed, "below the"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errb := runCLI(t, c.args, newKPICmd())
			if code != c.code || !strings.Contains(errb, c.want) {
				t.Errorf("exit %d %q, want %d and %q", code, errb, c.code, c.want)
			}
		})
	}
}
