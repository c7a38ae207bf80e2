//go:build wasip1

// Command wasm is privrec's WebAssembly module: a WASI reactor exporting the
// ABI in ABI.md. It verifies signed bundles, keeps the last good model, and
// scores requests without any host call. Nothing else lives here; the logic
// is in model/.
package main

import (
	"runtime"
	"unsafe"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

func main() {}

// The garbage collector reads the clock (a host call), and recommend must
// make none. So automatic collection is off, and the module collects in
// privrec_load and privrec_free, where host calls are allowed, once enough
// has been allocated since the last collection.
func init() { setGCPercent(-1) }

// setGCPercent is runtime/debug.SetGCPercent without importing
// runtime/debug, which imports package os: os brings six fd_* WASI imports
// (fd_read among them) that nothing else in the module needs. The runtime
// provides the function under this name for runtime/debug (a "push"
// linkname, which the linker lets other packages pull too).
//
//go:linkname setGCPercent runtime/debug.setGCPercent
func setGCPercent(int32) int32

// gcEvery is how many bytes may be allocated between two collections.
const gcEvery = 8 << 20

// debt is an upper bound on the bytes allocated since the last collection:
// the module counts its own allocations instead of reading the runtime's
// counter, because reading any runtime metric links the runtime's metrics
// code (initMetrics: 14.4 KB of the module's brotli, wasm/RATIONALE.md),
// and runtime.ReadMemStats stops the world, which reads the clock. Fresh
// buffers count their size; a load and a recommend count a bound on what
// they allocate, from what they were asked (the constants below), which
// host/collect_test.go checks against the same calls run natively.
var debt int

// longest is the most history events and excludes of a request since the
// last collection or load: the scratch for them grew to that once, and
// only longer requests grow it again.
var longest int

// The bounds of what one call allocates besides the buffers it is handed.
const (
	// A recommend: requestBase, plus requestPerK per item asked for (the
	// candidates kept), plus requestPerElem per history event or
	// exclude entry (the decoded history), plus growPerElem per one beyond
	// longest (the call's scratch for them grows, with append's slack),
	// plus the model's QueryBytes, plus with explain explainPerItem per
	// item asked for (its reasons) and explainPerPair per (item, history
	// event) pair (the reasons' candidates), plus its result buffer when
	// it is not a kept one (below). A request with no history allocates
	// nothing once the scratch is there.
	requestBase    = 256
	requestPerK    = 16
	requestPerElem = 160
	growPerElem    = 256
	explainPerItem = 128
	explainPerPair = 32
	// The model's scratch (dense scores and masks; the response's items,
	// which the module keeps), kept in a slot of the model
	// (model/scratch_wasm.go): recommends allocate it once per model, and
	// a load and a collection count it in advance (scratchCost; at a
	// collection an overestimate since the slot replaced a sync.Pool, which
	// a collection emptied).
	scratchBase    = 64 << 10
	scratchPerItem = 64
	// A load: loadBase, plus loadPerByte per request byte (the manifest's
	// decoding, one part in four; the artifacts are views), plus
	// loadPerItem per item of the model it builds.
	loadBase    = 64 << 10
	loadPerByte = 1 // divided by loadByteDiv
	loadByteDiv = 4
	loadPerItem = 96
	// A request that fails to decode: failedPerByte per request byte (the
	// decoder checks counts against the bytes, so what it allocated before
	// it failed is at most this).
	failedPerByte = 64
)

// Checking the debt costs nothing, but free still checks only every
// checkEvery calls, or once checkBytes of buffers were freed since the last
// check, as when a check read the runtime's counter: the calls that may
// collect are the same in every session whatever its requests (only a
// bundle-sized free adds one), which the audit's trace comparison relies
// on (host/audit_trace.go, "The collector's allowance").
const (
	checkEvery = 16
	checkBytes = 4 << 20
)

var frees, freedBytes int

// collectSometimes is collect every checkEvery frees or checkBytes
// freed bytes.
func collectSometimes(freed int) {
	frees++
	freedBytes += freed
	if frees < checkEvery && freedBytes < checkBytes {
		return
	}
	frees, freedBytes = 0, 0
	collect()
}

// collect runs the garbage collector if gcEvery bytes may have been
// allocated since the last run.
func collect() {
	if debt >= gcEvery {
		runtime.GC()
		debt, longest = scratchCost(current), 0
	}
}

// scratchCost bounds what recommends allocate for m's scratch between two
// collections.
func scratchCost(m *model.Model) int {
	if m == nil {
		return 0
	}
	return scratchBase + scratchPerItem*m.Items()
}

// maxBuffer caps one request buffer (a whole bundle plus a margin).
const maxBuffer = 256 << 20

var (
	// current is the last good model and version; a refused load never
	// replaces them, and no load may go below version (rollback).
	current *model.Model
	version uint64
	// currentBuf is the load request buffer current keeps views into
	// (model.Load keeps the model as views into the weights and catalog
	// bytes, and DecodeLoadRequest does not copy them). Holding it here
	// keeps it alive after the host frees it; replacing it on the next
	// successful load makes it garbage.
	currentBuf []byte
	// buffers keeps alive every buffer handed to the host, so the garbage
	// collector does not free it, with its address, newest last. The host
	// frees a call's buffers right after it, so there are two or three
	// and the lookups, from the newest, find theirs at once; a host that
	// keeps many pays a scan of them per call (and their memory, as it
	// would with a map; forget shrinks the list when most were freed).
	// A map's insert, lookup and delete per buffer were a twentieth of a
	// no-history request in V8.
	buffers []liveBuffer
	// adopted is the address of the buffer the current model was loaded
	// from, or 0: privrec_free forgets that buffer without clearing it.
	adopted uint32
	// spare is the buffer of a model a newer load replaced, once the host
	// had freed it: privrec_alloc hands it out again, cleared, for the
	// next buffer it fits (the next bundle, when a page swaps models), so
	// a swap does not leave a bundle of garbage for the collector.
	spare []byte
	// small holds request and result buffers of at most smallBuffer
	// bytes that the host freed, cleared to their capacity: alloc and
	// recommend take them before allocating, so a run of requests does
	// not draw fresh memory spans for every call with the collector off
	// (span refills were a sixth of a no-history request in V8).
	small [][]byte
	// items is the response items' slice recommend reuses (cleared after
	// each response is encoded).
	items []model.Recommendation
)

// smallBuffer and smallKept bound the buffers small keeps.
const (
	smallBuffer = 16 << 10
	smallKept   = 8
)

// takeSmall returns the smallest kept buffer of capacity >= n (length 0),
// so that request-sized ones serve requests and result-sized ones
// results; or a new one. (Not inlined: its three callers' copies were
// 1 KB of the module.)
//
//go:noinline
func takeSmall(n int) []byte {
	best := -1
	for i, b := range small {
		if cap(b) >= n && (best < 0 || cap(b) < cap(small[best])) {
			best = i
		}
	}
	if best < 0 {
		debt += n
		return make([]byte, 0, n)
	}
	b := small[best]
	small[best] = small[len(small)-1]
	small[len(small)-1] = nil
	small = small[:len(small)-1]
	return b
}

//go:wasmexport privrec_abi_version
func abiVersion() uint32 { return model.ABIVersion }

//go:wasmexport privrec_alloc
func alloc(size uint32) uint32 {
	if size == 0 || size > maxBuffer {
		return 0
	}
	if size <= smallBuffer {
		return keep(takeSmall(int(size))[:size]) // kept ones were cleared when freed
	}
	if s := spare; uint64(size) <= uint64(cap(s)) && uint64(size) >= uint64(cap(s))/2 {
		spare = nil
		b := s[:size]
		clear(b) // as fresh as make's
		return keep(b)
	}
	debt += int(size)
	return keep(make([]byte, size))
}

// liveBuffer is a buffer handed to the host and its address.
type liveBuffer struct {
	ptr uint32
	b   []byte
}

// liveSize is the bytes of a liveBuffer.
var liveSize = int(unsafe.Sizeof(liveBuffer{}))

// find returns the index in buffers of the buffer at ptr, or -1.
func find(ptr uint32) int {
	for i := len(buffers) - 1; i >= 0; i-- {
		if buffers[i].ptr == ptr {
			return i
		}
	}
	return -1
}

// forget removes buffers[i] (the last one takes its place).
func forget(i int) {
	last := len(buffers) - 1
	buffers[i] = buffers[last]
	buffers[last] = liveBuffer{}
	buffers = buffers[:last]
	if cap(buffers) > 64 && len(buffers) < cap(buffers)/4 {
		// Most of a hostile host's buffers were freed: give their list back.
		debt += liveSize * 2 * len(buffers)
		buffers = append(make([]liveBuffer, 0, 2*len(buffers)), buffers...)
	}
}

//go:wasmexport privrec_free
func free(ptr uint32) {
	if i := find(ptr); i >= 0 {
		b := buffers[i].b
		if ptr == adopted {
			// The current model's bundle bytes: public, and still in use.
			adopted = 0
		} else {
			clear(b[:cap(b)]) // requests hold history: leave none of it behind
			if cap(b) <= smallBuffer && len(small) < smallKept {
				small = append(small, b[:0])
			}
		}
		forget(i)
		collectSometimes(len(b))
	}
}

func keep(b []byte) uint32 {
	if len(b) == 0 {
		b = make([]byte, 1)[:0:1]
	}
	ptr := uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b))))
	if len(buffers) == cap(buffers) {
		debt += liveSize * 2 * (cap(buffers) + 4) // append's next array, at most
	}
	buffers = append(buffers, liveBuffer{ptr, b})
	return ptr
}

