package host

import (
	"context"
	"crypto/ed25519"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	wasm := wasmtest.Module(t)
	good := synthLoad(t, wasm)
	stranger, _, _ := ed25519.GenerateKey(nil)
	for _, tc := range []struct {
		name string
		edit func(r *model.LoadRequest)
		want error
	}{
		{name: "unknown key", edit: func(r *model.LoadRequest) { r.Keys = [][]byte{stranger} }, want: model.ErrUnknownKey},
		{name: "tampered weights", edit: func(r *model.LoadRequest) {
			r.Weights = append([]byte(nil), r.Weights...)
			r.Weights[len(r.Weights)-1] ^= 1
		}, want: model.ErrDigestMismatch},
		{name: "another module", edit: func(r *model.LoadRequest) { r.WasmSHA256 = make([]byte, 32) }, want: model.ErrDigestMismatch},
		{name: "expired", edit: func(r *model.LoadRequest) { r.Now = testNow.UnixMilli() + 48*3_600_000 }, want: model.ErrExpired},
		{name: "wrong host digest", edit: func(r *model.LoadRequest) { r.CatalogSHA256 = make([]byte, 32) }, want: model.ErrDigestMismatch},
		{name: "short host digest", edit: func(r *model.LoadRequest) { r.WeightsSHA256 = make([]byte, 8) }, want: model.ErrBadRequest},
	} {
		// Load sends the SHA-256 of the weights and catalog it sends (verify
		// once); load(…, false) leaves them out, so the module hashes.
		for _, hostDigests := range []bool{true, false} {
			name := tc.name + "/module hashes"
			if hostDigests {
				name = tc.name + "/host digests"
			}
			t.Run(name, func(t *testing.T) {
				m, err := testRuntime(t).Compile(ctx, wasm)
				require.NoError(t, err)
				inst, err := m.Instantiate(ctx)
				require.NoError(t, err)
				defer inst.Close(ctx)
				_, err = inst.load(ctx, good, hostDigests)
				require.NoError(t, err, "the control")
				req := good
				tc.edit(&req)
				_, err = inst.load(ctx, req, hostDigests)
				require.ErrorIs(t, err, tc.want)
				// A refused load is the module's answer, not a crash: the
				// instance still works, with the last good model.
				_, err = inst.Recommend(ctx, model.Request{K: 1})
				require.NoError(t, err)
			})
		}
	}
}

func TestRecommendRecordsNothing(t *testing.T) {
	ctx := context.Background()
	inst := loaded(t)
	before := len(inst.Calls())
	res, err := inst.Recommend(ctx, model.Request{K: 3, History: model.History{{Item: "synth-001", Kind: model.KindCart, At: testNow.UnixMilli()}}})
	require.NoError(t, err)
	require.Len(t, res.Items, 3)
	for _, c := range inst.Calls()[before:] {
		require.NotEqual(t, PhaseRecommend, c.Phase, "recommend called %s(%v)", c.Func, c.Args)
	}
}

// TestFirstRecommendOnSmallModel is the case the audit of a tiny bundle
// found: the first recommend after loading a small model ran the garbage
// collector, which reads the clock (a host call during recommend).
func TestFirstRecommendOnSmallModel(t *testing.T) {
	ctx := context.Background()
	wasm := wasmtest.Module(t)
	spec := &model.Spec{Items: []string{"a", "b", "c"}, Popularity: []float32{0.5, 0.3, 0.2}, Params: model.DefaultParams(),
		Neighbors: [][]model.Neighbor{{{Item: 1, Weight: 1}}, {{Item: 2, Weight: 1}}, {{Item: 0, Weight: 1}}}}
	bid := [16]byte{'s', 'm', 'a', 'l', 'l'}
	weights, err := model.EncodeWeights(spec, bid)
	require.NoError(t, err)
	catalog, err := model.EncodeCatalog([]model.Item{{ID: "a"}, {ID: "b"}, {ID: "c"}}, bid)
	require.NoError(t, err)
	pub, priv, _ := ed25519.GenerateKey(nil)
	files := &bundle.Files{Weights: weights, Catalog: catalog, Wasm: wasm}
	ms := testNow.UnixMilli()
	require.NoError(t, bundle.Sign(files, bundle.Meta{Version: 1, Created: ms - 1000, Expires: ms + 3_600_000, BundleID: bid}, priv))

	m, err := testRuntime(t).Compile(ctx, wasm)
	require.NoError(t, err)
	inst, err := m.Instantiate(ctx)
	require.NoError(t, err)
	defer inst.Close(ctx)
	_, err = inst.Load(ctx, model.LoadRequest{Manifest: files.Manifest, Signature: files.Signature,
		Weights: files.Weights, Catalog: files.Catalog, Keys: [][]byte{pub}})
	require.NoError(t, err)
	for n := range 3 {
		before := len(inst.Calls())
		_, err := inst.Recommend(ctx, model.Request{K: 10, Context: model.Context{Hour: -1, Weekday: -1}})
		require.NoError(t, err)
		for _, c := range inst.Calls()[before:] {
			if c.Phase == PhaseRecommend {
				t.Errorf("recommend #%d called %s(%v): recommend must make no host call (the Go GC reads the clock; keep it out of privrec_recommend)", n, c.Func, c.Args)
			}
		}
	}
}

func TestUseAfterClose(t *testing.T) {
	ctx := context.Background()
	inst := loaded(t)
	require.NoError(t, inst.Close(ctx))
	_, err := inst.Recommend(ctx, model.Request{})
	require.ErrorIs(t, err, ErrClosed)
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{name: "zero means defaults", cfg: Config{}, ok: true},
		{name: "defaults", cfg: DefaultConfig(), ok: true},
		{name: "too much memory", cfg: Config{MemoryLimitPages: 65537}},
		{name: "negative timeout", cfg: Config{CallTimeout: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			require.Equal(t, tc.ok, err == nil, "%v", err)
		})
	}
}

func TestModuleBelowMemoryLimit(t *testing.T) {
	ctx := context.Background()
	rt, err := NewRuntime(ctx, Config{MemoryLimitPages: 16})
	require.NoError(t, err)
	defer rt.Close(ctx)
	_, err = rt.Compile(ctx, wasmtest.Module(t))
	require.ErrorIs(t, err, ErrMemoryLimit)
	require.Contains(t, err.Error(), "MemoryLimitPages")
}

func BenchmarkRecommend(b *testing.B) {
	ctx := context.Background()
	inst := loaded(b)
	for _, events := range []int{0, 10, 100} {
		b.Run("events="+itoa(events), func(b *testing.B) {
			req := model.Request{K: 10}
			for i := range events {
				req.History = append(req.History, model.Event{Item: "synth-0" + itoa(10+i%38), Kind: model.KindView, At: testNow.UnixMilli() - int64(i)})
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := inst.Recommend(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
