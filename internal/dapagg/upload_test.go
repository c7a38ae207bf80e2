package dapagg

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/privrec/privrec/model/dap"
)

// TestBadUploads: each malformed or misdirected upload gets the draft's
// problem document and changes nothing: the Leader counts only the good
// uploads, and the collected batch holds exactly them.
func TestBadUploads(t *testing.T) {
	dep := newDeployment(t, 2, AggregatorOptions{})
	m := []uint64{0, 1, 0, 0, 12, 2, 1, 0, 0, 0, 3}
	good := dep.report(t, m, 0)
	if code, p := dep.upload(t, good, dap.MediaReport, dep.dir.Task.ID); p != nil || code != http.StatusCreated {
		t.Fatalf("a good upload: HTTP %d %v", code, p)
	}

	parse := func(b []byte) dap.Report {
		var r dap.Report
		if err := r.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		return r
	}
	enc := func(r dap.Report) []byte {
		b, err := r.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	fresh := func() dap.Report { return parse(dep.report(t, m, 0)) }
	var otherTask dap.TaskID
	otherTask[0] = 1

	for _, c := range []struct {
		name   string
		body   []byte
		ctype  string
		task   dap.TaskID
		status int
		kind   string
	}{
		{"truncated", good[:len(good)-7], dap.MediaReport, dep.dir.Task.ID, 400, ProbInvalidMessage},
		{"trailing bytes", append(dep.report(t, m, 0), 0), dap.MediaReport, dep.dir.Task.ID, 400, ProbInvalidMessage},
		{"empty", nil, dap.MediaReport, dep.dir.Task.ID, 400, ProbInvalidMessage},
		{"wrong task", dep.report(t, m, 0), dap.MediaReport, otherTask, 404, ProbUnrecognizedTask},
		{"replayed id, other contents", func() []byte {
			entropy := make([]byte, dap.EntropySize)
			_, _ = crand.Read(entropy)
			id := parse(good).Metadata.ID
			copy(entropy, id[:])
			r, err := dap.NewReport(&dep.params, m, entropy)
			if err != nil {
				t.Fatal(err)
			}
			return enc(r)
		}(), dap.MediaReport, dep.dir.Task.ID, 400, ProbReportRejected},
		{"bad leader ciphertext", func() []byte {
			r := fresh()
			r.LeaderShare.Payload[3] ^= 1
			return enc(r)
		}(), dap.MediaReport, dep.dir.Task.ID, 400, ProbReportRejected},
		{"metadata changed after sealing", func() []byte {
			r := fresh()
			r.Metadata.ID[0] ^= 1 // the AAD binds the id: the share no longer opens
			return enc(r)
		}(), dap.MediaReport, dep.dir.Task.ID, 400, ProbReportRejected},
		{"unknown HPKE config", func() []byte {
			r := fresh()
			r.LeaderShare.ConfigID = 99
			return enc(r)
		}(), dap.MediaReport, dep.dir.Task.ID, 400, ProbOutdatedConfig},
		{"time not rounded", func() []byte {
			r := fresh()
			r.Metadata.Time++
			return enc(r)
		}(), dap.MediaReport, dep.dir.Task.ID, 400, ProbInvalidMessage},
		{"from the future", dep.report(t, m, 2), dap.MediaReport, dep.dir.Task.ID, 400, ProbReportTooEarly},
		{"before the task", dep.report(t, m, -15), dap.MediaReport, dep.dir.Task.ID, 400, ProbReportRejected},
		{"public extension", func() []byte {
			r := fresh()
			r.Metadata.PublicExtensions = []dap.Extension{{Type: 0xff00, Data: []byte{1}}}
			return enc(r)
		}(), dap.MediaReport, dep.dir.Task.ID, 400, ProbUnsupportedExtension},
		{"wrong media type", dep.report(t, m, 0), "application/octet-stream", dep.dir.Task.ID, 415, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, p := dep.upload(t, c.body, c.ctype, c.task)
			if p == nil {
				t.Fatalf("accepted (HTTP %d)", code)
			}
			if code != c.status || p.Status != c.status || p.Kind() != c.kind {
				t.Errorf("HTTP %d %q (%s), want %d %q", code, p.Kind(), p.Detail, c.status, c.kind)
			}
			if c.kind != "" && c.kind != ProbUnrecognizedTask && p.TaskID != dep.dir.Task.ID.String() {
				t.Errorf("problem document taskid %q, want the task's", p.TaskID)
			}
		})
	}
	// The same report again is a retry: accepted, kept once.
	if code, p := dep.upload(t, good, dap.MediaReport, dep.dir.Task.ID); p != nil || code != http.StatusCreated {
		t.Errorf("the same report again: HTTP %d %v, want 201 (uploads are idempotent)", code, p)
	}
	if st := dep.demo.Leader.Stats(); st.Uploaded != 1 {
		t.Fatalf("the leader kept %d uploads, want only the good one", st.Uploaded)
	}

	// A report whose Helper share was tampered with passes the Leader (it
	// cannot open it) and is dropped by the Helper; one whose Leader share
	// was re-sealed around a forged measurement share fails the proof.
	// Neither reaches the aggregate.
	tampered := fresh()
	tampered.HelperShare.Payload[0] ^= 1
	forged := forgeLeaderShare(t, dep, fresh())
	for _, r := range []dap.Report{tampered, forged} {
		if _, p := dep.upload(t, enc(r), dap.MediaReport, dep.dir.Task.ID); p != nil {
			t.Fatalf("the leader cannot see this is bad yet, but refused it: %v", p)
		}
	}
	second := dep.report(t, m, -1)
	if _, p := dep.upload(t, second, dap.MediaReport, dep.dir.Task.ID); p != nil {
		t.Fatal(p)
	}
	res, err := dep.col.Collect(context.Background(), Interval{Start: 19990 * day, Duration: 40 * day})
	if err != nil {
		t.Fatal(err)
	}
	if res.ReportCount != 2 {
		t.Fatalf("the batch holds %d reports, want the 2 good ones", res.ReportCount)
	}
	for j, v := range m {
		if res.Aggregate[j] != 2*int64(v) {
			t.Errorf("aggregate[%d] = %d, want %d", j, res.Aggregate[j], 2*v)
		}
	}
	st := dep.demo.Leader.Stats()
	if st.Rejected["hpke_decrypt_error"] != 1 || st.Rejected["vdaf_prep_error"] != 1 {
		t.Errorf("rejections %v, want one hpke_decrypt_error and one vdaf_prep_error", st.Rejected)
	}
}