// input returns the host-written bytes of a buffer from privrec_alloc, or
// nil when ptr/len do not describe one.
func input(ptr, n uint32) []byte {
	i := find(ptr)
	if i < 0 || uint64(n) > uint64(len(buffers[i].b)) {
		return nil
	}
	return buffers[i].b[:n]
}

//go:wasmexport privrec_load
func load(ptr, n uint32) (packed uint64) {
	defer recoverInto(&packed)
	env, err := loadEnvelope(ptr, n)
	return reply(env, err)
}

// loadEnvelope is privrec_load's work: the envelope of its LoadResult, or
// its error.
func loadEnvelope(ptr, n uint32) ([]byte, error) {
	if in := input(ptr, n); in != nil {
		debt += loadBase + loadPerByte*len(in)/loadByteDiv
		req, err := model.DecodeLoadRequest(in) // views into in, no copies
		if err != nil {
			return nil, wrap("load: ", err)
		}
		req.MinVersion = max(req.MinVersion, version)
		man, err := bundle.Open(&req)
		if err != nil {
			return nil, err
		}
		m, err := model.Load(req.Weights, req.Catalog)
		if err != nil {
			debt += len(in) // what a refused model had built, at most
			return nil, err
		}
		debt += loadPerItem*m.Items() + scratchCost(m)
		longest = 0
		// Adopt the buffer: the model keeps views into it. The previous
		// one, if the host freed it, goes to spare (no one else refers to
		// it: the old model is garbage now).
		old, wasAdopted := currentBuf, adopted != 0
		current, version, currentBuf, adopted = m, man.Version, buffers[find(ptr)].b, ptr
		if !wasAdopted && len(old) > 0 && unsafe.SliceData(old) != unsafe.SliceData(currentBuf) {
			spare = old
		}
		// The old model is garbage now; it goes with a later collection
		// rather than a forced one here (a forced one was a sixth of a
		// load in V8), and the allocation counter is read only as often
		// as privrec_free reads it (a read was a twentieth of a load).
		defer collectSometimes(0)
		return model.EncodeLoadResultEnvelope(&model.LoadResult{
			Version:  man.Version,
			KeyID:    man.KeyID,
			Created:  man.Created,
			Expires:  man.Expires,
			Items:    m.Items(),
			BundleID: hexString(man.BundleID[:]),
			Epsilon:  man.Epsilon,
			Delta:    man.Delta,
			Kind:     string(m.Kind()),
		}), nil
	}
	return nil, fail(model.ErrBadRequest, "load: ptr/len do not name a buffer from privrec_alloc")
}

