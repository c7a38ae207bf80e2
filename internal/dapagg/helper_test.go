package dapagg

import (
	"context"
	crand "crypto/rand"
	"net/http"
	"testing"
	"time"

	"github.com/privrec/privrec/model/dap"
)

// helperJob sends an aggregation job of the given reports straight to the
// Helper, as a Leader would, with each report's real ping-pong initialize
// message, and returns the Helper's answers.
func helperJob(t *testing.T, dep *deployment, reps []dap.Report, jobID string) ([]dap.PrepareResp, error) {
	t.Helper()
	l := dep.demo.Leader
	req := dap.AggregationJobInitReq{PartBatchSelector: dap.PartialBatchSelector{Mode: dap.BatchModeTimeInterval}}
	for _, r := range reps {
		pt, err := dap.OpenInputShare(l.key, dap.RoleLeader, l.task.ID, r.Metadata, r.PublicShare, r.LeaderShare)
		if err != nil {
			t.Fatal(err)
		}
		_, init, e := l.v.leaderInit(l.vkey, r.Metadata.ID, r.PublicShare, pt.Payload)
		if e != 0 {
			t.Fatalf("leader init: %s", reportErrorName(e))
		}
		req.PrepareInits = append(req.PrepareInits, dap.PrepareInit{
			ReportShare: dap.ReportShare{Metadata: r.Metadata, PublicShare: r.PublicShare, EncryptedInputShare: r.HelperShare}, Payload: init})
	}
	body, _ := req.MarshalBinary()
	out, err := l.call(context.Background(), http.MethodPut, dep.srv.URL+DemoHelperPath+"/tasks/"+l.task.ID.String()+"/aggregation_jobs/"+jobID,
		dap.MediaAggregationJobInitReq, body, dap.MediaAggregationJobResp)
	if err != nil {
		return nil, err
	}
	var resp dap.AggregationJobResp
	if err := resp.UnmarshalBinary(out); err != nil {
		t.Fatal(err)
	}
	return resp.PrepareResps, nil
}

// TestHelperRejects: the Helper applies the draft's per-report checks on
// its own, whatever a Leader sends it: a time off the precision, in the
// future, before or after the task, an unknown HPKE config, a replay, a
// collected batch; each report gets its report error and the others in the
// job go through.
func TestHelperRejects(t *testing.T) {
	dep := newDeployment(t, 1, AggregatorOptions{})
	m := []uint64{1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}
	rep := func(dayOffset int) dap.Report {
		var r dap.Report
		if err := r.UnmarshalBinary(dep.report(t, m, dayOffset)); err != nil {
			t.Fatal(err)
		}
		return r
	}
	// The report's time is bound into both shares' AAD, so a report with a
	// bad time is made, not edited: params at that time.
	at := func(unix int64) dap.Report {
		p := dep.params
		p.Now, p.TimePrecision = unix, 1
		r, err := dap.GenerateReport(&p, m, crand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	unknown := rep(0)
	unknown.HelperShare.ConfigID++
	ok := rep(0)
	reps := []dap.Report{
		at(testClock.Unix() - 7), // not a multiple of the day
		at((20000 + 2) * day),    // two days ahead
		at(19980 * day),          // before the task
		unknown, ok,
	}
	want := []dap.ReportError{dap.ReportErrorInvalidMessage, dap.ReportErrorReportTooEarly, dap.ReportErrorTaskNotStarted,
		dap.ReportErrorHpkeUnknownConfigID, 0}
	resps, err := helperJob(t, dep, reps, "AAAAAAAAAAAAAAAAAAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range resps {
		switch {
		case want[i] == 0 && r.State != dap.PrepareContinued:
			t.Errorf("report %d: state %d %s, want continued", i, r.State, reportErrorName(r.Error))
		case want[i] != 0 && (r.State != dap.PrepareRejected || r.Error != want[i]):
			t.Errorf("report %d: state %d %s, want rejected %s", i, r.State, reportErrorName(r.Error), reportErrorName(want[i]))
		}
	}

	// The accepted one again, in a new job: replayed.
	resps, err = helperJob(t, dep, []dap.Report{ok}, "AQAAAAAAAAAAAAAAAAAAAA")
	if err != nil || resps[0].Error != dap.ReportErrorReportReplayed {
		t.Errorf("a replay: %+v, %v", resps, err)
	}
	// Collect yesterday through the Leader, then a new report for it
	// straight to the Helper: batch_collected.
	if _, p := dep.upload(t, dep.report(t, m, -1), dap.MediaReport, dep.dir.Task.ID); p != nil {
		t.Fatal(p)
	}
	if _, err := dep.col.Collect(context.Background(), Interval{Start: 19999 * day, Duration: day}); err != nil {
		t.Fatal(err)
	}
	resps, err = helperJob(t, dep, []dap.Report{rep(-1)}, "AgAAAAAAAAAAAAAAAAAAAA")
	if err != nil || resps[0].Error != dap.ReportErrorBatchCollected {
		t.Errorf("a report for a collected day: %+v, %v", resps, err)
	}
	// A job naming one report twice is refused whole.
	twice := rep(-2)
	if _, err := helperJob(t, dep, []dap.Report{twice, twice}, "BAAAAAAAAAAAAAAAAAAAAA"); !IsProblem(err, ProbInvalidMessage) {
		t.Errorf("a job with one report twice: %v, want invalidMessage", err)
	}

	// A Helper whose clock is past the task's end: task_expired.
	late := newDeployment2(t, 1, AggregatorOptions{}, AggregatorOptions{Now: func() time.Time { return time.Unix(20040*day, 0) }})
	p := late.params
	p.Now = 20030 * day
	r, err := dap.GenerateReport(&p, m, crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	resps, err = helperJob(t, late, []dap.Report{r}, "BQAAAAAAAAAAAAAAAAAAAA")
	if err != nil || resps[0].Error != dap.ReportErrorTaskExpired {
		t.Errorf("a report at the task's end: %+v, %v", resps, err)
	}
}
