package bundle_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// exampleFiles packs a two-item model for bundle id.
func exampleFiles(id [16]byte) *bundle.Files {
	spec := &model.Spec{
		Items:      []string{"mug", "tea"},
		Neighbors:  [][]model.Neighbor{{{Item: 1, Weight: 1}}, {{Item: 0, Weight: 1}}},
		Popularity: []float32{0.6, 0.4},
		Params:     model.DefaultParams(),
	}
	weights, _ := model.EncodeWeights(spec, id)
	catalog, _ := model.EncodeCatalog([]model.Item{{ID: "mug", Title: "Mug"}, {ID: "tea", Title: "Tea"}}, id)
	return &bundle.Files{Weights: weights, Catalog: catalog, Wasm: []byte("\x00asm\x01\x00\x00\x00")}
}

// The publisher signs a bundle; the module verifies it with the trusted
// public key before it reads an artifact.
func ExampleSign() {
	seed := sha256.Sum256([]byte("example"))
	priv := ed25519.NewKeyFromSeed(seed[:]) // in practice: bundledir.ReadPrivateKey
	id := [16]byte{1, 2, 3}

	f := exampleFiles(id)
	created := int64(1_750_000_000_000)
	err := bundle.Sign(f, bundle.Meta{
		Version: 1750000000, Created: created, Expires: created + 30*24*3600*1000, BundleID: id,
	}, priv)
	if err != nil {
		fmt.Println(err)
		return
	}

	m, err := bundle.Verify(f.Manifest, f.Signature, bundle.VerifyOptions{
		Keys: [][]byte{priv.Public().(ed25519.PublicKey)},
		Now:  created + 1000,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("version", m.Version, "key", m.KeyID == bundle.KeyID(priv.Public().(ed25519.PublicKey)))
	fmt.Println("weights:", m.Check(bundle.NameWeights, f.Weights))
	f.Catalog[len(f.Catalog)-1] ^= 1
	fmt.Println("tampered catalog:", errors.Is(m.Check(bundle.NameCatalog, f.Catalog), model.ErrDigestMismatch))
	// Output:
	// version 1750000000 key true
	// weights: <nil>
	// tampered catalog: true
}

// Open is what the module runs on a load request: a refused update is an
// error with a sentinel (and a code across the boundary), and the caller
// keeps the model it had.
func ExampleOpen() {
	seed := sha256.Sum256([]byte("example"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	id := [16]byte{4, 5, 6}
	f := exampleFiles(id)
	created := int64(1_750_000_000_000)
	if err := bundle.Sign(f, bundle.Meta{Version: 7, Created: created, Expires: created + 3600_000, BundleID: id}, priv); err != nil {
		fmt.Println(err)
		return
	}
	wasmSum := sha256.Sum256(f.Wasm) // the host hashes the module it instantiated
	req := &model.LoadRequest{
		Manifest: f.Manifest, Signature: f.Signature, Weights: f.Weights, Catalog: f.Catalog,
		WasmSHA256: wasmSum[:], Keys: [][]byte{priv.Public().(ed25519.PublicKey)},
		Now: created + 1000, MinVersion: 8, // the host already accepted version 8
	}
	_, err := bundle.Open(req)
	fmt.Println(model.CodeOf(err), errors.Is(err, model.ErrRollback))

	req.MinVersion = 7
	m, err := bundle.Open(req)
	fmt.Println(m.Version, err)
	// Output:
	// rollback true
	// 7 <nil>
}
