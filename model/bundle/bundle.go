package bundle

import (
	"bytes"
	"strconv"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/internal/ed25519"
	"github.com/privrec/privrec/model/internal/sha2"
	"github.com/privrec/privrec/model/internal/wire"
)

// FormatVersion is the manifest format this package writes and reads.
// Format 2 added the signed model kind; format 1 manifests are refused with
// model.ErrUnsupported and advice to re-sign (see RATIONALE.md).
const FormatVersion = 2

// Caps on what a bundle may hold. A manifest or artifact above its cap is
// refused with model.ErrTooLarge before it is hashed or decoded, so a hostile
// mirror cannot feed endless data.
const (
	MaxManifest = 64 << 10 // bytes of manifest.bin
	MaxWeights  = 32 << 20 // bytes of weights.bin
	MaxCatalog  = 32 << 20 // bytes of catalog.bin
	MaxWasm     = 64 << 20 // bytes of privrec.wasm
	MaxItemData = 16 << 20 // bytes of items.bin, the optional page metadata
	MaxKeys     = 16       // trusted keys in one request (rotation needs two or three)
)

// Artifact names as they appear in a manifest.
const (
	NameWeights = "weights"
	NameCatalog = "catalog"
	NameWasm    = "wasm"
	// NameItems is the optional page metadata of the catalog's items
	// (titles, prices, images, links; model/train EncodeItems). Only the
	// SDK reads it: the module accepts it in a manifest and never decodes
	// it (RATIONALE.md, "Page metadata is an optional artifact").
	NameItems = "items"
)

var requiredArtifacts = []string{NameWeights, NameCatalog, NameWasm}

func maxArtifact(name string) (int64, bool) {
	switch name {
	case NameWeights:
		return MaxWeights, true
	case NameCatalog:
		return MaxCatalog, true
	case NameWasm:
		return MaxWasm, true
	case NameItems:
		return MaxItemData, true
	}
	return 0, false
}

// SignatureSize is the size of manifest.sig: the signer's key id (the first
// 8 bytes of the SHA-256 of its public key) followed by the 64-byte Ed25519
// signature. The key id lets a verifier tell "signed by a key I do not
// trust" from "bad signature" without decoding unverified bytes.
const SignatureSize = keyIDBytes + ed25519.SignatureSize

const keyIDBytes = 8

// domain separates manifest signatures from any other use of the same key.
const domain = "privrec manifest v1\x00"

// MaxClockSkew is how far in the future of the host's clock a manifest's
// created time may lie before it is refused with model.ErrNotYetValid.
const MaxClockSkew = 5 * 60 * 1000 // ms

// Manifest is the signed description of a bundle. Times are Unix
// milliseconds, the unit of JavaScript's Date.
//
// A Manifest returned by Verify or Open has been checked; do not modify it.
// It is safe for concurrent reads.
type Manifest struct {
	Format   int
	Version  uint64 // monotonic model version: hosts refuse to go below the highest they accepted
	Created  int64
	Expires  int64
	KeyID    string // KeyID of the signing key
	BundleID [16]byte
	Epsilon  float64 // differential privacy ε of training; 0 means not DP
	Delta    float64 // differential privacy δ; 0 means not DP
	// Model is how the weights score (model.ModelNeighbors or
	// model.ModelEmbedding), signed so a host can tell before it loads them.
	Model model.ModelKind
	// Tuning, when not nil, records the hyper-parameter search the model
	// was trained with (privrec train's default). Manifests without it
	// (older ones, --no-tune) stay valid.
	Tuning *Tuning
	// Artifacts lists weights, catalog and wasm, each exactly once, and
	// items at most once.
	Artifacts []Artifact
}

// Tuning is the signed record of a hyper-parameter search: the validation
// figure of the chosen values, on how many users, after how many trials
// and seconds, and every chosen value by name (privrec train's flag
// names). A Tuning is a plain value.
type Tuning struct {
	Metric  string  // the validation figure's name, e.g. "ndcg@10"
	Score   float64 // its value for the chosen parameters
	Users   int64   // validation users it averages over
	Trials  int64
	Seconds float64
	Params  []TunedParam // at most MaxTunedParams, unique names
}

// TunedParam is one chosen hyper-parameter.
type TunedParam struct {
	Name  string
	Value float64
}

// MaxTunedParams bounds Tuning.Params.
const MaxTunedParams = 16

