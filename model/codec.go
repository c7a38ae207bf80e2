package model

import (
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
	"unsafe"

	"github.com/privrec/privrec/model/internal/wire"
)

// The codecs of everything that crosses the wasm boundary (wasm/ABI.md),
// written by hand on model/internal/wire. They read and write the same
// MessagePack maps, with the same keys, that msgpack.Marshal writes for the
// types' msgpack tags (byte for byte: the tests compare), so hosts may keep
// using any MessagePack library; the module links no reflection.
//
// Decoders follow what msgpack.Unmarshal accepts where a host could rely on
// it: keys in any order, unknown keys skipped, nil for a zero value, str
// and bin alike for strings and byte slices, any integer width, an
// integer where a float is expected, the last of repeated keys. They are
// stricter where msgpack is not safe or not exact: every count is checked
// against the bytes left and a cap before anything is allocated, nesting
// in skipped values stops at wire.MaxDepth, integers that do not fit their
// field (a negative uint, a uint64 above MaxInt64) are refused rather than
// wrapped, a struct must be a map (not msgpack's array form), and bytes
// after the value are refused.

// Bounds on the shape of a request, checked before anything is allocated.
const (
	// maxRequestElems bounds the array elements of one request (history
	// events, excluded ids, keys): above the SDK's largest retention
	// (100,000 events) plus MaxExclude, and small enough that the slices
	// the decoder makes for them fit in any instance's memory.
	maxRequestElems = 1 << 18
	// maxLoadKeys bounds the keys array of a LoadRequest; bundle.Open
	// applies the real limit (bundle.MaxKeys) with a precise error.
	maxLoadKeys = 256
	// maxKey is the longest map key looked at; longer ones are unknown.
	maxKey = 1 << 30
)

// Bounds on what a host accepts from a module.
const (
	maxMessage     = 1 << 16 // bytes of an error message
	maxResultText  = 64      // bytes of a key id, bundle id, kind or source
	maxResultItems = MaxK
)

// decoder is a wire.Reader plus the request-wide element budget.
type decoder struct {
	r     *wire.Reader
	elems int
	alias bool // strings are views into the input (DecodeRequestInPlace)
}

// arrayLen reads an array header, nil as -1. It checks the count against
// the bytes left (ErrFormat) before the budget and max (ErrLimit), so a
// short request claiming a huge array is malformed, not too large.
func (d *decoder) arrayLen(max int, what string) int {
	if d.r.Nil() {
		return -1
	}
	n := d.r.ArrayLen(math.MaxInt, 1, what)
	if d.r.Err() != nil {
		return 0
	}
	if d.elems += n; d.elems > maxRequestElems {
		d.r.Limit(what, "more than %d array elements in one document", maxRequestElems)
		return 0
	}
	if n > max {
		d.r.Limit(what, "%d elements; at most %d", n, max)
		return 0
	}
	return n
}

// mapLen reads a map header; nil reads as an empty map.
func (d *decoder) mapLen(what string) int {
	if d.r.Nil() {
		return 0
	}
	return d.r.MapLen(math.MaxInt, what)
}

// key reads a map key as a view: callers switch on string(key), which
// does not allocate (returning a string here would).
func (d *decoder) key(what string) []byte {
	return d.r.Raw(maxKey, what)
}

func (d *decoder) int(what string) int64 {
	if d.r.Nil() {
		return 0
	}
	return d.r.Int(math.MinInt64, math.MaxInt64, what)
}

func (d *decoder) uint(max uint64, what string) uint64 {
	if d.r.Nil() {
		return 0
	}
	return d.r.Uint(max, what)
}

func (d *decoder) float(what string) float64 {
	if d.r.Nil() {
		return 0
	}
	return d.r.Float(what)
}

func (d *decoder) bool(what string) bool {
	if d.r.Nil() {
		return false
	}
	return d.r.Bool(what)
}

// str reads a str or bin of at most max bytes as a new string, or as a
// view into the input when d.alias is set.
func (d *decoder) str(max int, what string) string { return d.strOf(d.r.Raw(max, what)) }

func (d *decoder) strOf(b []byte) string {
	if d.alias && len(b) > 0 {
		return unsafe.String(&b[0], len(b))
	}
	return string(b)
}

// view reads a str or bin as a sub-slice of the input: nil for a nil, an
// empty non-nil slice for an empty value, as msgpack.Unmarshal gives.
func (d *decoder) view(what string) []byte { return d.r.Raw(math.MaxInt32, what) }

// finish maps a wire error to the package's sentinels under op.
func (d *decoder) finish(op string) error {
	err := d.r.End()
	if err == nil {
		return nil
	}
	if errors.Is(err, wire.ErrLimit) {
		return wrapf("%s: %w: %v", op, ErrTooLarge, err)
	}
	return wrapf("%s: %w: %v", op, ErrBadRequest, err)
}

