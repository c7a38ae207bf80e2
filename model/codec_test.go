package model_test

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/privrec/privrec/model"
)

var (
	sampleRequests = []model.Request{
		{},
		{K: 3, History: model.History{{Item: "a", Kind: model.KindPurchase, At: 5}}, Exclude: []string{"b"}, Explain: true},
		{K: -1, History: model.History{}, Now: math.MinInt64, Context: model.Context{Hour: -1, Weekday: 6, Device: "mobile"},
			Category: "toys", Seen: model.SeenAll},
		{K: 1 << 40, History: model.History{{Item: string(make([]byte, 300)), Kind: "jump", At: math.MaxInt64}, {}}, Exclude: []string{""}},
	}
	sampleLoadRequests = []model.LoadRequest{
		{},
		{Manifest: []byte("m"), Signature: make([]byte, 72), Weights: bytes.Repeat([]byte{7}, 70_000), Catalog: []byte{},
			WasmSHA256: make([]byte, 32), Keys: [][]byte{make([]byte, 32), nil, {}}, Now: 1_700_000_000_000, MinVersion: math.MaxUint64},
		{Keys: [][]byte{}, Now: -1},
		{Weights: []byte{1}, Catalog: []byte{2}, WasmSHA256: make([]byte, 32), WeightsSHA256: bytes.Repeat([]byte{3}, 32),
			CatalogSHA256: bytes.Repeat([]byte{4}, 32), Keys: [][]byte{make([]byte, 32)}, Now: 5},
		{WeightsSHA256: []byte{9}},
	}
	sampleResponses = []model.Response{
		{},
		{K: 2, Items: []model.Recommendation{
			{Item: "a", Score: 0.5, Source: model.SourceHistory, Because: []model.Reason{{Item: "x", Share: 0.25}, {Item: "y", Share: 1}}},
			{Item: "b", Score: -1e-300, Source: model.SourcePopular},
		}, Unknown: 3},
		{K: 100, Items: []model.Recommendation{}, Unknown: -5},
		// appendPlainResponse's edges: every source, ids of 0 and 31 bytes,
		// K, Unknown and the item count at their limits, then just past
		// each (the Writer's path).
		plain(127, 15, 127), plain(128, 15, 0), plain(0, 16, 0), plain(5, 3, -1), plain(5, 1, 128),
		// the Writer's path: ids of 32 bytes, a source it does not know, a
		// purchase count.
		{K: 7, Items: []model.Recommendation{
			{Item: "", Score: 0, Source: model.SourceRepeat},
			{Item: strings.Repeat("i", 31), Score: -1.5e300, Source: model.SourceHistory},
			{Item: strings.Repeat("j", 32), Score: 2, Source: model.SourcePopular},
			{Item: "c", Score: 3, Source: "other"},
			{Item: "d", Score: 4, Source: model.SourceRepeat, Bought: 2, LastBought: 9},
		}},
	}
	sampleLoadResults = []model.LoadResult{
		{},
		{Version: math.MaxUint64, KeyID: "0123456789abcdef", Created: 1, Expires: math.MaxInt64, Items: 3600,
			BundleID: "00ff00ff00ff00ff00ff00ff00ff00ff", Epsilon: 1.5, Delta: 1e-6, Kind: "embedding"},
		{Created: -7, Items: 1 << 40},
	}
)

// plain is a response of n plain items (appendPlainResponse) cycling
// through the sources and ids of 0..31 bytes.
func plain(k, n, unknown int) model.Response {
	r := model.Response{K: k, Unknown: unknown, Items: []model.Recommendation{}}
	sources := []model.Source{model.SourcePopular, model.SourceHistory, model.SourceRepeat}
	for i := range n {
		r.Items = append(r.Items, model.Recommendation{Item: strings.Repeat("x", (i*13)%32), Score: float64(i) - 7.25e-3, Source: sources[i%3]})
	}
	return r
}

