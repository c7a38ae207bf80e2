package bundle

import (
	"errors"
	"math"
	"slices"
	"strconv"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/internal/wire"
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
	keyTuning    = "tuning"

	keyMetric  = "metric"
	keyScore   = "score"
	keyUsers   = "users"
	keyTrials  = "trials"
	keySeconds = "seconds"
	keyParams  = "params"

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
	maxTunFields = 8  // keys of the tuning map (6 today)
	maxMetricLen = 32 // bytes of the tuning metric's name
)

// encode writes m in its canonical form (what msgpack's Encoder wrote
// before: shortest integers, float64s, bin for bytes). It does not
// validate m: Sign does.
func (m *Manifest) encode() ([]byte, error) {
	w := wire.NewWriter()
	if m.Tuning != nil {
		w.Map(11)
	} else {
		w.Map(10)
	}
	w.String(keyFormat)
	w.Int(int64(m.Format))
	w.String(keyVersion)
	w.Uint(m.Version)
	w.String(keyCreated)
	w.Int(m.Created)
	w.String(keyExpires)
	w.Int(m.Expires)
	w.String(keyKeyID)
	w.String(m.KeyID)
	w.String(keyBundleID)
	w.Bin(m.BundleID[:])
	w.String(keyEpsilon)
	w.Float(m.Epsilon)
	w.String(keyDelta)
	w.Float(m.Delta)
	w.String(keyModel)
	w.String(string(m.Model))
	if t := m.Tuning; t != nil {
		w.String(keyTuning)
		w.Map(6)
		w.String(keyMetric)
		w.String(t.Metric)
		w.String(keyScore)
		w.Float(t.Score)
		w.String(keyUsers)
		w.Int(t.Users)
		w.String(keyTrials)
		w.Int(t.Trials)
		w.String(keySeconds)
		w.Float(t.Seconds)
		w.String(keyParams)
		w.Map(len(t.Params))
		for _, p := range t.Params {
			w.String(p.Name)
			w.Float(p.Value)
		}
	}
	w.String(keyArtifacts)
	w.Array(len(m.Artifacts))
	for _, a := range m.Artifacts {
		w.Map(3)
		w.String(keyName)
		w.String(a.Name)
		w.String(keyLength)
		w.Int(a.Length)
		w.String(keySHA256)
		w.Bin(a.SHA256[:])
	}
	return w.Bytes(), nil
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
	p := &parser{r: wire.NewReader(b)}
	m := p.manifest()
	if p.err != nil {
		return nil, p.err
	}
	if n := p.r.Remaining(); n != 0 {
		return nil, errorf(model.ErrCorrupt, "manifest has %d trailing bytes", n)
	}
	return m, nil
}

// parser reads MessagePack values with a type check before each one, so a
// nil or a negative number never decodes as a zero or a huge unsigned. The
// first error sticks; later calls are no-ops.
type parser struct {
	r   *wire.Reader
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
	c, ok2 := p.r.Peek()
	if !ok2 {
		p.fail(model.ErrCorrupt, "%s: truncated", what)
		return false
	}
	if !ok(c) {
		p.fail(model.ErrCorrupt, "%s: unexpected MessagePack type 0x%02x", what, c)
		return false
	}
	return true
}

func isMap(c byte) bool { return c >= 0x80 && c <= 0x8f || c == 0xde || c == 0xdf }

func isArray(c byte) bool { return c >= 0x90 && c <= 0x9f || c == 0xdc || c == 0xdd }

func isStr(c byte) bool { return c >= 0xa0 && c <= 0xbf || c == 0xd9 || c == 0xda || c == 0xdb }

func isBin(c byte) bool { return c == 0xc4 || c == 0xc5 || c == 0xc6 }

func isUint(c byte) bool { return c <= 0x7f || c >= 0xcc && c <= 0xcf }

func isInt(c byte) bool { return isUint(c) || c >= 0xe0 || c >= 0xd0 && c <= 0xd3 }

func isFloat64(c byte) bool { return c == 0xcb }

// wireErr maps a wire error: a length above its cap is model.ErrTooLarge,
// anything else model.ErrCorrupt.
func (p *parser) wireErr(what string) bool {
	err := p.r.Err()
	if err == nil {
		return false
	}
	if errors.Is(err, wire.ErrLimit) {
		p.fail(model.ErrTooLarge, "%s: %v", what, err)
	} else {
		p.fail(model.ErrCorrupt, "%s: %v", what, err)
	}
	return true
}

func (p *parser) mapLen(max int, what string) int   { return p.r.MapLen(max, what) }
func (p *parser) arrayLen(max int, what string) int { return p.r.ArrayLen(max, 1, what) }

// length reads a map or array header and checks it against max before it
// checks it against the bytes left.
func (p *parser) length(what string, isKind func(byte) bool, decode func(int, string) int, max int) int {
	if !p.peek(what, isKind) {
		return 0
	}
	n := decode(max, what)
	if p.wireErr(what) {
		return 0
	}
	return n
}

