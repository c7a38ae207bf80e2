package dapagg

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cloudflare/circl/vdaf/prio3/sumvec"

	"github.com/privrec/privrec/model/dap"
)

// Leader is a DAP Leader for one task, as an http.Handler mounted at its API
// base path. It answers:
//
//	GET  {leader}/hpke_config
//	POST {leader}/tasks/{task-id}/reports
//	PUT|GET|DELETE {leader}/tasks/{task-id}/collection_jobs/{job-id}
//
// and drives the Helper over HTTP: when a collection job arrives it runs
// aggregation jobs for every pending report, then asks the Helper for its
// aggregate share of the batch. Everything is synchronous and in memory. It
// is safe for concurrent use.
type Leader struct {
	task           Task
	key            dap.HpkeKeyPair
	vkey           *sumvec.VerifyKey
	helperURL      string
	helperToken    string
	collectorToken string
	client         *http.Client
	v              *vdaf
	now            func() time.Time
	mux            *http.ServeMux
	noise          Noise
	view           func(ReportView)
	jobSize        int // reports per aggregation job

	mu      sync.Mutex
	seen    map[dap.ReportID][32]byte // every report id ever accepted, with its report's SHA-256
	pending []*pendingReport          // accepted, not yet aggregated
	bkt     *buckets
	jobs    map[[16]byte]*storedResp
	stats   LeaderStats
}

// LeaderStats counts what happened to the reports the Leader accepted.
type LeaderStats struct {
	Uploaded   uint64            // accepted uploads
	Aggregated uint64            // committed to a batch bucket
	Rejected   map[string]uint64 // refused during aggregation, by the draft's report error name
}

type pendingReport struct {
	r       *dap.Report
	payload []byte // the Leader's decrypted input share
}

// maxPending caps the reports held between collections (each is about
// 2.4 KB): the demo Leader keeps them in memory and takes uploads from
// anyone who can reach it.
const maxPending = 50_000

// NewLeader builds a Leader for task with its secrets, mounted at base (a
// path like "/dap/leader", no trailing slash). helperURL is the Helper's
// API base as the Leader reaches it, an absolute URL (the task's HelperURL
// is what browsers use, possibly a path); client may be nil.
func NewLeader(task Task, s AggregatorSecrets, base, helperURL string, client *http.Client, o AggregatorOptions) (*Leader, error) {
	v, vk, err := aggregatorSetup(&task, &s)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(helperURL, "http://") && !strings.HasPrefix(helperURL, "https://") {
		return nil, fmt.Errorf("leader: helper URL %q must be absolute (http:// or https://)", helperURL)
	}
	if s.CollectorToken == "" || s.HelperToken == "" {
		return nil, errors.New("leader: the secrets need both the helper and the collector token")
	}
	l := &Leader{task: task, key: s.Hpke, vkey: vk, helperURL: strings.TrimSuffix(helperURL, "/"), helperToken: s.HelperToken,
		collectorToken: s.CollectorToken, client: client, v: v, now: o.Now, noise: task.Noise, view: o.View, jobSize: 256,
		seen: map[dap.ReportID][32]byte{}, bkt: newBuckets(v, task.TimePrecision), jobs: map[[16]byte]*storedResp{},
		stats: LeaderStats{Rejected: map[string]uint64{}}}
	if l.client == nil {
		l.client = &http.Client{Timeout: 30 * time.Second}
	}
	if l.now == nil {
		l.now = time.Now
	}
	l.mux = http.NewServeMux()
	l.mux.HandleFunc("GET "+base+"/hpke_config", func(w http.ResponseWriter, _ *http.Request) { serveConfig(w, l.key.Config) })
	l.mux.HandleFunc("POST "+base+"/tasks/{task}/reports", l.upload)
	l.mux.HandleFunc("PUT "+base+"/tasks/{task}/collection_jobs/{job}", l.putCollection)
	l.mux.HandleFunc("GET "+base+"/tasks/{task}/collection_jobs/{job}", l.getCollection)
	l.mux.HandleFunc("DELETE "+base+"/tasks/{task}/collection_jobs/{job}", l.deleteCollection)
	return l, nil
}

