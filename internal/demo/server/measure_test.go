package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/privrec/privrec/model"
)

// TestMeasurementConfig: with Config.Measurement the page config (inline
// and /config.json) names the task and a content-addressed, immutable
// measure module whose SHA-256 it pins; without it, the config has no
// measurement key at all, so the page knows measurement is off without a
// request.
func TestMeasurementConfig(t *testing.T) {
	off, _ := New(testConfig(t))
	if off.Page().Measurement != nil {
		t.Fatalf("measurement without Config.Measurement: %+v", off.Page().Measurement)
	}
	if b, _ := io.ReadAll(get(off, "/config.json").Body); bytes.Contains(b, []byte("measurement")) {
		t.Fatalf("/config.json names measurement when it is off: %s", b)
	}

	module := []byte("\x00asm\x01\x00\x00\x00 measure module stand-in")
	cfg := testConfig(t)
	cfg.Measurement = &Measurement{TaskID: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", Leader: "/dap/leader/", Helper: "/dap/helper/", TimePrecision: 86400, ControlShare: 0.2, Module: module}
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := h.Page().Measurement
	sum := sha256.Sum256(module)
	if m == nil || m.TaskID != cfg.Measurement.TaskID || m.Leader != "/dap/leader/" || m.Helper != "/dap/helper/" || m.TimePrecision != 86400 || m.ControlShare != 0.2 || m.WasmSHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("page measurement = %+v", m)
	}
	if want := MeasurePrefix + "privrec-measure." + hex.EncodeToString(sum[:8]) + ".wasm"; m.WasmURL != want {
		t.Fatalf("wasmUrl = %q; want %q", m.WasmURL, want)
	}
	res := get(h, m.WasmURL)
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !bytes.Equal(body, module) || res.Header.Get("Content-Type") != "application/wasm" || res.Header.Get("Cache-Control") != CacheImmutable {
		t.Fatalf("GET %s: %d %q %q, %d bytes", m.WasmURL, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"), len(body))
	}
	page, _ := io.ReadAll(get(h, "/").Body)
	i := bytes.Index(page, []byte(`id="`+ConfigElement+`">`))
	if i < 0 {
		t.Fatalf("no inline config in index.html:\n%s", page)
	}
	inline := page[i+len(`id="`+ConfigElement+`">`):]
	inline = inline[:bytes.Index(inline, []byte("</script>"))]
	var pc PageConfig
	if err := json.Unmarshal(inline, &pc); err != nil || pc.Measurement == nil || *pc.Measurement != *m {
		t.Fatalf("inline config %s: %v", inline, err)
	}
	// The handler serves no DAP endpoint itself: those are mounted beside it.
	if res := get(h, "/dap/leader/hpke_config"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("GET /dap/leader/hpke_config: %d", res.StatusCode)
	}

	cfg.Measurement = &Measurement{TaskID: "x", Leader: "/l/", Helper: "/h/"}
	if _, err := New(cfg); !errors.Is(err, model.ErrBadRequest) || !strings.Contains(err.Error(), "make measure-wasm") {
		t.Fatalf("measurement without a module: %v", err)
	}
}