// DecodeRequest decodes a MessagePack Request as the module receives it.
// Item ids and other strings are copied out of b; b may be reused after.
// Errors wrap ErrBadRequest, or ErrTooLarge for a request above the bounds
// (more than 2^18 array elements, nesting deeper than wire.MaxDepth in a
// value it skips).
func DecodeRequest(b []byte) (Request, error) { return decodeRequestGeneral(b, false) }

// DecodeRequestInPlace is DecodeRequest without copies: the strings of the
// request (item ids, categories) are views into b, so b must not change
// until the last use of the request. It exists for the module, where
// copying a history's ids was a fifth of a 50-event request in V8: there
// the response is scored and encoded before privrec_free clears the
// buffer, and Model.Recommend keeps nothing of a request. The requests
// EncodeRequest and the SDK write take a fast path (decodeRequestFast).
func DecodeRequestInPlace(b []byte) (Request, error) {
	var req Request
	if decodeRequestFast(b, &req) {
		return req, nil
	}
	return decodeRequestGeneral(b, true)
}

// A PopularRequest is what the answer to a request with no history and
// no filter depends on (DecodePopularRequest, Model.AppendPopular).
type PopularRequest struct {
	K, Hour, Weekday int
	Device           string
}

// DecodePopularRequest reports whether the encoded request b is one that
// Model.AppendPopular answers, and returns what of it the answer depends
// on: a request in the shape EncodeRequest and the SDK write (see
// decodeRequestFast) with no history (nil or empty), no category, seen or
// mode, k >= 0 and a context that validates. Device is a view into b, as
// DecodeRequestInPlace's strings are. When it reports false,
// DecodeRequestInPlace decodes b (or refuses it). In WebAssembly it reads
// the usual form of such requests in one assembly call (codec_wasm.s) and
// reports false for the rest.
func DecodePopularRequest(b []byte) (PopularRequest, bool) {
	var q PopularRequest
	var ok bool
	q.K, q.Hour, q.Weekday, q.Device, ok = decodePopular(b)
	return q, ok
}

// decodePopularGo is decodePopular natively, and the reference of the
// WebAssembly one: decodeRequestFast, then the checks.
func decodePopularGo(b []byte) (k, hour, weekday int, device string, ok bool) {
	var req Request
	if !decodeRequestFast(b, &req) || len(req.History) > 0 || req.Category != "" || req.Seen != "" || req.Mode != "" ||
		req.K < 0 || req.Context.Hour > 23 || req.Context.Weekday > 6 || len(req.Context.Device) > maxDeviceLen {
		return 0, 0, 0, "", false
	}
	return req.K, req.Context.Hour, req.Context.Weekday, req.Context.Device, true
}

// decodeRequestGeneral is the decoder of every request the fast path
// leaves to it: any key order, unknown and repeated keys, every encoding.
func decodeRequestGeneral(b []byte, alias bool) (Request, error) {
	d := &decoder{r: wire.NewReader(b), alias: alias}
	var req Request
	if len(b) == 0 {
		d.r.Invalid("request", "no bytes")
	}
	for range d.mapLen("request") {
		switch string(d.key("request key")) {
		case "k":
			req.K = int(d.int("k"))
		case "history":
			req.History = d.history()
		case "now":
			req.Now = d.int("now")
		case "context":
			req.Context = d.context()
		case "exclude":
			req.Exclude = d.strings(maxRequestElems, "exclude")
		case "category":
			req.Category = d.str(math.MaxInt32, "category")
		case "seen":
			req.Seen = Seen(d.str(math.MaxInt32, "seen"))
		case "explain":
			req.Explain = d.bool("explain")
		case "mode":
			req.Mode = Mode(d.str(math.MaxInt32, "mode"))
		default:
			d.r.Skip("unknown field")
		}
		if d.r.Err() != nil {
			break
		}
	}
	if err := d.finish("decode request"); err != nil {
		return Request{}, err
	}
	return req, nil
}

// The keys of a request as EncodeRequest and the SDK write them, each
// with its fixstr header, as little-endian words (category's first eight
// bytes), and the masks of their lengths.
const (
	wordK        = 0xa1 | 'k'<<8
	wordHistory  = 0xa7 | 'h'<<8 | 'i'<<16 | 's'<<24 | 't'<<32 | 'o'<<40 | 'r'<<48 | 'y'<<56
	wordNow      = 0xa3 | 'n'<<8 | 'o'<<16 | 'w'<<24
	wordContext  = 0xa7 | 'c'<<8 | 'o'<<16 | 'n'<<24 | 't'<<32 | 'e'<<40 | 'x'<<48 | 't'<<56
	wordHour     = 0xa4 | 'h'<<8 | 'o'<<16 | 'u'<<24 | 'r'<<32
	wordWeekday  = 0xa7 | 'w'<<8 | 'e'<<16 | 'e'<<24 | 'k'<<32 | 'd'<<40 | 'a'<<48 | 'y'<<56
	wordDevice   = 0xa6 | 'd'<<8 | 'e'<<16 | 'v'<<24 | 'i'<<32 | 'c'<<40 | 'e'<<48
	wordCategory = 0xa8 | 'c'<<8 | 'a'<<16 | 't'<<24 | 'e'<<32 | 'g'<<40 | 'o'<<48 | 'r'<<56 // and 'y'
	wordSeen     = 0xa4 | 's'<<8 | 'e'<<16 | 'e'<<24 | 'n'<<32
	wordExplain  = 0xa7 | 'e'<<8 | 'x'<<16 | 'p'<<24 | 'l'<<32 | 'a'<<40 | 'i'<<48 | 'n'<<56
	wordMode     = 0xa4 | 'm'<<8 | 'o'<<16 | 'd'<<24 | 'e'<<32

	mask2 = 1<<16 - 1
	mask4 = 1<<32 - 1
	mask5 = 1<<40 - 1
	mask7 = 1<<56 - 1
	mask8 = 1<<64 - 1
)

