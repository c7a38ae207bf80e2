package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/privrec/privrec/host/testdata/rogue/variant"
	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

var auditNow = time.UnixMilli(1_700_000_000_000)

// auditBundle writes a signed three-item bundle for wasm and its key.
func auditBundle(t *testing.T, wasm []byte) (dir, pubFile string) {
	t.Helper()
	spec := &model.Spec{
		Items:      []string{"a", "b", "c"},
		Neighbors:  [][]model.Neighbor{{{Item: 1, Weight: 1}}, {{Item: 2, Weight: 1}}, {{Item: 0, Weight: 1}}},
		Popularity: []float32{0.5, 0.3, 0.2},
		Params:     model.DefaultParams(),
	}
	bid := [16]byte{'a', 'u', 'd', 'i', 't'}
	weights, err := model.EncodeWeights(spec, bid)
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := model.EncodeCatalog([]model.Item{{ID: "a", Title: "A"}, {ID: "b", Title: "B"}, {ID: "c", Title: "C"}}, bid)
	if err != nil {
		t.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	files := &bundle.Files{Weights: weights, Catalog: catalog, Wasm: wasm}
	ms := auditNow.UnixMilli()
	if err := bundle.Sign(files, bundle.Meta{Version: 3, Created: ms - 1000, Expires: ms + 3_600_000, BundleID: bid}, priv); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(t.TempDir(), "bundle")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := bundledir.Write(dir, files); err != nil {
		t.Fatal(err)
	}
	pubFile = filepath.Join(t.TempDir(), "privrec.pub")
	if err := os.WriteFile(pubFile, bundledir.MarshalPublicKey(priv.Public().(ed25519.PublicKey)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, pubFile
}

func writeWasm(t *testing.T, wasm []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "module.wasm")
	if err := os.WriteFile(p, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuditCLI(t *testing.T) {
	real := wasmtest.Module(t)
	realFile := writeWasm(t, real)
	stdoutFile := writeWasm(t, wasmtest.Build(t, "../../host/testdata/rogue/stdout"))
	socketFile := writeWasm(t, wasmtest.Build(t, "../../host/testdata/rogue/socket"))
	bundleDir, pub := auditBundle(t, real)
	otherDir, otherPub := auditBundle(t, []byte("\x00asm\x01\x00\x00\x00 another module"))

	defaults := func() auditOptions {
		return auditOptions{seed: 5, requests: 4, sessions: 2, timeout: 10 * time.Second, memoryMiB: 256, clock: func() time.Time { return auditNow }}
	}
	tests := []struct {
		name     string
		file     string
		opts     func(o *auditOptions)
		wantCode int
		want     []string // substrings of stdout on success, of the error otherwise
	}{
		{name: "real module, synthetic bundle", file: realFile, wantCode: exitOK,
			want: []string{"PASS", "host calls during recommend: 0", "synthetic", "seed 5", "8 requests in 2 sessions", "the same in every session"}},
		{name: "real module, its bundle", file: realFile, opts: func(o *auditOptions) { o.bundle, o.pubs = bundleDir, []string{pub} },
			wantCode: exitOK, want: []string{"PASS", "version 3, 3 items"}},
		{name: "bundle of another module", file: realFile, opts: func(o *auditOptions) { o.bundle, o.pubs = otherDir, []string{otherPub} },
			wantCode: exitFailed, want: []string{"FAILED", "load:", "digest mismatch"}},
		{name: "rogue writes history to stdout", file: stdoutFile, wantCode: exitFailed,
			want: []string{"FAILED", "canary", "fd 1", "--seed 5"}},
		{name: "rogue imports a socket", file: socketFile, wantCode: exitFailed,
			want: []string{"FAILED", "imports", "sock_send"}},
		{name: "bundle without key", file: realFile, opts: func(o *auditOptions) { o.bundle = bundleDir },
			wantCode: exitUsage, want: []string{"--pub FILE"}},
		{name: "key without bundle", file: realFile, opts: func(o *auditOptions) { o.pubs = []string{pub} },
			wantCode: exitUsage, want: []string{"--bundle DIR"}},
		{name: "no requests", file: realFile, opts: func(o *auditOptions) { o.requests = 0 },
			wantCode: exitUsage, want: []string{"--requests"}},
		{name: "one session", file: realFile, opts: func(o *auditOptions) { o.sessions = 1 },
			wantCode: exitUsage, want: []string{"--sessions"}},
		{name: "missing module", file: filepath.Join(t.TempDir(), "nope.wasm"), wantCode: exitIOError,
			want: []string{"nope.wasm"}},
		{name: "missing bundle", file: realFile, opts: func(o *auditOptions) { o.bundle, o.pubs = t.TempDir(), []string{pub} },
			wantCode: exitIOError, want: []string{"weights.bin"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := defaults()
			if tc.opts != nil {
				tc.opts(&o)
			}
			var out bytes.Buffer
			err := runAudit(context.Background(), &out, tc.file, o)
			code := exitOK
			text := out.String()
			if err != nil {
				code = exitCode(err)
				text = err.Error()
			}
			if code != tc.wantCode {
				t.Fatalf("exit %d; want %d\nerr: %v\nstdout:\n%s", code, tc.wantCode, err, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

// TestAuditCLIRefusesVariants runs privrec audit on a rogue build of the
// real module for each kind of check that refuses one (host/hostile_test.go
// audits all of them): it exits 1 and names the check.
func TestAuditCLIRefusesVariants(t *testing.T) {
	root := wasmtest.Root(t)
	for _, tc := range []struct{ variant, want string }{
		{"freeclock", "trace:"},
		{"precision", "profile:"},
		{"stderrxor", "canary:"},
		{"because", "oracle:"},
	} {
		t.Run(tc.variant, func(t *testing.T) {
			wasm, err := variant.Build(root, tc.variant)
			if err != nil {
				t.Fatal(err)
			}
			o := auditOptions{seed: 3, requests: 16, sessions: 3, timeout: 10 * time.Second, memoryMiB: 256, clock: func() time.Time { return auditNow }}
			var out bytes.Buffer
			err = runAudit(context.Background(), &out, writeWasm(t, wasm), o)
			if code := exitCode(err); code != exitFailed {
				t.Fatalf("exit %d; want %d (err %v)\n%s", code, exitFailed, err, out.String())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("the error does not name the %s check: %v", tc.want, err)
			}
			t.Logf("%v", err)
		})
	}
}
