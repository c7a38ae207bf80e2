package bundle_test

import (
	"crypto/ed25519"
	"errors"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

func TestSign(t *testing.T) {
	k := key("publisher")
	tests := []struct {
		name string
		edit func(f *bundle.Files, m *bundle.Meta, priv *ed25519.PrivateKey)
		want error
	}{
		{"valid", func(*bundle.Files, *bundle.Meta, *ed25519.PrivateKey) {}, nil},
		{"short private key", func(_ *bundle.Files, _ *bundle.Meta, p *ed25519.PrivateKey) { *p = (*p)[:32] }, model.ErrBadRequest},
		{"version 0", func(_ *bundle.Files, m *bundle.Meta, _ *ed25519.PrivateKey) { m.Version = 0 }, model.ErrBadRequest},
		{"no weights", func(f *bundle.Files, _ *bundle.Meta, _ *ed25519.PrivateKey) { f.Weights = nil }, model.ErrMissingArtifact},
		{"no wasm", func(f *bundle.Files, _ *bundle.Meta, _ *ed25519.PrivateKey) { f.Wasm = nil }, model.ErrMissingArtifact},
		{"catalog without header", func(f *bundle.Files, _ *bundle.Meta, _ *ed25519.PrivateKey) { f.Catalog = []byte("csv") }, model.ErrCorrupt},
		{"weights of another bundle", func(f *bundle.Files, _ *bundle.Meta, _ *ed25519.PrivateKey) {
			f.Weights = artifacts(t, bundleID("other"), "other").Weights
		}, model.ErrMixAndMatch},
		{"wasm above cap", func(f *bundle.Files, _ *bundle.Meta, _ *ed25519.PrivateKey) {
			f.Wasm = make([]byte, bundle.MaxWasm+1)
		}, model.ErrTooLarge},
		{"expires before created", func(_ *bundle.Files, m *bundle.Meta, _ *ed25519.PrivateKey) { m.Expires = m.Created }, model.ErrCorrupt},
		{"negative epsilon", func(_ *bundle.Files, m *bundle.Meta, _ *ed25519.PrivateKey) { m.Epsilon = -1 }, model.ErrCorrupt},
		{"meta names the weights' kind", func(_ *bundle.Files, m *bundle.Meta, _ *ed25519.PrivateKey) { m.Model = model.ModelNeighbors }, nil},
		{"meta names another kind", func(_ *bundle.Files, m *bundle.Meta, _ *ed25519.PrivateKey) { m.Model = model.ModelEmbedding }, model.ErrBadRequest},
		{"unknown model kind", func(_ *bundle.Files, m *bundle.Meta, _ *ed25519.PrivateKey) { m.Model = "ease" }, model.ErrBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := meta("A", 100)
			f := artifacts(t, m.BundleID, "A")
			priv := k
			tt.edit(f, &m, &priv)
			err := bundle.Sign(f, m, priv)
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if _, err := bundle.Open(request(f, pub(k))); err != nil {
					t.Fatalf("signed bundle does not open: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v; want %v", err, tt.want)
			}
			if f.Manifest != nil || f.Signature != nil {
				t.Fatal("a refused Sign filled the manifest or signature")
			}
		})
	}
}

// TestSignModelKind: the manifest signs the kind the weights hold, whatever
// Meta leaves empty.
func TestSignModelKind(t *testing.T) {
	k := key("publisher")
	for _, want := range []model.ModelKind{model.ModelNeighbors, model.ModelEmbedding} {
		m := meta("A", 100)
		f := artifacts(t, m.BundleID, "A")
		if want == model.ModelEmbedding {
			f = embeddingArtifacts(t, m.BundleID, "A")
		}
		if err := bundle.Sign(f, m, k); err != nil {
			t.Fatal(err)
		}
		got, err := bundle.Open(request(f, pub(k)))
		if err != nil {
			t.Fatal(err)
		}
		if got.Model != want {
			t.Errorf("manifest says %q; want %q", got.Model, want)
		}
	}
}

func TestKeyID(t *testing.T) {
	a, b := bundle.KeyID(pub(key("a"))), bundle.KeyID(pub(key("b")))
	if len(a) != 16 || a == b || a != bundle.KeyID(pub(key("a"))) {
		t.Fatalf("key ids %q, %q: want 16 hex digits, stable and distinct", a, b)
	}
}