func (l *Leader) ServeHTTP(w http.ResponseWriter, r *http.Request) { l.mux.ServeHTTP(w, r) }

// Stats returns a copy of the Leader's counters.
func (l *Leader) Stats() LeaderStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.stats
	s.Rejected = make(map[string]uint64, len(l.stats.Rejected))
	for k, v := range l.stats.Rejected {
		s.Rejected[k] = v
	}
	return s
}

// upload validates a report (DAP-15, "Upload Request") and keeps it for
// aggregation. It is idempotent: the same report again is answered as the
// first time and kept once; another report under a known id is refused. A
// refused report changes nothing: no id is remembered, nothing is stored.
// The Leader opens its own input share here rather than at aggregation
// time, so that a report that cannot be decrypted is refused to the client
// that sent it, not dropped in silence later.
func (l *Leader) upload(w http.ResponseWriter, r *http.Request) {
	if !taskOf(w, r, &l.task) {
		return
	}
	tid := &l.task.ID
	body, ok := readBody(w, r, dap.MediaReport, tid)
	if !ok {
		return
	}
	rep := new(dap.Report)
	if err := rep.UnmarshalBinary(body); err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "report: %v", err))
		return
	}
	if exts := rep.Metadata.PublicExtensions; len(exts) > 0 {
		p := problem(ProbUnsupportedExtension, http.StatusBadRequest, tid, "this aggregator supports no report extensions")
		for _, x := range exts {
			p.UnsupportedExtensions = append(p.UnsupportedExtensions, x.Type)
		}
		writeProblem(w, p)
		return
	}
	if rep.LeaderShare.ConfigID != l.key.Config.ID {
		writeProblem(w, problem(ProbOutdatedConfig, http.StatusBadRequest, tid, "the leader's input share is sealed to HPKE config %d, the current one is %d: fetch hpke_config again", rep.LeaderShare.ConfigID, l.key.Config.ID))
		return
	}
	now := uint64(l.now().Unix())
	t := rep.Metadata.Time
	switch checkTime(&l.task, t, now) {
	case 0:
	case dap.ReportErrorInvalidMessage:
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "report time %d is not a multiple of the time precision %d", t, l.task.TimePrecision))
		return
	case dap.ReportErrorReportTooEarly:
		writeProblem(w, problem(ProbReportTooEarly, http.StatusBadRequest, tid, "report time %d is in the future (now %d)", t, now))
		return
	default:
		writeProblem(w, problem(ProbReportRejected, http.StatusBadRequest, tid, "report time %d is outside the task interval [%d, %d)", t, l.task.Start, l.task.End))
		return
	}
	pt, err := dap.OpenInputShare(l.key, dap.RoleLeader, l.task.ID, rep.Metadata, rep.PublicShare, rep.LeaderShare)
	if err != nil {
		writeProblem(w, problem(ProbReportRejected, http.StatusBadRequest, tid, "the leader's input share does not open (hpke_decrypt_error)"))
		return
	}
	if len(pt.PrivateExtensions) > 0 {
		p := problem(ProbUnsupportedExtension, http.StatusBadRequest, tid, "this aggregator supports no report extensions")
		for _, x := range pt.PrivateExtensions {
			p.UnsupportedExtensions = append(p.UnsupportedExtensions, x.Type)
		}
		writeProblem(w, p)
		return
	}
	if _, err := dap.DecodeInputShare(l.v.sv, 0, pt.Payload); err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "the leader's input share: %v", err))
		return
	}
	if _, err := dap.DecodePublicShare(l.v.sv, rep.PublicShare); err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "public share: %v", err))
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	sum := sha256.Sum256(body)
	if prev, dup := l.seen[rep.Metadata.ID]; dup {
		if prev == sum {
			// The same report again (a retry after a lost answer): uploads
			// are idempotent, and it is still counted once.
			w.WriteHeader(http.StatusCreated)
			return
		}
		writeProblem(w, problem(ProbReportRejected, http.StatusBadRequest, tid, "report id %s was already uploaded with other contents", rep.Metadata.ID))
		return
	}
	if len(l.pending) >= maxPending {
		writeProblem(w, &Problem{Type: "about:blank", Title: "leader full", Status: http.StatusServiceUnavailable, TaskID: tid.String(),
			Detail: fmt.Sprintf("%d reports wait for aggregation; collect (privrec kpi) before uploading more", len(l.pending))})
		return
	}
	if e := l.bkt.check(rep.Metadata.ID, t); e == dap.ReportErrorBatchCollected {
		writeProblem(w, problem(ProbReportRejected, http.StatusBadRequest, tid, "the batch for time %d was already collected", t))
		return
	}
	l.seen[rep.Metadata.ID] = sum
	l.pending = append(l.pending, &pendingReport{r: rep, payload: pt.Payload})
	l.stats.Uploaded++
	w.WriteHeader(http.StatusCreated)
}

