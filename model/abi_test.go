package model_test

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/privrec/privrec/model"
)

// claimArray is {field: array32 header claiming n elements}, none present.
func claimArray(field string, n uint32) []byte {
	b := []byte{0x81, byte(0xa0 | len(field))}
	b = append(b, field...)
	b = append(b, 0xdd)
	return binary.BigEndian.AppendUint32(b, n)
}

func mustPack(t testing.TB, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestDecodeRequest(t *testing.T) {
	big := make(model.History, 100_000) // the SDK's largest retention
	for i := range big {
		big[i] = model.Event{Item: fmt.Sprint("item-", i%500), Kind: model.KindView, At: int64(i)}
	}
	deep := []byte{0x81, 0xa1, 'x'}
	for range 1000 {
		deep = append(deep, 0x91)
	}
	deep = append(deep, 0xc0)
	for _, tc := range []struct {
		name string
		in   []byte
		want error // nil: decodes to the same request as msgpack.Unmarshal
	}{
		{name: "ordinary", in: mustPack(t, model.Request{K: 3, History: model.History{{Item: "a", Kind: model.KindPurchase, At: 5}}, Exclude: []string{"b"}, Explain: true})},
		{name: "100k events", in: mustPack(t, model.Request{History: big})},
		{name: "unknown fields are skipped", in: mustPack(t, map[string]any{"k": 2, "x": []any{map[string]any{"y": []int{1, 2}}, "z"}})},
		{name: "history claims 2^32-1 events", in: claimArray("history", 1<<32-1), want: model.ErrBadRequest},
		{name: "history claims 20M events", in: claimArray("history", 20_000_000), want: model.ErrBadRequest},
		{name: "map claims more entries than bytes", in: []byte{0xdf, 0, 1, 0, 0, 0xc0}, want: model.ErrBadRequest},
		{name: "truncated str", in: []byte{0x81, 0xa7, 'h', 'i'}, want: model.ErrBadRequest},
		{name: "reserved code", in: []byte{0xc1}, want: model.ErrBadRequest},
		{name: "empty", in: nil, want: model.ErrBadRequest},
		{name: "nested 1000 deep", in: deep, want: model.ErrTooLarge},
		{name: "more array elements than the bound", in: mustPack(t, model.Request{Exclude: make([]string, 300_000)}), want: model.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := model.DecodeRequest(tc.in)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
				require.ErrorContains(t, err, "decode request: ")
				return
			}
			require.NoError(t, err)
			var want model.Request
			require.NoError(t, msgpack.Unmarshal(tc.in, &want))
			require.Equal(t, want, got)
		})
	}
}

func TestDecodeLoadRequest(t *testing.T) {
	ok := model.LoadRequest{Manifest: []byte("m"), Keys: [][]byte{make([]byte, 32), make([]byte, 32)}, Now: 7, MinVersion: 3}
	got, err := model.DecodeLoadRequest(mustPack(t, ok))
	require.NoError(t, err)
	require.Equal(t, ok, got)

	_, err = model.DecodeLoadRequest(claimArray("keys", 20_000_000))
	require.ErrorIs(t, err, model.ErrBadRequest)
	require.ErrorContains(t, err, "decode load request: ")
}

// FuzzDecodeRequest checks that no input panics, and that what decodes
// also decodes with msgpack.Unmarshal to the same value.
func FuzzDecodeRequest(f *testing.F) {
	f.Add(mustPack(f, model.Request{K: 3, History: model.History{{Item: "a", Kind: model.KindCart, At: 5}}, Exclude: []string{"b"}}))
	f.Add(mustPack(f, model.LoadRequest{Manifest: []byte("m"), Keys: [][]byte{{1}}}))
	f.Add(claimArray("history", 1<<32-1))
	f.Add([]byte{0x81, 0xa1, 'x', 0x91, 0x91, 0x92, 0xd4, 1, 2, 0xc7, 1, 5, 9})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := model.DecodeRequest(data)
		if err != nil {
			return
		}
		var want model.Request
		require.NoError(t, msgpack.Unmarshal(data, &want))
		require.Equal(t, want, got)
		inPlace, err := model.DecodeRequestInPlace(data)
		require.NoError(t, err)
		require.Equal(t, got, inPlace)
		_, _ = model.DecodeLoadRequest(data)
	})
}
