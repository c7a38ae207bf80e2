package bundle

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/privrec/privrec/model"
)

// The manifest is a MessagePack map. Its first key is always "format", so a
// reader learns the format version before it interprets anything else; the
// other keys follow in the order encode writes them, but decode accepts any
// order (the signature, not the encoding, makes a manifest unique).
const (
	keyFormat    = "format"
	keyVersion   = "version"
	keyCreated   = "created"
	keyExpires   = "expires"
	keyKeyID     = "key_id"
	keyBundleID  = "bundle_id"
	keyEpsilon   = "epsilon"
	keyDelta     = "delta"
	keyModel     = "model"
	keyArtifacts = "artifacts"

	keyName   = "name"
	keyLength = "length"
	keySHA256 = "sha256"
)

// Decoder caps, on top of MaxManifest: nothing is allocated from a length
// before it is checked against one of them.
const (
	maxFields    = 16 // keys of the manifest map (10 today)
	maxArtFields = 8  // keys of an artifact map (3 today)
	maxArtifacts = 8  // artifacts (3 today)
	maxKeyLen    = 32 // bytes of a map key
	maxNameLen   = 32 // bytes of an artifact name
	keyIDLen     = 16 // hex characters of a key id
	maxModelLen  = 32 // bytes of the model kind's name
)

