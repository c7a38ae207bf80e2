package main

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/internal/wasmtest"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// TestFixtures checks that every bundle the JS tests rely on is what its
// name says: the good ones load, each bad one is refused for its reason.
func TestFixtures(t *testing.T) {
	wasm := wasmtest.Module(t)
	wasmPath := filepath.Join(t.TempDir(), "privrec.wasm")
	if err := os.WriteFile(wasmPath, wasm, 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "fixtures")
	if err := run(out, wasmPath); err != nil {
		t.Fatal(err)
	}
	pub, err := bundledir.ReadPublicKey(filepath.Join(out, "privrec.pub"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		PublicKey string `json:"public_key"`
		Parity    []Case `json:"parity"`
	}
	b, err := os.ReadFile(filepath.Join(out, "fixtures.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.PublicKey != base64.StdEncoding.EncodeToString(pub) {
		t.Errorf("fixtures.json public_key differs from privrec.pub")
	}
	tests := []struct {
		name       string
		dir        string
		minVersion uint64
		want       error
	}{
		{name: "v1", dir: "v1"},
		{name: "v2", dir: "v2"},
		{name: "v3", dir: "v3"},
		{name: "v1 after v2 is a rollback", dir: "v1", minVersion: 2, want: model.ErrRollback},
		{name: "tampered", dir: "tampered", want: model.ErrDigestMismatch},
		{name: "expired", dir: "expired", want: model.ErrExpired},
		{name: "untrusted", dir: "untrusted", want: model.ErrUnknownKey},
		// The module served is not the one signed.
		{name: "substituted", dir: "substituted", want: model.ErrDigestMismatch},
		// A genuine signature over a lying module: only the LoadResult check catches it.
		{name: "liar", dir: "liar"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := bundledir.Read(filepath.Join(out, tt.dir))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(f.Wasm)
			_, err = bundle.Open(&model.LoadRequest{Manifest: f.Manifest, Signature: f.Signature, Weights: f.Weights,
				Catalog: f.Catalog, WasmSHA256: sum[:], Keys: [][]byte{ed25519.PublicKey(pub)}, Now: now, MinVersion: tt.minVersion})
			if tt.want == nil && err != nil {
				t.Fatalf("Open: %v", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Open: got %v, want %v", err, tt.want)
			}
		})
	}
	var ok, refused int
	for _, c := range meta.Parity {
		if c.Response != nil {
			ok++
		} else if c.Code != model.CodeOK {
			refused++
		}
	}
	if ok < 10 || refused < 1 {
		t.Errorf("parity: %d answered and %d refused cases; want at least 10 and 1", ok, refused)
	}
}

// TestRogueModule checks that the rogue module is a real threat: a host
// that runs it believes any bundle loaded, at version 2^53.
func TestRogueModule(t *testing.T) {
	ctx := context.Background()
	claim := model.LoadResult{Version: rogueVersion, KeyID: "0123456789abcdef", Created: created, Expires: expires, Items: 3, BundleID: "00ff"}
	wasm, err := rogueModule(claim)
	if err != nil {
		t.Fatal(err)
	}
	rt, err := host.NewRuntime(ctx, host.Config{Clock: func() time.Time { return time.UnixMilli(now) }})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close(ctx)
	mod, err := rt.Compile(ctx, wasm)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	inst, err := mod.Instantiate(ctx)
	if err != nil {
		t.Fatalf("Instantiate: %v", err)
	}
	got, err := inst.Load(ctx, model.LoadRequest{Manifest: []byte("not a manifest"), Signature: []byte("no"), Now: now})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.Version != rogueVersion || got.BundleID != claim.BundleID {
		t.Errorf("Load = %+v; want the claim %+v", got, claim)
	}
}
