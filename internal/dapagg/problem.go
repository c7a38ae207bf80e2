package dapagg

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/privrec/privrec/model/dap"
)

// Problem is an RFC 9457 problem document with DAP's error types
// (urn:ietf:params:ppm:dap:error:*). Handlers answer every refusal with one;
// the collector and the leader's helper client parse them back into errors.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title,omitempty"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	TaskID string `json:"taskid,omitempty"`
	// UnsupportedExtensions lists the extension code points of an upload
	// refused with unsupportedExtension.
	UnsupportedExtensions []uint16 `json:"unsupported_extensions,omitempty"`
}

const problemPrefix = "urn:ietf:params:ppm:dap:error:"

// DAP error types (DAP-15, "Errors").
const (
	ProbInvalidMessage        = "invalidMessage"
	ProbUnrecognizedTask      = "unrecognizedTask"
	ProbUnrecognizedAggJob    = "unrecognizedAggregationJob"
	ProbOutdatedConfig        = "outdatedConfig"
	ProbReportRejected        = "reportRejected"
	ProbReportTooEarly        = "reportTooEarly"
	ProbBatchInvalid          = "batchInvalid"
	ProbInvalidBatchSize      = "invalidBatchSize"
	ProbInvalidAggParam       = "invalidAggregationParameter"
	ProbBatchMismatch         = "batchMismatch"
	ProbBatchOverlap          = "batchOverlap"
	ProbUnsupportedExtension  = "unsupportedExtension"
	probUnauthorized          = "about:blank"
	mediaProblem              = "application/problem+json"
	problemTypeUnauthorized   = "unauthorized"
	problemTypeUnsupportedMed = "unsupportedMediaType"
)

// Kind is the short DAP error token ("invalidMessage"), or "" for a
// problem outside the DAP namespace.
func (p *Problem) Kind() string {
	if k, ok := strings.CutPrefix(p.Type, problemPrefix); ok {
		return k
	}
	return ""
}

func (p *Problem) Error() string {
	k := p.Kind()
	if k == "" {
		k = p.Title
	}
	return fmt.Sprintf("%s (HTTP %d): %s", k, p.Status, p.Detail)
}

// IsProblem reports whether err carries a DAP problem of the given kind.
func IsProblem(err error, kind string) bool {
	var p *Problem
	return errors.As(err, &p) && p.Kind() == kind
}

func problem(kind string, status int, task *dap.TaskID, format string, args ...any) *Problem {
	p := &Problem{Type: problemPrefix + kind, Title: kind, Status: status, Detail: fmt.Sprintf(format, args...)}
	if task != nil {
		p.TaskID = task.String()
	}
	return p
}

// internalProblem is a failure of the aggregator itself; it stays outside
// the DAP error namespace, which the draft reserves for its own types.
func internalProblem(task *dap.TaskID, format string, args ...any) *Problem {
	p := &Problem{Type: "about:blank", Title: "internal error", Status: http.StatusInternalServerError, Detail: fmt.Sprintf(format, args...)}
	if task != nil {
		p.TaskID = task.String()
	}
	return p
}

func writeProblem(w http.ResponseWriter, p *Problem) {
	b, _ := json.Marshal(p)
	w.Header().Set("Content-Type", mediaProblem)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_, _ = w.Write(b)
}

// readProblem turns a non-2xx response into an error, a *Problem when the
// body is one.
func readProblem(resp *http.Response, what string) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var p Problem
	if strings.HasPrefix(resp.Header.Get("Content-Type"), mediaProblem) && json.Unmarshal(b, &p) == nil && p.Type != "" {
		if p.Status == 0 {
			p.Status = resp.StatusCode
		}
		return fmt.Errorf("%s: %w", what, &p)
	}
	return fmt.Errorf("%s: HTTP %d: %.200s", what, resp.StatusCode, b)
}

// maxBody caps every request and response body read, before decoding.
const maxBody = 64 << 20

// readBody reads a capped request body of the expected media type.
func readBody(w http.ResponseWriter, r *http.Request, media string, task *dap.TaskID) ([]byte, bool) {
	if ct := r.Header.Get("Content-Type"); ct != media {
		writeProblem(w, &Problem{Type: probUnauthorized, Title: problemTypeUnsupportedMed, Status: http.StatusUnsupportedMediaType,
			Detail: fmt.Sprintf("Content-Type %q, want %q", ct, media)})
		return nil, false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeProblem(w, problem(ProbInvalidMessage, http.StatusBadRequest, task, "reading the body: %v", err))
		return nil, false
	}
	return b, true
}

// authorized checks a bearer token in constant time.
func authorized(w http.ResponseWriter, r *http.Request, want string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		writeProblem(w, &Problem{Type: probUnauthorized, Title: problemTypeUnauthorized, Status: http.StatusUnauthorized,
			Detail: "this resource needs the bearer token from the task directory"})
		return false
	}
	return true
}

func writeMessage(w http.ResponseWriter, status int, media string, body []byte) {
	w.Header().Set("Content-Type", media)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func asProblem(err error, p **Problem) bool { return errors.As(err, p) }