// keyAt reports whether the key at b[p] is word (under mask), with room
// for a value after it: in these requests a key and its value take at
// least 9 bytes ("explain" and a bool are the last).
func keyAt(b []byte, p int, word, mask uint64) bool {
	return len(b)-p >= 9 && binary.LittleEndian.Uint64(b[p:])&mask == word
}

// minFastEvent is the fewest bytes of an event d.event parses:
// {"item": "", "kind": "view", "at": 0}.
const minFastEvent = 1 + 5 + 1 + 5 + 5 + 3 + 1

// decodeRequestFast is DecodeRequestInPlace of the requests EncodeRequest
// and the SDK write: a fixmap of "k", "history", "now", "context" (a
// fixmap of "hour", "weekday" and maybe "device"), maybe "category" and
// "seen", "explain", maybe "mode", in that order; integers of any width
// that fits an int64, fixstr and str8 strings, a nil, fixarray or array16
// history of events in d.event's form, and no bytes after it. It reports
// false for anything else (an exclude list among them), which the
// general decoder reads from the start; on the bytes it takes it decodes
// what the general decoder does (FuzzDecodeRequestFast). In WebAssembly a
// Reader call per key and value was a third of a request with no
// history, and then a loop over keys with a switch a fifth.
func decodeRequestFast(b []byte, req *Request) bool {
	if len(b) < 9 || b[0]&0xf0 != 0x80 {
		return false
	}
	optional := int(b[0]&0x0f) - 5 // the keys besides the five always written
	if optional < 0 || !keyAt(b, 1, wordK, mask2) {
		return false
	}
	v, p := intAt(b, 3)
	if req.K = int(v); !keyAt(b, p, wordHistory, mask8) {
		return false
	}
	p += 8
	switch c := b[p]; {
	case c == 0xc0:
		p++ // nil: req.History stays nil
	case c&0xf0 == 0x90 || c == 0xdc:
		m := int(c & 0x0f)
		if p++; c == 0xdc { // at most 65535, under maxRequestElems
			if len(b)-p < 2 {
				return false
			}
			m, p = int(b[p])<<8|int(b[p+1]), p+2
		}
		if m > (len(b)-p)/minFastEvent {
			return false // the general decoder's error
		}
		d := decoder{alias: true}
		h := make(History, m)
		for i := range h {
			e, q, ok := d.event(b, p)
			if !ok {
				return false
			}
			h[i], p = e, q
		}
		req.History = h
	default:
		return false
	}
	if !keyAt(b, p, wordNow, mask4) {
		return false
	}
	if req.Now, p = intAt(b, p+4); !keyAt(b, p, wordContext, mask8) {
		return false
	}
	c := b[p+8]
	if (c != 0x82 && c != 0x83) || !keyAt(b, p+9, wordHour, mask5) {
		return false
	}
	v, p = intAt(b, p+14)
	if req.Context.Hour = int(v); !keyAt(b, p, wordWeekday, mask8) {
		return false
	}
	v, p = intAt(b, p+8)
	req.Context.Weekday = int(v)
	if c == 0x83 {
		if !keyAt(b, p, wordDevice, mask7) {
			return false
		}
		req.Context.Device, p = viewAt(b, p+7)
	}
	if optional > 0 && keyAt(b, p, wordCategory, mask8) && b[p+8] == 'y' && len(b)-p > 10 {
		req.Category, p = viewAt(b, p+9)
		optional--
	}
	if optional > 0 && keyAt(b, p, wordSeen, mask5) {
		var s string
		s, p = viewAt(b, p+5)
		req.Seen = Seen(s)
		optional--
	}
	if !keyAt(b, p, wordExplain, mask8) || b[p+8]&0xfe != 0xc2 {
		return false
	}
	req.Explain, p = b[p+8] == 0xc3, p+9
	if optional > 0 && keyAt(b, p, wordMode, mask5) {
		var s string
		s, p = viewAt(b, p+5)
		req.Mode = Mode(s)
		optional--
	}
	return optional == 0 && p == len(b)
}

