package host

import (
	"bytes"
	"context"
	"encoding/binary"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/privrec/privrec/model"
)

// hostileArray is a MessagePack map {field: array32 header claiming n
// elements} with none of the elements present: a few bytes that ask
// msgpack.Unmarshal for a slice of n elements.
func hostileArray(field string, n uint32) []byte {
	b := []byte{0x81, byte(0xa0 | len(field))}
	b = append(b, field...)
	b = append(b, 0xdd)
	return binary.BigEndian.AppendUint32(b, n)
}

// deepArrays nests depth one-element arrays under an unknown field, which
// the decoder skips recursively.
func deepArrays(depth int) []byte {
	b := []byte{0x81, 0xa1, 'x'}
	for range depth {
		b = append(b, 0x91)
	}
	return append(b, 0xc0)
}

// TestHostileRequestsAreRefused sends requests of a few bytes that claim
// huge arrays or nest deeply. The module must answer with a bad_request
// envelope, not trap or run out of memory, and stay usable.
func TestHostileRequestsAreRefused(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		recommend bool
		req       []byte
		want      error
	}{
		{name: "recommend history of 20M events", recommend: true, req: hostileArray("history", 20_000_000)},
		{name: "recommend history of 2^32-1 events", recommend: true, req: hostileArray("history", 1<<32-1)},
		{name: "recommend exclude of 20M ids", recommend: true, req: hostileArray("exclude", 20_000_000)},
		{name: "recommend nested 1M deep", recommend: true, req: deepArrays(1 << 20), want: model.ErrTooLarge},
		{name: "load keys of 20M keys", req: hostileArray("keys", 20_000_000)},
		{name: "load nested 1M deep", req: deepArrays(1 << 20), want: model.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inst := loaded(t)
			fn, phase, what := "privrec_load", PhaseLoad, "load bundle"
			if tc.recommend {
				fn, phase, what = "privrec_recommend", PhaseRecommend, "recommend"
			}
			err := inst.roundTrip(ctx, phase, fn, what, tc.req, func([]byte) error { return nil })
			want := tc.want
			if want == nil {
				want = model.ErrBadRequest
			}
			require.ErrorIs(t, err, want)
			// The module answered; the last good model still serves.
			res, err := inst.Recommend(ctx, model.Request{K: 2})
			require.NoError(t, err)
			require.Len(t, res.Items, 2)
		})
	}
}

// TestDecodeEnvelopeBoundsAllocation: a rogue module's result must not make
// the host allocate far more than the bytes it returned. Two million nil
// recommendations are 2 MB on the wire and 128 MB as a []Recommendation.
func TestDecodeEnvelopeBoundsAllocation(t *testing.T) {
	nils := []byte{0x81, 0xa5, 'i', 't', 'e', 'm', 's', 0xdd}
	nils = binary.BigEndian.AppendUint32(nils, 2_000_000)
	nils = append(nils, bytes.Repeat([]byte{0xc0}, 2_000_000)...)
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{name: "ok", in: model.EncodeEnvelope(&model.Envelope{Result: mustMarshal(t, model.Response{K: 1, Items: []model.Recommendation{{Item: "a", Score: 1}}})})},
		{name: "ok, result as bin", in: mustMarshal(t, model.Envelope{Result: mustMarshal(t, model.Response{K: 1, Items: []model.Recommendation{{Item: "a", Score: 1}}})})},
		{name: "2M nil items", in: model.EncodeEnvelope(&model.Envelope{Result: nils}), want: ErrABI},
		{name: "101 items", in: model.EncodeEnvelope(&model.Envelope{Result: mustMarshal(t, model.Response{K: 1, Items: make([]model.Recommendation, 101)})}), want: ErrABI},
		{name: "envelope claims 2^32-1 fields", in: []byte{0xdf, 0xff, 0xff, 0xff, 0xff}, want: ErrABI},
		{name: "module error", in: mustMarshal(t, model.Envelope{Code: model.CodeRollback, Message: "old"}), want: model.ErrRollback},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var res model.Response
			err := decodeEnvelope(tc.in, func(b []byte) (err error) {
				res, err = model.DecodeResponse(b)
				return err
			})
			runtime.ReadMemStats(&after)
			bound := 4*uint64(len(tc.in)) + 1<<20
			require.Less(t, after.TotalAlloc-before.TotalAlloc, bound, "decoding %d bytes allocated %d", len(tc.in), after.TotalAlloc-before.TotalAlloc)
			if tc.want != nil {
				require.ErrorIs(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			require.Equal(t, "a", res.Items[0].Item)
		})
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	require.NoError(t, err)
	return b
}
