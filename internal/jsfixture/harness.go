package main

import (
	"crypto/ed25519"
	"crypto/sha256"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

// harness answers parity requests. It opens the bundle the way the module
// does and scores natively with the same model code.
type harness struct{ m *model.Model }

func newHarness(wasm []byte, f *bundle.Files, pub ed25519.PublicKey) (*harness, error) {
	sum := sha256.Sum256(wasm)
	req := &model.LoadRequest{Manifest: f.Manifest, Signature: f.Signature, Weights: f.Weights, Catalog: f.Catalog,
		WasmSHA256: sum[:], Keys: [][]byte{pub}, Now: now}
	if _, err := bundle.Open(req); err != nil {
		return nil, err
	}
	m, err := model.Load(f.Weights, f.Catalog)
	if err != nil {
		return nil, err
	}
	return &harness{m: m}, nil
}

func (h *harness) recommend(req model.Request) (model.Response, error) { return h.m.Recommend(req) }

func (h *harness) close() {}