// intAt reads the integer at b[p], of any width that fits an int64, and
// returns it with the offset past it; the offset is len(b)+1 (so that
// every later check fails) for anything else, or past the end. A
// positive fixint is read inline; p < len(b).
func intAt(b []byte, p int) (int64, int) {
	if c := b[p]; c <= 0x7f { // p < len(b): each caller checked a key before it
		return int64(c), p + 1
	}
	return intAtSlow(b, p)
}

func intAtSlow(b []byte, p int) (int64, int) {
	if p >= len(b) {
		return 0, len(b) + 1
	}
	c := b[p]
	if c >= 0xe0 {
		return int64(int8(c)), p + 1
	}
	if c < 0xcc || c > 0xd3 {
		return 0, len(b) + 1
	}
	size := 1 << ((c - 0xcc) & 3)
	if size >= len(b)-p {
		return 0, len(b) + 1
	}
	var u uint64
	if size == 8 { // times: one load
		u = bits.ReverseBytes64(binary.LittleEndian.Uint64(b[p+1:]))
	} else {
		for i := p + 1; i <= p+size; i++ {
			u = u<<8 | uint64(b[i])
		}
	}
	v := int64(u)
	if c >= 0xd0 { // signed: extend from size bytes
		shift := uint(64 - 8*size)
		v = int64(u<<shift) >> shift
	} else if v < 0 {
		return 0, len(b) + 1 // a uint64 past MaxInt64: the general decoder's error
	}
	return v, p + 1 + size
}

// viewAt reads the fixstr or str8 at b[p] as a view into b and returns it
// with the offset past it, len(b)+1 for anything else.
func viewAt(b []byte, p int) (string, int) {
	s, e := wire.StrAt(b, p, math.MaxInt32)
	if e < 0 {
		return "", len(b) + 1
	}
	if e == s {
		return "", e
	}
	return unsafe.String(&b[s], e-s), e
}

func (d *decoder) history() History {
	n := d.arrayLen(maxRequestElems, "history")
	if n < 0 {
		return nil
	}
	h := make(History, n)
	b := d.r.Doc()
	for i := range h {
		if e, q, ok := d.event(b, d.r.Offset()); ok {
			h[i] = e
			d.r.Seek(q)
			continue
		}
		if d.r.Nil() {
			continue
		}
		for range d.mapLen("event") {
			switch string(d.key("event key")) {
			case "item":
				h[i].Item = d.str(math.MaxInt32, "event item")
			case "kind":
				h[i].Kind = d.kind()
			case "at":
				h[i].At = d.int("event at")
			default:
				d.r.Skip("unknown event field")
			}
			if d.r.Err() != nil {
				return nil
			}
		}
	}
	return h
}

// event parses the event at b[p] when it has the encoding EncodeRequest
// and the SDK write: a 3-map of "item" (fixstr or str8), "kind" (one of
// the three kinds, a fixstr) and "at" (any integer that fits an int64), in
// that order. It returns the event and the offset past it; ok false
// leaves the event to the Reader, which accepts these bytes too but costs
// a call per key and value (in V8, a sixth of a 50-event request).
func (d *decoder) event(b []byte, p int) (e Event, q int, ok bool) {
	if p+6 > len(b) || b[p] != 0x83 || string(b[p+1:p+6]) != "\xa4item" {
		return Event{}, 0, false
	}
	is, ie := wire.StrAt(b, p+6, math.MaxInt32)
	if ie < 0 || ie+6 > len(b) || string(b[ie:ie+5]) != "\xa4kind" {
		return Event{}, 0, false
	}
	ks, ke := wire.StrAt(b, ie+5, 8)
	if ke < 0 || ke+4 > len(b) || string(b[ke:ke+3]) != "\xa2at" {
		return Event{}, 0, false
	}
	switch string(b[ks:ke]) {
	case string(KindView):
		e.Kind = KindView
	case string(KindCart):
		e.Kind = KindCart
	case string(KindPurchase):
		e.Kind = KindPurchase
	default:
		return Event{}, 0, false
	}
	q = ke + 3
	switch c := b[q]; {
	case c <= 0x7f:
		e.At, q = int64(c), q+1
	case c >= 0xe0:
		e.At, q = int64(int8(c)), q+1
	case (c == 0xcf || c == 0xd3) && q+9 <= len(b):
		e.At, q = int64(binary.BigEndian.Uint64(b[q+1:])), q+9
		if c == 0xcf && e.At < 0 { // a uint64 past MaxInt64
			return Event{}, 0, false
		}
	default: // the shorter integers, and anything else: the Reader
		return Event{}, 0, false
	}
	if ie > is {
		e.Item = d.strOf(b[is:ie])
	}
	return e, q, true
}

