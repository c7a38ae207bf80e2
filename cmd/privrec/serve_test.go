package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/internal/demo"
	"github.com/privrec/privrec/internal/demo/server"
	"github.com/privrec/privrec/web"
)

// serveFixture writes a stand-in SDK directory and module and returns serve
// options that use them.
func serveFixture(t *testing.T) serveOptions {
	t.Helper()
	dir := t.TempDir()
	sdk := filepath.Join(dir, "sdk")
	if err := os.MkdirAll(sdk, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"privrec.js", "privrec-worker.js"} {
		if err := os.WriteFile(filepath.Join(sdk, f), []byte("// "+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wasm := filepath.Join(dir, "privrec.wasm")
	if err := os.WriteFile(wasm, []byte("\x00asm stand-in"), 0o644); err != nil {
		t.Fatal(err)
	}
	return serveOptions{addr: "127.0.0.1:0", sdk: sdk, wasm: wasm, quiet: true}
}

// signedBundleDir trains the demo bundle, signs it with a fresh key pair and
// writes both into a temp dir: the bundle in DIR/bundle, keys in DIR/keys.
func signedBundleDir(t *testing.T) (bundleDir, pubFile string) {
	t.Helper()
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	if _, err := bundledir.WriteKeyPair(keys); err != nil {
		t.Fatal(err)
	}
	priv, err := bundledir.ReadPrivateKey(filepath.Join(keys, bundledir.PrivateKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	files, err := demo.Bundle([]byte("\x00asm stand-in"), priv, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	bundleDir = filepath.Join(dir, "bundle")
	if err := bundledir.Write(bundleDir, files); err != nil {
		t.Fatal(err)
	}
	return bundleDir, filepath.Join(keys, bundledir.PublicKeyFile)
}

func TestServeConfigErrors(t *testing.T) {
	bdir, pub := signedBundleDir(t)
	_, otherPub := signedBundleDir(t)
	_, sdkErr := web.SDK()
	_, wasmErr := web.Module()
	for _, tc := range []struct {
		name string
		edit func(*serveOptions)
		code int
		skip bool
	}{
		{"bundle without pub", func(o *serveOptions) { o.bundle = bdir }, exitUsage, false},
		{"pub without bundle", func(o *serveOptions) { o.pub = pub }, exitUsage, false},
		{"missing bundle", func(o *serveOptions) { o.bundle, o.pub = filepath.Join(bdir, "nope"), pub }, exitIOError, false},
		{"missing key file", func(o *serveOptions) { o.bundle, o.pub = bdir, filepath.Join(bdir, "nope.pub") }, exitIOError, false},
		{"wrong key", func(o *serveOptions) { o.bundle, o.pub = bdir, otherPub }, exitFailed, false},
		{"no SDK", func(o *serveOptions) { o.sdk = filepath.Join(o.sdk, "nope") }, exitIOError, sdkErr == nil},
		{"no module", func(o *serveOptions) { o.wasm = filepath.Join(o.wasm, "nope") }, exitIOError, wasmErr == nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip {
				t.Skip("this binary embeds it")
			}
			o := serveFixture(t)
			tc.edit(&o)
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := runServe(ctx, io.Discard, io.Discard, o)
			if err == nil || exitCode(err) != tc.code {
				t.Fatalf("runServe: %v (exit %d); want exit %d", err, exitCode(err), tc.code)
			}
		})
	}
}

// TestServeOn serves, answers a request, and shuts down when the context
// ends (as on SIGINT).
func TestServeOn(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bundle bool
	}{
		{"embedded demo", false},
		{"bundle directory", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := serveFixture(t)
			if tc.bundle {
				o.bundle, o.pub = signedBundleDir(t)
			}
			cfg, err := serveConfig(o, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var log []server.Entry
			cfg.Log = func(e server.Entry) { mu.Lock(); log = append(log, e); mu.Unlock() }
			h, err := server.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			var out bytes.Buffer
			done := make(chan error, 1)
			go func() { done <- serveOn(ctx, &syncWriter{w: &out}, ln, h) }()
			resp, err := http.Get("http://" + ln.Addr().String() + "/bundle/manifest.sig?x=1")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || len(body) == 0 || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "connect-src 'self'") {
				t.Errorf("GET manifest.sig: %d, %d bytes, CSP %q", resp.StatusCode, len(body), resp.Header.Get("Content-Security-Policy"))
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatalf("serveOn: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(log) != 1 || log[0].Path != "/bundle/manifest.sig" || !log[0].HasQuery {
				t.Errorf("log %+v", log)
			}
			if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
				t.Error("the server still answers after shutdown")
			}
		})
	}
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