// forgeLeaderShare opens r's Leader share (a test may: it holds the
// Leader's key), adds 1 to the first measurement share element, and seals
// it again, as a client lying about its measurement would: the shares no
// longer match the proof.
func forgeLeaderShare(t *testing.T, dep *deployment, r dap.Report) dap.Report {
	t.Helper()
	pt, err := dap.OpenInputShare(dep.dir.Leader.Hpke, dap.RoleLeader, dep.dir.Task.ID, r.Metadata, r.PublicShare, r.LeaderShare)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := fieldVec(pt.Payload[:16])
	var one [16]byte
	one[0] = 1
	o, _ := fieldVec(one[:])
	v.AddAssign(o)
	b, _ := v.MarshalBinary()
	copy(pt.Payload, b)
	aad := dap.InputShareAad{TaskID: dep.dir.Task.ID, Metadata: r.Metadata, PublicShare: r.PublicShare}
	ct, err := dap.SealInputShare(dep.params.Leader[0], dap.RoleLeader, &aad, &pt, crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	r.LeaderShare = ct
	return r
}

// TestMinBatchSize: neither aggregator releases a batch smaller than the
// task's min_batch_size; the refusal leaves the batch collectable later.
func TestMinBatchSize(t *testing.T) {
	dep := newDeployment(t, 3, AggregatorOptions{})
	m := []uint64{1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1}
	iv := Interval{Start: 19990 * day, Duration: 40 * day}
	for i := range 3 {
		if _, p := dep.upload(t, dep.report(t, m, 0), dap.MediaReport, dep.dir.Task.ID); p != nil {
			t.Fatal(p)
		}
		res, err := dep.col.Collect(context.Background(), iv)
		if i < 2 {
			if !IsProblem(err, ProbInvalidBatchSize) {
				t.Fatalf("%d reports: %v, want invalidBatchSize", i+1, err)
			}
			continue
		}
		if err != nil || res.ReportCount != 3 || res.Aggregate[dap.IndexVisits] != 3 {
			t.Fatalf("3 reports: %+v, %v", res, err)
		}
	}

	// The Helper enforces the minimum on its own, whatever the Leader asks.
	share := dap.AggregateShareReq{BatchSelector: dap.TimeIntervalSelector(Interval{Start: 19000 * day, Duration: day}), ReportCount: 0}
	body, _ := share.MarshalBinary()
	_, err := dep.demo.Leader.call(context.Background(), http.MethodPut,
		dep.srv.URL+DemoHelperPath+"/tasks/"+dep.dir.Task.ID.String()+"/aggregate_shares/AAAAAAAAAAAAAAAAAAAAAA", dap.MediaAggregateShareReq, body, dap.MediaAggregateShare)
	if !IsProblem(err, ProbInvalidBatchSize) {
		t.Errorf("an empty batch straight from the helper: %v, want invalidBatchSize", err)
	}
}

// TestAuthentication: collection jobs need the collector's bearer token
// and helper resources the leader's.
func TestAuthentication(t *testing.T) {
	dep := newDeployment(t, 1, AggregatorOptions{})
	for _, c := range []struct{ method, path, ctype string }{
		{http.MethodPut, DemoLeaderPath + "/tasks/" + dep.dir.Task.ID.String() + "/collection_jobs/AAAAAAAAAAAAAAAAAAAAAA", dap.MediaCollectionJobReq},
		{http.MethodPut, DemoHelperPath + "/tasks/" + dep.dir.Task.ID.String() + "/aggregation_jobs/AAAAAAAAAAAAAAAAAAAAAA", dap.MediaAggregationJobInitReq},
		{http.MethodPut, DemoHelperPath + "/tasks/" + dep.dir.Task.ID.String() + "/aggregate_shares/AAAAAAAAAAAAAAAAAAAAAA", dap.MediaAggregateShareReq},
	} {
		for _, token := range []string{"", "Bearer wrong", "Bearer " + dep.dir.Leader.HelperToken + "x"} {
			req, _ := http.NewRequest(c.method, dep.srv.URL+c.path, bytes.NewReader([]byte{0}))
			req.Header.Set("Content-Type", c.ctype)
			if token != "" {
				req.Header.Set("Authorization", token)
			}
			resp, err := dep.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s with %q: HTTP %d, want 401", c.method, c.path, token, resp.StatusCode)
			}
		}
	}
}