// kind reads an event kind; the three known ones cost no allocation.
func (d *decoder) kind() Kind {
	switch k := d.r.Raw(math.MaxInt32, "event kind"); string(k) {
	case string(KindView):
		return KindView
	case string(KindCart):
		return KindCart
	case string(KindPurchase):
		return KindPurchase
	default:
		return Kind(k)
	}
}

func (d *decoder) context() Context {
	var c Context
	for range d.mapLen("context") {
		switch string(d.key("context key")) {
		case "hour":
			c.Hour = int(d.int("context hour"))
		case "weekday":
			c.Weekday = int(d.int("context weekday"))
		case "device":
			c.Device = d.str(math.MaxInt32, "context device")
		default:
			d.r.Skip("unknown context field")
		}
		if d.r.Err() != nil {
			break
		}
	}
	return c
}

func (d *decoder) strings(max int, what string) []string {
	n := d.arrayLen(max, what)
	if n < 0 {
		return nil
	}
	s := make([]string, n)
	for i := range s {
		s[i] = d.str(math.MaxInt32, what)
	}
	return s
}

// DecodeLoadRequest decodes a MessagePack LoadRequest with the checks of
// DecodeRequest. The byte fields of the result are sub-slices of b, not
// copies: a bundle is megabytes, and the model keeps views into its
// artifacts, so b must stay alive and unchanged as long as the request or
// a model loaded from it is in use.
func DecodeLoadRequest(b []byte) (LoadRequest, error) {
	d := &decoder{r: wire.NewReader(b)}
	var req LoadRequest
	if len(b) == 0 {
		d.r.Invalid("load request", "no bytes")
	}
	for range d.mapLen("load request") {
		switch string(d.key("load request key")) {
		case "manifest":
			req.Manifest = d.view("manifest")
		case "signature":
			req.Signature = d.view("signature")
		case "weights":
			req.Weights = d.view("weights")
		case "catalog":
			req.Catalog = d.view("catalog")
		case "wasm_sha256":
			req.WasmSHA256 = d.view("wasm_sha256")
		case "weights_sha256":
			req.WeightsSHA256 = d.view("weights_sha256")
		case "catalog_sha256":
			req.CatalogSHA256 = d.view("catalog_sha256")
		case "keys":
			if n := d.arrayLen(maxLoadKeys, "keys"); n >= 0 {
				req.Keys = make([][]byte, n)
				for i := range req.Keys {
					req.Keys[i] = d.view("key")
				}
			} else {
				req.Keys = nil
			}
		case "now":
			req.Now = d.int("now")
		case "min_version":
			req.MinVersion = d.uint(math.MaxUint64, "min_version")
		default:
			d.r.Skip("unknown field")
		}
		if d.r.Err() != nil {
			break
		}
	}
	if err := d.finish("decode load request"); err != nil {
		return LoadRequest{}, err
	}
	return req, nil
}

// EncodeRequest encodes r as msgpack.Marshal would.
func EncodeRequest(r *Request) []byte {
	w := wire.NewWriterSize(64 + 32*len(r.History))
	n := 5
	if len(r.Exclude) > 0 {
		n++
	}
	if r.Category != "" {
		n++
	}
	if r.Seen != "" {
		n++
	}
	if r.Mode != "" {
		n++
	}
	w.Map(n)
	w.String("k")
	w.Int(int64(r.K))
	w.String("history")
	if r.History == nil {
		w.Nil()
	} else {
		w.Array(len(r.History))
		for _, e := range r.History {
			w.Map(3)
			w.String("item")
			w.String(e.Item)
			w.String("kind")
			w.String(string(e.Kind))
			w.String("at")
			w.Int64(e.At)
		}
	}
	w.String("now")
	w.Int64(r.Now)
	w.String("context")
	if r.Context.Device != "" {
		w.Map(3)
	} else {
		w.Map(2)
	}
	w.String("hour")
	w.Int(int64(r.Context.Hour))
	w.String("weekday")
	w.Int(int64(r.Context.Weekday))
	if r.Context.Device != "" {
		w.String("device")
		w.String(r.Context.Device)
	}
	if len(r.Exclude) > 0 {
		w.String("exclude")
		w.Array(len(r.Exclude))
		for _, s := range r.Exclude {
			w.String(s)
		}
	}
	if r.Category != "" {
		w.String("category")
		w.String(r.Category)
	}
	if r.Seen != "" {
		w.String("seen")
		w.String(string(r.Seen))
	}
	w.String("explain")
	w.Bool(r.Explain)
	if r.Mode != "" {
		w.String("mode")
		w.String(string(r.Mode))
	}
	return w.Bytes()
}

