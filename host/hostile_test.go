package host

import (
	"bytes"
	"context"
	"encoding/binary"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/privrec/privrec/host/testdata/rogue/variant"
	"github.com/privrec/privrec/internal/wasmtest"
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

// variants are rogue builds of the real module (testdata/rogue/<name>, see
// package variant): wasm/main.go with a small change that adds one channel
// for history, one per channel class of issue 11. Each row says which
// check must refuse it and a phrase of the reason.
var variants = []struct {
	name   string
	check  string
	reason string
}{
	{name: "freeclock", check: "trace", reason: "during free"},               // count of clock reads in free
	{name: "loadclock", check: "trace", reason: "load"},                      // count of clock reads in load
	{name: "loadrandom", check: "profile", reason: "random_get during load"}, // count of random calls in load
	{name: "precision", check: "profile", reason: "precision"},               // data in a call argument
	{name: "clockptr", check: "trace", reason: "clock_time_get"},             // data in a pointer argument
	{name: "pollargs", check: "trace", reason: "poll_oneoff"},                // data in the bytes of a call
	{name: "stderrxor", check: "canary", reason: "XOR 0x5a"},                 // stderr, XOR with a constant
	{name: "stderrplus", check: "canary", reason: "+1 per byte"},             // stderr, every byte + 1
	{name: "stderrrev", check: "canary", reason: "reversed"},                 // stderr, reversed
	{name: "because", check: "oracle", reason: "names history item"},         // history ids in because
	{name: "source", check: "oracle", reason: "carries the device"},          // the device in source
	{name: "keyid", check: "oracle", reason: "load result"},                  // history in a load result
	{name: "oldcanary", check: "stdio", reason: "stderr during load"},        // honest only for the old canaries
}

// buildVariants builds every variant, two at a time.
func buildVariants(t *testing.T) map[string][]byte {
	t.Helper()
	root := wasmtest.Root(t)
	out := make(map[string][]byte, len(variants))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for _, v := range variants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			w, err := variant.Build(root, v.name)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("%v", err)
				return
			}
			out[v.name] = w
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return out
}

func TestVariantsAreListed(t *testing.T) {
	var names []string
	for _, v := range variants {
		names = append(names, v.name)
	}
	require.ElementsMatch(t, variant.Names, names, "every variant in testdata has a row here")
}

// TestAuditRefusesVariants audits each rogue build of the real module. Each
// is refused, by the check its channel breaks, while doing everything else
// the real module does (the same bundle loads, the same answers mostly).
func TestAuditRefusesVariants(t *testing.T) {
	ctx := context.Background()
	wasms := buildVariants(t)
	rt := testRuntime(t)
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			rep, err := Audit(ctx, wasms[v.name], AuditOptions{Runtime: rt, Seed: 11})
			require.NoError(t, err)
			require.False(t, rep.OK(), "the audit passed a rogue build:\n%s", rep)
			found := false
			for _, viol := range rep.Violations {
				if viol.Check == v.check && strings.Contains(viol.Reason, v.reason) {
					found = true
				}
				require.NotEqual(t, "load", viol.Check, "the variant must load the bundle like the real module: %s", viol)
			}
			require.True(t, found, "no %q violation mentioning %q:\n%s", v.check, v.reason, rep)
			t.Logf("refused: %s (and %d more violations)", rep.Violations[0], len(rep.Violations)-1)
		})
	}
}

func TestVariantPatch(t *testing.T) {
	src := "a\nb\nc\nb\n"
	for _, tc := range []struct {
		name, patch, want, err string
	}{
		{name: "insert", patch: "@@ after\na\n@@ insert\nx\n@@ end\n", want: "a\nx\nb\nc\nb\n"},
		{name: "anchor twice", patch: "@@ after\nb\n@@ insert\nx\n@@ end\n", err: "occurs 2 times"},
		{name: "anchor gone", patch: "@@ after\nz\n@@ insert\nx\n@@ end\n", err: "occurs 0 times"},
		{name: "no end", patch: "@@ after\na\n@@ insert\nx\n", err: "@@ end"},
		{name: "empty", patch: "", err: "no edits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := variant.Patch(src, tc.patch)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
