// Package e2e holds the tests that cross every layer on real data: the
// shipped model trained on UCI Online Retail, scored natively and through
// the real module in wazero.
package e2e

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/internal/evalrun"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// fixture is the protocol split of the real dataset and the shipped model
// trained on it, built once per test binary.
type fixture struct {
	cases   []eval.Case
	shipped *evalrun.Shipped
}

var (
	fixOnce sync.Once
	fix     *fixture
	fixErr  error
)

func uciPath(tb testing.TB) string {
	p := filepath.Join(wasmtest.Root(tb), "..", "shared", "datasets", "uci-online-retail", "online_retail.csv.gz")
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("dataset not found at %s (../shared/datasets beside the repo); skipping real-data test", p)
	}
	return p
}

func load(tb testing.TB) *fixture {
	tb.Helper()
	path := uciPath(tb)
	wasm := wasmtest.Module(tb)
	fixOnce.Do(func() {
		f, err := os.Open(path)
		if err != nil {
			fixErr = err
			return
		}
		defer f.Close()
		log, _, err := train.ReadUCI(f)
		if err != nil {
			fixErr = err
			return
		}
		trainLog, cases := eval.Split(log)
		s, err := evalrun.Ship(trainLog, train.DefaultConfig(), wasm, nil)
		if err != nil {
			fixErr = err
			return
		}
		fix = &fixture{cases: cases, shipped: s}
	})
	require.NoError(tb, fixErr)
	return fix
}

func instance(tb testing.TB, f *fixture) *host.Instance {
	tb.Helper()
	ctx := context.Background()
	rt, err := host.NewRuntime(ctx, host.DefaultConfig())
	require.NoError(tb, err)
	tb.Cleanup(func() { rt.Close(ctx) })
	inst, err := f.shipped.Instance(ctx, rt)
	require.NoError(tb, err)
	tb.Cleanup(func() { inst.Close(ctx) })
	return inst
}

// TestNativeWasmParity: the same artifacts scored natively and through the
// module give identical rankings (and scores) for every evaluated customer,
// and the shipped model clears the quality bar through the module.
func TestNativeWasmParity(t *testing.T) {
	f := load(t)
	inst := instance(t, f)
	ctx := context.Background()
	require.NotEmpty(t, f.cases)
	same := 0
	for i, c := range f.cases {
		req := eval.RequestFor(c)
		req.Explain = i%10 == 0 // explanations must agree too
		native, err := f.shipped.Native.Recommend(req)
		require.NoError(t, err)
		wasm, err := inst.Recommend(ctx, req)
		require.NoError(t, err)
		require.Equal(t, native, wasm, "case %d (user %s): native and wasm differ", i, c.User)
		same++
	}
	t.Logf("%d of %d customers: identical rankings, scores and explanations natively and in wazero", same, len(f.cases))

	m, err := eval.Evaluate(f.cases, evalrun.Wasm{Ctx: ctx, Inst: inst})
	require.NoError(t, err)
	t.Logf("shipped model through the module: %v, weights %d bytes", m, len(f.shipped.Files.Weights))
	require.GreaterOrEqual(t, m.NDCG, 0.088, "NDCG@10 through the module must reach full EASE's 0.088")
	require.LessOrEqual(t, len(f.shipped.Files.Weights), 3<<20, "the weights artifact must stay within 3 MB")
}

// history50 is a 50-event history of real items: the training purchases of
// the first case with that many, or the longest one cut to 50.
func history50(f *fixture) model.History {
	var best model.History
	for _, c := range f.cases {
		if len(c.History) >= 50 {
			return c.History[len(c.History)-50:]
		}
		if len(c.History) > len(best) {
			best = c.History
		}
	}
	return best
}

// BenchmarkRecommend compares one recommendation (k=10; no history, as with
// consent off, and a 50-event history) natively, through the module in the
// harness (target=wazero: strict WASI, recorder, per-call deadline) and in a
// bare wazero runtime. Report ratios to native.
func BenchmarkRecommend(b *testing.B) {
	f := load(b)
	for _, h := range []model.History{nil, history50(f)} {
		req := model.Request{K: 10, History: h, Context: model.Context{Hour: 12, Weekday: 3}}
		b.Run(fmt.Sprintf("history=%d", len(h)), func(b *testing.B) { benchRecommend(b, f, req) })
	}
}

func benchRecommend(b *testing.B, f *fixture, req model.Request) {
	b.Run("target=native", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.shipped.Native.Recommend(req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("target=wazero-bare", func(b *testing.B) {
		// The module in a bare wazero runtime with wazero's own WASI and no
		// per-call deadline: what the harness's containment costs.
		ctx := context.Background()
		r := wazero.NewRuntime(ctx)
		defer r.Close(ctx)
		wasi_snapshot_preview1.MustInstantiate(ctx, r)
		mod, err := r.InstantiateWithConfig(ctx, f.shipped.Files.Wasm, wazero.NewModuleConfig().WithStartFunctions("_initialize"))
		require.NoError(b, err)
		call := func(name string, v any) []byte {
			in, err := msgpack.Marshal(v)
			require.NoError(b, err)
			res, err := mod.ExportedFunction("privrec_alloc").Call(ctx, uint64(len(in)))
			require.NoError(b, err)
			mod.Memory().Write(uint32(res[0]), in)
			out, err := mod.ExportedFunction(name).Call(ctx, res[0], uint64(len(in)))
			require.NoError(b, err)
			env, _ := mod.Memory().Read(uint32(out[0]>>32), uint32(out[0]))
			env = append([]byte(nil), env...)
			_, err = mod.ExportedFunction("privrec_free").Call(ctx, res[0])
			require.NoError(b, err)
			_, err = mod.ExportedFunction("privrec_free").Call(ctx, out[0]>>32)
			require.NoError(b, err)
			return env
		}
		lr := f.shipped.LoadRequest()
		sum := sha256.Sum256(f.shipped.Files.Wasm)
		lr.WasmSHA256 = sum[:]
		e, err := model.DecodeEnvelope(call("privrec_load", lr))
		require.NoError(b, err)
		require.Zero(b, e.Code, e.Message)
		b.ReportAllocs()
		for b.Loop() {
			if e, err := model.DecodeEnvelope(call("privrec_recommend", req)); err != nil || e.Code != 0 {
				b.Fatal(err, e.Message)
			}
		}
	})
	b.Run("target=wazero", func(b *testing.B) {
		inst := instance(b, f)
		ctx := context.Background()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := inst.Recommend(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}