// TestEncodersMatchMsgpack: each hand-written encoder writes exactly the
// bytes msgpack.Marshal writes for the same value, so hosts and the JS SDK
// read the same documents as before.
func TestEncodersMatchMsgpack(t *testing.T) {
	for _, r := range sampleRequests {
		require.Equal(t, mustPack(t, &r), model.EncodeRequest(&r), "%+v", r)
	}
	for _, r := range sampleLoadRequests {
		require.Equal(t, mustPack(t, &r), model.EncodeLoadRequest(&r))
	}
	for _, r := range sampleResponses {
		require.Equal(t, mustPack(t, &r), model.EncodeResponse(&r), "%+v", r)
	}
	for _, r := range sampleLoadResults {
		require.Equal(t, mustPack(t, &r), model.EncodeLoadResult(&r), "%+v", r)
		require.Equal(t, model.EncodeEnvelope(&model.Envelope{Result: model.EncodeLoadResult(&r)}), model.EncodeLoadResultEnvelope(&r))
	}
	for _, r := range sampleResponses {
		require.Equal(t, model.EncodeEnvelope(&model.Envelope{Result: model.EncodeResponse(&r)}), model.EncodeResponseEnvelope(&r))
	}
	// The envelope's result is inline, as a msgpack.RawMessage is.
	type refEnvelope struct {
		Code    model.Code         `msgpack:"code"`
		Message string             `msgpack:"message"`
		Result  msgpack.RawMessage `msgpack:"result"`
	}
	for _, env := range []model.Envelope{
		{Result: model.EncodeResponse(&sampleResponses[1])},
		{Code: model.CodeRollback, Message: "verify bundle: manifest version rolled back: version 1 is below the minimum 2"},
		{Code: 65535, Message: string(make([]byte, 70_000))},
	} {
		ref := refEnvelope{Code: env.Code, Message: env.Message, Result: env.Result}
		require.Equal(t, mustPack(t, &ref), model.EncodeEnvelope(&env))
	}
}

