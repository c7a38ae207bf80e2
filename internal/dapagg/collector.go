package dapagg

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/privrec/privrec/model/dap"
)

// Collector collects batches of one task from a Leader: it PUTs a
// collection job, polls it if the Leader defers, opens both aggregate
// shares with its HPKE key and unshards them. It is safe for concurrent
// use.
type Collector struct {
	task   Task
	key    dap.HpkeKeyPair
	token  string
	leader string
	client *http.Client
	v      *vdaf
}

// NewCollector builds a collector that talks to the Leader at leaderURL
// (the absolute API base; the task's LeaderURL may be a path on the demo's
// origin).
func NewCollector(task Task, s CollectorSecrets, leaderURL string, client *http.Client) (*Collector, error) {
	if err := task.Validate(); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(leaderURL, "http://") && !strings.HasPrefix(leaderURL, "https://") {
		return nil, fmt.Errorf("collector: leader URL %q must be absolute (http:// or https://)", leaderURL)
	}
	a, _ := s.Hpke.Config.MarshalBinary()
	b, _ := task.Collector.MarshalBinary()
	if !bytes.Equal(a, b) {
		return nil, errors.New("collector: the secret key does not match the task's collector HPKE config (task.json and collector.json are from different tasks)")
	}
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	v, err := newVDAF(task.ID)
	if err != nil {
		return nil, err
	}
	return &Collector{task: task, key: s.Hpke, token: s.CollectorToken, leader: strings.TrimSuffix(leaderURL, "/"), client: client, v: v}, nil
}

// Result is a collected batch.
type Result struct {
	// ReportCount is how many reports the batch aggregates.
	ReportCount uint64
	// Interval is the smallest precision-aligned interval holding them.
	Interval Interval
	// Aggregate is the sum of the batch's measurements, coordinate by
	// coordinate; exact unless the aggregators add noise, in which case a
	// coordinate may even come out negative.
	Aggregate []int64
}

// Collect runs one collection job for the batch interval iv.
func (c *Collector) Collect(ctx context.Context, iv Interval) (*Result, error) {
	var jobID [16]byte
	if _, err := rand.Read(jobID[:]); err != nil {
		return nil, err
	}
	q := dap.TimeIntervalSelector(iv)
	req := dap.CollectionJobReq{Query: q}
	reqBody, err := req.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	url := fmt.Sprintf("%s/tasks/%s/collection_jobs/%s", c.leader, c.task.ID, b64(jobID[:]))
	body, wait, err := c.do(ctx, http.MethodPut, url, reqBody)
	for err == nil && len(body) == 0 { // the Leader deferred: poll
		if err = sleep(ctx, wait); err != nil {
			break
		}
		body, wait, err = c.do(ctx, http.MethodGet, url, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	var resp dap.CollectionJobResp
	if err := resp.UnmarshalBinary(body); err != nil {
		return nil, fmt.Errorf("collect: the leader's response: %w", err)
	}
	if resp.PartBatchSelector.Mode != dap.BatchModeTimeInterval {
		return nil, fmt.Errorf("collect: the leader answered batch mode %d, the task is time_interval (1)", resp.PartBatchSelector.Mode)
	}
	aad := dap.AggregateShareAad{TaskID: c.task.ID, BatchSelector: q}
	ls, err := dap.OpenAggregateShare(c.key, dap.RoleLeader, &aad, resp.LeaderShare)
	if err == nil {
		err = c.v.checkAggShare(ls)
	}
	if err != nil {
		return nil, fmt.Errorf("collect: the leader's aggregate share: %w", err)
	}
	hs, err := dap.OpenAggregateShare(c.key, dap.RoleHelper, &aad, resp.HelperShare)
	if err == nil {
		err = c.v.checkAggShare(hs)
	}
	if err != nil {
		return nil, fmt.Errorf("collect: the helper's aggregate share: %w", err)
	}
	agg, err := signedSum(ls, hs)
	if err != nil {
		return nil, fmt.Errorf("collect: %w", err)
	}
	// Best effort: the job's result is no longer needed on the Leader.
	_, _, _ = c.do(ctx, http.MethodDelete, url, nil)
	return &Result{ReportCount: resp.ReportCount, Interval: resp.Interval, Aggregate: agg}, nil
}

// do sends one request to the Leader; it returns the body of a 2xx answer
// and the poll interval the Leader asked for (Retry-After, else a second).
func (c *Collector) do(ctx context.Context, method, url string, body []byte) ([]byte, time.Duration, error) {
	wait := time.Second
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, wait, err
	}
	if body != nil {
		req.Header.Set("Content-Type", dap.MediaCollectionJobReq)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, wait, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, wait, readProblem(resp, "leader")
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 && s < 3600 {
		wait = time.Duration(s) * time.Second
	}
	if method == http.MethodDelete {
		return nil, wait, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err == nil && len(b) > 0 && resp.Header.Get("Content-Type") != dap.MediaCollectionJobResp {
		return nil, wait, fmt.Errorf("leader answered %q, want %q", resp.Header.Get("Content-Type"), dap.MediaCollectionJobResp)
	}
	return b, wait, err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
