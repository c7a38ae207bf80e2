package host_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// exampleBundle signs a four-item bundle for wasm: a ring where each item's
// neighbour is the next one.
func exampleBundle(wasm []byte, now time.Time) (*bundle.Files, ed25519.PublicKey) {
	ids := []string{"mug", "tea", "pot", "cup"}
	spec := &model.Spec{Items: ids, Popularity: []float32{0.4, 0.3, 0.2, 0.1}, Params: model.DefaultParams()}
	items := make([]model.Item, len(ids))
	for i, id := range ids {
		spec.Neighbors = append(spec.Neighbors, []model.Neighbor{{Item: int32((i + 1) % len(ids)), Weight: 1}})
		items[i] = model.Item{ID: id, Title: id}
	}
	bid := [16]byte{'e', 'x'}
	weights, _ := model.EncodeWeights(spec, bid)
	catalog, _ := model.EncodeCatalog(items, bid)
	pub, priv, _ := ed25519.GenerateKey(nil)
	files := &bundle.Files{Weights: weights, Catalog: catalog, Wasm: wasm}
	ms := now.UnixMilli()
	if err := bundle.Sign(files, bundle.Meta{Version: 1, Created: ms - 1000, Expires: ms + 3_600_000, BundleID: bid}, priv); err != nil {
		panic(err)
	}
	return files, pub
}

// In a QA test: load a bundle, feed a history, assert on the answer and on
// what the module handed the host.
func Example() {
	t := &testing.T{} // in a real test, the *testing.T of the test
	ctx := context.Background()
	wasm := wasmtest.Module(t)
	now := time.UnixMilli(1_700_000_000_000)

	rt, err := host.NewRuntime(ctx, host.Config{Clock: func() time.Time { return now }})
	require.NoError(t, err)
	defer rt.Close(ctx)
	mod, err := rt.Compile(ctx, wasm) // refuses forbidden imports
	require.NoError(t, err)
	inst, err := mod.Instantiate(ctx) // one per goroutine
	require.NoError(t, err)
	defer inst.Close(ctx)

	files, pub := exampleBundle(wasm, now)
	res, err := inst.Load(ctx, model.LoadRequest{
		Manifest: files.Manifest, Signature: files.Signature,
		Weights: files.Weights, Catalog: files.Catalog,
		Keys: [][]byte{pub},
	})
	require.NoError(t, err)
	fmt.Println("loaded version", res.Version, "with", res.Items, "items")

	resp, err := inst.Recommend(ctx, model.Request{K: 1, History: model.History{
		{Item: "tea", Kind: model.KindPurchase, At: now.UnixMilli()},
	}})
	require.NoError(t, err)
	require.Len(t, resp.Items, 1)
	fmt.Println("after tea:", resp.Items[0].Item, resp.Items[0].Source)

	for _, c := range inst.Calls() {
		require.NotContains(t, string(c.Payload), "tea", "%s leaked the history", c.Func)
	}
	// Output:
	// loaded version 1 with 4 items
	// after tea: pot history
}

// Errors the module reports keep their meaning across the boundary.
func ExampleInstance_Load() {
	ctx := context.Background()
	wasm := wasmtest.Module(&testing.T{})
	now := time.UnixMilli(1_700_000_000_000)
	rt, _ := host.NewRuntime(ctx, host.Config{Clock: func() time.Time { return now }})
	defer rt.Close(ctx)
	mod, _ := rt.Compile(ctx, wasm)
	inst, _ := mod.Instantiate(ctx)
	defer inst.Close(ctx)

	files, _ := exampleBundle(wasm, now)
	stranger, _, _ := ed25519.GenerateKey(nil)
	_, err := inst.Load(ctx, model.LoadRequest{
		Manifest: files.Manifest, Signature: files.Signature,
		Weights: files.Weights, Catalog: files.Catalog,
		Keys: [][]byte{stranger}, // not the key that signed the bundle
	})
	fmt.Println(errors.Is(err, model.ErrUnknownKey) || errors.Is(err, model.ErrBadSignature))

	_, err = inst.Recommend(ctx, model.Request{})
	fmt.Println(errors.Is(err, model.ErrNotLoaded))
	// Output:
	// true
	// true
}