// TestDecodersMatchMsgpack: each decoder reads what msgpack.Marshal writes
// back to the value it started from, and what msgpack.Unmarshal reads.
func TestDecodersMatchMsgpack(t *testing.T) {
	for _, want := range sampleRequests {
		got, err := model.DecodeRequest(mustPack(t, &want))
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	for _, want := range sampleLoadRequests {
		in := mustPack(t, &want)
		got, err := model.DecodeLoadRequest(in)
		require.NoError(t, err)
		var ref model.LoadRequest
		require.NoError(t, msgpack.Unmarshal(in, &ref))
		require.Equal(t, ref, got)
	}
	for _, want := range sampleResponses {
		got, err := model.DecodeResponse(mustPack(t, &want))
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	for _, want := range sampleLoadResults {
		got, err := model.DecodeLoadResult(mustPack(t, &want))
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

// TestDecodeLoadRequestIsZeroCopy: the artifacts of a decoded LoadRequest
// are the request's own bytes, not copies (the module's model keeps views
// into them).
func TestDecodeLoadRequestIsZeroCopy(t *testing.T) {
	in := model.EncodeLoadRequest(&sampleLoadRequests[1])
	req, err := model.DecodeLoadRequest(in)
	require.NoError(t, err)
	start, end := uintptr(unsafe.Pointer(&in[0])), uintptr(unsafe.Pointer(&in[len(in)-1]))
	for name, b := range map[string][]byte{"manifest": req.Manifest, "weights": req.Weights, "key": req.Keys[0]} {
		p := uintptr(unsafe.Pointer(&b[0]))
		require.True(t, p >= start && p+uintptr(len(b))-1 <= end, "%s is a copy", name)
		require.Equal(t, len(b), cap(b), "%s: capacity reaches past it", name)
	}
}

// TestDecodeLeniency: what msgpack.Unmarshal accepts and hosts may send
// (JavaScript numbers, nil for absent, bin for str, any key order, unknown
// keys) decodes to the same request.
func TestDecodeLeniency(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   any
	}{
		{"nil fields", map[string]any{"k": nil, "history": nil, "context": nil, "exclude": nil, "seen": nil, "explain": nil}},
		{"nil event", map[string]any{"history": []any{nil, map[string]any{"item": "a", "kind": "view", "at": 1}}}},
		{"bin strings", map[string]any{"category": []byte("toys"), "history": []any{map[string]any{"item": []byte("a"), "kind": []byte("cart")}}}},
		{"narrow ints", map[string]any{"k": int8(3), "now": uint16(900), "context": map[string]any{"hour": int32(-1), "weekday": uint8(2)}}},
		{"repeated key: last wins", []any{"k", 1, "k", 2}},
		{"unknown keys", map[string]any{"zz": map[string]any{"a": []any{1, "b", nil, 1.5}}, "k": 4, "context": map[string]any{"tz": "UTC"}}},
		{"int key", map[any]any{int8(1): 2, "k": 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in []byte
			if kv, ok := tc.in.([]any); ok { // a map written pair by pair
				var buf bytes.Buffer
				e := msgpack.NewEncoder(&buf)
				require.NoError(t, e.EncodeMapLen(len(kv)/2))
				for _, v := range kv {
					require.NoError(t, e.Encode(v))
				}
				in = buf.Bytes()
			} else {
				in = mustPack(t, tc.in)
			}
			got, err := model.DecodeRequest(in)
			if tc.name == "int key" {
				// msgpack.Unmarshal refuses a non-string key too.
				require.ErrorIs(t, err, model.ErrBadRequest)
				return
			}
			require.NoError(t, err)
			var want model.Request
			require.NoError(t, msgpack.Unmarshal(in, &want))
			require.Equal(t, want, got)
		})
	}
}

// TestDecodeStrictness: what the decoders refuse that msgpack.Unmarshal
// would wrap, truncate or ignore.
func TestDecodeStrictness(t *testing.T) {
	ok := model.EncodeRequest(&sampleRequests[1])
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{name: "trailing byte", in: append(append([]byte(nil), ok...), 0xc0), want: model.ErrBadRequest},
		{name: "negative min_version", in: []byte{0x81, 0xab, 'm', 'i', 'n', '_', 'v', 'e', 'r', 's', 'i', 'o', 'n', 0xff}, want: model.ErrBadRequest},
		{name: "k above MaxInt64", in: append([]byte{0x81, 0xa1, 'k', 0xcf}, bytes.Repeat([]byte{0xff}, 8)...), want: model.ErrBadRequest},
		{name: "float k", in: []byte{0x81, 0xa1, 'k', 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}, want: model.ErrBadRequest},
		{name: "request as an array", in: []byte{0x91, 0x03}, want: model.ErrBadRequest},
		{name: "explain as int", in: []byte{0x81, 0xa7, 'e', 'x', 'p', 'l', 'a', 'i', 'n', 0x01}, want: model.ErrBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := model.DecodeRequest(tc.in)
			if tc.name == "negative min_version" {
				_, err = model.DecodeLoadRequest(tc.in)
			}
			require.ErrorIs(t, err, tc.want)
		})
	}
	_, err := model.DecodeLoadRequest(claimArray("keys", 300))
	require.ErrorIs(t, err, model.ErrBadRequest, "300 keys claimed in 10 bytes")
	_, err = model.DecodeLoadRequest(append(claimArray("keys", 300), bytes.Repeat([]byte{0xc0}, 300)...))
	require.ErrorIs(t, err, model.ErrTooLarge, "300 keys")
}

func TestEnvelopeRoundTrip(t *testing.T) {
	res := model.EncodeResponse(&sampleResponses[1])
	for _, in := range [][]byte{
		model.EncodeEnvelope(&model.Envelope{Result: res}),
		mustPack(t, model.Envelope{Result: res}), // the result as a bin
	} {
		env, err := model.DecodeEnvelope(in)
		require.NoError(t, err)
		require.Equal(t, model.CodeOK, env.Code)
		require.Equal(t, res, env.Result)
	}
	env, err := model.DecodeEnvelope(model.EncodeEnvelope(&model.Envelope{Code: model.CodeExpired, Message: "old"}))
	require.NoError(t, err)
	require.Equal(t, model.Envelope{Code: model.CodeExpired, Message: "old", Result: []byte{0xc0}}, env)
	_, err = model.DecodeResponse(env.Result)
	require.ErrorIs(t, err, model.ErrBadRequest, "a nil result is no response")
}

// FuzzDecodeLoadRequest: no input panics; what decodes also decodes with
// msgpack.Unmarshal to the same value, and re-encodes to a document that
// decodes to it again.
func FuzzDecodeLoadRequest(f *testing.F) {
	for _, r := range sampleLoadRequests {
		f.Add(model.EncodeLoadRequest(&r))
	}
	f.Add(claimArray("keys", 20_000_000))
	f.Add([]byte{0x81, 0xa4, 'k', 'e', 'y', 's', 0x92, 0xc4, 0x01, 0x07, 0xa0})
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := model.DecodeLoadRequest(data)
		if err != nil {
			return
		}
		var want model.LoadRequest
		require.NoError(t, msgpack.Unmarshal(data, &want))
		require.Equal(t, want, got)
		again, err := model.DecodeLoadRequest(model.EncodeLoadRequest(&got))
		require.NoError(t, err)
		require.Equal(t, got, again)
	})
}

