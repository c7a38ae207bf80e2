package dapagg

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/cloudflare/circl/vdaf/prio3/sumvec"

	"github.com/privrec/privrec/model/dap"
)

// Helper is a DAP Helper for one task, as an http.Handler mounted at its API
// base path. It answers, synchronously:
//
//	GET    {helper}/hpke_config
//	PUT    {helper}/tasks/{task-id}/aggregation_jobs/{job-id}
//	DELETE {helper}/tasks/{task-id}/aggregation_jobs/{job-id}
//	PUT    {helper}/tasks/{task-id}/aggregate_shares/{share-id}
//
// State lives in memory. It is safe for concurrent use.
type Helper struct {
	task   Task
	key    dap.HpkeKeyPair
	vkey   *sumvec.VerifyKey
	token  string
	v      *vdaf
	now    func() time.Time
	mux    *http.ServeMux
	noise  Noise
	mu     sync.Mutex
	bkt    *buckets
	jobs   map[[16]byte]*storedResp
	shares map[[16]byte]*storedResp
	view   func(ReportView)
}

// storedResp is an idempotent resource: the request that made it and the
// answer to repeat for the same request.
type storedResp struct {
	req  [32]byte // SHA-256 of the request body
	resp []byte
}

// ReportView is what one aggregator sees of one report during
// preparation: the public share, its own decrypted input share (VDAF
// encoding), the Leader's prep share, the prep message, and its output
// share. The privacy tests
// compare these across very different inputs.
type ReportView struct {
	ReportID    dap.ReportID
	PublicShare []byte
	InputShare  []byte
	PrepShare   []byte
	PrepMsg     []byte
	OutShare    []byte
}

// AggregatorOptions are the optional settings of a Leader or Helper.
type AggregatorOptions struct {
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// View, when set, is called with everything the aggregator learns about
	// each report it prepares; the privacy tests use it.
	View func(ReportView)
}

// NewHelper builds a Helper for task with its secrets, mounted at base (a
// path like "/dap/helper", no trailing slash).
func NewHelper(task Task, s AggregatorSecrets, base string, o AggregatorOptions) (*Helper, error) {
	v, vk, err := aggregatorSetup(&task, &s)
	if err != nil {
		return nil, err
	}
	if s.HelperToken == "" {
		return nil, errors.New("helper: the secrets have no helper token")
	}
	h := &Helper{task: task, key: s.Hpke, vkey: vk, token: s.HelperToken, v: v, now: o.Now, noise: task.Noise, view: o.View,
		bkt: newBuckets(v, task.TimePrecision), jobs: map[[16]byte]*storedResp{}, shares: map[[16]byte]*storedResp{}}
	if h.now == nil {
		h.now = time.Now
	}
	h.mux = http.NewServeMux()
	h.mux.HandleFunc("GET "+base+"/hpke_config", h.hpkeConfig)
	h.mux.HandleFunc("PUT "+base+"/tasks/{task}/aggregation_jobs/{job}", h.putAggJob)
	h.mux.HandleFunc("DELETE "+base+"/tasks/{task}/aggregation_jobs/{job}", h.deleteAggJob)
	h.mux.HandleFunc("PUT "+base+"/tasks/{task}/aggregate_shares/{id}", h.putAggShare)
	return h, nil
}

// aggregatorSetup validates what both aggregators need.
func aggregatorSetup(t *Task, s *AggregatorSecrets) (*vdaf, *sumvec.VerifyKey, error) {
	if err := t.Validate(); err != nil {
		return nil, nil, err
	}
	if !s.Hpke.Config.Supported() || len(s.Hpke.PrivateKey) != 32 {
		return nil, nil, errors.New("aggregator: the HPKE key pair is not X25519/HKDF-SHA256/AES-128-GCM with a 32-byte private key")
	}
	vk, err := s.verifyKey()
	if err != nil {
		return nil, nil, err
	}
	v, err := newVDAF(t.ID)
	if err != nil {
		return nil, nil, err
	}
	return v, vk, nil
}

func (h *Helper) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

func (h *Helper) hpkeConfig(w http.ResponseWriter, r *http.Request) { serveConfig(w, h.key.Config) }

func serveConfig(w http.ResponseWriter, c dap.HpkeConfig) {
	list := dap.HpkeConfigList{c}
	b, _ := list.MarshalBinary()
	w.Header().Set("Cache-Control", "max-age=86400")
	w.Header().Set("Content-Type", dap.MediaHpkeConfigList)
	_, _ = w.Write(b)
}

// taskOf checks the {task} path segment.
func taskOf(w http.ResponseWriter, r *http.Request, t *Task) bool {
	var id dap.TaskID
	if err := parseTaskID(r.PathValue("task"), &id); err != nil || id != t.ID {
		writeProblem(w, problem(ProbUnrecognizedTask, http.StatusNotFound, nil, "this aggregator serves task %s only", t.ID))
		return false
	}
	return true
}

