package e2e

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// smallBundle signs a 20-item model whose items point at the next ones.
// The shift moves the neighbours so that two versions recommend differently.
func smallBundle(t *testing.T, wasm []byte, priv ed25519.PrivateKey, version uint64, expires time.Time, shift int) *bundle.Files {
	t.Helper()
	const n = 20
	spec := &model.Spec{Items: make([]string, n), Neighbors: make([][]model.Neighbor, n), Popularity: make([]float32, n), Params: model.DefaultParams()}
	items := make([]model.Item, n)
	for i := range n {
		spec.Items[i] = fmt.Sprintf("item-%02d", i)
		spec.Popularity[i] = float32(n - i)
		spec.Neighbors[i] = []model.Neighbor{{Item: int32((i + shift) % n), Weight: 1}}
		items[i] = model.Item{ID: spec.Items[i], Title: spec.Items[i], Price: 1}
	}
	id := [16]byte{byte(version), byte(shift)}
	f := &bundle.Files{Wasm: wasm}
	var err error
	f.Weights, err = model.EncodeWeights(spec, id)
	require.NoError(t, err)
	f.Catalog, err = model.EncodeCatalog(items, id)
	require.NoError(t, err)
	meta := bundle.Meta{Version: version, Created: time.Now().Add(-time.Hour).UnixMilli(), Expires: expires.UnixMilli(), BundleID: id}
	require.NoError(t, bundle.Sign(f, meta, priv))
	return f
}

func loadReq(f *bundle.Files, keys ...ed25519.PublicKey) model.LoadRequest {
	return host.LoadRequest(f, keys...)
}

// TestRefusedUpdateKeepsLastGoodModel drives the real module through a
// series of hostile updates: each is refused with the right error across
// the boundary, and the model loaded before keeps answering unchanged.
func TestRefusedUpdateKeepsLastGoodModel(t *testing.T) {
	wasm := wasmtest.Module(t)
	ctx := context.Background()
	pub, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	_, otherPriv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	later := time.Now().Add(24 * time.Hour)

	rt, err := host.NewRuntime(ctx, host.DefaultConfig())
	require.NoError(t, err)
	defer rt.Close(ctx)
	mod, err := rt.Compile(ctx, wasm)
	require.NoError(t, err)
	inst, err := mod.Instantiate(ctx)
	require.NoError(t, err)
	defer inst.Close(ctx)

	good := smallBundle(t, wasm, priv, 5, later, 1)
	res, err := inst.Load(ctx, loadReq(good, pub))
	require.NoError(t, err)
	require.EqualValues(t, 5, res.Version)
	req := model.Request{K: 3, History: model.History{{Item: "item-03", Kind: model.KindPurchase, At: 1}}}
	before, err := inst.Recommend(ctx, req)
	require.NoError(t, err)
	require.Equal(t, "item-04", before.Items[0].Item)

	next := smallBundle(t, wasm, priv, 6, later, 2)
	cases := []struct {
		name string
		req  func() model.LoadRequest
		want error
	}{
		{"tampered weights", func() model.LoadRequest {
			r := loadReq(next, pub)
			r.Weights = append([]byte(nil), r.Weights...)
			r.Weights[len(r.Weights)/2] ^= 1
			return r
		}, model.ErrDigestMismatch},
		{"extended catalog", func() model.LoadRequest {
			r := loadReq(next, pub)
			r.Catalog = append(append([]byte(nil), r.Catalog...), 0)
			return r
		}, model.ErrDigestMismatch},
		{"flipped signature", func() model.LoadRequest {
			r := loadReq(next, pub)
			r.Signature = append([]byte(nil), r.Signature...)
			r.Signature[len(r.Signature)-1] ^= 0x80
			return r
		}, model.ErrBadSignature},
		{"unknown key", func() model.LoadRequest { return loadReq(smallBundle(t, wasm, otherPriv, 6, later, 2), pub) }, model.ErrUnknownKey},
		{"older version", func() model.LoadRequest { return loadReq(smallBundle(t, wasm, priv, 4, later, 2), pub) }, model.ErrRollback},
		{"expired", func() model.LoadRequest {
			return loadReq(smallBundle(t, wasm, priv, 7, time.Now().Add(-time.Minute), 2), pub)
		}, model.ErrExpired},
		{"weights from another bundle", func() model.LoadRequest {
			r := loadReq(next, pub)
			r.Weights = good.Weights
			return r
		}, model.ErrMixAndMatch},
		{"another module", func() model.LoadRequest {
			r := loadReq(next, pub)
			sum := sha256.Sum256([]byte("not the module"))
			r.WasmSHA256 = sum[:]
			return r
		}, model.ErrDigestMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := inst.Load(ctx, c.req())
			require.ErrorIs(t, err, c.want)
			after, err := inst.Recommend(ctx, req)
			require.NoError(t, err)
			assert.Equal(t, before, after, "the last good model must keep answering")
		})
	}
	t.Logf("%d hostile updates refused through the module; version 5 kept answering", len(cases))

	// A good update still goes through, and changes the answers.
	res, err = inst.Load(ctx, loadReq(next, pub))
	require.NoError(t, err)
	require.EqualValues(t, 6, res.Version)
	after, err := inst.Recommend(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, "item-05", after.Items[0].Item)
	// And the module itself now refuses version 5 even if the host forgets
	// the floor.
	_, err = inst.Load(ctx, loadReq(good, pub))
	assert.ErrorIs(t, err, model.ErrRollback)
}