// FuzzResponseRoundTrip: a response built from fuzzed fields encodes to
// msgpack's bytes, and decodes back to itself both ways.
func FuzzResponseRoundTrip(f *testing.F) {
	f.Add(3, "sku-1", 0.5, "history", "x", 0.25, 7, true)
	f.Add(-1, "", -1e300, "", "", 0.0, 0, false)
	f.Add(100, string(make([]byte, 256)), 1.0, "popular", "é", 1.0, 1<<40, true)
	f.Fuzz(func(t *testing.T, k int, item string, score float64, source, because string, share float64, unknown int, explain bool) {
		if math.IsNaN(score) || math.IsInf(score, 0) || math.IsNaN(share) || math.IsInf(share, 0) || len(item) > model.MaxIDLen || len(because) > model.MaxIDLen || len(source) > 64 {
			t.Skip("outside what a module answers")
		}
		rec := model.Recommendation{Item: item, Score: score, Source: model.Source(source)}
		if explain {
			rec.Because = []model.Reason{{Item: because, Share: share}}
		}
		res := model.Response{K: k, Items: []model.Recommendation{rec, rec}, Unknown: unknown}
		enc := model.EncodeResponse(&res)
		require.Equal(t, mustPack(t, &res), enc)
		got, err := model.DecodeResponse(enc)
		require.NoError(t, err)
		require.Equal(t, res, got)
		var ref model.Response
		require.NoError(t, msgpack.Unmarshal(enc, &ref))
		require.Equal(t, res, ref)

		req := model.Request{K: k, History: model.History{{Item: item, Kind: model.Kind(source), At: int64(unknown)}},
			Context: model.Context{Hour: k, Weekday: unknown, Device: because}, Category: because, Seen: model.Seen(source), Explain: explain}
		if explain {
			req.Exclude = []string{item, because}
		}
		renc := model.EncodeRequest(&req)
		require.Equal(t, mustPack(t, &req), renc)
		rgot, err := model.DecodeRequest(renc)
		require.NoError(t, err)
		require.Equal(t, req, rgot)
	})
}