// Artifact is one file of a bundle, named by its length and SHA-256.
type Artifact struct {
	Name   string // NameWeights, NameCatalog, NameWasm or NameItems
	Length int64
	SHA256 [32]byte
}

// Artifact returns the artifact called name, or nil.
func (m *Manifest) Artifact(name string) *Artifact {
	for i := range m.Artifacts {
		if m.Artifacts[i].Name == name {
			return &m.Artifacts[i]
		}
	}
	return nil
}

// VerifyOptions are what the host tells the verifier. There are no defaults:
// Keys must hold at least one key and Now must be the host's clock.
type VerifyOptions struct {
	// Keys are the trusted Ed25519 public keys (32 bytes each; an
	// ed25519.PublicKey is one); a manifest signed by any of them is
	// accepted, so a new key can be rolled out before the old one retires.
	// They are plain byte slices because the module links this package and
	// not crypto/ed25519 (see model/internal/ed25519).
	Keys [][]byte
	// Now is the host's current time, Unix ms. Manifests that expire at or
	// before Now are refused (freeze attack).
	Now int64
	// MinVersion is the lowest model version accepted, usually the highest
	// one the host accepted before (rollback attack).
	MinVersion uint64
}

// Validate reports whether o can verify anything.
func (o VerifyOptions) Validate() error {
	if len(o.Keys) == 0 {
		return errorf(model.ErrBadRequest, "verify bundle: no trusted keys; pass the publisher's public key")
	}
	if len(o.Keys) > MaxKeys {
		return errorf(model.ErrTooLarge, "verify bundle: %d trusted keys; at most %d", len(o.Keys), MaxKeys)
	}
	for i, k := range o.Keys {
		if len(k) != ed25519.PublicKeySize {
			return errorf(model.ErrBadRequest, "verify bundle: trusted key %d is %d bytes; want %d", i, len(k), ed25519.PublicKeySize)
		}
	}
	if o.Now <= 0 {
		return errorf(model.ErrBadRequest, "verify bundle: now is %d; pass the host's clock in Unix ms", o.Now)
	}
	return nil
}

// KeyID is the short fingerprint of a public key people compare by eye: the
// first 8 bytes of its SHA-256, as 16 hex digits.
// It takes an ed25519.PublicKey (or its bytes).
func KeyID(pub []byte) string {
	id := keyIDOf(pub)
	return wire.Sprintf("%x", id[:])
}

func keyIDOf(pub []byte) [keyIDBytes]byte {
	sum := sha2.Sum256(pub)
	var id [keyIDBytes]byte
	copy(id[:], sum[:])
	return id
}

func signedPayload(manifest []byte) []byte {
	p := make([]byte, 0, len(domain)+len(manifest))
	return append(append(p, domain...), manifest...)
}

// Verify checks sig over manifest with one of opts.Keys, and only then
// decodes the manifest and checks its expiry and version. It does not look
// at any artifact: call Check for each, or use Open, which does all of it.
func Verify(manifest, sig []byte, opts VerifyOptions) (*Manifest, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if len(manifest) > MaxManifest {
		return nil, errorf(model.ErrTooLarge, "verify bundle: manifest is %d bytes; at most %d", len(manifest), MaxManifest)
	}
	if len(sig) != SignatureSize {
		return nil, errorf(model.ErrBadSignature, "verify bundle: signature is %d bytes; want %d", len(sig), SignatureSize)
	}
	var id [keyIDBytes]byte
	copy(id[:], sig)
	known, ok := false, false
	payload := signedPayload(manifest)
	for _, k := range opts.Keys {
		if keyIDOf(k) != id {
			continue
		}
		known = true
		if ed25519.Verify(k, payload, sig[keyIDBytes:]) {
			ok = true
			break
		}
	}
	if !known {
		return nil, errorf(model.ErrUnknownKey, "verify bundle: signed by key %x, which is not among the %d trusted keys", id, len(opts.Keys))
	}
	if !ok {
		return nil, errorf(model.ErrBadSignature, "verify bundle: the signature of key %x does not match the manifest", id)
	}

	m, err := decodeManifest(manifest)
	if err != nil {
		return nil, wire.Errorf("verify bundle: %w", err)
	}
	if !isHexOf(m.KeyID, id[:]) {
		return nil, errorf(model.ErrBadSignature, "verify bundle: manifest names key %s but is signed by key %x", m.KeyID, id)
	}
	if m.Created > opts.Now+MaxClockSkew {
		return nil, errorf(model.ErrNotYetValid, "verify bundle: created at %s, %s after the host's clock", stamp(m.Created), since(m.Created-opts.Now))
	}
	if m.Expires <= opts.Now {
		return nil, errorf(model.ErrExpired, "verify bundle: expired at %s, %s ago", stamp(m.Expires), since(opts.Now-m.Expires))
	}
	if m.Version < opts.MinVersion {
		return nil, errorf(model.ErrRollback, "verify bundle: version %d is below the minimum %d", m.Version, opts.MinVersion)
	}
	return m, nil
}

