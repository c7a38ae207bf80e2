package model_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/privrec/privrec/model"
)

// TestDecodeEventEncodings checks the decoder's inline event parser (the
// encoding EncodeRequest and the SDK write) against msgpack.Unmarshal on
// that encoding and on the neighbouring ones it leaves to the Reader:
// every integer width of "at", str8 ids, other key orders, extra and
// repeated keys, unknown kinds, nil events, and an "at" past MaxInt64.
func TestDecodeEventEncodings(t *testing.T) {
	str := func(s string) []byte {
		if len(s) < 32 {
			return append([]byte{0xa0 | byte(len(s))}, s...)
		}
		return append([]byte{0xd9, byte(len(s))}, s...)
	}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	usual := func(item, kind string, at []byte) []byte {
		return cat([]byte{0x83}, str("item"), str(item), str("kind"), str(kind), str("at"), at)
	}
	long := strings.Repeat("x", 40)
	for _, tc := range []struct {
		name    string
		event   []byte
		wantErr bool
	}{
		{"fixint at", usual("a1", "view", []byte{0x05}), false},
		{"zero at, empty item", usual("", "cart", []byte{0x00}), false},
		{"negative fixint at", usual("a1", "purchase", []byte{0xff}), false},
		{"uint64 at", usual("a1", "view", []byte{0xcf, 0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00}), false},
		{"int64 at", usual("a1", "cart", []byte{0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}), false},
		{"uint8 at", usual("a1", "view", []byte{0xcc, 200}), false},
		{"uint32 at", usual("a1", "view", []byte{0xce, 0x7f, 0, 0, 1}), false},
		{"int16 at", usual("a1", "view", []byte{0xd1, 0x80, 0}), false},
		{"str8 item", usual(long, "purchase", []byte{0x07}), false},
		{"unknown kind", usual("a1", "wishlist", []byte{0x07}), false},
		{"kind past 8 bytes", usual("a1", "purchased", []byte{0x07}), false},
		{"keys in another order", cat([]byte{0x83}, str("kind"), str("cart"), str("item"), str("b"), str("at"), []byte{0x09}), false},
		{"an extra key", cat([]byte{0x84}, str("item"), str("b"), str("kind"), str("cart"), str("at"), []byte{0x09}, str("x"), []byte{0xc0}), false},
		{"a repeated key", cat([]byte{0x83}, str("item"), str("b"), str("item"), str("c"), str("at"), []byte{0x09}), false},
		{"nil event", []byte{0xc0}, false},
		{"uint64 at past MaxInt64", usual("a1", "view", []byte{0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0}), true},
		{"at cut short", usual("a1", "view", []byte{0xcf, 0, 0}), true},
		{"at missing", usual("a1", "view", nil), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Two events: the parser must leave the Reader at the second.
			in := cat([]byte{0x82}, str("k"), []byte{0x03}, str("history"), []byte{0x92}, tc.event, usual("z9", "view", []byte{0x01}))
			got, err := model.DecodeRequest(in)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			var want model.Request
			require.NoError(t, msgpack.Unmarshal(in, &want))
			require.Equal(t, want, got)
			require.Len(t, got.History, 2)
			inPlace, err := model.DecodeRequestInPlace(in)
			require.NoError(t, err)
			require.Equal(t, got, inPlace)
		})
	}
}