// EncodeLoadRequest encodes r as msgpack.Marshal would.
func EncodeLoadRequest(r *LoadRequest) []byte {
	size := 256 + len(r.Manifest) + len(r.Signature) + len(r.Weights) + len(r.Catalog) + 40*len(r.Keys)
	w := wire.NewWriterSize(size)
	n := 8
	if len(r.WeightsSHA256) > 0 {
		n++
	}
	if len(r.CatalogSHA256) > 0 {
		n++
	}
	w.Map(n)
	w.String("manifest")
	w.Bin(r.Manifest)
	w.String("signature")
	w.Bin(r.Signature)
	w.String("weights")
	w.Bin(r.Weights)
	w.String("catalog")
	w.Bin(r.Catalog)
	w.String("wasm_sha256")
	w.Bin(r.WasmSHA256)
	if len(r.WeightsSHA256) > 0 { // omitempty
		w.String("weights_sha256")
		w.Bin(r.WeightsSHA256)
	}
	if len(r.CatalogSHA256) > 0 {
		w.String("catalog_sha256")
		w.Bin(r.CatalogSHA256)
	}
	w.String("keys")
	if r.Keys == nil {
		w.Nil()
	} else {
		w.Array(len(r.Keys))
		for _, k := range r.Keys {
			w.Bin(k)
		}
	}
	w.String("now")
	w.Int64(r.Now)
	w.String("min_version")
	w.Uint64(r.MinVersion)
	return w.Bytes()
}

// EncodeResponse encodes r as msgpack.Marshal would.
func EncodeResponse(r *Response) []byte {
	w := wire.NewWriterSize(32 + 64*len(r.Items))
	writeResponse(w, r)
	return w.Bytes()
}

// EncodeResponseEnvelope is EncodeEnvelope of a successful EncodeResponse,
// written in one buffer (the module answers every request with it).
func EncodeResponseEnvelope(r *Response) []byte {
	return AppendResponseEnvelope(make([]byte, 0, 64+64*len(r.Items)), r)
}

// AppendResponseEnvelope is EncodeResponseEnvelope into dst[:0], whose
// capacity it uses before allocating: the module hands it a buffer the
// host freed.
func AppendResponseEnvelope(dst []byte, r *Response) []byte {
	w := wire.NewWriterBuf(dst)
	writeOKEnvelope(w)
	writeResponse(w, r)
	return w.Bytes()
}

// writeOKEnvelope writes an envelope with code 0 and no message, up to its
// result, which the caller writes next (it is the last key).
func writeOKEnvelope(w *wire.Writer) {
	// {"code": uint16 0, "message": "", "result": …}, as EncodeEnvelope
	// writes it (the tests compare).
	w.Lit("\x83\xa4code\xcd\x00\x00\xa7message\xa0\xa6result")
}

// writeResponse writes the constant keys with the map headers around them
// as literals: a response is written on every request.
func writeResponse(w *wire.Writer, r *Response) {
	writeResponseHead(w, r.K, len(r.Items), r.Items == nil)
	for i := range r.Items {
		writeItem(w, &r.Items[i])
	}
	writeUnknown(w, r.Unknown)
}

// writeResponseHead writes a response's keys up to its items' array
// header (n items; nilItems: nil instead of an array).
func writeResponseHead(w *wire.Writer, k, n int, nilItems bool) {
	if uint64(k) < 0x80 && !nilItems && n < 0x10 {
		// The usual head, {"k": fixint, "items": fixarray, in two stores.
		d := (*[11]byte)(w.Avail(11))
		binary.LittleEndian.PutUint64(d[:], 0x83|0xa1<<8|'k'<<16|uint64(k)<<24|0xa5<<32|'i'<<40|'t'<<48|'e'<<56)
		binary.LittleEndian.PutUint32(d[7:], 'e'|'m'<<8|'s'<<16|uint32(0x90|n)<<24)
		w.Commit(11)
		return
	}
	w.Lit("\x83\xa1k")
	w.Int(int64(k))
	w.Lit("\xa5items")
	if nilItems {
		w.Nil()
	} else {
		w.Array(n)
	}
}

// writeItem writes one response item.
func writeItem(w *wire.Writer, it *Recommendation) {
	if src := plainSource(it); src != 0 {
		d := w.Avail(plainRoom)
		w.Commit(putPlain(&d[0], it.Item, bits.ReverseBytes64(math.Float64bits(it.Score)), src))
		return
	}
	w.Map(3 + b2i(len(it.Because) > 0) + b2i(it.Bought != 0) + b2i(it.LastBought != 0))
	w.Lit("\xa4item")
	w.String(it.Item)
	w.Lit("\xa5score")
	w.Float(it.Score)
	w.Lit("\xa6source")
	w.String(string(it.Source))
	if len(it.Because) > 0 {
		w.Lit("\xa7because")
		w.Array(len(it.Because))
		for _, b := range it.Because {
			w.Lit("\x82\xa4item")
			w.String(b.Item)
			w.Lit("\xa5share")
			w.Float(b.Share)
		}
	}
	if it.Bought != 0 { // ModeBuyAgain's explanation
		w.Lit("\xa6bought")
		w.Int(int64(it.Bought))
	}
	if it.LastBought != 0 {
		w.Lit("\xablast_bought")
		w.Int64(it.LastBought)
	}
}

