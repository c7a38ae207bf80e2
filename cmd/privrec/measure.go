package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/privrec/privrec/internal/dapagg"
)

// The demo measurement task privrec serve --measure DIR creates: one
// report per shopper per day for a year from today, a fifth of shopper-days
// in the control arm.
const (
	measureDays         = 365
	measureControlShare = 0.2
)

// measureDemo loads the task in dir, or creates one there, and builds the
// test Leader and Helper for the server listening on addr.
func measureDemo(dir string, minBatch uint64, addr net.Addr, now time.Time) (*dapagg.Demo, *dapagg.TaskDir, bool, error) {
	if err := checkTaskDir("serve: --measure", dir); err != nil {
		return nil, nil, false, err
	}
	d, err := dapagg.ReadTaskDir(dir)
	created := false
	switch {
	case errors.Is(err, dapagg.ErrNoTask):
		today := uint64(now.UTC().Truncate(24 * time.Hour).Unix())
		d, err = dapagg.NewTaskDir(dapagg.Task{TimePrecision: 86400, Start: today, End: today + measureDays*86400, MinBatchSize: minBatch,
			ControlShare: measureControlShare, LeaderURL: dapagg.DemoLeaderPath, HelperURL: dapagg.DemoHelperPath})
		if err != nil {
			return nil, nil, false, fail(exitUsage, fmt.Errorf("serve: --measure: %w", err))
		}
		if err := d.Write(dir); err != nil {
			return nil, nil, false, fail(exitIOError, fmt.Errorf("serve: --measure: %w", err))
		}
		created = true
	case err != nil:
		code := exitFailed
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			code = exitIOError
		}
		return nil, nil, false, fail(code, fmt.Errorf("serve: --measure: %w", err))
	}
	if d.Task.LeaderURL != dapagg.DemoLeaderPath || d.Task.HelperURL != dapagg.DemoHelperPath {
		return nil, nil, false, fail(exitFailed, fmt.Errorf("serve: --measure: the task in %s uses leader %q and helper %q; serve hosts only %s and %s (use a new directory)",
			dir, d.Task.LeaderURL, d.Task.HelperURL, dapagg.DemoLeaderPath, dapagg.DemoHelperPath))
	}
	if len(d.Leader.Hpke.PrivateKey) == 0 || len(d.Helper.Hpke.PrivateKey) == 0 {
		return nil, nil, false, fail(exitIOError, fmt.Errorf("serve: --measure: %s needs %s and %s (the aggregators' keys)", dir, dapagg.LeaderFile, dapagg.HelperFile))
	}
	demo, err := dapagg.NewDemo(d, "http://"+addr.String(), nil, dapagg.AggregatorOptions{}, dapagg.AggregatorOptions{})
	if err != nil {
		return nil, nil, false, fail(exitFailed, fmt.Errorf("serve: --measure: %w", err))
	}
	return demo, d, created, nil
}

// checkTaskDir refuses a task directory that is a file.
func checkTaskDir(verb, dir string) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fail(exitIOError, fmt.Errorf("%s: %s is a file; give a directory (it holds task.json and the keys)", verb, dir))
	}
	return nil
}

// withMeasure serves the DAP demo under /dap/ and everything else from
// site, on one origin, so the page's connect-src 'self' covers the uploads.
func withMeasure(site http.Handler, demo *dapagg.Demo, log func(method, path string, status int)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/dap/") {
			site.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		demo.ServeHTTP(rec, r)
		if log != nil {
			log(r.Method, r.URL.Path, rec.status)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// printMeasure tells the operator where the aggregators are and how to
// collect.
func printMeasure(w io.Writer, dir string, d *dapagg.TaskDir, created bool, addr net.Addr) {
	verb := "reusing"
	if created {
		verb = "created"
	}
	fmt.Fprintf(w, "privrec: measurement on (%s task %s in %s): test DAP leader at /dap/leader/, helper at /dap/helper/, task at %s; min batch %d reports\n",
		verb, d.Task.ID, dir, dapagg.DemoTaskPath, d.Task.MinBatchSize)
	fmt.Fprintln(w, "privrec: both aggregators run in this process, for the demo only: real measurement needs two operators who do not collude")
	fmt.Fprintf(w, "privrec: collect with: privrec kpi --leader http://%s%s --task-dir %s --visitors N\n", addr, dapagg.DemoLeaderPath, dir)
}