// raw reads a str or bin of at most max bytes.
func (p *parser) raw(what string, isKind func(byte) bool, max int) []byte {
	if !p.peek(what, isKind) {
		return nil
	}
	b := p.r.Raw(max, what)
	if p.wireErr(what) {
		return nil
	}
	return append([]byte(nil), b...)
}

func (p *parser) str(what string, max int) string { return string(p.raw(what, isStr, max)) }

// field reads a map's next key (labelled what) and refuses one already in
// seen, which it is then added to; prefix starts the error message.
func (p *parser) field(seen *[]string, what, prefix string) (string, bool) {
	key := p.str(what, maxKeyLen)
	if p.err != nil {
		return "", false
	}
	if slices.Contains(*seen, key) {
		p.fail(model.ErrCorrupt, "%sfield %q appears twice", prefix, key)
		return "", false
	}
	*seen = append(*seen, key)
	return key, true
}

// require reports whether seen holds every key, failing on the first
// missing one; prefix starts the error message.
func (p *parser) require(seen []string, prefix string, keys ...string) bool {
	for _, key := range keys {
		if !slices.Contains(seen, key) {
			p.fail(model.ErrCorrupt, "%sfield %q is missing", prefix, key)
			return false
		}
	}
	return true
}

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
	v := p.r.Uint(math.MaxUint64, what)
	p.wireErr(what)
	return v
}

func (p *parser) int(what string) int64 {
	if !p.peek(what, isInt) {
		return 0
	}
	v := p.r.Int(math.MinInt64, math.MaxInt64, what)
	p.wireErr(what)
	return v
}

func (p *parser) float(what string) float64 {
	if !p.peek(what, isFloat64) {
		return 0
	}
	v := p.r.Float(what)
	p.wireErr(what)
	return v
}

func (p *parser) manifest() *Manifest {
	m := &Manifest{}
	n := p.length("manifest", isMap, p.mapLen, maxFields)
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

	// The fields seen so far: at most maxFields known names, so a slice
	// (a map was a tenth of a load in V8).
	seen := make([]string, 1, maxFields)
	seen[0] = keyFormat
	for i := 1; i < n && p.err == nil; i++ {
		key, ok := p.field(&seen, "manifest key", "")
		if !ok {
			break
		}
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
		case keyTuning:
			m.Tuning = p.tuning()
		default:
			p.fail(model.ErrCorrupt, "unknown field %q", truncate(key, maxKeyLen))
		}
	}
	if p.err != nil {
		return nil
	}
	if !p.require(seen, "", keyVersion, keyCreated, keyExpires, keyKeyID, keyBundleID, keyEpsilon, keyDelta, keyModel, keyArtifacts) {
		return nil
	}
	if err := m.validate(); err != nil {
		p.err = err
		return nil
	}
	return m
}

// tuning reads the optional tuning record: every field required, the
// parameters a map of unique names to floats.
func (p *parser) tuning() *Tuning {
	t := &Tuning{}
	n := p.length(keyTuning, isMap, p.mapLen, maxTunFields)
	seen := make([]string, 0, maxTunFields)
	for i := 0; i < n && p.err == nil; i++ {
		key, ok := p.field(&seen, "tuning key", "tuning: ")
		if !ok {
			break
		}
		switch key {
		case keyMetric:
			t.Metric = p.str("tuning.metric", maxMetricLen)
		case keyScore:
			t.Score = p.float("tuning.score")
		case keyUsers:
			t.Users = p.int("tuning.users")
		case keyTrials:
			t.Trials = p.int("tuning.trials")
		case keySeconds:
			t.Seconds = p.float("tuning.seconds")
		case keyParams:
			k := p.length("tuning.params", isMap, p.mapLen, MaxTunedParams)
			t.Params = make([]TunedParam, 0, k)
			for j := 0; j < k && p.err == nil; j++ {
				name := p.str("tuning.params key", maxKeyLen)
				v := p.float("tuning.params value")
				t.Params = append(t.Params, TunedParam{name, v})
			}
		default:
			p.fail(model.ErrCorrupt, "tuning: unknown field %q", truncate(key, maxKeyLen))
		}
	}
	if p.err != nil {
		return nil
	}
	if !p.require(seen, "tuning: ", keyMetric, keyScore, keyUsers, keyTrials, keySeconds, keyParams) {
		return nil
	}
	return t
}