// writeUnknown writes a response's last key, its count of unknown items.
func writeUnknown(w *wire.Writer, unknown int) {
	if uint64(unknown) < 0x80 {
		d := (*[9]byte)(w.Avail(9))
		binary.LittleEndian.PutUint64(d[:], 0xa7|'u'<<8|'n'<<16|'k'<<24|'n'<<32|'o'<<40|'w'<<48|'n'<<56)
		d[8] = byte(unknown)
		w.Commit(9)
		return
	}
	w.Lit("\xa7unknown")
	w.Int(int64(unknown))
}

// EnvelopeRoom is the capacity into which AppendPopular and
// AppendRecommendEnvelope write the envelope of a response of k plain
// items (no reasons, ids under 32 bytes) without growing it.
func EnvelopeRoom(k int) int { return 64 + plainRoom*k }

// plainRoom is the most bytes putPlain writes: a plain item (plainSource)
// of a 31-byte id, and the few bytes past its end its last store writes.
const plainRoom = 7 + 31 + 30

// plainSource returns the source of it as a fixstr in a little-endian
// word when it is the usual item (no reasons or purchase counts, an id
// under 32 bytes, a source of this version), and 0 when it is not.
// writeResponse writes such an item in place after the document, a few
// word stores (putPlain), the same bytes as the general path: seven
// Writer calls an item, each a copy through memmove, were a quarter of a
// no-history request in V8.
func plainSource(it *Recommendation) uint64 {
	if len(it.Because) > 0 || it.Bought != 0 || it.LastBought != 0 || len(it.Item) >= 32 {
		return 0
	}
	switch it.Source {
	case SourcePopular:
		return plainPopular
	case SourceHistory:
		return 0xa7 | 'h'<<8 | 'i'<<16 | 's'<<24 | 't'<<32 | 'o'<<40 | 'r'<<48 | 'y'<<56
	case SourceRepeat:
		return 0xa6 | 'r'<<8 | 'e'<<16 | 'p'<<24 | 'e'<<32 | 'a'<<40 | 't'<<48
	}
	return 0
}

// plainPopular is SourcePopular as plainSource returns it.
const plainPopular = 0xa7 | 'p'<<8 | 'o'<<16 | 'p'<<24 | 'u'<<32 | 'l'<<40 | 'a'<<48 | 'r'<<56