// Aggregate runs aggregation jobs with the Helper for every pending report
// and commits the prepared output shares. A report either side refuses is
// dropped and counted in Stats().Rejected; a failed job leaves its reports
// pending, to be retried.
func (l *Leader) Aggregate(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.aggregateLocked(ctx)
}

func (l *Leader) aggregateLocked(ctx context.Context) error {
	for len(l.pending) > 0 {
		n := min(len(l.pending), l.jobSize)
		if err := l.runJob(ctx, l.pending[:n]); err != nil {
			return err
		}
		l.pending = l.pending[n:]
	}
	l.pending = nil
	return nil
}

// runJob is one aggregation job: leader init, the Helper's PUT, leader
// finish, commit. The caller holds l.mu.
func (l *Leader) runJob(ctx context.Context, reps []*pendingReport) error {
	type prepared struct {
		p     *pendingReport
		state *sumvec.PrepState
		init  []byte
	}
	var todo []prepared
	req := dap.AggregationJobInitReq{PartBatchSelector: dap.PartialBatchSelector{Mode: dap.BatchModeTimeInterval}}
	for _, p := range reps {
		r := p.r
		if e := l.bkt.check(r.Metadata.ID, r.Metadata.Time); e != 0 {
			l.stats.Rejected[reportErrorName(e)]++
			continue
		}
		st, init, e := l.v.leaderInit(l.vkey, r.Metadata.ID, r.PublicShare, p.payload)
		if e != 0 {
			l.stats.Rejected[reportErrorName(e)]++
			continue
		}
		todo = append(todo, prepared{p, st, init})
		req.PrepareInits = append(req.PrepareInits, dap.PrepareInit{
			ReportShare: dap.ReportShare{Metadata: r.Metadata, PublicShare: r.PublicShare, EncryptedInputShare: r.HelperShare},
			Payload:     init,
		})
	}
	if len(todo) == 0 {
		return nil
	}
	var jobID [16]byte
	_, _ = rand.Read(jobID[:])
	url := fmt.Sprintf("%s/tasks/%s/aggregation_jobs/%s", l.helperURL, l.task.ID, b64(jobID[:]))
	reqBody, err := req.MarshalBinary()
	if err != nil {
		return fmt.Errorf("aggregation job: %w", err)
	}
	// A lost answer is recovered by sending the very same request again
	// (DAP-15, "Recovering from Aggregation Step Skew"): the Helper answers
	// a repeated PUT as it did the first, so both sides commit the same
	// reports. A fresh job for them would be refused as replayed on the
	// Helper and leave the batch mismatched.
	var body []byte
	for try := 0; ; try++ {
		body, err = l.call(ctx, http.MethodPut, url, dap.MediaAggregationJobInitReq, reqBody, dap.MediaAggregationJobResp)
		var p *Problem
		if err == nil || errors.As(err, &p) || try == 2 || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("aggregation job: %w", err)
	}
	var resp dap.AggregationJobResp
	if err := resp.UnmarshalBinary(body); err != nil {
		return fmt.Errorf("aggregation job: the helper's response: %w", err)
	}
	if len(resp.PrepareResps) != len(todo) {
		return fmt.Errorf("aggregation job: the helper answered %d reports of %d", len(resp.PrepareResps), len(todo))
	}
	for i, pr := range resp.PrepareResps {
		if pr.ReportID != todo[i].p.r.Metadata.ID {
			return fmt.Errorf("aggregation job: the helper's answer %d is for another report", i)
		}
		if pr.State == dap.PrepareFinished {
			return fmt.Errorf("aggregation job: the helper finished report %d at once; Prio3 takes one round-trip", i)
		}
	}
	for i, pr := range resp.PrepareResps {
		t := todo[i]
		if pr.State == dap.PrepareRejected {
			l.stats.Rejected[reportErrorName(pr.Error)]++
			continue
		}
		out, err := l.v.leaderFinish(t.state, pr.Payload)
		if err != nil {
			l.stats.Rejected[reportErrorName(dap.ReportErrorVdafPrepError)]++
			continue
		}
		if l.view != nil {
			ob, _ := out.MarshalBinary()
			in, _ := pingPong(t.init)
			fin, _ := pingPong(pr.Payload)
			l.view(ReportView{ReportID: t.p.r.Metadata.ID, PublicShare: t.p.r.PublicShare, InputShare: t.p.payload, PrepShare: in.PrepShare, PrepMsg: fin.PrepMsg, OutShare: ob})
		}
		l.bkt.commit(t.p.r.Metadata.ID, t.p.r.Metadata.Time, out)
		l.stats.Aggregated++
	}
	return nil
}

