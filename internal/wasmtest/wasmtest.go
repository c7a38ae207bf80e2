// Package wasmtest builds WebAssembly modules for tests: the real module
// (./wasm) and small throw-away sources such as the harness's rogue modules.
//
// Each distinct source is built at most once per test binary: the first
// caller runs "go build" (GOOS=wasip1 GOARCH=wasm -buildmode=c-shared) and
// every later caller, in any goroutine, gets the same bytes. Go's build cache
// makes the first build of a later test binary fast too. All functions are
// safe for concurrent use; callers must not modify the returned slices.
//
// Modules come as the Makefile ships them: built with its release flags, then
// packed by internal/wasmpack. Linked returns a build before packing.
package wasmtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/privrec/privrec/internal/wasmpack"
)

// builds caches one result per absolute source directory.
var (
	mu     sync.Mutex
	builds = map[string]*build{}
)

type build struct {
	once   sync.Once
	linked []byte // as go build wrote it
	wasm   []byte // linked, packed
	err    error
}

// Module returns the bytes of the real module, built from ./wasm at the
// repository root. A build failure fails the test (and every later caller in
// the same binary fails fast with the same error).
func Module(t testing.TB) []byte {
	t.Helper()
	root, err := findRoot()
	if err != nil {
		t.Fatalf("wasmtest: %v", err)
	}
	return get(t, filepath.Join(root, "wasm")).wasm
}

// Build returns the bytes of the wasip1 reactor built from the package in dir,
// which is relative to the test's working directory (the package under test)
// unless absolute. The package must be inside this module; testdata
// directories are fine.
func Build(t testing.TB, dir string) []byte {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatalf("wasmtest: %v", err)
	}
	return get(t, abs).wasm
}

// Linked returns the module Build returns as Go's linker wrote it, before
// internal/wasmpack merged its data segments.
func Linked(t testing.TB, dir string) []byte {
	t.Helper()
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatalf("wasmtest: %v", err)
	}
	return get(t, abs).linked
}

// Root returns the repository root: the nearest directory above the working
// directory that holds go.mod. Tests use it to find ../shared/datasets.
func Root(t testing.TB) string {
	t.Helper()
	root, err := findRoot()
	if err != nil {
		t.Fatalf("wasmtest: %v", err)
	}
	return root
}

func get(t testing.TB, dir string) *build {
	t.Helper()
	mu.Lock()
	b, ok := builds[dir]
	if !ok {
		b = &build{}
		builds[dir] = b
	}
	mu.Unlock()
	b.once.Do(func() {
		if b.linked, b.err = goBuild(dir); b.err == nil {
			b.wasm, _, b.err = wasmpack.Pack(b.linked)
		}
	})
	if b.err != nil {
		t.Fatalf("wasmtest: %v", b.err)
	}
	return b
}

// goBuild compiles dir into a temporary file, reads it and removes it, so a
// test binary leaves nothing behind.
func goBuild(dir string) ([]byte, error) {
	root, err := findRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "wasmtest-")
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", dir, err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "module.wasm")
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", dir, err)
	}
	// The Makefile's release flags (its wasm target), so tests run and
	// measure the very module that ships.
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid=", "-o", out, "./"+filepath.ToSlash(rel))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("build %s: %v\n%s", rel, err, stderr.Bytes())
	}
	wasm, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", rel, err)
	}
	return wasm, nil
}

var (
	rootOnce sync.Once
	rootDir  string
	rootErr  error
)

func findRoot() (string, error) {
	rootOnce.Do(func() {
		dir, err := os.Getwd()
		if err != nil {
			rootErr = fmt.Errorf("find repository root: %w", err)
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				rootDir = dir
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				rootErr = errors.New("find repository root: no go.mod above the working directory")
				return
			}
			dir = parent
		}
	})
	return rootDir, rootErr
}