// writePopular writes a response of the popular candidates best alone:
// the bytes writeResponse writes for the Response fillPopular would have
// made of them, without making it; their plain items in one call of
// putPopular (codec_wasm.s, codec_generic.go) while the ids are short.
func (m *Model) writePopular(w *wire.Writer, k int, best []cand) {
	writeResponseHead(w, k, len(best), false)
	for len(best) > 0 {
		items, n := putPopular(w.Avail(plainRoom*len(best)), best, m.ids, m.idOff)
		w.Commit(n)
		if best = best[items:]; len(best) > 0 { // an id of 32 bytes or more
			c := best[0]
			writeItem(w, &Recommendation{Item: m.idString(c.item), Score: float64(c.score), Source: SourcePopular})
			best = best[1:]
		}
	}
	writeUnknown(w, 0)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// DecodeResponse decodes a Response as a host receives it from a module it
// does not trust: at most MaxK items of at most MaxExplain reasons, ids of
// at most MaxIDLen bytes. Errors wrap ErrBadRequest or ErrTooLarge.
func DecodeResponse(b []byte) (Response, error) {
	d := &decoder{r: wire.NewReader(b)}
	var res Response
	if len(b) == 0 || b[0] == 0xc0 {
		d.r.Invalid("response", "no value")
	}
	for range d.mapLen("response") {
		switch string(d.key("response key")) {
		case "k":
			res.K = int(d.int("k"))
		case "items":
			res.Items = d.recommendations()
		case "unknown":
			res.Unknown = int(d.int("unknown"))
		default:
			d.r.Skip("unknown field")
		}
		if d.r.Err() != nil {
			break
		}
	}
	if err := d.finish("decode response"); err != nil {
		return Response{}, err
	}
	return res, nil
}

func (d *decoder) recommendations() []Recommendation {
	n := d.arrayLen(maxResultItems, "items")
	if n < 0 {
		return nil
	}
	recs := make([]Recommendation, n)
	for i := range recs {
		rec := &recs[i]
		for range d.mapLen("item") {
			switch string(d.key("item key")) {
			case "item":
				rec.Item = d.str(MaxIDLen, "item id")
			case "score":
				rec.Score = d.float("score")
			case "source":
				rec.Source = Source(d.str(maxResultText, "source"))
			case "because":
				if m := d.arrayLen(MaxExplain, "because"); m >= 0 {
					rec.Because = make([]Reason, m)
					for j := range rec.Because {
						rec.Because[j] = d.reason()
					}
				} else {
					rec.Because = nil
				}
			case "bought":
				rec.Bought = int(d.int("bought"))
			case "last_bought":
				rec.LastBought = d.int("last_bought")
			default:
				d.r.Skip("unknown item field")
			}
			if d.r.Err() != nil {
				return nil
			}
		}
	}
	return recs
}

func (d *decoder) reason() Reason {
	var r Reason
	for range d.mapLen("reason") {
		switch string(d.key("reason key")) {
		case "item":
			r.Item = d.str(MaxIDLen, "reason item")
		case "share":
			r.Share = d.float("reason share")
		default:
			d.r.Skip("unknown reason field")
		}
		if d.r.Err() != nil {
			break
		}
	}
	return r
}

// EncodeLoadResult encodes r as msgpack.Marshal would.
func EncodeLoadResult(r *LoadResult) []byte {
	w := wire.NewWriterSize(160)
	writeLoadResult(w, r)
	return w.Bytes()
}

// EncodeLoadResultEnvelope is EncodeEnvelope of a successful
// EncodeLoadResult, written in one buffer.
func EncodeLoadResultEnvelope(r *LoadResult) []byte {
	w := wire.NewWriterSize(192)
	writeOKEnvelope(w)
	writeLoadResult(w, r)
	return w.Bytes()
}

func writeLoadResult(w *wire.Writer, r *LoadResult) {
	w.Map(9)
	w.String("version")
	w.Uint64(r.Version)
	w.String("key_id")
	w.String(r.KeyID)
	w.String("created")
	w.Int64(r.Created)
	w.String("expires")
	w.Int64(r.Expires)
	w.String("items")
	w.Int(int64(r.Items))
	w.String("bundle_id")
	w.String(r.BundleID)
	w.String("epsilon")
	w.Float(r.Epsilon)
	w.String("delta")
	w.Float(r.Delta)
	w.String("kind")
	w.String(r.Kind)
}

// DecodeLoadResult decodes a LoadResult as a host receives it from a module
// it does not trust. Errors wrap ErrBadRequest or ErrTooLarge.
func DecodeLoadResult(b []byte) (LoadResult, error) {
	d := &decoder{r: wire.NewReader(b)}
	var res LoadResult
	if len(b) == 0 || b[0] == 0xc0 {
		d.r.Invalid("load result", "no value")
	}
	for range d.mapLen("load result") {
		switch string(d.key("load result key")) {
		case "version":
			res.Version = d.uint(math.MaxUint64, "version")
		case "key_id":
			res.KeyID = d.str(maxResultText, "key_id")
		case "created":
			res.Created = d.int("created")
		case "expires":
			res.Expires = d.int("expires")
		case "items":
			res.Items = int(d.int("items"))
		case "bundle_id":
			res.BundleID = d.str(maxResultText, "bundle_id")
		case "epsilon":
			res.Epsilon = d.float("epsilon")
		case "delta":
			res.Delta = d.float("delta")
		case "kind":
			res.Kind = d.str(maxResultText, "kind")
		default:
			d.r.Skip("unknown field")
		}
		if d.r.Err() != nil {
			break
		}
	}
	if err := d.finish("decode load result"); err != nil {
		return LoadResult{}, err
	}
	return res, nil
}

// EncodeEnvelope encodes env with its Result inline (not as a bin), which
// is what msgpack.Marshal writes for a msgpack.RawMessage.
func EncodeEnvelope(env *Envelope) []byte {
	w := wire.NewWriterSize(32 + len(env.Message) + len(env.Result))
	w.Map(3)
	w.String("code")
	w.Uint16(uint16(env.Code))
	w.String("message")
	w.String(env.Message)
	w.String("result")
	if env.Result == nil {
		w.Nil()
	} else {
		w.Raw(env.Result)
	}
	return w.Bytes()
}

// DecodeEnvelope decodes a result envelope as a host receives it. Result
// is the raw MessagePack of the result value, a sub-slice of b; a result
// sent as a bin holding MessagePack (what msgpack.Marshal writes for this
// struct) is unwrapped, as the JS SDK does. Errors wrap ErrBadRequest or
// ErrTooLarge.
func DecodeEnvelope(b []byte) (Envelope, error) {
	d := &decoder{r: wire.NewReader(b)}
	var env Envelope
	if len(b) == 0 {
		d.r.Invalid("envelope", "no bytes")
	}
	for range d.mapLen("envelope") {
		switch string(d.key("envelope key")) {
		case "code":
			env.Code = Code(d.uint(math.MaxUint16, "code"))
		case "message":
			env.Message = d.str(maxMessage, "message")
		case "result":
			if c, ok := d.r.Peek(); ok && (c == 0xc4 || c == 0xc5 || c == 0xc6) {
				env.Result = d.r.View(math.MaxInt32, "result")
			} else {
				env.Result = d.r.SkipRaw("result")
			}
		default:
			d.r.Skip("unknown field")
		}
		if d.r.Err() != nil {
			break
		}
	}
	if err := d.finish("decode envelope"); err != nil {
		return Envelope{}, err
	}
	return env, nil
}
