package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privrec/privrec/internal/dapagg"
)

// TestPageMeasurement: serve --measure hands the page the task (ids and
// paths as the SDK wants them) and the measure module; without a module it
// says how to build one.
func TestPageMeasurement(t *testing.T) {
	d, err := dapagg.NewTaskDir(dapagg.Task{TimePrecision: 86400, Start: 0, End: 86400 * 10, MinBatchSize: 1, ControlShare: 0.2,
		LeaderURL: dapagg.DemoLeaderPath, HelperURL: dapagg.DemoHelperPath})
	if err != nil {
		t.Fatal(err)
	}
	wasm := filepath.Join(t.TempDir(), "privrec-measure.wasm")
	if err := os.WriteFile(wasm, []byte("\x00asm stand-in"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := pageMeasurement(d, wasm)
	if err != nil {
		t.Fatal(err)
	}
	if m.TaskID != d.Task.ID.String() || m.Leader != "/dap/leader/" || m.Helper != "/dap/helper/" || m.TimePrecision != 86400 || m.ControlShare != 0.2 {
		t.Errorf("page measurement %+v", m)
	}
	if embedded, _ := os.ReadFile(wasm); !bytes.Equal(m.Module, embedded) && len(m.Module) == 0 {
		t.Errorf("no module")
	}
	if _, err := pageMeasurement(d, filepath.Join(t.TempDir(), "missing.wasm")); err != nil {
		if exitCode(err) != exitIOError || !strings.Contains(err.Error(), "make measure-wasm") {
			t.Errorf("a missing module: %v (exit %d)", err, exitCode(err))
		}
	} else if len(m.Module) == 0 {
		t.Error("a missing module was accepted")
	}
}
