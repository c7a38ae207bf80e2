package dapagg

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/privrec/privrec/model/dap"
)

// Paths of the demo deployment on the storefront's own origin, so the
// page's Content-Security-Policy (connect-src 'self') covers the uploads.
const (
	DemoLeaderPath = "/dap/leader"
	DemoHelperPath = "/dap/helper"
	DemoTaskPath   = "/dap/task.json"
)

// Demo is a Leader and a Helper for one task on one origin, with the task
// parameters the SDK needs at DemoTaskPath. Both aggregators in one process
// is a demo and test convenience only: DAP's privacy rests on the two being
// run by parties that do not collude. Safe for concurrent use.
type Demo struct {
	Leader *Leader
	Helper *Helper
	sdk    []byte
}

// SDKTask is the public task description the demo page reads from
// DemoTaskPath.
type SDKTask struct {
	TaskID        string  `json:"task_id"`
	Leader        string  `json:"leader"`
	Helper        string  `json:"helper"`
	TimePrecision uint64  `json:"time_precision"`
	TaskStart     uint64  `json:"task_start"`
	TaskEnd       uint64  `json:"task_end"`
	ControlShare  float64 `json:"control_share"`
	LayoutVersion int     `json:"layout_version"`
	VDAF          struct {
		Type        string `json:"type"`
		Length      int    `json:"length"`
		Bits        int    `json:"bits"`
		ChunkLength int    `json:"chunk_length"`
	} `json:"vdaf"`
	Draft string `json:"dap_draft"`
}

// NewDemo builds the demo deployment of d. origin is the server's own base
// URL ("http://127.0.0.1:8080"), which the Leader uses to reach the Helper;
// lo and ho are the Leader's and the Helper's options.
func NewDemo(d *TaskDir, origin string, client *http.Client, lo, ho AggregatorOptions) (*Demo, error) {
	origin = strings.TrimSuffix(origin, "/")
	h, err := NewHelper(d.Task, d.Helper, DemoHelperPath, ho)
	if err != nil {
		return nil, err
	}
	l, err := NewLeader(d.Task, d.Leader, DemoLeaderPath, origin+DemoHelperPath, client, lo)
	if err != nil {
		return nil, err
	}
	t := SDKTask{TaskID: d.Task.ID.String(), Leader: d.Task.LeaderURL, Helper: d.Task.HelperURL, TimePrecision: d.Task.TimePrecision,
		TaskStart: d.Task.Start, TaskEnd: d.Task.End, ControlShare: d.Task.ControlShare, LayoutVersion: dap.LayoutVersion, Draft: dap.Draft}
	t.VDAF.Type, t.VDAF.Length, t.VDAF.Bits, t.VDAF.ChunkLength = "Prio3SumVec", dap.MeasurementLength, dap.MeasurementBits, dap.ChunkLength
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return nil, err
	}
	return &Demo{Leader: l, Helper: h, sdk: append(b, '\n')}, nil
}

// ServeHTTP routes /dap/leader/…, /dap/helper/… and /dap/task.json.
func (d *Demo) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == DemoTaskPath && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(d.sdk)
	case strings.HasPrefix(p, DemoLeaderPath+"/"):
		d.Leader.ServeHTTP(w, r)
	case strings.HasPrefix(p, DemoHelperPath+"/"):
		d.Helper.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}