func (h *Helper) putAggJob(w http.ResponseWriter, r *http.Request) {
	if !authorized(w, r, h.token) || !taskOf(w, r, &h.task) {
		return
	}
	tid := &h.task.ID
	jobID, err := parseID16(r.PathValue("job"))
	if err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "aggregation job id: %v", err))
		return
	}
	body, ok := readBody(w, r, dap.MediaAggregationJobInitReq, tid)
	if !ok {
		return
	}
	var req dap.AggregationJobInitReq
	if err := req.UnmarshalBinary(body); err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "AggregationJobInitReq: %v", err))
		return
	}
	if req.PartBatchSelector.Mode != dap.BatchModeTimeInterval || len(req.PartBatchSelector.Config) != 0 {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "batch mode %d: this task is time_interval (1) with an empty partial batch selector", req.PartBatchSelector.Mode))
		return
	}
	if len(req.AggParam) != 0 {
		writeProblem(w, problem(ProbInvalidAggParam, http.StatusBadRequest, tid, "Prio3 takes the empty aggregation parameter, got %d bytes", len(req.AggParam)))
		return
	}
	seen := make(map[dap.ReportID]struct{}, len(req.PrepareInits))
	for _, p := range req.PrepareInits {
		id := p.ReportShare.Metadata.ID
		if _, dup := seen[id]; dup {
			writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "report %s appears twice in the job", id))
			return
		}
		seen[id] = struct{}{}
	}
	hash := sha256.Sum256(body)

	h.mu.Lock()
	defer h.mu.Unlock()
	if j := h.jobs[jobID]; j != nil {
		if j.req != hash {
			writeProblem(w, problem(ProbInvalidMessage, http.StatusConflict, tid, "aggregation job %s exists with a different request", b64(jobID[:])))
			return
		}
		writeMessage(w, http.StatusOK, dap.MediaAggregationJobResp, j.resp)
		return
	}
	now := uint64(h.now().Unix())
	var resp dap.AggregationJobResp
	for _, p := range req.PrepareInits {
		resp.PrepareResps = append(resp.PrepareResps, h.prepare(p, now))
	}
	out, err := resp.MarshalBinary()
	if err != nil {
		writeProblem(w, internalProblem(tid, "encoding the response: %v", err))
		return
	}
	h.jobs[jobID] = &storedResp{req: hash, resp: out}
	writeMessage(w, http.StatusOK, dap.MediaAggregationJobResp, out)
}

// prepare runs input-share validation (DAP-15, "Input Share Validation"), decryption and the
// whole one-round Prio3 preparation of one report, and commits its output
// share. The caller holds h.mu.
func (h *Helper) prepare(p dap.PrepareInit, now uint64) dap.PrepareResp {
	s := p.ReportShare
	id := s.Metadata.ID
	reject := func(e dap.ReportError) dap.PrepareResp {
		return dap.PrepareResp{ReportID: id, State: dap.PrepareRejected, Error: e}
	}
	if e := checkTime(&h.task, s.Metadata.Time, now); e != 0 {
		return reject(e)
	}
	if len(s.Metadata.PublicExtensions) != 0 {
		return reject(dap.ReportErrorInvalidMessage) // no extension is recognized
	}
	if s.EncryptedInputShare.ConfigID != h.key.Config.ID {
		return reject(dap.ReportErrorHpkeUnknownConfigID)
	}
	pt, err := dap.OpenInputShare(h.key, dap.RoleHelper, h.task.ID, s.Metadata, s.PublicShare, s.EncryptedInputShare)
	if err != nil {
		return reject(dap.ReportErrorHpkeDecryptError)
	}
	if len(pt.PrivateExtensions) != 0 {
		return reject(dap.ReportErrorInvalidMessage)
	}
	if e := h.bkt.check(id, s.Metadata.Time); e != 0 {
		return reject(e)
	}
	out, msg, e := h.v.helperInit(h.vkey, id, s.PublicShare, pt.Payload, p.Payload)
	if e != 0 {
		return reject(e)
	}
	h.bkt.commit(id, s.Metadata.Time, out)
	if h.view != nil {
		ob, _ := out.MarshalBinary()
		in, _ := pingPong(p.Payload)
		fin, _ := pingPong(msg)
		h.view(ReportView{ReportID: id, PublicShare: s.PublicShare, InputShare: pt.Payload, PrepShare: in.PrepShare, PrepMsg: fin.PrepMsg, OutShare: ob})
	}
	return dap.PrepareResp{ReportID: id, State: dap.PrepareContinued, Payload: msg}
}