//go:wasmexport privrec_recommend
func recommend(ptr, n uint32) (packed uint64) {
	defer recoverInto(&packed)
	env, err := recommendEnvelope(ptr, n)
	return reply(env, err)
}

// recommendEnvelope is privrec_recommend's work: the envelope of its
// Response, or its error.
func recommendEnvelope(ptr, n uint32) ([]byte, error) {
	if current == nil {
		return nil, fail(model.ErrNotLoaded, "recommend: call privrec_load with a signed bundle first")
	}
	if in := input(ptr, n); in != nil {
		// A request with no history and no filter (a shopper without one,
		// or without consent) is answered from its bytes, and allocates
		// nothing but its result buffer (takeSmall counts a new one).
		if q, ok := model.DecodePopularRequest(in); ok {
			buf := takeSmall(model.EnvelopeRoom(responseK(q.K)))
			return grown(buf, current.AppendPopular(buf, q)), nil
		}
		// What a request that fails to decode may have allocated; once it
		// decoded, the bound of what it allocates instead.
		debt += requestBase + failedPerByte*len(in)
		// In place: the strings are views into in, which stays untouched
		// until privrec_free, after the response is encoded.
		req, err := model.DecodeRequestInPlace(in)
		if err != nil {
			return nil, wrap("recommend: ", err)
		}
		debt += requestCost(&req) - requestBase - failedPerByte*len(in)
		longest = max(longest, len(req.History)+len(req.Exclude))
		buf := takeSmall(model.EnvelopeRoom(responseK(req.K)))
		out, kept, err := current.AppendRecommendEnvelope(buf, items, &req)
		items = kept
		if err != nil {
			return nil, err
		}
		return grown(buf, out), nil
	}
	return nil, fail(model.ErrBadRequest, "recommend: ptr/len do not name a buffer from privrec_alloc")
}

