package eval

import (
	"fmt"
	"io"
	"strings"
)

// Targets a Result can be measured on.
const (
	TargetNative = "native" // scored by Go code in this process
	TargetWasm   = "wasm"   // scored by the wasm module through the host harness
)

// Result is one model's figures on the protocol. It marshals to
// {"model","target","model_bytes" (omitted when zero),"lambda" (the tuned
// λ of EASE, omitted otherwise),"hr@10","recall@10","ndcg@10"}.
type Result struct {
	Model      string  `json:"model"`
	Target     string  `json:"target"`
	ModelBytes int64   `json:"model_bytes,omitempty"`
	Lambda     float64 `json:"lambda,omitempty"`
	HR         float64 `json:"hr@10"`
	Recall     float64 `json:"recall@10"`
	NDCG       float64 `json:"ndcg@10"`
}

// NewResult labels m with a model name and target.
func NewResult(modelName, target string, modelBytes int64, m Metrics) Result {
	return Result{Model: modelName, Target: target, ModelBytes: modelBytes, HR: m.HR, Recall: m.Recall, NDCG: m.NDCG}
}

// Report is what "privrec eval" prints: the protocol (Protocol, or
// ProtocolSessions for a log without baskets), the number of test users
// (cases) and of items ranked (the training log's items), one Result per
// model, and notes on how references were chosen or why one was skipped
// (omitted when none). It marshals with encoding/json to the documented
// shape. A Report is a plain value, not safe for concurrent mutation.
type Report struct {
	Protocol string   `json:"protocol"`
	Users    int      `json:"users"`
	Items    int      `json:"items"`
	Results  []Result `json:"results"`
	Notes    []string `json:"notes,omitempty"`
}

// NewReport starts a report for the cases and training log of one Split.
func NewReport(cases []Case, items int) *Report {
	return &Report{Protocol: Protocol, Users: len(cases), Items: items, Results: []Result{}}
}

// WriteTable prints r side by side, one model per line.
func (r *Report) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "protocol %s: %d users, %d items\n", r.Protocol, r.Users, r.Items)
	fmt.Fprintf(&b, "%-12s %-7s %9s %7s %9s %8s\n", "model", "target", "bytes", "HR@10", "Recall@10", "NDCG@10")
	for _, res := range r.Results {
		size := "-"
		if res.ModelBytes > 0 {
			size = fmt.Sprint(res.ModelBytes)
		}
		fmt.Fprintf(&b, "%-12s %-7s %9s %7.4f %9.4f %8.4f\n", res.Model, res.Target, size, res.HR, res.Recall, res.NDCG)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
