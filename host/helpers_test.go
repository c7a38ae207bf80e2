package host

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/privrec/privrec/host/internal/synth"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
)

// testNow is the fixed wall clock of every test runtime.
var testNow = time.UnixMilli(1_700_000_000_000).UTC()

func fixedClock() time.Time { return testNow }

// seeded is a deterministic random source for random_get.
type seeded struct{ r *rand.ChaCha8 }

func (s seeded) Read(p []byte) (int, error) { return s.r.Read(p) }

func testConfig() Config {
	return Config{
		MemoryLimitPages: 1024, // 64 MiB: plenty for the module, quick to exhaust for the hog
		CallTimeout:      5 * time.Second,
		Clock:            fixedClock,
		Rand:             seeded{rand.NewChaCha8([32]byte{'p', 'r', 'i', 'v'})},
	}
}

var (
	sharedOnce sync.Once
	sharedRT   *Runtime
	sharedErr  error
)

// testRuntime is one Runtime for the whole test binary: each module is
// compiled once. It is never closed; the process exit frees it.
func testRuntime(t testing.TB) *Runtime {
	t.Helper()
	sharedOnce.Do(func() { sharedRT, sharedErr = NewRuntime(context.Background(), testConfig()) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedRT
}

// loaded returns an instance of the real module with the synthetic bundle.
func loaded(t testing.TB) *Instance {
	t.Helper()
	ctx := context.Background()
	wasm := wasmtest.Module(t)
	m, err := testRuntime(t).Compile(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := m.Instantiate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Close(context.Background()) })
	if _, err := inst.Load(ctx, synthLoad(t, wasm)); err != nil {
		t.Fatal(err)
	}
	return inst
}

func synthLoad(t testing.TB, wasm []byte) model.LoadRequest {
	t.Helper()
	files, pub, err := synth.Bundle(wasm, testNow, 1)
	if err != nil {
		t.Fatal(err)
	}
	return model.LoadRequest{Manifest: files.Manifest, Signature: files.Signature,
		Weights: files.Weights, Catalog: files.Catalog, Keys: [][]byte{pub}}
}