// call sends one request to the Helper and returns the body of a 2xx answer
// of the expected media type; a problem document becomes a *Problem error.
func (l *Leader) call(ctx context.Context, method, url, media string, body []byte, want string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", media)
	req.Header.Set("Authorization", "Bearer "+l.helperToken)
	resp, err := l.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, readProblem(resp, "helper")
	}
	if ct := resp.Header.Get("Content-Type"); ct != want {
		return nil, fmt.Errorf("the helper answered %q, want %q", ct, want)
	}
	return io.ReadAll(io.LimitReader(resp.Body, maxBody))
}

func (l *Leader) putCollection(w http.ResponseWriter, r *http.Request) {
	if !authorized(w, r, l.collectorToken) || !taskOf(w, r, &l.task) {
		return
	}
	tid := &l.task.ID
	jobID, err := parseID16(r.PathValue("job"))
	if err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "collection job id: %v", err))
		return
	}
	body, ok := readBody(w, r, dap.MediaCollectionJobReq, tid)
	if !ok {
		return
	}
	hash := sha256.Sum256(body)
	var req dap.CollectionJobReq
	if err := req.UnmarshalBinary(body); err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "CollectionJobReq: %v", err))
		return
	}
	iv, err := req.Query.TimeInterval()
	if err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "query: %v", err))
		return
	}
	if len(req.AggParam) != 0 {
		writeProblem(w, problem(ProbInvalidAggParam, http.StatusBadRequest, tid, "Prio3 takes the empty aggregation parameter, got %d bytes", len(req.AggParam)))
		return
	}
	if p := l.bkt.validInterval(iv, tid); p != nil {
		writeProblem(w, p)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if j := l.jobs[jobID]; j != nil {
		if j.req != hash {
			writeProblem(w, problem(ProbInvalidMessage, http.StatusConflict, tid, "collection job %s exists with a different request", b64(jobID[:])))
			return
		}
		writeMessage(w, http.StatusOK, dap.MediaCollectionJobResp, j.resp)
		return
	}
	if err := l.aggregateLocked(r.Context()); err != nil {
		writeProblem(w, helperProblem(err, tid))
		return
	}
	resp, p := l.collect(r.Context(), iv)
	if p != nil {
		p.TaskID = tid.String()
		writeProblem(w, p)
		return
	}
	l.jobs[jobID] = &storedResp{req: hash, resp: resp}
	writeMessage(w, http.StatusOK, dap.MediaCollectionJobResp, resp)
}

