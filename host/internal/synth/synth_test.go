package synth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

func TestBundle(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	wasm := []byte("\x00asm\x01\x00\x00\x00")
	files, pub, err := Bundle(wasm, now, 7)
	if err != nil {
		t.Fatal(err)
	}
	req := &model.LoadRequest{
		Manifest: files.Manifest, Signature: files.Signature, Weights: files.Weights,
		Catalog: files.Catalog, Keys: [][]byte{pub}, Now: now.UnixMilli(),
	}
	sum := sha256sum(wasm)
	req.WasmSHA256 = sum[:]
	if _, err := bundle.Open(req); err != nil {
		t.Fatalf("the synthetic bundle does not open: %v", err)
	}
	m, err := model.Load(files.Weights, files.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	if m.Items() != Items {
		t.Fatalf("model has %d items; want %d", m.Items(), Items)
	}
	_, pub2, err := Bundle(wasm, now, 7)
	if err != nil || !bytes.Equal(pub, pub2) {
		t.Fatalf("same seed gave another key (%v)", err)
	}
	_, pub3, _ := Bundle(wasm, now, 8)
	if ed25519.PublicKey(pub).Equal(pub3) {
		t.Fatal("another seed gave the same key")
	}
}

func sha256sum(b []byte) [32]byte { return sha256.Sum256(b) }