func (p *parser) artifacts() []Artifact {
	n := p.length(keyArtifacts, isArray, p.arrayLen, maxArtifacts)
	if p.err != nil {
		return nil
	}
	arts := make([]Artifact, 0, n)
	for i := 0; i < n && p.err == nil; i++ {
		var a Artifact
		what := "artifacts[" + strconv.Itoa(i) + "]"
		fields := p.length(what, isMap, p.mapLen, maxArtFields)
		seen := make([]string, 0, maxArtFields)
		for j := 0; j < fields && p.err == nil; j++ {
			key, ok := p.field(&seen, what+" key", what+": ")
			if !ok {
				break
			}
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
		if !p.require(seen, what+": ", keyName, keyLength, keySHA256) {
			return nil
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
	if !isHex(m.KeyID) {
		return errorf(model.ErrCorrupt, "check manifest: key id %q is not hex", m.KeyID)
	}
	if m.BundleID == ([16]byte{}) {
		return errorf(model.ErrCorrupt, "check manifest: bundle id is zero")
	}
	if m.Created <= 0 || m.Expires <= m.Created {
		return errorf(model.ErrCorrupt, "check manifest: created %d, expires %d; want 0 < created < expires", m.Created, m.Expires)
	}
	for _, f := range [...]struct {
		name string
		v    float64
	}{{keyEpsilon, m.Epsilon}, {keyDelta, m.Delta}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return errorf(model.ErrCorrupt, "check manifest: %s is %v; want a finite value >= 0", f.name, f.v)
		}
	}
	if m.Delta >= 1 {
		return errorf(model.ErrCorrupt, "check manifest: delta is %v; want < 1", m.Delta)
	}
	if !m.Model.Valid() {
		return errorf(model.ErrCorrupt, "check manifest: model kind %q; want %q or %q", truncate(string(m.Model), maxModelLen), model.ModelNeighbors, model.ModelEmbedding)
	}
	if t := m.Tuning; t != nil {
		if err := t.validate(); err != nil {
			return err
		}
	}
	seen := make([]string, 0, len(requiredArtifacts))
	for _, a := range m.Artifacts {
		limit, known := maxArtifact(a.Name)
		if !known {
			return errorf(model.ErrCorrupt, "check manifest: unknown artifact %q", truncate(a.Name, maxNameLen))
		}
		if slices.Contains(seen, a.Name) {
			return errorf(model.ErrCorrupt, "check manifest: artifact %q is listed twice", a.Name)
		}
		seen = append(seen, a.Name)
		if a.Length < 0 {
			return errorf(model.ErrCorrupt, "check manifest: artifact %q has length %d", a.Name, a.Length)
		}
		if a.Length > limit {
			return errorf(model.ErrTooLarge, "check manifest: artifact %q is %d bytes; at most %d", a.Name, a.Length, limit)
		}
	}
	for _, name := range requiredArtifacts {
		if !slices.Contains(seen, name) {
			return errorf(model.ErrMissingArtifact, "check manifest: no %q artifact", name)
		}
	}
	return nil
}

// formatAdvice says why a manifest of another format is refused and what
// to do about it.
func formatAdvice(format int64) string {
	if format >= 1 && format < FormatVersion {
		return wire.Sprintf("manifest format %d predates the signed model kind; this build reads format %d: re-sign the bundle with this privrec (privrec sign DIR --key KEY)", format, FormatVersion)
	}
	return wire.Sprintf("manifest format %d; this build reads format %d: the bundle was made by a newer privrec, update this one", format, FormatVersion)
}

// PeekFormat returns the format version an (unverified) manifest declares,
// for messages and hints only: never trust anything else in it.
func PeekFormat(manifest []byte) (int64, bool) {
	p := &parser{r: wire.NewReader(manifest)}
	if n := p.length("manifest", isMap, p.mapLen, maxFields); p.err != nil || n == 0 {
		return 0, false
	}
	if p.str("manifest key", maxKeyLen) != keyFormat || p.err != nil {
		return 0, false
	}
	f := p.int(keyFormat)
	return f, p.err == nil
}

// isHex reports whether s is lower- or upper-case hex digits, as
// hex.DecodeString would accept (whose error type would link fmt).
func isHex(s string) bool {
	if len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// validate checks a tuning record: a named metric, finite non-negative
// figures, at most MaxTunedParams uniquely named finite values.
func (t *Tuning) validate() error {
	if t.Metric == "" || len(t.Metric) > maxMetricLen {
		return errorf(model.ErrCorrupt, "check manifest: tuning metric %q; want 1..%d bytes", truncate(t.Metric, maxMetricLen), maxMetricLen)
	}
	for _, f := range [...]struct {
		name string
		v    float64
	}{{keyScore, t.Score}, {keySeconds, t.Seconds}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return errorf(model.ErrCorrupt, "check manifest: tuning %s is %v; want a finite value >= 0", f.name, f.v)
		}
	}
	if t.Users < 0 || t.Trials < 0 {
		return errorf(model.ErrCorrupt, "check manifest: tuning users %d, trials %d; want >= 0", t.Users, t.Trials)
	}
	if len(t.Params) > MaxTunedParams {
		return errorf(model.ErrTooLarge, "check manifest: %d tuned parameters; at most %d", len(t.Params), MaxTunedParams)
	}
	for i, p := range t.Params {
		if p.Name == "" || len(p.Name) > maxKeyLen {
			return errorf(model.ErrCorrupt, "check manifest: tuned parameter name %q; want 1..%d bytes", truncate(p.Name, maxKeyLen), maxKeyLen)
		}
		if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
			return errorf(model.ErrCorrupt, "check manifest: tuned %s is %v; want a finite value", p.Name, p.Value)
		}
		for _, q := range t.Params[:i] {
			if q.Name == p.Name {
				return errorf(model.ErrCorrupt, "check manifest: tuned parameter %q appears twice", p.Name)
			}
		}
	}
	return nil
}