// isHexOf reports whether s is the lower-case hex of b (wire.Sprintf's %x,
// without formatting a string on every load).
func isHexOf(s string, b []byte) bool {
	const digits = "0123456789abcdef"
	if len(s) != 2*len(b) {
		return false
	}
	for i, c := range b {
		if s[2*i] != digits[c>>4] || s[2*i+1] != digits[c&0x0f] {
			return false
		}
	}
	return true
}

// Check reports whether data is the artifact the manifest calls name: its
// length and SHA-256 must match. An artifact that differs but whose header
// names another bundle is refused with model.ErrMixAndMatch, any other
// difference with model.ErrDigestMismatch.
func (m *Manifest) Check(name string, data []byte) error { return m.check(name, data, nil) }

// check is Check; with a host's digest sum of data (see Open) it hashes
// nothing, and data must also carry a header naming the manifest's bundle.
// Refusals carry Check's sentinels either way.
func (m *Manifest) check(name string, data, sum []byte) error {
	a := m.Artifact(name)
	if a == nil {
		return errorf(model.ErrMissingArtifact, "check %s: the manifest lists no such artifact", name)
	}
	if limit, _ := maxArtifact(name); int64(len(data)) > limit {
		return errorf(model.ErrTooLarge, "check %s: %d bytes; at most %d", name, len(data), limit)
	}
	sized := int64(len(data)) == a.Length
	if sum == nil && sized && sha2.Sum256(data) == a.SHA256 {
		return nil
	}
	id, ok := artifactBundleID(data)
	if sum != nil && sized && ok && id == m.BundleID && bytes.Equal(sum, a.SHA256[:]) {
		return nil
	}
	if ok && id != m.BundleID {
		return errorf(model.ErrMixAndMatch, "check %s: it belongs to bundle %x, the manifest to bundle %x", name, id, m.BundleID)
	}
	if !sized {
		return errorf(model.ErrDigestMismatch, "check %s: %d bytes; the manifest says %d", name, len(data), a.Length)
	}
	if sum != nil && !ok {
		return errorf(model.ErrDigestMismatch, "check %s: no privrec header", name)
	}
	return errorf(model.ErrDigestMismatch, "check %s: SHA-256 differs from the manifest", name)
}

