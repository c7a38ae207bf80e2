package main

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/privrec/privrec/internal/dapagg"
	"github.com/privrec/privrec/internal/demo/server"
	"github.com/privrec/privrec/model/dap"
)

// TestServeMeasure: serve --measure DIR creates the task, mounts the
// Leader and Helper on the storefront's origin beside the static files
// (whose CSP still says connect-src 'self'), publishes /dap/task.json,
// accepts reports, and privrec kpi collects them; a second start reuses
// the task.
func TestServeMeasure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "measure")
	o := serveFixture(t)
	cfg, err := serveConfig(o, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	h, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	demo, d, created, err := measureDemo(dir, 10, ln.Addr(), time.Now())
	if err != nil || !created {
		t.Fatalf("measureDemo: created %v, %v", created, err)
	}
	var out bytes.Buffer
	printMeasure(&out, dir, d, created, ln.Addr())
	if !strings.Contains(out.String(), "privrec kpi --leader http://"+ln.Addr().String()+"/dap/leader --task-dir "+dir) {
		t.Errorf("serve does not print the kpi command:\n%s", out.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveHandler(ctx, io.Discard, ln, h, withMeasure(h, demo, nil)) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()

	get := func(path string) (*http.Response, []byte) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp, b
	}
	resp, _ := get("/")
	if !strings.Contains(resp.Header.Get("Content-Security-Policy"), "connect-src 'self'") {
		t.Errorf("the page's CSP changed with --measure: %q", resp.Header.Get("Content-Security-Policy"))
	}
	resp, body := get(dapagg.DemoTaskPath)
	var st dapagg.SDKTask
	if err := json.Unmarshal(body, &st); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", dapagg.DemoTaskPath, resp.StatusCode, body)
	}
	if st.TaskID != d.Task.ID.String() || st.Leader != "/dap/leader" || st.Helper != "/dap/helper" || st.TimePrecision != 86400 ||
		st.ControlShare != measureControlShare || st.Draft != dap.Draft || st.VDAF.ChunkLength != dap.ChunkLength {
		t.Errorf("task.json %+v", st)
	}
	var configs [2]dap.HpkeConfigList
	for i, p := range []string{"/dap/leader/hpke_config", "/dap/helper/hpke_config"} {
		resp, body := get(p)
		if err := configs[i].UnmarshalBinary(body); err != nil || resp.Header.Get("Content-Type") != dap.MediaHpkeConfigList {
			t.Fatalf("GET %s: %v %q", p, err, resp.Header.Get("Content-Type"))
		}
	}

	params := dap.ReportParams{TaskID: d.Task.ID, Leader: configs[0], Helper: configs[1], Now: time.Now().Unix(), TimePrecision: st.TimePrecision}
	for i := range 12 {
		m := []uint64{uint64(i % 2), uint64(1 - i%2), 0, 0, 8, 1, 0, 0, 0, 0, 2}
		r, err := dap.GenerateReport(&params, m, crand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := r.MarshalBinary()
		resp, err := http.Post(base+st.Leader+"/tasks/"+st.TaskID+"/reports", dap.MediaReport, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("upload %d: HTTP %d", i, resp.StatusCode)
		}
	}
	code, kout, kerr := runCLI(t, []string{"kpi", "--leader", base + "/dap/leader", "--task-dir", dir, "--visitors", "20"}, newKPICmd())
	if code != exitOK || !strings.Contains(kout, "12 reports") || !strings.Contains(kout, "consent rate 60.00%") {
		t.Errorf("kpi: exit %d\n%s%s", code, kout, kerr)
	}

	// Started again on the same directory, serve keeps the task.
	_, d2, created, err := measureDemo(dir, 10, ln.Addr(), time.Now())
	if err != nil || created || d2.Task.ID != d.Task.ID {
		t.Errorf("second start: created %v, task %s (was %s), %v", created, d2.Task.ID, d.Task.ID, err)
	}
}

func TestServeMeasureMistakes(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, dapagg.TaskFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := measureDemo(broken, 10, addr, time.Now()); exitCode(err) != exitFailed {
		t.Errorf("a broken task.json: %v (exit %d), want exit 1", err, exitCode(err))
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := measureDemo(file, 10, addr, time.Now()); exitCode(err) != exitIOError {
		t.Errorf("a file as --measure DIR: %v", err)
	}
	if _, _, _, err := measureDemo(t.TempDir(), 0, addr, time.Now()); exitCode(err) != exitUsage || !strings.Contains(err.Error(), "min_batch_size") {
		t.Errorf("--measure-min-batch 0: %v (exit %d), want exit 2", err, exitCode(err))
	}
}
