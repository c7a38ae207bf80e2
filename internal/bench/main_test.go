package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
)

var (
	fixtures   sync.Map // size → *fixture
	fixtureMu  sync.Mutex
	benchSizes = []int{1_000, 10_000, 100_000}
)

func loadFixture(tb testing.TB, n int) *fixture {
	tb.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if f, ok := fixtures.Load(n); ok {
		return f.(*fixture)
	}
	f, err := newFixture(n, 1, 5, wasmtest.Module(tb), nil)
	if err != nil {
		tb.Fatal(err)
	}
	fixtures.Store(n, f)
	return f
}

// BenchmarkTopK is the Go half of `make bench` as testing.B benchmarks: one
// top-10 request with a 5-purchase history over N product-quantized 64-d
// items, natively and through the real module in the wazero harness. The
// node and tfjs targets, the 1M size and bench.json come from the command
// (go run ./internal/bench).
func BenchmarkTopK(b *testing.B) {
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("items=%d", n), func(b *testing.B) {
			f := loadFixture(b, n)
			b.Run("target=native", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := f.native.Recommend(f.req); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("target=wazero", func(b *testing.B) {
				ctx := context.Background()
				rt, err := host.NewRuntime(ctx, host.DefaultConfig())
				if err != nil {
					b.Fatal(err)
				}
				defer rt.Close(ctx)
				mod, err := rt.Compile(ctx, f.files.Wasm)
				if err != nil {
					b.Fatal(err)
				}
				inst, err := mod.Instantiate(ctx)
				if err != nil {
					b.Fatal(err)
				}
				defer inst.Close(ctx)
				if _, err := inst.Load(ctx, host.LoadRequest(f.files, f.key)); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := inst.Recommend(ctx, f.req); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("target=wazero-bare", func(b *testing.B) {
				ctx := context.Background()
				m, err := newBare(ctx, f)
				if err != nil {
					b.Fatal(err)
				}
				defer m.close(ctx)
				b.ReportAllocs()
				for b.Loop() {
					if err := m.call(ctx, "privrec_recommend", model.EncodeRequest(&f.req)); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// TestTargetsAgree: on a small catalog the module in wazero answers exactly
// as package model does, and the PQ top 10 overlaps the float32 one well.
func TestTargetsAgree(t *testing.T) {
	f := loadFixture(t, 2000)
	o := options{reps: 3, warmup: 1, burst: 2, history: 5, queries: 20, seed: 1, skipNode: true}
	r, _, err := measure(context.Background(), o, f, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if r.Top10OverlapF32 < 0.5 {
		t.Errorf("PQ top-10 overlap with float32 %.2f; want >= 0.5", r.Top10OverlapF32)
	}
	if r.ModuleMemoryBytes <= 0 || r.ArtifactBytes <= 0 {
		t.Errorf("memory %d, artifact %d bytes; want both > 0", r.ModuleMemoryBytes, r.ArtifactBytes)
	}
}

// TestNodeDriver runs js/bench/kernel.mjs on a small catalog when node and
// js/node_modules are there: the SDK's shim gives the native answer, tfjs
// runs from node_modules, and nothing reaches the network.
func TestNodeDriver(t *testing.T) {
	root := wasmtest.Root(t)
	if _, err := os.Stat(filepath.Join(root, "js", "node_modules", "@tensorflow", "tfjs-backend-wasm")); err != nil {
		t.Skip("js/node_modules has no tfjs-backend-wasm: run make js")
	}
	f := loadFixture(t, 2000)
	want, err := f.native.Recommend(f.req)
	if err != nil {
		t.Fatal(err)
	}
	p, err := startNode(options{node: "node", script: filepath.Join(root, "js", "bench", "kernel.mjs")}, f)
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if !slices.Equal(p.ready.ModuleTop, ids(want)) {
		t.Errorf("node answered %v; native %v", p.ready.ModuleTop, ids(want))
	}
	if top := f.topF32(f.query, nil); !slices.Equal(top[:5], p.ready.TfjsTop[:5]) {
		t.Errorf("tfjs top 5 of %v; float32 brute force %v", p.ready.TfjsTop, top)
	}
	for _, cmd := range []string{"module", "tfjs"} {
		if ms, err := p.ask(cmd); err != nil || !(ms > 0) {
			t.Errorf("%s: %v ms, %v", cmd, ms, err)
		}
	}
	seen, err := p.quit()
	if err != nil || len(seen) > 0 {
		t.Errorf("network attempts %q, %v", seen, err)
	}
	if p.ready.MemoryAfterLoad <= 0 {
		t.Errorf("memory after load %d", p.ready.MemoryAfterLoad)
	}
}

// TestEncodedLoadSendsDigests: the load request the node driver and the bare
// wazero instance send carries the host's digests of all three artifacts, as
// the SDK's does, so neither path hashes the artifacts in WebAssembly.
func TestEncodedLoadSendsDigests(t *testing.T) {
	f := loadFixture(t, 2000)
	lr, err := model.DecodeLoadRequest(encodedLoad(f))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, from []byte
	}{{"wasm", lr.WasmSHA256, f.files.Wasm}, {"weights", lr.WeightsSHA256, f.files.Weights}, {"catalog", lr.CatalogSHA256, f.files.Catalog}} {
		if want := sha256.Sum256(c.from); !bytes.Equal(c.got, want[:]) {
			t.Errorf("%s_sha256 = %x; want %x", c.name, c.got, want)
		}
	}
}
