package bundle

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"reflect"
	"testing"

	"github.com/privrec/privrec/model"
)

// fuzzManifest is a valid manifest for seeds.
func fuzzManifest() *Manifest {
	var id [16]byte
	copy(id[:], "fuzz bundle id..")
	return &Manifest{
		Format: FormatVersion, Version: 1750000000, Created: 1_750_000_000_000, Expires: 1_752_592_000_000,
		KeyID: "0123456789abcdef", BundleID: id, Epsilon: 2, Delta: 1e-6, Model: model.ModelEmbedding,
		Artifacts: []Artifact{
			{Name: NameWeights, Length: 1234, SHA256: sha256.Sum256([]byte("w"))},
			{Name: NameCatalog, Length: 99, SHA256: sha256.Sum256([]byte("c"))},
			{Name: NameWasm, Length: 5 << 20, SHA256: sha256.Sum256([]byte("m"))},
		},
	}
}

// FuzzDecodeManifest checks that the decoder never panics, that every error
// it returns wraps a known sentinel, and that what it accepts round-trips.
func FuzzDecodeManifest(f *testing.F) {
	valid, err := fuzzManifest().encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(append(bytes.Clone(valid), 0xc0))
	f.Add([]byte{0x80})
	f.Add([]byte{0xdf, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeManifest(b)
		if err != nil {
			if c := model.CodeOf(err); c == model.CodeInternal || c == model.CodeOK {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		again, err := m.encode()
		if err != nil {
			t.Fatalf("encode accepted manifest: %v", err)
		}
		m2, err := decodeManifest(again)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip differs:\n%+v\n%+v", m, m2)
		}
	})
}

// FuzzOpen feeds arbitrary manifest, signature and weights bytes through the
// module's load path. Whatever it accepts must be exactly the signed bundle:
// Ed25519 signatures are not malleable, so any other accepted byte would be
// a forgery or a digest check that let a change through.
func FuzzOpen(f *testing.F) {
	seed := sha256.Sum256([]byte("fuzz key"))
	priv := ed25519.NewKeyFromSeed(seed[:])
	pub := priv.Public().(ed25519.PublicKey)
	m := fuzzManifest()
	m.KeyID = KeyID(pub)
	weights := []byte("weights: not a real artifact, the digest is all Open checks")
	catalog := []byte("catalog")
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	m.Artifacts = []Artifact{
		{Name: NameWeights, Length: int64(len(weights)), SHA256: sha256.Sum256(weights)},
		{Name: NameCatalog, Length: int64(len(catalog)), SHA256: sha256.Sum256(catalog)},
		{Name: NameWasm, Length: int64(len(wasm)), SHA256: sha256.Sum256(wasm)},
	}
	manifest, err := m.encode()
	if err != nil {
		f.Fatal(err)
	}
	id := keyIDOf(pub)
	sig := append(id[:], ed25519.Sign(priv, signedPayload(manifest))...)
	wasmSum := sha256.Sum256(wasm)
	now := m.Created + 1000

	f.Add(manifest, sig, weights)
	f.Add(manifest, sig, weights[:10])
	f.Add(manifest[:20], sig, weights)
	f.Add(manifest, sig[:8], weights)
	f.Add([]byte{}, []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, man, s, w []byte) {
		req := &model.LoadRequest{
			Manifest: man, Signature: s, Weights: w, Catalog: catalog,
			WasmSHA256: wasmSum[:], Keys: [][]byte{pub}, Now: now,
		}
		got, err := Open(req)
		if err != nil {
			if c := model.CodeOf(err); c == model.CodeInternal || c == model.CodeOK {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		if !bytes.Equal(man, manifest) || !bytes.Equal(s, sig) || !bytes.Equal(w, weights) {
			t.Fatalf("accepted bytes that were never signed (version %d)", got.Version)
		}
	})
}
