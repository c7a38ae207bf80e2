package bundle

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/privrec/privrec/model"
)

// kv is one map entry of a hand-built manifest.
type kv struct {
	k string
	v any
}

// rawMap encodes entries in the given order, values with msgpack's defaults.
func rawMap(t *testing.T, entries ...kv) []byte {
	t.Helper()
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	if err := e.EncodeMapLen(len(entries)); err != nil {
		t.Fatal(err)
	}
	for _, en := range entries {
		if err := e.EncodeString(en.k); err != nil {
			t.Fatal(err)
		}
		if err := e.Encode(en.v); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// validEntries are fuzzManifest as hand-built entries; edit picks changes.
func validEntries(t *testing.T) []kv {
	m := fuzzManifest()
	var arts []any
	for _, a := range m.Artifacts {
		arts = append(arts, msgpack.RawMessage(rawMap(t, kv{keyName, a.Name}, kv{keyLength, a.Length}, kv{keySHA256, a.SHA256[:]})))
	}
	return []kv{
		{keyFormat, FormatVersion}, {keyVersion, m.Version}, {keyCreated, m.Created}, {keyExpires, m.Expires},
		{keyKeyID, m.KeyID}, {keyBundleID, m.BundleID[:]}, {keyEpsilon, m.Epsilon}, {keyDelta, m.Delta},
		{keyModel, string(m.Model)}, {keyArtifacts, arts},
	}
}

func replace(entries []kv, key string, v any) []kv {
	out := append([]kv(nil), entries...)
	for i := range out {
		if out[i].k == key {
			out[i].v = v
		}
	}
	return out
}

func without(entries []kv, key string) []kv {
	var out []kv
	for _, e := range entries {
		if e.k != key {
			out = append(out, e)
		}
	}
	return out
}

func TestDecodeManifest(t *testing.T) {
	valid := validEntries(t)
	art := func(name string, length any, sum any) msgpack.RawMessage {
		return rawMap(t, kv{keyName, name}, kv{keyLength, length}, kv{keySHA256, sum})
	}
	sum := make([]byte, 32)
	tests := []struct {
		name string
		b    []byte
		want error // nil: accepted
	}{
		{"valid", rawMap(t, valid...), nil},
		{"valid, keys in another order", rawMap(t, append(valid[:1:1], append(valid[5:], valid[1:5]...)...)...), nil},
		{"empty input", nil, model.ErrCorrupt},
		{"not a map", []byte{0x93, 1, 2, 3}, model.ErrCorrupt},
		{"nil", []byte{0xc0}, model.ErrCorrupt},
		{"empty map", []byte{0x80}, model.ErrCorrupt},
		{"format not first", rawMap(t, append(valid[1:], valid[0])...), model.ErrCorrupt},
		{"format 3 (a newer privrec)", rawMap(t, replace(valid, keyFormat, 3)...), model.ErrUnsupported},
		{"format 1 (before the model kind)", rawMap(t, without(replace(valid, keyFormat, 1), keyModel)...), model.ErrUnsupported},
		{"no model kind", rawMap(t, without(valid, keyModel)...), model.ErrCorrupt},
		{"unknown model kind", rawMap(t, replace(valid, keyModel, "ease")...), model.ErrCorrupt},
		{"empty model kind", rawMap(t, replace(valid, keyModel, "")...), model.ErrCorrupt},
		{"model kind as bin", rawMap(t, replace(valid, keyModel, []byte("neighbors"))...), model.ErrCorrupt},
		{"model kind too long", rawMap(t, replace(valid, keyModel, string(make([]byte, 33)))...), model.ErrTooLarge},
		{"format 0", rawMap(t, replace(valid, keyFormat, 0)...), model.ErrUnsupported},
		{"format as string", rawMap(t, replace(valid, keyFormat, "1")...), model.ErrCorrupt},
		{"unknown field", rawMap(t, append(valid, kv{"extra", 1})...), model.ErrCorrupt},
		{"duplicate field", rawMap(t, append(valid, kv{keyVersion, 1})...), model.ErrCorrupt},
		{"missing field", rawMap(t, without(valid, keyExpires)...), model.ErrCorrupt},
		{"negative version", rawMap(t, replace(valid, keyVersion, -1)...), model.ErrCorrupt},
		{"nil version", rawMap(t, replace(valid, keyVersion, nil)...), model.ErrCorrupt},
		{"float created", rawMap(t, replace(valid, keyCreated, 1.5)...), model.ErrCorrupt},
		{"expires before created", rawMap(t, replace(valid, keyExpires, int64(1))...), model.ErrCorrupt},
		{"short key id", rawMap(t, replace(valid, keyKeyID, "abc")...), model.ErrCorrupt},
		{"long key id", rawMap(t, replace(valid, keyKeyID, "0123456789abcdef0")...), model.ErrTooLarge},
		{"key id not hex", rawMap(t, replace(valid, keyKeyID, "0123456789abcdeg")...), model.ErrCorrupt},
		{"bundle id as string", rawMap(t, replace(valid, keyBundleID, "0123456789abcdef")...), model.ErrCorrupt},
		{"bundle id of 15 bytes", rawMap(t, replace(valid, keyBundleID, make([]byte, 15))...), model.ErrCorrupt},
		{"negative epsilon", rawMap(t, replace(valid, keyEpsilon, -1.0)...), model.ErrCorrupt},
		{"delta of 1", rawMap(t, replace(valid, keyDelta, 1.0)...), model.ErrCorrupt},
		{"float32 delta", rawMap(t, replace(valid, keyDelta, float32(0))...), model.ErrCorrupt},
		{"no artifacts", rawMap(t, replace(valid, keyArtifacts, []any{})...), model.ErrMissingArtifact},
		{"artifacts not an array", rawMap(t, replace(valid, keyArtifacts, 3)...), model.ErrCorrupt},
		{"artifact with unknown field", rawMap(t, replace(valid, keyArtifacts, []any{
			msgpack.RawMessage(rawMap(t, kv{keyName, NameWeights}, kv{keyLength, 1}, kv{keySHA256, sum}, kv{"mode", 1})),
		})...), model.ErrCorrupt},
		{"artifact missing sha256", rawMap(t, replace(valid, keyArtifacts, []any{
			msgpack.RawMessage(rawMap(t, kv{keyName, NameWeights}, kv{keyLength, 1})),
		})...), model.ErrCorrupt},
		{"artifact with negative length", rawMap(t, replace(valid, keyArtifacts, []any{art(NameWeights, -1, sum)})...), model.ErrCorrupt},
		{"artifact above its cap", rawMap(t, replace(valid, keyArtifacts, []any{art(NameCatalog, MaxCatalog+1, sum)})...), model.ErrTooLarge},
		{"short digest", rawMap(t, replace(valid, keyArtifacts, []any{art(NameWasm, 1, sum[:31])})...), model.ErrCorrupt},
		{"map header claims 2^31 fields", []byte{0xdf, 0x7f, 0xff, 0xff, 0xff, 0xa6, 'f', 'o', 'r', 'm', 'a', 't', 0x01}, model.ErrTooLarge},
		{"string header claims 2 GiB", []byte{0x81, 0xdb, 0x7f, 0xff, 0xff, 0xff}, model.ErrTooLarge},
		{"trailing byte", append(rawMap(t, valid...), 0), model.ErrCorrupt},
		{"truncated", rawMap(t, valid...)[:40], model.ErrCorrupt},
		{"above MaxManifest", make([]byte, MaxManifest+1), model.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := decodeManifest(tt.b)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if !reflect.DeepEqual(m, fuzzManifest()) {
					t.Fatalf("decoded %+v; want %+v", m, fuzzManifest())
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v; want %v", err, tt.want)
			}
		})
	}
}

// TestFormatAdvice: an old manifest says to re-sign, a newer one to update.
func TestFormatAdvice(t *testing.T) {
	old := rawMap(t, without(replace(validEntries(t), keyFormat, 1), keyModel)...)
	_, err := decodeManifest(old)
	if !errors.Is(err, model.ErrUnsupported) || !bytes.Contains([]byte(err.Error()), []byte("re-sign")) {
		t.Fatalf("format 1: %v; want unsupported and advice to re-sign", err)
	}
	if f, ok := PeekFormat(old); !ok || f != 1 {
		t.Fatalf("PeekFormat = %d, %v; want 1, true", f, ok)
	}
	_, err = decodeManifest(rawMap(t, replace(validEntries(t), keyFormat, FormatVersion+1)...))
	if !errors.Is(err, model.ErrUnsupported) || !bytes.Contains([]byte(err.Error()), []byte("newer privrec")) {
		t.Fatalf("format %d: %v; want unsupported and advice to update", FormatVersion+1, err)
	}
	if _, ok := PeekFormat([]byte{0xc0}); ok {
		t.Fatal("PeekFormat of nil: ok")
	}
}

func TestEncodeIsCanonical(t *testing.T) {
	b, err := fuzzManifest().encode()
	if err != nil {
		t.Fatal(err)
	}
	m, err := decodeManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := m.encode()
	if !bytes.Equal(b, b2) {
		t.Fatal("encode(decode(encode(m))) differs from encode(m)")
	}
}
