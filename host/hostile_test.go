package host

import (
	"context"
	"encoding/binary"
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
			fn, phase, what := inst.fns.load, PhaseLoad, "load bundle"
			if tc.recommend {
				fn, phase, what = inst.fns.recommend, PhaseRecommend, "recommend"
			}
			var out msgpack.RawMessage
			err := inst.roundTrip(ctx, phase, fn, what, msgpack.RawMessage(tc.req), &out)
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