// losingTransport performs the first request to one kind of Helper
// resource and then reports a network error, as a connection dropped after
// the Helper acted would.
type losingTransport struct {
	base http.RoundTripper
	path string // the first request whose path holds this loses its answer
	lost bool
}

func (l *losingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.base.RoundTrip(r)
	if err == nil && !l.lost && strings.Contains(r.URL.Path, l.path) {
		l.lost = true
		resp.Body.Close()
		return nil, errors.New("connection reset (test)")
	}
	return resp, err
}

// TestLostHelperAnswer: when the Helper's answer to an aggregation job or
// to the aggregate-share request is lost, the Leader sends the same request
// again, the Helper repeats its answer, and the batch collects whole (a new
// job would be refused as replayed, a new aggregate share as batchOverlap).
func TestLostHelperAnswer(t *testing.T) {
	for _, path := range []string{"/aggregation_jobs/", "/aggregate_shares/"} {
		t.Run(strings.Trim(path, "/"), func(t *testing.T) {
			dep := newDeployment(t, 1, AggregatorOptions{})
			lt := &losingTransport{base: dep.srv.Client().Transport, path: path}
			dep.demo.Leader.client = &http.Client{Transport: lt}
			m := []uint64{0, 1, 0, 0, 2, 1, 0, 0, 0, 0, 1}
			for range 3 {
				if _, p := dep.upload(t, dep.report(t, m, 0), dap.MediaReport, dep.dir.Task.ID); p != nil {
					t.Fatal(p)
				}
			}
			res, err := dep.col.Collect(context.Background(), Interval{Start: 19990 * day, Duration: 40 * day})
			if err != nil {
				t.Fatal(err)
			}
			if !lt.lost || res.ReportCount != 3 || res.Aggregate[dap.IndexPersonalImpressions] != 6 {
				t.Fatalf("lost %v, collected %+v", lt.lost, res)
			}
		})
	}
}