// grown returns out, the envelope written into buf, and counts what its
// growth allocated (long ids, reasons), if it grew.
func grown(buf, out []byte) []byte {
	if cap(out) != cap(buf) {
		debt += 2 * cap(out) // append's doublings, at most
	}
	return out
}

// requestCost bounds what a decoded request allocates with the current
// model (the constants above and the model's QueryBytes;
// host/collect_test.go checks it).
func requestCost(req *model.Request) int {
	k := responseK(req.K)
	n := len(req.History) + len(req.Exclude)
	c := requestBase + requestPerK*k + requestPerElem*n + growPerElem*max(0, n-longest)
	if len(req.History) > 0 {
		perRequest, perEvent := current.QueryBytes()
		c += perRequest + perEvent*min(len(req.History), model.MaxHistory)
	}
	if req.Explain {
		c += explainPerItem*k + explainPerPair*k*min(len(req.History), model.MaxHistory)
	}
	return c
}

// responseK is how many items a response to a request for k holds at
// most.
func responseK(k int) int {
	if k <= 0 {
		return model.DefaultK
	}
	return min(k, model.MaxK)
}

// fail is the error "sentinel: msg", which unwraps to sentinel.
func fail(sentinel error, msg string) error {
	return &prefixed{sentinel.Error() + ": " + msg, sentinel}
}

// wrap prefixes err's message; the code is still err's (model.CodeOf).
func wrap(prefix string, err error) error { return &prefixed{prefix + err.Error(), err} }

type prefixed struct {
	msg string
	err error
}

func (p *prefixed) Error() string { return p.msg }
func (p *prefixed) Unwrap() error { return p.err }

// reply keeps env, or the envelope of err when there is one, in a buffer
// the host frees, and returns its address and length. The exports call
// it directly, and defer recoverInto, rather than running their body in a
// closure under reply's own deferred recover: a closure call and a
// deferred closure per call cost the no-history request a twentieth in
// V8.
func reply(env []byte, err error) uint64 {
	var out []byte
	if err == nil {
		out = env
	} else {
		out = model.EncodeEnvelope(&model.Envelope{Code: model.CodeOf(err), Message: err.Error()})
		debt += 1<<10 + 4*len(out) // the message and its envelope
	}
	return uint64(keep(out))<<32 | uint64(len(out))
}

// recoverInto, deferred by the exports that answer with an envelope,
// turns a panic into a CodeInternal envelope in *packed rather than a
// trap.
func recoverInto(packed *uint64) {
	if r := recover(); r != nil {
		*packed = reply(model.EncodeEnvelope(&model.Envelope{Code: model.CodeInternal, Message: "internal error: " + panicText(r) + " (please report it)"}), nil)
	}
}

// panicText is what fmt's %v would print for the usual panic values.
func panicText(r any) string {
	switch v := r.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return "panic"
}

// hexString is hex.EncodeToString; encoding/hex imports fmt, and fmt os.
func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&0x0f])
	}
	return string(out)
}
