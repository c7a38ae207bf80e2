package bundle_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sort"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

type tamperCase struct {
	name string
	req  *model.LoadRequest
	want error
}

// TestTamperMatrix starts from a valid bundle and attacks it every way a
// hostile mirror could: flipped bytes in every region of every file,
// truncated and extended files, replayed old, expired and foreign bundles,
// artifacts from another bundle. bundle.Open, the exact code path the module
// runs, must refuse each case with the right sentinel; none may pass.
func TestTamperMatrix(t *testing.T) {
	k1, k2, k3 := key("publisher"), key("publisher-next"), key("stranger")
	trusted := [][]byte{pub(k1), pub(k2)}
	a := signed(t, "A", meta("A", 100), k1)
	b := signed(t, "B", meta("B", 101), k1)

	base := func() *model.LoadRequest { return request(a, trusted...) }
	with := func(edit func(r *model.LoadRequest)) *model.LoadRequest {
		r := base()
		edit(r)
		return r
	}
	withWasm := func(wasm []byte) *model.LoadRequest {
		sum := sha256.Sum256(wasm)
		return with(func(r *model.LoadRequest) { r.WasmSHA256 = sum[:] })
	}
	resigned := func(edit func(m *bundle.Manifest)) *model.LoadRequest {
		m, err := bundle.Verify(a.Manifest, a.Signature, bundle.VerifyOptions{Keys: trusted, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		cp := *m
		cp.Artifacts = append([]bundle.Artifact(nil), m.Artifacts...)
		edit(&cp)
		manifest, sig := bundle.SignManifest(&cp, k1)
		return with(func(r *model.LoadRequest) { r.Manifest, r.Signature = manifest, sig })
	}
	var cases []tamperCase
	add := func(name string, want error, req *model.LoadRequest) {
		cases = append(cases, tamperCase{name, req, want})
	}

	// Flip every byte of the manifest and the signature.
	for i := range a.Manifest {
		add(fmt.Sprintf("manifest/flip@%d", i), model.ErrBadSignature, with(func(r *model.LoadRequest) {
			r.Manifest = clone(r.Manifest)
			r.Manifest[i] ^= 0xff
		}))
	}
	for i := range a.Signature {
		want := model.ErrBadSignature
		if i < 8 { // the key id: it no longer names a trusted key
			want = model.ErrUnknownKey
		}
		add(fmt.Sprintf("signature/flip@%d", i), want, with(func(r *model.LoadRequest) {
			r.Signature = clone(r.Signature)
			r.Signature[i] ^= 0xff
		}))
	}
	// Flip every byte of weights and catalog. A flip inside the header's
	// bundle id makes the artifact name another bundle: mix-and-match.
	for _, art := range []struct {
		name string
		data []byte
		set  func(r *model.LoadRequest, b []byte)
	}{
		{"weights", a.Weights, func(r *model.LoadRequest, b []byte) { r.Weights = b }},
		{"catalog", a.Catalog, func(r *model.LoadRequest, b []byte) { r.Catalog = b }},
	} {
		id := bundleID("A")
		idAt := bytes.Index(art.data, id[:])
		if idAt < 0 || idAt > 64 {
			t.Fatalf("%s: bundle id not found in its header", art.name)
		}
		for i := range art.data {
			want := model.ErrDigestMismatch
			if i >= idAt && i < idAt+16 {
				want = model.ErrMixAndMatch
			}
			b := clone(art.data)
			b[i] ^= 0xff
			add(fmt.Sprintf("%s/flip@%d", art.name, i), want, with(func(r *model.LoadRequest) { art.set(r, b) }))
		}
		for _, n := range []int{0, 1, idAt + 8, len(art.data) / 2, len(art.data) - 1} {
			add(fmt.Sprintf("%s/truncate@%d", art.name, n), model.ErrDigestMismatch,
				with(func(r *model.LoadRequest) { art.set(r, clone(art.data[:n])) }))
		}
		for _, n := range []int{1, 1 << 10} {
			add(fmt.Sprintf("%s/extend+%d", art.name, n), model.ErrDigestMismatch,
				with(func(r *model.LoadRequest) { art.set(r, append(clone(art.data), make([]byte, n)...)) }))
		}
	}
	// The module: the host hashes the bytes it instantiated.
	for i := range a.Wasm {
		b := clone(a.Wasm)
		b[i] ^= 0xff
		add(fmt.Sprintf("wasm/flip@%d", i), model.ErrDigestMismatch, withWasm(b))
	}
	add("wasm/truncate", model.ErrDigestMismatch, withWasm(a.Wasm[:len(a.Wasm)-1]))
	add("wasm/extend", model.ErrDigestMismatch, withWasm(append(clone(a.Wasm), 0)))

	// Truncate and extend the manifest and the signature.
	for _, n := range []int{0, 1, len(a.Manifest) / 2, len(a.Manifest) - 1} {
		add(fmt.Sprintf("manifest/truncate@%d", n), model.ErrBadSignature,
			with(func(r *model.LoadRequest) { r.Manifest = clone(a.Manifest[:n]) }))
	}
	add("manifest/extend+1", model.ErrBadSignature, with(func(r *model.LoadRequest) { r.Manifest = append(clone(a.Manifest), 0xc0) }))
	for _, n := range []int{0, 8, 71} {
		add(fmt.Sprintf("signature/truncate@%d", n), model.ErrBadSignature,
			with(func(r *model.LoadRequest) { r.Signature = clone(a.Signature[:n]) }))
	}
	add("signature/extend+1", model.ErrBadSignature, with(func(r *model.LoadRequest) { r.Signature = append(clone(a.Signature), 0) }))

	// Endless data: above the caps, refused before hashing.
	add("manifest/oversized", model.ErrTooLarge, with(func(r *model.LoadRequest) {
		r.Manifest = append(clone(a.Manifest), make([]byte, bundle.MaxManifest)...)
	}))
	add("weights/oversized", model.ErrTooLarge, with(func(r *model.LoadRequest) {
		r.Weights = append(clone(a.Weights), make([]byte, bundle.MaxWeights)...)
	}))
	add("catalog/oversized", model.ErrTooLarge, with(func(r *model.LoadRequest) {
		r.Catalog = append(clone(a.Catalog), make([]byte, bundle.MaxCatalog)...)
	}))

	// Replays: older, expired, future, foreign key.
	old := signed(t, "old", meta("old", 40), k1)
	add("replay/older-version", model.ErrRollback, request(old, trusted...))
	exp := meta("expired", 120)
	exp.Created, exp.Expires = now-800*hour, now-hour
	add("replay/expired", model.ErrExpired, request(signed(t, "expired", exp, k1), trusted...))
	exp.Expires = now
	add("replay/expires-now", model.ErrExpired, request(signed(t, "expired", exp, k1), trusted...))
	fut := meta("future", 120)
	fut.Created, fut.Expires = now+hour, now+800*hour
	add("clock/created-in-future", model.ErrNotYetValid, request(signed(t, "future", fut, k1), trusted...))
	add("key/unknown-signer", model.ErrUnknownKey, request(signed(t, "stranger", meta("stranger", 120), k3), trusted...))
	add("key/not-trusted-any-more", model.ErrUnknownKey, request(a, pub(k2)))
	add("key/id-of-trusted-key-on-foreign-signature", model.ErrBadSignature, with(func(r *model.LoadRequest) {
		s := request(signed(t, "stranger", meta("A", 100), k3)).Signature
		id, err := hex.DecodeString(bundle.KeyID(pub(k1)))
		if err != nil {
			t.Fatal(err)
		}
		r.Signature = append(id, s[8:]...)
	}))
	add("key/manifest-names-other-key", model.ErrBadSignature, resigned(func(m *bundle.Manifest) { m.KeyID = bundle.KeyID(pub(k2)) }))

	// Mix-and-match: pieces of bundle B with bundle A.
	add("mix/weights-of-B", model.ErrMixAndMatch, with(func(r *model.LoadRequest) { r.Weights = b.Weights }))
	add("mix/catalog-of-B", model.ErrMixAndMatch, with(func(r *model.LoadRequest) { r.Catalog = b.Catalog }))
	add("mix/artifacts-of-B", model.ErrMixAndMatch, with(func(r *model.LoadRequest) { r.Weights, r.Catalog = b.Weights, b.Catalog }))
	add("mix/manifest-of-B", model.ErrMixAndMatch, with(func(r *model.LoadRequest) { r.Manifest, r.Signature = b.Manifest, b.Signature }))
	add("mix/signature-of-B", model.ErrBadSignature, with(func(r *model.LoadRequest) { r.Signature = b.Signature }))
	add("mix/wasm-of-B", model.ErrDigestMismatch, withWasm(b.Wasm))
	add("mix/weights-as-catalog", model.ErrDigestMismatch, with(func(r *model.LoadRequest) { r.Weights, r.Catalog = a.Catalog, a.Weights }))

	// Signed but malformed manifests: the decoder and its checks.
	add("format/future-version", model.ErrUnsupported, resigned(func(m *bundle.Manifest) { m.Format = bundle.FormatVersion + 1 }))
	add("format/unknown-model-kind", model.ErrCorrupt, resigned(func(m *bundle.Manifest) { m.Model = "ease" }))
	add("format/oversized-artifact", model.ErrTooLarge, resigned(func(m *bundle.Manifest) { m.Artifacts[0].Length = bundle.MaxWeights + 1 }))
	add("format/missing-wasm", model.ErrMissingArtifact, resigned(func(m *bundle.Manifest) { m.Artifacts = m.Artifacts[:2] }))
	add("format/duplicate-artifact", model.ErrCorrupt, resigned(func(m *bundle.Manifest) { m.Artifacts[2] = m.Artifacts[0] }))
	add("format/unknown-artifact", model.ErrCorrupt, resigned(func(m *bundle.Manifest) { m.Artifacts[2].Name = "extra" }))
	add("format/nan-epsilon", model.ErrCorrupt, resigned(func(m *bundle.Manifest) { m.Epsilon = math.NaN() }))
	add("format/zero-bundle-id", model.ErrCorrupt, resigned(func(m *bundle.Manifest) { m.BundleID = [16]byte{} }))
	add("format/trailing-bytes", model.ErrCorrupt, with(func(r *model.LoadRequest) {
		r.Manifest = append(clone(a.Manifest), 0xc0)
		r.Signature = bundle.SignBytes(r.Manifest, k1)
	}))

	// Requests the module cannot serve as given.
	add("request/no-keys", model.ErrBadRequest, with(func(r *model.LoadRequest) { r.Keys = nil }))
	add("request/short-key", model.ErrBadRequest, with(func(r *model.LoadRequest) { r.Keys = [][]byte{r.Keys[0][:31]} }))
	add("request/too-many-keys", model.ErrTooLarge, with(func(r *model.LoadRequest) {
		for len(r.Keys) <= bundle.MaxKeys {
			r.Keys = append(r.Keys, r.Keys[0])
		}
	}))
	add("request/no-wasm-digest", model.ErrBadRequest, with(func(r *model.LoadRequest) { r.WasmSHA256 = nil }))
	add("request/no-clock", model.ErrBadRequest, with(func(r *model.LoadRequest) { r.Now = 0 }))
	add("request/short-weights-digest", model.ErrBadRequest, with(func(r *model.LoadRequest) { r.WeightsSHA256 = make([]byte, 31) }))
	add("request/long-catalog-digest", model.ErrBadRequest, with(func(r *model.LoadRequest) { r.CatalogSHA256 = make([]byte, 33) }))
	// A host digest that is not the manifest's, for the right bytes.
	add("request/other-weights-digest", model.ErrDigestMismatch, with(func(r *model.LoadRequest) { r.WeightsSHA256 = make([]byte, 32) }))
	add("request/other-catalog-digest", model.ErrDigestMismatch, with(func(r *model.LoadRequest) { r.CatalogSHA256 = make([]byte, 32) }))

	// Controls: these must pass, or the refusals above prove nothing.
	accepted := []tamperCase{
		{name: "control/valid", req: base()},
		{name: "control/rotated-key", req: request(signed(t, "next", meta("next", 100), k2), trusted...)},
		{name: "control/version-equal-to-minimum", req: with(func(r *model.LoadRequest) { r.MinVersion = 100 })},
		{name: "control/created-within-skew", req: func() *model.LoadRequest {
			m := meta("skew", 100)
			m.Created = now + bundle.MaxClockSkew
			return request(signed(t, "skew", m, k1), trusted...)
		}()},
	}
	// Each case runs twice: as built (digests absent: Open hashes the
	// weights and catalog itself), and as an honest host sends it, with
	// the SHA-256 of the very bytes it carries (verify once: Open checks
	// those against the manifest and hashes nothing).
	for _, mode := range []struct {
		name string
		req  func(*model.LoadRequest) *model.LoadRequest
	}{
		{"module hashes", func(r *model.LoadRequest) *model.LoadRequest { return r }},
		{"host digests", withHostDigests},
	} {
		t.Run(mode.name, func(t *testing.T) {
			for _, c := range accepted {
				if _, err := bundle.Open(mode.req(c.req)); err != nil {
					t.Errorf("%s: refused: %v", c.name, err)
				}
			}
			counts := map[string]int{}
			refused := 0
			for _, c := range cases {
				m, err := bundle.Open(mode.req(c.req))
				switch {
				case err == nil:
					t.Errorf("%s: ACCEPTED (version %d); want %v", c.name, m.Version, c.want)
				case !errors.Is(err, c.want) || model.CodeOf(err) != model.CodeOf(c.want):
					t.Errorf("%s: refused with %v (code %s); want %v", c.name, err, model.CodeOf(err), c.want)
				default:
					refused++
					counts[model.CodeOf(err).String()]++
				}
			}
			var names []string
			for n := range counts {
				names = append(names, n)
			}
			sort.Strings(names)
			t.Logf("tamper matrix (%s): %d cases, %d refused with the right error, %d controls accepted", mode.name, len(cases), refused, len(accepted))
			for _, n := range names {
				t.Logf("  %-20s %5d", n, counts[n])
			}
		})
	}
}

// withHostDigests is a copy of r carrying the SHA-256 of its own weights
// and catalog, as an honest host computes them, unless r has digests (or
// a deliberately wrong one) already.
func withHostDigests(r *model.LoadRequest) *model.LoadRequest {
	cp := *r
	if cp.WeightsSHA256 == nil {
		sum := sha256.Sum256(cp.Weights)
		cp.WeightsSHA256 = sum[:]
	}
	if cp.CatalogSHA256 == nil {
		sum := sha256.Sum256(cp.Catalog)
		cp.CatalogSHA256 = sum[:]
	}
	return &cp
}

// TestHostDigestsAreTrusted states the trust boundary of verify once: the
// module takes the host's word for the SHA-256 of the bytes it sends, as it
// takes the host's word for the trusted keys, the clock and the module's
// own digest. A host that lies about a digest can make the module load
// other weights of the same length and bundle id; it could as well have
// passed its own key. What the module still checks without hashing is
// tested here: the length and the bundle id in the artifact's header.
func TestHostDigestsAreTrusted(t *testing.T) {
	k := key("publisher")
	a := signed(t, "A", meta("A", 100), k)
	b := signed(t, "B", meta("B", 101), k)
	honest := withHostDigests(request(a, pub(k)))

	lying := *honest
	lying.Weights = clone(a.Weights)
	lying.Weights[len(lying.Weights)-1] ^= 1
	if _, err := bundle.Open(&lying); err != nil {
		t.Fatalf("a same-length change under the manifest's digest: %v; the module hashed after all?", err)
	}
	if _, err := bundle.Open(withHostDigests(&model.LoadRequest{Manifest: lying.Manifest, Signature: lying.Signature,
		Weights: lying.Weights, Catalog: lying.Catalog, WasmSHA256: lying.WasmSHA256, Keys: lying.Keys, Now: now, MinVersion: 50})); !errors.Is(err, model.ErrDigestMismatch) {
		t.Fatalf("the same bytes with their own digest: %v; want %v", err, model.ErrDigestMismatch)
	}

	for _, tc := range []struct {
		name string
		edit func(r *model.LoadRequest)
		want error
	}{
		{"longer weights", func(r *model.LoadRequest) { r.Weights = append(clone(a.Weights), 0) }, model.ErrDigestMismatch},
		{"shorter catalog", func(r *model.LoadRequest) { r.Catalog = a.Catalog[:len(a.Catalog)-1] }, model.ErrDigestMismatch},
		{"weights of another bundle", func(r *model.LoadRequest) { r.Weights = b.Weights }, model.ErrMixAndMatch},
		{"catalog of another bundle", func(r *model.LoadRequest) { r.Catalog = b.Catalog }, model.ErrMixAndMatch},
		{"weights without a header", func(r *model.LoadRequest) { r.Weights = make([]byte, len(a.Weights)) }, model.ErrDigestMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := *honest // the manifest's digests, whatever the bytes
			tc.edit(&r)
			if _, err := bundle.Open(&r); !errors.Is(err, tc.want) {
				t.Fatalf("got %v; want %v", err, tc.want)
			}
		})
	}
}
