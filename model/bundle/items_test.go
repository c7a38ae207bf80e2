package bundle_test

import (
	"errors"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/train"
)

// itemsFor encodes a small items artifact (page metadata) for bundle id.
func itemsFor(t *testing.T, id [16]byte, title string) []byte {
	t.Helper()
	p := 4.5
	b, err := train.EncodeItems([]train.ItemMeta{{ID: "a", Title: title, Price: &p, Currency: "EUR", URL: "/a"}}, id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestItemsArtifact: the optional items artifact is signed with the rest,
// checked like the others (tamper, mix-and-match, size), ignored by the
// module's Open, and a bundle without it keeps verifying.
func TestItemsArtifact(t *testing.T) {
	priv := key("items")
	m := meta("items", 100)
	f := artifacts(t, m.BundleID, "items")
	f.Items = itemsFor(t, m.BundleID, "Mug")
	if err := bundle.Sign(f, m, priv); err != nil {
		t.Fatal(err)
	}
	v, err := bundle.Verify(f.Manifest, f.Signature, bundle.VerifyOptions{Keys: [][]byte{pub(priv)}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	a := v.Artifact(bundle.NameItems)
	if a == nil || a.Length != int64(len(f.Items)) {
		t.Fatalf("manifest lists items as %+v; want %d bytes", a, len(f.Items))
	}
	if err := v.Check(bundle.NameItems, f.Items); err != nil {
		t.Errorf("check items: %v", err)
	}
	tampered := clone(f.Items)
	tampered[len(tampered)-2] ^= 1
	if err := v.Check(bundle.NameItems, tampered); !errors.Is(err, model.ErrDigestMismatch) {
		t.Errorf("tampered items: %v, want ErrDigestMismatch", err)
	}
	other := itemsFor(t, bundleID("other"), "Mug")
	if err := v.Check(bundle.NameItems, other); !errors.Is(err, model.ErrMixAndMatch) {
		t.Errorf("items of another bundle: %v, want ErrMixAndMatch", err)
	}
	// The module never receives the items: Open checks the rest.
	if _, err := bundle.Open(request(f, pub(priv))); err != nil {
		t.Errorf("open a bundle with items: %v", err)
	}

	// Sign refuses items of another bundle rather than ship them.
	g := artifacts(t, m.BundleID, "items")
	g.Items = other
	if err := bundle.Sign(g, m, priv); !errors.Is(err, model.ErrMixAndMatch) {
		t.Errorf("sign items of another bundle: %v, want ErrMixAndMatch", err)
	}

	// Without items: no entry, and Check says it is missing.
	h := signed(t, "items", m, priv)
	w, err := bundle.Verify(h.Manifest, h.Signature, bundle.VerifyOptions{Keys: [][]byte{pub(priv)}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if w.Artifact(bundle.NameItems) != nil {
		t.Error("a bundle signed without items lists them")
	}
	if err := w.Check(bundle.NameItems, f.Items); !errors.Is(err, model.ErrMissingArtifact) {
		t.Errorf("check items of a bundle without them: %v, want ErrMissingArtifact", err)
	}

	// A signed manifest listing items twice, or above the cap, is refused.
	for _, tc := range []struct {
		name string
		arts func([]bundle.Artifact) []bundle.Artifact
		want error
	}{
		{"twice", func(a []bundle.Artifact) []bundle.Artifact { return append(a, a[len(a)-1]) }, model.ErrCorrupt},
		{"too large", func(a []bundle.Artifact) []bundle.Artifact {
			a[len(a)-1].Length = bundle.MaxItemData + 1
			return a
		}, model.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mm := *v
			mm.Artifacts = tc.arts(append([]bundle.Artifact(nil), v.Artifacts...))
			b, sig := bundle.SignManifest(&mm, priv)
			if _, err := bundle.Verify(b, sig, bundle.VerifyOptions{Keys: [][]byte{pub(priv)}, Now: now}); !errors.Is(err, tc.want) {
				t.Errorf("verify: %v, want %v", err, tc.want)
			}
		})
	}
}