// collect merges the batch, obtains the Helper's sealed aggregate share and
// seals the Leader's own. The batch counts as collected only once both are
// sealed. The caller holds l.mu.
func (l *Leader) collect(ctx context.Context, iv Interval) ([]byte, *Problem) {
	b, p := l.bkt.batch(iv)
	if p != nil {
		return nil, p
	}
	if b.count < l.task.MinBatchSize {
		return nil, problem(ProbInvalidBatchSize, http.StatusBadRequest, nil,
			"the batch [%d, +%d) holds %d reports, the task's minimum is %d: collect later or over a longer interval", iv.Start, iv.Duration, b.count, l.task.MinBatchSize)
	}
	sel := dap.TimeIntervalSelector(iv)
	share := dap.AggregateShareReq{BatchSelector: sel, ReportCount: b.count, Checksum: b.checksum}
	// The aggregate share's id is derived from the batch, so a collection
	// retried after a lost answer asks for the same resource, which the
	// Helper answers again; a fresh id would be refused as batchOverlap,
	// since the Helper closed the batch when it first answered.
	reqBody, _ := share.MarshalBinary()
	sum := sha256.Sum256(append(l.task.ID[:], reqBody...))
	url := fmt.Sprintf("%s/tasks/%s/aggregate_shares/%s", l.helperURL, l.task.ID, b64(sum[:16]))
	var body []byte
	var err error
	for try := 0; ; try++ {
		body, err = l.call(ctx, http.MethodPut, url, dap.MediaAggregateShareReq, reqBody, dap.MediaAggregateShare)
		var p *Problem
		if err == nil || errors.As(err, &p) || try == 2 || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return nil, helperProblem(err, nil)
	}
	var hs dap.AggregateShare
	if err := hs.UnmarshalBinary(body); err != nil {
		return nil, helperProblem(err, nil)
	}
	mine, err := sealAggShare(&l.task, dap.RoleLeader, &b.share, l.noise, sel)
	if err != nil {
		return nil, internalProblem(nil, "sealing the aggregate share: %v", err)
	}
	l.bkt.markCollected(iv)
	out := dap.CollectionJobResp{PartBatchSelector: dap.PartialBatchSelector{Mode: dap.BatchModeTimeInterval}, ReportCount: b.count,
		Interval: Interval{Start: b.first, Duration: b.last - b.first + l.task.TimePrecision}, LeaderShare: mine, HelperShare: hs.EncryptedAggregateShare}
	enc, err := out.MarshalBinary()
	if err != nil {
		return nil, internalProblem(nil, "encoding the collection: %v", err)
	}
	return enc, nil
}

// helperProblem passes a Helper's DAP problem on to the collector (a batch
// mismatch or size refusal is the collector's business), and reports any
// other failure as a gateway error.
func helperProblem(err error, tid *dap.TaskID) *Problem {
	var p *Problem
	if errors.As(err, &p) && p.Kind() != "" {
		q := *p
		q.Detail = "helper: " + q.Detail
		return &q
	}
	q := &Problem{Type: "about:blank", Title: "helper unavailable", Status: http.StatusBadGateway, Detail: err.Error()}
	if tid != nil {
		q.TaskID = tid.String()
	}
	return q
}

// collectionJob checks a collection-job request's token and task and
// returns its job id; ok is false once it has answered with a problem.
func (l *Leader) collectionJob(w http.ResponseWriter, r *http.Request) (jobID [16]byte, ok bool) {
	if !authorized(w, r, l.collectorToken) || !taskOf(w, r, &l.task) {
		return jobID, false
	}
	jobID, err := parseID16(r.PathValue("job"))
	if err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, &l.task.ID, "collection job id: %v", err))
		return jobID, false
	}
	return jobID, true
}

func (l *Leader) getCollection(w http.ResponseWriter, r *http.Request) {
	jobID, ok := l.collectionJob(w, r)
	if !ok {
		return
	}
	l.mu.Lock()
	j := l.jobs[jobID]
	l.mu.Unlock()
	if j == nil {
		writeProblem(w, &Problem{Type: "about:blank", Title: "not found", Status: http.StatusNotFound, Detail: "no collection job " + b64(jobID[:]), TaskID: l.task.ID.String()})
		return
	}
	writeMessage(w, http.StatusOK, dap.MediaCollectionJobResp, j.resp)
}

func (l *Leader) deleteCollection(w http.ResponseWriter, r *http.Request) {
	jobID, ok := l.collectionJob(w, r)
	if !ok {
		return
	}
	l.mu.Lock()
	delete(l.jobs, jobID)
	l.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