// clockSkew is how far in the future a report time may be (the draft's "a
// few minutes"), beyond the rounding down to time precision.
const clockSkew = 5 * 60

// checkTime applies the draft's timestamp checks to a report time.
func checkTime(t *Task, ts, now uint64) dap.ReportError {
	switch {
	case ts%t.TimePrecision != 0:
		return dap.ReportErrorInvalidMessage
	case ts > now+clockSkew:
		return dap.ReportErrorReportTooEarly
	case ts < t.Start:
		return dap.ReportErrorTaskNotStarted
	case ts >= t.End:
		return dap.ReportErrorTaskExpired
	}
	return 0
}

func (h *Helper) deleteAggJob(w http.ResponseWriter, r *http.Request) {
	if !authorized(w, r, h.token) || !taskOf(w, r, &h.task) {
		return
	}
	jobID, err := parseID16(r.PathValue("job"))
	if err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, &h.task.ID, "aggregation job id: %v", err))
		return
	}
	h.mu.Lock()
	_, ok := h.jobs[jobID]
	delete(h.jobs, jobID)
	h.mu.Unlock()
	if !ok {
		writeProblem(w, problem(ProbUnrecognizedAggJob, http.StatusNotFound, &h.task.ID, "no aggregation job %s", b64(jobID[:])))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Helper) putAggShare(w http.ResponseWriter, r *http.Request) {
	if !authorized(w, r, h.token) || !taskOf(w, r, &h.task) {
		return
	}
	tid := &h.task.ID
	id, err := parseID16(r.PathValue("id"))
	if err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "aggregate share id: %v", err))
		return
	}
	body, ok := readBody(w, r, dap.MediaAggregateShareReq, tid)
	if !ok {
		return
	}
	hash := sha256.Sum256(body)
	h.mu.Lock()
	defer h.mu.Unlock()
	if s := h.shares[id]; s != nil {
		if s.req != hash {
			writeProblem(w, problem(ProbInvalidMessage, http.StatusConflict, tid, "aggregate share %s exists with a different request", b64(id[:])))
			return
		}
		writeMessage(w, http.StatusOK, dap.MediaAggregateShare, s.resp)
		return
	}
	var req dap.AggregateShareReq
	if err := req.UnmarshalBinary(body); err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "AggregateShareReq: %v", err))
		return
	}
	iv, err := req.BatchSelector.TimeInterval()
	if err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "batch selector: %v", err))
		return
	}
	if len(req.AggParam) != 0 {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, tid, "Prio3 takes the empty aggregation parameter, got %d bytes", len(req.AggParam)))
		return
	}
	if p := h.bkt.validInterval(iv, tid); p != nil {
		writeProblem(w, p)
		return
	}
	b, p := h.bkt.batch(iv)
	if p != nil {
		p.TaskID = tid.String()
		writeProblem(w, p)
		return
	}
	if b.count < h.task.MinBatchSize {
		writeProblem(w, problem(ProbInvalidBatchSize, http.StatusBadRequest, tid, "the batch holds %d reports, the task's minimum is %d", b.count, h.task.MinBatchSize))
		return
	}
	if b.count != req.ReportCount || b.checksum != req.Checksum {
		writeProblem(w, problem(ProbBatchMismatch, http.StatusBadRequest, tid, "the helper aggregated %d reports (checksum %x…), the leader says %d (%x…)", b.count, b.checksum[:4], req.ReportCount, req.Checksum[:4]))
		return
	}
	ct, err := sealAggShare(&h.task, dap.RoleHelper, &b.share, h.noise, req.BatchSelector)
	if err != nil {
		writeProblem(w, internalProblem(tid, "sealing the aggregate share: %v", err))
		return
	}
	h.bkt.markCollected(iv)
	share := dap.AggregateShare{EncryptedAggregateShare: ct}
	out, _ := share.MarshalBinary()
	h.shares[id] = &storedResp{req: hash, resp: out}
	writeMessage(w, http.StatusOK, dap.MediaAggregateShare, out)
}

// sealAggShare adds the aggregator's noise (if any) to its aggregate share
// and seals it to the collector (DAP-15, "Aggregate Share Encryption").
func sealAggShare(t *Task, role dap.Role, share *sumvec.AggShare, n Noise, sel dap.BatchSelector) (dap.HpkeCiphertext, error) {
	b, err := share.MarshalBinary()
	if err != nil {
		return dap.HpkeCiphertext{}, err
	}
	if n.enabled() {
		if b, err = n.apply(b); err != nil {
			return dap.HpkeCiphertext{}, err
		}
	}
	aad := dap.AggregateShareAad{TaskID: t.ID, BatchSelector: sel}
	return dap.SealAggregateShare(t.Collector, role, &aad, b, rand.Reader)
}
