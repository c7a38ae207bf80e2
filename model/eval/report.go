package eval

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Targets a Result can be measured on.
const (
	TargetNative = "native" // scored by Go code in this process
	TargetWasm   = "wasm"   // scored by the wasm module through the host harness
)

// Result is one model's figures on the protocol. It marshals to
// {"model","target","model_bytes" (omitted when zero),"hr@10","recall@10","ndcg@10"}.
type Result struct {
	Model      string  `json:"model"`
	Target     string  `json:"target"`
	ModelBytes int64   `json:"model_bytes,omitempty"`
	HR         float64 `json:"hr@10"`
	Recall     float64 `json:"recall@10"`
	NDCG       float64 `json:"ndcg@10"`
}

// NewResult labels m with a model name and target.
func NewResult(modelName, target string, modelBytes int64, m Metrics) Result {
	return Result{Model: modelName, Target: target, ModelBytes: modelBytes, HR: m.HR, Recall: m.Recall, NDCG: m.NDCG}
}

// Report is what "privrec eval" prints: the protocol, the number of test
// users (cases) and of items ranked (the training log's items), and one
// Result per model. It marshals with encoding/json to the documented shape.
// A Report is a plain value, not safe for concurrent mutation.
type Report struct {
	Protocol string   `json:"protocol"`
	Users    int      `json:"users"`
	Items    int      `json:"items"`
	Results  []Result `json:"results"`
}

// NewReport starts a report for the cases and training log of one Split.
func NewReport(cases []Case, items int) *Report {
	return &Report{Protocol: Protocol, Users: len(cases), Items: items, Results: []Result{}}
}

// WriteTable prints r side by side, one model per line.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "protocol %s: %d users, %d items\t\t\t\t\t\t\n", r.Protocol, r.Users, r.Items)
	fmt.Fprintf(tw, "model\ttarget\tbytes\tHR@10\tRecall@10\tNDCG@10\t\n")
	for _, res := range r.Results {
		size := "-"
		if res.ModelBytes > 0 {
			size = fmt.Sprint(res.ModelBytes)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.4f\t%.4f\t%.4f\t\n", res.Model, res.Target, size, res.HR, res.Recall, res.NDCG)
	}
	return tw.Flush()
}