// Run the audit in a test: it fails with the reasons when a promise breaks.
func ExampleAudit() {
	t := &testing.T{}
	ctx := context.Background()
	rep, err := host.Audit(ctx, wasmtest.Module(t), host.AuditOptions{Seed: 1})
	require.NoError(t, err)
	require.True(t, rep.OK(), "%s", rep)
	fmt.Println("violations:", len(rep.Violations))
	fmt.Println("host calls during recommend:", rep.RecommendCalls)
	// Output:
	// violations: 0
	// host calls during recommend: 0
}

// A module that imports anything off the allowlist does not compile.
func ExampleRuntime_Compile() {
	ctx := context.Background()
	rt, _ := host.NewRuntime(ctx, host.Config{})
	defer rt.Close(ctx)
	_, err := rt.Compile(ctx, wasmtest.Build(&testing.T{}, "testdata/rogue/socket"))
	fmt.Println(errors.Is(err, host.ErrForbiddenImport))
	fmt.Println(err)
	// Output:
	// true
	// compile module: forbidden import: wasi_snapshot_preview1.sock_send(i32,i32,i32,i32,i32)->i32: not in the allowlist (a socket: network access)
}

func ExampleAllowlist() {
	for _, name := range host.Allowlist()[:3] {
		fmt.Println(name)
	}
	fmt.Println(len(host.Allowlist()), "functions in all")
	// Output:
	// wasi_snapshot_preview1.args_get
	// wasi_snapshot_preview1.args_sizes_get
	// wasi_snapshot_preview1.clock_time_get
	// 16 functions in all
}

// A QA test against a published bundle directory: read it, run its own
// module, load it with the publisher's key, and check a recommendation.
func ExampleReadBundle() {
	t := &testing.T{}
	ctx := context.Background()
	dir := exampleBundleDir(t) // e.g. the output of `privrec train --sign-key`
	defer os.RemoveAll(filepath.Dir(dir))

	files, err := host.ReadBundle(dir)
	require.NoError(t, err)
	pub, err := host.ReadPublicKey(filepath.Join(dir, "..", "privrec.pub"))
	require.NoError(t, err)

	rt, err := host.NewRuntime(ctx, host.Config{})
	require.NoError(t, err)
	defer rt.Close(ctx)
	mod, err := rt.Compile(ctx, files.Wasm)
	require.NoError(t, err)
	inst, err := mod.Instantiate(ctx)
	require.NoError(t, err)
	defer inst.Close(ctx)
	res, err := inst.Load(ctx, host.LoadRequest(files, pub))
	require.NoError(t, err)
	fmt.Println("items:", res.Items)

	resp, err := inst.Recommend(ctx, model.Request{K: 2, History: model.History{{Item: "pot", Kind: model.KindPurchase, At: 1}}})
	require.NoError(t, err)
	fmt.Println(resp.Items[0].Item, resp.Items[0].Source)
	// Output:
	// items: 4
	// cup history
}

// exampleBundleDir writes exampleBundle as a bundle directory, with its
// public key file beside it, and returns the directory.
func exampleBundleDir(t *testing.T) string {
	root, err := os.MkdirTemp("", "privrec-example-")
	require.NoError(t, err)
	now := time.Now()
	files, pub := exampleBundle(wasmtest.Module(t), now)
	dir := filepath.Join(root, "bundle")
	require.NoError(t, bundledir.Write(dir, files))
	require.NoError(t, os.WriteFile(filepath.Join(root, "privrec.pub"), bundledir.MarshalPublicKey(pub), 0o644))
	return dir
}