// Open runs every check the module makes before it decodes an artifact: the
// request's keys and clock, the signature, the manifest, the weights and
// catalog digests, and the SHA-256 of the module the host instantiated.
//
// The weights and catalog digests are the host's when the request carries
// them (WeightsSHA256, CatalogSHA256: the host hashed the bytes it sends,
// natively or with WebCrypto, as it hashed the module it runs); Open then
// checks those digests, the lengths and the artifacts' bundle ids against
// the signed manifest, and hashes nothing. Without them it hashes the
// artifacts itself (Check). The signature is always verified here.
//
// A .wasm cannot carry a bundle id, so a module that differs from the one
// signed is refused with model.ErrDigestMismatch whether it was tampered
// with or comes from another release: the remedy is the same, fetch the
// module the manifest names.
func Open(req *model.LoadRequest) (*Manifest, error) {
	if req == nil {
		return nil, errorf(model.ErrBadRequest, "open bundle: no request")
	}
	if len(req.Keys) > MaxKeys {
		return nil, errorf(model.ErrTooLarge, "open bundle: %d trusted keys; at most %d", len(req.Keys), MaxKeys)
	}
	keys := req.Keys
	if len(req.WasmSHA256) != 32 {
		return nil, errorf(model.ErrBadRequest, "open bundle: wasm_sha256 is %d bytes; want %d", len(req.WasmSHA256), 32)
	}
	if n := len(req.WeightsSHA256); n != 0 && n != 32 {
		return nil, errorf(model.ErrBadRequest, "open bundle: weights_sha256 is %d bytes; want %d, or none to have the module hash the weights", n, 32)
	}
	if n := len(req.CatalogSHA256); n != 0 && n != 32 {
		return nil, errorf(model.ErrBadRequest, "open bundle: catalog_sha256 is %d bytes; want %d, or none to have the module hash the catalog", n, 32)
	}
	m, err := Verify(req.Manifest, req.Signature, VerifyOptions{Keys: keys, Now: req.Now, MinVersion: req.MinVersion})
	if err != nil {
		return nil, err
	}
	if err := m.check(NameWeights, req.Weights, req.WeightsSHA256); err != nil {
		return nil, wire.Errorf("open bundle: %w", err)
	}
	if err := m.check(NameCatalog, req.Catalog, req.CatalogSHA256); err != nil {
		return nil, wire.Errorf("open bundle: %w", err)
	}
	if w := m.Artifact(NameWasm); !bytes.Equal(w.SHA256[:], req.WasmSHA256) {
		return nil, errorf(model.ErrDigestMismatch, "open bundle: check wasm: SHA-256 %x… of the module differs from the manifest's %x…", req.WasmSHA256[:8], w.SHA256[:8])
	}
	return m, nil
}

// Meta is what the publisher decides about a bundle; Sign computes the rest.
type Meta struct {
	Version  uint64 // > 0; privrec sign defaults it to the Unix time in seconds
	Created  int64  // Unix ms, > 0
	Expires  int64  // Unix ms, > Created
	BundleID [16]byte
	Epsilon  float64
	Delta    float64
	// Model, when set, must be the kind of model the weights hold (Sign
	// reads the kind from the weights and refuses a mismatch).
	Model model.ModelKind
	// Tuning, when not nil, is signed into the manifest.
	Tuning *Tuning
}

// Files are the bytes of a bundle directory. Manifest and Signature are
// exactly the files manifest.bin and manifest.sig. Items is optional: nil
// (or empty) when the bundle carries no page metadata.
type Files struct {
	Manifest, Signature, Weights, Catalog, Wasm []byte
	Items                                       []byte
}

// Sign writes f.Manifest and f.Signature for f's artifacts (f.Items only
// when it is not empty). The weights, catalog and items headers must name
// meta.BundleID: signing artifacts of another
// bundle is refused with model.ErrMixAndMatch rather than shipped.
//
// priv is an ed25519.PrivateKey (seed then public key, 64 bytes); signing
// goes through model/internal/ed25519, which signs as crypto/ed25519 does,
// byte for byte.
func Sign(f *Files, meta Meta, priv []byte) error {
	if len(priv) != ed25519.PrivateKeySize {
		return errorf(model.ErrBadRequest, "sign bundle: private key is %d bytes; want %d", len(priv), ed25519.PrivateKeySize)
	}
	if meta.Version == 0 {
		return errorf(model.ErrBadRequest, "sign bundle: version is 0; want a positive, increasing number")
	}
	// The signed kind is the one the weights hold: a manifest cannot be
	// made to describe its weights wrongly.
	kind := meta.Model
	if len(f.Weights) > 0 { // no weights: refused below as a missing artifact
		k, err := model.PeekKind(f.Weights)
		if err != nil {
			return wire.Errorf("sign bundle: %w", err)
		}
		if kind != "" && kind != k {
			return errorf(model.ErrBadRequest, "sign bundle: meta says model kind %q but the weights hold %q", truncate(string(kind), maxModelLen), string(k))
		}
		kind = k
	}
	pub := priv[32:]
	m := &Manifest{
		Format: FormatVersion, Version: meta.Version, Created: meta.Created, Expires: meta.Expires,
		KeyID: KeyID(pub), BundleID: meta.BundleID, Epsilon: meta.Epsilon, Delta: meta.Delta, Model: kind, Tuning: meta.Tuning,
	}
	for _, a := range []struct {
		name string
		data []byte
	}{{NameWeights, f.Weights}, {NameCatalog, f.Catalog}, {NameWasm, f.Wasm}, {NameItems, f.Items}} {
		if a.name == NameItems && len(a.data) == 0 {
			continue // optional
		}
		if len(a.data) == 0 {
			return errorf(model.ErrMissingArtifact, "sign bundle: %s is empty", a.name)
		}
		if limit, _ := maxArtifact(a.name); int64(len(a.data)) > limit {
			return errorf(model.ErrTooLarge, "sign bundle: %s is %d bytes; at most %d", a.name, len(a.data), limit)
		}
		if a.name != NameWasm {
			id, ok := artifactBundleID(a.data)
			if !ok {
				return errorf(model.ErrCorrupt, "sign bundle: %s has no privrec header", a.name)
			}
			if id != meta.BundleID {
				return errorf(model.ErrMixAndMatch, "sign bundle: %s belongs to bundle %x, not %x", a.name, id, meta.BundleID)
			}
		}
		m.Artifacts = append(m.Artifacts, Artifact{Name: a.name, Length: int64(len(a.data)), SHA256: sha2.Sum256(a.data)})
	}
	if err := m.validate(); err != nil {
		return wire.Errorf("sign bundle: %w", err)
	}
	b, err := m.encode()
	if err != nil {
		return errorf(model.ErrInternal, "sign bundle: encode manifest: %v", err)
	}
	if len(b) > MaxManifest {
		return errorf(model.ErrTooLarge, "sign bundle: manifest is %d bytes; at most %d", len(b), MaxManifest)
	}
	id := keyIDOf(pub)
	sig := append(id[:], ed25519.Sign(priv, signedPayload(b))...)
	f.Manifest, f.Signature = b, sig
	return nil
}