// encode writes m in its canonical form. It does not validate m: Sign does.
func (m *Manifest) encode() ([]byte, error) {
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	err := firstErr(
		e.EncodeMapLen(10),
		e.EncodeString(keyFormat), e.EncodeInt(int64(m.Format)),
		e.EncodeString(keyVersion), e.EncodeUint(m.Version),
		e.EncodeString(keyCreated), e.EncodeInt(m.Created),
		e.EncodeString(keyExpires), e.EncodeInt(m.Expires),
		e.EncodeString(keyKeyID), e.EncodeString(m.KeyID),
		e.EncodeString(keyBundleID), e.EncodeBytes(m.BundleID[:]),
		e.EncodeString(keyEpsilon), e.EncodeFloat64(m.Epsilon),
		e.EncodeString(keyDelta), e.EncodeFloat64(m.Delta),
		e.EncodeString(keyModel), e.EncodeString(string(m.Model)),
		e.EncodeString(keyArtifacts), e.EncodeArrayLen(len(m.Artifacts)),
	)
	if err != nil {
		return nil, err
	}
	for _, a := range m.Artifacts {
		err := firstErr(
			e.EncodeMapLen(3),
			e.EncodeString(keyName), e.EncodeString(a.Name),
			e.EncodeString(keyLength), e.EncodeInt(a.Length),
			e.EncodeString(keySHA256), e.EncodeBytes(a.SHA256[:]),
		)
		if err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeManifest parses b strictly: the format version first, every length
// capped before anything is allocated, no unknown, duplicate or missing
// fields, no trailing bytes. It checks the shape of the values (lengths,
// artifact names, finite ε and δ) but not times or versions: Verify does,
// against the host's clock and floor.
func decodeManifest(b []byte) (*Manifest, error) {
	if len(b) > MaxManifest {
		return nil, errorf(model.ErrTooLarge, "manifest is %d bytes; at most %d", len(b), MaxManifest)
	}
	r := bytes.NewReader(b)
	p := &parser{d: msgpack.NewDecoder(r)}
	m := p.manifest()
	if p.err != nil {
		return nil, p.err
	}
	if r.Len() != 0 {
		return nil, errorf(model.ErrCorrupt, "manifest has %d trailing bytes", r.Len())
	}
	return m, nil
}

// parser reads MessagePack values with a type check before each one, so a
// nil or a negative number never decodes as a zero or a huge unsigned. The
// first error sticks; later calls are no-ops.
type parser struct {
	d   *msgpack.Decoder
	err error
}

func (p *parser) fail(sentinel error, format string, args ...any) {
	if p.err == nil {
		p.err = errorf(sentinel, "decode manifest: "+format, args...)
	}
}

func (p *parser) peek(what string, ok func(c byte) bool) bool {
	if p.err != nil {
		return false
	}
	c, err := p.d.PeekCode()
	if err != nil {
		p.fail(model.ErrCorrupt, "%s: truncated", what)
		return false
	}
	if !ok(c) {
		p.fail(model.ErrCorrupt, "%s: unexpected MessagePack type 0x%02x", what, c)
		return false
	}
	return true
}

func isMap(c byte) bool {
	return msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32
}

func isArray(c byte) bool {
	return msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32
}

func isStr(c byte) bool {
	return msgpcode.IsFixedString(c) || c == msgpcode.Str8 || c == msgpcode.Str16 || c == msgpcode.Str32
}

func isBin(c byte) bool { return c == msgpcode.Bin8 || c == msgpcode.Bin16 || c == msgpcode.Bin32 }

func isUint(c byte) bool {
	return msgpcode.IsFixedNum(c) && int8(c) >= 0 ||
		c == msgpcode.Uint8 || c == msgpcode.Uint16 || c == msgpcode.Uint32 || c == msgpcode.Uint64
}

func isInt(c byte) bool {
	return msgpcode.IsFixedNum(c) || isUint(c) ||
		c == msgpcode.Int8 || c == msgpcode.Int16 || c == msgpcode.Int32 || c == msgpcode.Int64
}

func isFloat64(c byte) bool { return c == msgpcode.Double }

// length reads a map or array header and checks it against max.
func (p *parser) length(what string, isKind func(byte) bool, decode func() (int, error), max int) int {
	if !p.peek(what, isKind) {
		return 0
	}
	n, err := decode()
	if err != nil {
		p.fail(model.ErrCorrupt, "%s: %v", what, err)
		return 0
	}
	if n > max {
		p.fail(model.ErrTooLarge, "%s has %d entries; at most %d", what, n, max)
		return 0
	}
	return n
}

// raw reads a str or bin of at most max bytes.
func (p *parser) raw(what string, isKind func(byte) bool, max int) []byte {
	if !p.peek(what, isKind) {
		return nil
	}
	n, err := p.d.DecodeBytesLen()
	if err != nil {
		p.fail(model.ErrCorrupt, "%s: %v", what, err)
		return nil
	}
	if n > max {
		p.fail(model.ErrTooLarge, "%s is %d bytes; at most %d", what, n, max)
		return nil
	}
	buf := make([]byte, n)
	if err := p.d.ReadFull(buf); err != nil {
		p.fail(model.ErrCorrupt, "%s: truncated", what)
		return nil
	}
	return buf
}

func (p *parser) str(what string, max int) string { return string(p.raw(what, isStr, max)) }

func (p *parser) fixedBin(what string, dst []byte) {
	b := p.raw(what, isBin, len(dst))
	if p.err == nil && len(b) != len(dst) {
		p.fail(model.ErrCorrupt, "%s is %d bytes; want %d", what, len(b), len(dst))
	}
	copy(dst, b)
}

func (p *parser) uint(what string) uint64 {
	if !p.peek(what, isUint) {
		return 0
	}
	v, err := p.d.DecodeUint64()
	if err != nil {
		p.fail(model.ErrCorrupt, "%s: %v", what, err)
	}
	return v
}

func (p *parser) int(what string) int64 {
	if !p.peek(what, isInt) {
		return 0
	}
	c, _ := p.d.PeekCode()
	if c == msgpcode.Uint64 {
		v, err := p.d.DecodeUint64()
		if err == nil && v > math.MaxInt64 {
			p.fail(model.ErrCorrupt, "%s: %d overflows int64", what, v)
		}
		if err != nil {
			p.fail(model.ErrCorrupt, "%s: %v", what, err)
		}
		return int64(v)
	}
	v, err := p.d.DecodeInt64()
	if err != nil {
		p.fail(model.ErrCorrupt, "%s: %v", what, err)
	}
	return v
}

func (p *parser) float(what string) float64 {
	if !p.peek(what, isFloat64) {
		return 0
	}
	v, err := p.d.DecodeFloat64()
	if err != nil {
		p.fail(model.ErrCorrupt, "%s: %v", what, err)
	}
	return v
}

func (p *parser) manifest() *Manifest {
	m := &Manifest{}
	n := p.length("manifest", isMap, p.d.DecodeMapLen, maxFields)
	if p.err != nil {
		return nil
	}
	if n == 0 || p.str("manifest key", maxKeyLen) != keyFormat {
		p.fail(model.ErrCorrupt, "not a privrec manifest: the first field is not %q", keyFormat)
		return nil
	}
	format := p.int(keyFormat)
	if p.err != nil {
		return nil
	}
	if format != FormatVersion {
		p.fail(model.ErrUnsupported, "%s", formatAdvice(format))
		return nil
	}
	m.Format = int(format)

	seen := map[string]bool{keyFormat: true}
	for i := 1; i < n && p.err == nil; i++ {
		key := p.str("manifest key", maxKeyLen)
		if p.err != nil {
			break
		}
		if seen[key] {
			p.fail(model.ErrCorrupt, "field %q appears twice", key)
			break
		}
		seen[key] = true
		switch key {
		case keyVersion:
			m.Version = p.uint(key)
		case keyCreated:
			m.Created = p.int(key)
		case keyExpires:
			m.Expires = p.int(key)
		case keyKeyID:
			m.KeyID = p.str(key, keyIDLen)
		case keyBundleID:
			p.fixedBin(key, m.BundleID[:])
		case keyEpsilon:
			m.Epsilon = p.float(key)
		case keyDelta:
			m.Delta = p.float(key)
		case keyModel:
			m.Model = model.ModelKind(p.str(key, maxModelLen))
		case keyArtifacts:
			m.Artifacts = p.artifacts()
		default:
			p.fail(model.ErrCorrupt, "unknown field %q", truncate(key, maxKeyLen))
		}
	}
	if p.err != nil {
		return nil
	}
	for _, key := range []string{keyVersion, keyCreated, keyExpires, keyKeyID, keyBundleID, keyEpsilon, keyDelta, keyModel, keyArtifacts} {
		if !seen[key] {
			p.fail(model.ErrCorrupt, "field %q is missing", key)
			return nil
		}
	}
	if err := m.validate(); err != nil {
		p.err = err
		return nil
	}
	return m
}

func (p *parser) artifacts() []Artifact {
	n := p.length(keyArtifacts, isArray, p.d.DecodeArrayLen, maxArtifacts)
	if p.err != nil {
		return nil
	}
	arts := make([]Artifact, 0, n)
	for i := 0; i < n && p.err == nil; i++ {
		var a Artifact
		what := fmt.Sprintf("artifacts[%d]", i)
		fields := p.length(what, isMap, p.d.DecodeMapLen, maxArtFields)
		seen := map[string]bool{}
		for j := 0; j < fields && p.err == nil; j++ {
			key := p.str(what+" key", maxKeyLen)
			if p.err != nil {
				break
			}
			if seen[key] {
				p.fail(model.ErrCorrupt, "%s: field %q appears twice", what, key)
				break
			}
			seen[key] = true
			switch key {
			case keyName:
				a.Name = p.str(what+".name", maxNameLen)
			case keyLength:
				a.Length = p.int(what + ".length")
			case keySHA256:
				p.fixedBin(what+".sha256", a.SHA256[:])
			default:
				p.fail(model.ErrCorrupt, "%s: unknown field %q", what, truncate(key, maxKeyLen))
			}
		}
		if p.err != nil {
			break
		}
		for _, key := range []string{keyName, keyLength, keySHA256} {
			if !seen[key] {
				p.fail(model.ErrCorrupt, "%s: field %q is missing", what, key)
				return nil
			}
		}
		arts = append(arts, a)
	}
	return arts
}

// validate checks what does not depend on the host: well-formed key id,
// known and unique artifact names with lengths within their caps, every
// required artifact present, sane times and privacy figures.
func (m *Manifest) validate() error {
	if m.Format != FormatVersion {
		return errorf(model.ErrUnsupported, "check manifest: format %d; this build reads format %d", m.Format, FormatVersion)
	}
	if len(m.KeyID) != keyIDLen {
		return errorf(model.ErrCorrupt, "check manifest: key id %q is not %d hex digits", truncate(m.KeyID, keyIDLen), keyIDLen)
	}
	if _, err := hex.DecodeString(m.KeyID); err != nil {
		return errorf(model.ErrCorrupt, "check manifest: key id %q is not hex", m.KeyID)
	}
	if m.BundleID == ([16]byte{}) {
		return errorf(model.ErrCorrupt, "check manifest: bundle id is zero")
	}
	if m.Created <= 0 || m.Expires <= m.Created {
		return errorf(model.ErrCorrupt, "check manifest: created %d, expires %d; want 0 < created < expires", m.Created, m.Expires)
	}
	for name, v := range map[string]float64{keyEpsilon: m.Epsilon, keyDelta: m.Delta} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return errorf(model.ErrCorrupt, "check manifest: %s is %v; want a finite value >= 0", name, v)
		}
	}
	if m.Delta >= 1 {
		return errorf(model.ErrCorrupt, "check manifest: delta is %v; want < 1", m.Delta)
	}
	if !m.Model.Valid() {
		return errorf(model.ErrCorrupt, "check manifest: model kind %q; want %q or %q", truncate(string(m.Model), maxModelLen), model.ModelNeighbors, model.ModelEmbedding)
	}
	seen := map[string]bool{}
	for _, a := range m.Artifacts {
		limit, known := maxArtifact(a.Name)
		if !known {
			return errorf(model.ErrCorrupt, "check manifest: unknown artifact %q", truncate(a.Name, maxNameLen))
		}
		if seen[a.Name] {
			return errorf(model.ErrCorrupt, "check manifest: artifact %q is listed twice", a.Name)
		}
		seen[a.Name] = true
		if a.Length < 0 {
			return errorf(model.ErrCorrupt, "check manifest: artifact %q has length %d", a.Name, a.Length)
		}
		if a.Length > limit {
			return errorf(model.ErrTooLarge, "check manifest: artifact %q is %d bytes; at most %d", a.Name, a.Length, limit)
		}
	}
	for _, name := range requiredArtifacts {
		if !seen[name] {
			return errorf(model.ErrMissingArtifact, "check manifest: no %q artifact", name)
		}
	}
	return nil
}

// formatAdvice says why a manifest of another format is refused and what
// to do about it.
func formatAdvice(format int64) string {
	if format >= 1 && format < FormatVersion {
		return fmt.Sprintf("manifest format %d predates the signed model kind; this build reads format %d: re-sign the bundle with this privrec (privrec sign DIR --key KEY)", format, FormatVersion)
	}
	return fmt.Sprintf("manifest format %d; this build reads format %d: the bundle was made by a newer privrec, update this one", format, FormatVersion)
}

// PeekFormat returns the format version an (unverified) manifest declares,
// for messages and hints only: never trust anything else in it.
func PeekFormat(manifest []byte) (int64, bool) {
	p := &parser{d: msgpack.NewDecoder(bytes.NewReader(manifest))}
	if n := p.length("manifest", isMap, p.d.DecodeMapLen, maxFields); p.err != nil || n == 0 {
		return 0, false
	}
	if p.str("manifest key", maxKeyLen) != keyFormat || p.err != nil {
		return 0, false
	}
	f := p.int(keyFormat)
	return f, p.err == nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