// FuzzDecodeResults: no module answer panics the host's decoders, and
// what decodes agrees with msgpack.Unmarshal.
func FuzzDecodeResults(f *testing.F) {
	for _, r := range sampleResponses {
		f.Add(model.EncodeEnvelope(&model.Envelope{Result: model.EncodeResponse(&r)}))
	}
	for _, r := range sampleLoadResults {
		f.Add(model.EncodeEnvelope(&model.Envelope{Result: model.EncodeLoadResult(&r)}))
	}
	f.Add(model.EncodeEnvelope(&model.Envelope{Code: model.CodeCorrupt, Message: "decode weights: corrupt artifact"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := model.DecodeEnvelope(data)
		if err != nil {
			return
		}
		if res, err := model.DecodeResponse(env.Result); err == nil {
			var ref model.Response
			require.NoError(t, msgpack.Unmarshal(env.Result, &ref))
			require.Equal(t, ref, res)
		}
		if res, err := model.DecodeLoadResult(env.Result); err == nil {
			var ref model.LoadResult
			require.NoError(t, msgpack.Unmarshal(env.Result, &ref))
			require.Equal(t, ref, res)
		}
	})
}

// TestLoadCatalogEncodings: Load parses the catalog encoding that
// EncodeCatalog writes inline and hands anything else to wire.Reader, so
// every other encoding msgpack allows for the same items (float32 and
// integer prices, str16 titles, array16 tags, nil categories, items
// missing or unknown to the model) must load to the same model, and a
// bad value must fail either way.
func TestLoadCatalogEncodings(t *testing.T) {
	w, err := model.EncodeWeights(tinySpecForCatalog(), testBundleForCatalog)
	require.NoError(t, err)
	long := string(bytes.Repeat([]byte("t"), 300))
	tags := make([]string, 20)
	for i := range tags {
		tags[i] = "tag"
	}
	item := func(id string, title string, price any, category any, tags []string) []any {
		if tags == nil {
			tags = []string{}
		}
		return []any{id, title, price, category, tags}
	}
	catalog := func(items ...[]any) []byte {
		b, err := msgpack.Marshal([]any{model.KindCatalog, model.FormatVersion, testBundleForCatalog[:], items})
		require.NoError(t, err)
		return b
	}
	canonical, err := model.EncodeCatalog([]model.Item{
		{ID: "a", Title: "Apple", Price: 1, Category: "fruit"},
		{ID: "b", Title: long, Price: 2.5, Category: "fruit", Tags: tags},
		{ID: "c", Title: "Carrot", Price: 3, Category: ""},
		{ID: "d", Title: "Date", Price: 4, Category: "veg", Tags: []string{"dried"}},
		{ID: "zz", Title: "not in the model", Price: 1, Category: "veg"},
	}, testBundleForCatalog)
	require.NoError(t, err)
	variant := catalog(
		item("a", "Apple", float32(1), "fruit", nil),
		item("b", long, 2.5, "fruit", tags),
		item("c", "Carrot", 3, nil, nil),
		item("d", "Date", uint8(4), "veg", []string{"dried"}),
		item("zz", "not in the model", int64(-1), "veg", nil),
	)
	answers := func(c []byte) []model.Response {
		m, err := model.Load(w, c)
		require.NoError(t, err)
		var out []model.Response
		for _, cat := range []string{"", "fruit", "veg", "none"} {
			res, err := m.Recommend(model.Request{K: 5, Category: cat, History: model.History{{Item: "a", Kind: model.KindView, At: 1}}})
			require.NoError(t, err)
			out = append(out, res)
		}
		return out
	}
	want := answers(canonical)
	require.Len(t, want[0].Items, 4, "every catalog item the model knows, none other")
	require.Equal(t, want, answers(variant))

	for name, c := range map[string][]byte{
		"NaN price":     catalog(item("a", "Apple", math.NaN(), "fruit", nil)),
		"infinite":      catalog(item("a", "Apple", math.Inf(1), "fruit", nil)),
		"empty id":      catalog(item("", "Apple", 1.0, "fruit", nil)),
		"bin id":        catalog([]any{[]byte("a"), "Apple", 1.0, "fruit", []string{}}),
		"long id":       catalog(item(string(bytes.Repeat([]byte("i"), model.MaxIDLen+1)), "x", 1.0, "", nil)),
		"33 tags":       catalog(item("a", "Apple", 1.0, "", make([]string, 33))),
		"4 fields":      catalog([]any{"a", "Apple", 1.0, "fruit"}),
		"duplicate":     catalog(item("a", "x", 1.0, "", nil), item("a", "y", 1.0, "", nil)),
		"truncated":     canonical[:len(canonical)-2],
		"trailing byte": append(append([]byte(nil), canonical...), 0xc0),
	} {
		if _, err := model.Load(w, c); err == nil {
			t.Errorf("%s: loaded", name)
		} else if code := model.CodeOf(err); code != model.CodeCorrupt && code != model.CodeTooLarge {
			t.Errorf("%s: code %v (%v)", name, code, err)
		}
	}
}

var testBundleForCatalog = [16]byte{9, 9, 9}

func tinySpecForCatalog() *model.Spec {
	return &model.Spec{
		Items:      []string{"a", "b", "c", "d"},
		Neighbors:  [][]model.Neighbor{{{Item: 1, Weight: 0.8}, {Item: 2, Weight: 0.2}, {Item: 3, Weight: 0.1}}, {}, {}, {}},
		Popularity: []float32{0.1, 0.2, 0.05, 0.15},
		Params:     model.DefaultParams(),
	}
}

// TestAppendResponseEnvelopeReusesBuffers: into a dirty buffer, with or
// without room, AppendResponseEnvelope writes exactly what
// EncodeResponseEnvelope writes; and RecommendInto, given a dirty items
// slice, answers exactly what Recommend answers.
func TestAppendResponseEnvelopeReusesBuffers(t *testing.T) {
	for i, r := range sampleResponses {
		want := model.EncodeResponseEnvelope(&r)
		for _, dst := range [][]byte{nil, bytes.Repeat([]byte{0xee}, 3), bytes.Repeat([]byte{0xee}, 4096)} {
			if got := model.AppendResponseEnvelope(dst, &r); !bytes.Equal(got, want) {
				t.Fatalf("response %d into %d bytes: %x, want %x", i, len(dst), got, want)
			}
		}
	}
	m := loadTiny(t)
	dirty := make([]model.Recommendation, 3, model.MaxK)
	for i := range dirty {
		dirty[i] = model.Recommendation{Item: "stale", Score: 9, Because: []model.Reason{{Item: "x"}}}
	}
	for _, req := range []model.Request{{K: 3, History: buy("a")}, {K: 2, Explain: true, History: buy("a", "b")}, {}, {K: model.MaxK}} {
		want, err := m.Recommend(req)
		require.NoError(t, err)
		got, err := m.RecommendInto(dirty, req)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

// TestAppendRecommendEnvelope: what the module runs per request writes,
// into dirty buffers and with a dirty items slice, exactly the envelope of
// Recommend's response (or fails as Recommend does), and so does
// AppendPopular where DecodePopularRequest takes the request's bytes, on
// random requests to
// a model with context boosts, categories, unlisted items and ids of 32
// bytes or more: with and without history (no history takes the popular
// path, which writes no Response), every filter, buy-again.
func TestAppendRecommendEnvelope(t *testing.T) {
	const n = 300
	rng := rand.New(rand.NewPCG(1, 2))
	s := &model.Spec{Contexts: map[string][]model.Neighbor{}, Params: model.DefaultParams()}
	s.Params.RepeatWeight = 0.5
	var catalog []model.Item
	for i := range n {
		id := fmt.Sprintf("item-%03d", i)
		if i%7 == 0 {
			id += strings.Repeat("x", 24+i%12) // 32 bytes and more, some
		}
		s.Items = append(s.Items, id)
		s.Popularity = append(s.Popularity, float32(rng.IntN(50))/50) // ties too
		var row []model.Neighbor
		for range rng.IntN(6) {
			row = append(row, model.Neighbor{Item: int32(rng.IntN(n)), Weight: rng.Float32()})
		}
		s.Neighbors = append(s.Neighbors, dedupe(row))
		if i%11 != 0 { // the rest are not listed: unavailable
			catalog = append(catalog, model.Item{ID: id, Title: id, Category: []string{"a", "b", "c"}[i%3]})
		}
	}
	slices.SortFunc(s.Items, strings.Compare) // ids ascend in an artifact
	slices.SortFunc(catalog, func(a, b model.Item) int { return strings.Compare(a.ID, b.ID) })
	for h := range 24 {
		var l []model.Neighbor
		for range rng.IntN(40) {
			l = append(l, model.Neighbor{Item: int32(rng.IntN(n)), Weight: rng.Float32()})
		}
		s.Contexts[fmt.Sprintf("hour:%d", h)] = dedupe(l)
	}
	s.Contexts["weekday:2"] = []model.Neighbor{{Item: 5, Weight: 2}, {Item: 9, Weight: 0.01}}
	w, err := model.EncodeWeights(s, testBundle)
	require.NoError(t, err)
	c, err := model.EncodeCatalog(catalog, testBundle)
	require.NoError(t, err)
	m, err := model.Load(w, c)
	require.NoError(t, err)

	item := func() string {
		if rng.IntN(10) == 0 {
			return "unknown-item"
		}
		return s.Items[rng.IntN(n)]
	}
	items := make([]model.Recommendation, 2, model.MaxK)
	items[0] = model.Recommendation{Item: "stale", Because: []model.Reason{{Item: "x"}}}
	popular := 0
	defer func() { require.Greater(t, popular, 500, "requests AppendPopular answered") }()
	for trial := range 3000 {
		req := model.Request{
			K:       []int{0, 1, 3, 10, model.MaxK, model.MaxK + 5, -1}[rng.IntN(7)],
			Context: model.Context{Hour: rng.IntN(25) - 1, Weekday: rng.IntN(8) - 1},
			Seen:    []model.Seen{"", model.SeenPurchased, model.SeenAll, model.SeenNone}[rng.IntN(4)],
			Explain: rng.IntN(3) == 0,
		}
		if rng.IntN(3) == 0 {
			req.Mode = model.ModeBuyAgain
		}
		if rng.IntN(2) == 0 {
			for range rng.IntN(8) + 1 {
				req.History = append(req.History, model.Event{Item: item(), Kind: []model.Kind{model.KindView, model.KindCart, model.KindPurchase}[rng.IntN(3)], At: rng.Int64N(1e12)})
			}
		}
		for range rng.IntN(3) * rng.IntN(100) {
			req.Exclude = append(req.Exclude, item())
		}
		if rng.IntN(4) == 0 {
			req.Category = []string{"a", "b", "c", "none"}[rng.IntN(4)]
		}
		if trial%4 == 0 { // a shopper without history, and no filter
			req.History, req.Exclude, req.Category, req.Seen, req.Mode = nil, nil, "", "", ""
		}
		want, wantErr := m.Recommend(req)
		if q, ok := model.DecodePopularRequest(model.EncodeRequest(&req)); ok {
			// the module's path for such a request, from its bytes
			require.NoError(t, wantErr, "trial %d: %+v", trial, req)
			popular++
			require.Equal(t, model.EncodeResponseEnvelope(&want), m.AppendPopular(bytes.Repeat([]byte{0xee}, rng.IntN(3)*600), q), "trial %d: %+v", trial, req)
		}
		dst := bytes.Repeat([]byte{0xee}, rng.IntN(3)*600)
		got, kept, err := m.AppendRecommendEnvelope(dst, items, &req)
		if wantErr != nil {
			require.Error(t, err, "trial %d: %+v", trial, req)
			require.Equal(t, wantErr.Error(), err.Error())
			continue
		}
		require.NoError(t, err, "trial %d: %+v", trial, req)
		require.Equal(t, model.EncodeResponseEnvelope(&want), got, "trial %d: %+v", trial, req)
		if len(req.History) == 0 && req.Mode != model.ModeBuyAgain { // the popular path: items untouched
			require.Equal(t, unsafe.SliceData(items), unsafe.SliceData(kept), "trial %d", trial)
			require.Equal(t, items[:cap(items)], kept[:cap(kept)], "trial %d", trial)
		} else {
			for _, it := range kept[:cap(kept)] {
				require.Zero(t, it, "trial %d: the items slice is handed back cleared", trial)
			}
		}
		items = kept
		if cap(items) > 0 {
			items = items[:1]
			items[0] = model.Recommendation{Item: "stale", Score: 1, Source: model.SourceHistory}
		}
	}
}

// dedupe keeps the first neighbour of each item.
func dedupe(row []model.Neighbor) []model.Neighbor {
	seen := map[int32]bool{}
	out := row[:0]
	for _, nb := range row {
		if !seen[nb.Item] {
			seen[nb.Item] = true
			out = append(out, nb)
		}
	}
	return out
}