// stamp formats Unix ms as RFC 3339 in UTC ("2026-12-01T09:43:54Z"), and
// since a span of ms rounded to seconds ("1h2m3s"), as time's Format and
// Duration.String would, without linking time's formatting and zone code
// into the module.
func stamp(ms int64) string {
	secs := ms / 1000
	if ms%1000 < 0 {
		secs-- // floor, as time.UnixMilli does
	}
	days, rem := secs/86400, secs%86400
	if rem < 0 {
		days, rem = days-1, rem+86400
	}
	// Howard Hinnant's civil_from_days.
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	b := make([]byte, 0, 20)
	b = pad(b, y, 4)
	b = append(b, '-')
	b = pad(b, m, 2)
	b = append(b, '-')
	b = pad(b, d, 2)
	b = append(b, 'T')
	b = pad(b, rem/3600, 2)
	b = append(b, ':')
	b = pad(b, rem/60%60, 2)
	b = append(b, ':')
	b = pad(b, rem%60, 2)
	return string(append(b, 'Z'))
}

func pad(b []byte, v int64, width int) []byte {
	if v < 0 {
		b, v = append(b, '-'), -v
	}
	s := strconv.FormatInt(v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func since(ms int64) string {
	neg := ms < 0
	if neg {
		ms = -ms
	}
	s := (ms + 500) / 1000 // half away from zero, as Duration.Round
	var b []byte
	if neg && s > 0 {
		b = append(b, '-')
	}
	if h := s / 3600; h > 0 {
		b = append(strconv.AppendInt(b, h, 10), 'h')
		b = append(strconv.AppendInt(b, s/60%60, 10), 'm')
	} else if m := s / 60; m > 0 {
		b = append(strconv.AppendInt(b, m, 10), 'm')
	}
	return string(append(strconv.AppendInt(b, s%60, 10), 's'))
}

// errorf wraps a sentinel: "verb noun: sentinel text: details". It formats
// with wire.Sprintf, not fmt, so the module links neither fmt nor reflect.
func errorf(sentinel error, format string, args ...any) error {
	msg := wire.Sprintf(format, args...)
	if i := bytes.IndexByte([]byte(msg), ':'); i > 0 {
		return wire.Errorf("%s: %w:%s", msg[:i], sentinel, msg[i+1:])
	}
	return wire.Errorf("%w: %s", sentinel, msg)
}

// Inspect decodes a manifest WITHOUT verifying its signature, for the
// publisher's own tools (privrec sign carries the privacy figures and checks
// the version of the bundle it re-signs). Never load artifacts on the word of
// an inspected manifest: use Verify or Open.
func Inspect(manifest []byte) (*Manifest, error) {
	m, err := decodeManifest(manifest)
	if err != nil {
		return nil, wire.Errorf("inspect manifest: %w", err)
	}
	return m, nil
}
