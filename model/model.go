package model

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/privrec/privrec/model/internal/wire"
)

// Model scores recommendations. It is immutable after construction and safe
// for concurrent use: Recommend keeps per-call buffers in a pool, and zeroes
// every entry it wrote before it returns a buffer there; the rest of a
// call's garbage (the decoded request) is unreferenced but not wiped until
// the Go heap reuses it.
//
// A Model is the weights artifact's own form: item ids, neighbour columns
// and weights, and product-quantization codes are views into the artifact's
// bytes, checked once when decoded. Its memory beyond the artifact is a few
// bytes per item (id and row offsets, a popularity copy, catalog flags).
type Model struct {
	kind     ModelKind
	n        int
	ids      []byte   // item ids back to back, ascending
	idOff    []uint32 // n+1 offsets: id i is ids[idOff[i]:idOff[i+1]]
	idKey    []uint64 // each id's first 8 bytes, big-endian, zero-padded (lookup)
	pop      []float32
	popTop   []int32 // the most popular items, best first (see topPopular)
	contexts map[string]contextList
	timed    [24 + 7]contextList // contexts["hour:H"] at H, contexts["weekday:D"] at 24+D
	params   Params
	bundleID [16]byte

	nb  *neighbors // kind ModelNeighbors
	emb *embedding // kind ModelEmbedding

	// From the catalog; nil when the model has none.
	available []bool
	catOf     []uint32          // category of each item: 0 none, else index+1 into cats; nil: none has one
	cats      map[string]uint32 // category → its number in catOf

	scratch scratchPool // per-call buffers (scratch_wasm.go, scratch_other.go)
}

// neighbors is the item-to-item table: the weights of item i's row are
// vals[rowStart[i]:rowStart[i+1]] (int8, times scales[i]) for the items at
// the same positions of cols (width bytes each).
type neighbors struct {
	rowStart []uint32
	width    int
	cols     []byte
	vals     []byte
	scales   []float32
}

// col is the item of neighbour p.
func (nb *neighbors) col(p uint32) int32 {
	if nb.width == 2 {
		return int32(binary.LittleEndian.Uint16(nb.cols[2*p:]))
	}
	return int32(binary.LittleEndian.Uint32(nb.cols[4*p:]))
}

// weight is the dequantized weight of neighbour p of row i.
func (nb *neighbors) weight(i int32, p uint32) float32 {
	return float32(float32(int8(nb.vals[p])) * nb.scales[i])
}

// contextList is one context's boosted items (uint32 LE) and their scores.
type contextList struct {
	items  []byte
	scores []float32
}

func (c contextList) item(j int) uint32 { return binary.LittleEndian.Uint32(c.items[4*j:]) }

// Build turns a trained Spec into a Model, for experiments and evaluation.
// It goes through EncodeWeights and DecodeWeights, so the Model scores
// exactly as the shipped artifact does (quantization included).
func Build(s *Spec) (*Model, error) {
	w, err := EncodeWeights(s, [16]byte{})
	if err != nil {
		return nil, err
	}
	m, err := DecodeWeights(w)
	if err != nil {
		return nil, wrapf("build: %w (please report it)", err)
	}
	return m, nil
}

// Items returns the number of items the model knows.
func (m *Model) Items() int { return m.n }

// Kind returns the model's kind.
func (m *Model) Kind() ModelKind { return m.kind }

// BundleID returns the id of the bundle the model was decoded from (zero for
// a model made by Build).
func (m *Model) BundleID() [16]byte { return m.bundleID }

// id returns item i's id bytes (a view: do not modify).
func (m *Model) id(i int32) []byte { return m.ids[m.idOff[i]:m.idOff[i+1]] }

// idString is item i's id as a string that shares the artifact's bytes:
// responses name up to MaxK items, and a copy of each id was a tenth of a
// no-history request in V8. It is safe because the artifact is never
// modified while the model or anything it returned is in use (the
// contract of DecodeWeights and Load).
func (m *Model) idString(i int32) string {
	b := m.id(i)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// ItemID returns the id of item i, 0 <= i < Items().
func (m *Model) ItemID(i int) string { return string(m.id(int32(i))) }

// lookup finds an item by id: a binary search over the ids' 8-byte
// prefix keys (integers: no call per step, where a string comparison is
// one), then over the ids sharing id's key, if more than one does. The
// keys ascend with the ids, so those ids are one run.
func (m *Model) lookup(id string) (int32, bool) {
	key := prefixKey(id)
	keys := m.idKey[:m.n]
	lo := searchKeys(keys, key) // sort_wasm.s, sort_generic.go
	if lo == len(keys) || keys[lo] != key {
		return 0, false
	}
	if len(id) < 8 { // usually the only id with its key (others would pad it with zero bytes)
		if s := m.id(int32(lo)); string(s) == id {
			return int32(lo), true
		}
	}
	hi := len(keys)
	for a := lo; a < hi; { // the first key > key: the end of the run
		mid := int(uint(a+hi) >> 1)
		if keys[mid] <= key {
			a = mid + 1
		} else {
			hi = mid
		}
	}
	for lo < hi { // the first id >= id within the run
		mid := int(uint(lo+hi) >> 1)
		if string(m.id(int32(mid))) < id {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < m.n && string(m.id(int32(lo))) == id {
		return int32(lo), true
	}
	return 0, false
}

// prefixKey is the first 8 bytes of s as a big-endian integer, zero-padded:
// a < b implies prefixKey(a) <= prefixKey(b).
func prefixKey[S string | []byte](s S) uint64 {
	if len(s) >= 8 {
		return uint64(s[0])<<56 | uint64(s[1])<<48 | uint64(s[2])<<40 | uint64(s[3])<<32 |
			uint64(s[4])<<24 | uint64(s[5])<<16 | uint64(s[6])<<8 | uint64(s[7])
	}
	var k uint64
	for i := 0; i < len(s); i++ {
		k |= uint64(s[i]) << (56 - 8*i)
	}
	return k
}

// withCatalog restricts m to the items of catalog c (a catalog artifact)
// and takes the categories from it. It scans c without keeping any of it,
// with the checks of DecodeCatalog but without building the items: the
// usual catalog (items in the model's order and the usual encoding, each
// with no category or the last one this loop took) is one call of
// catalogRun (catalog_wasm.s: a loop over the items was a quarter of the
// model's load in V8), and this loop takes every other item, one at a
// time, with the same checks in the same order, then hands the rest back.
// No callback per item (a closure call per item was a tenth of a load in
// V8). catOf stays nil while no item has a category (a request's category
// filter then has number 0 and leaves nothing, without reading it).
func (m *Model) withCatalog(c []byte) error {
	m.available = make([]bool, m.n)
	m.cats = make(map[string]uint32)
	r := wire.NewReader(c)
	if _, err := checkHeader(r, catalogFields, KindCatalog); err != nil {
		return err
	}
	var dup []byte
	next := int32(0) // catalogs are written in id order: try the next item first
	n := r.ArrayLen(MaxItems, 6, "items")
	b := r.Doc()
	var cat []byte // the last category taken here, number catNum
	var catNum uint32
	// After a call of catalogRun that took no item, the next 1, 3, 7, 15,
	// then 31 items are left to this loop before it tries again: when
	// few items are usual (each with a category of its own), the calls
	// cost no more than a few percent of the loop (one an item was 40%).
	misses, skip := 0, 0
	for k := 0; k < n; k++ {
		if skip > 0 {
			skip--
		} else if done, q, nx := catalogRun(b, r.Offset(), n-k, m.ids, m.idOff, m.available, m.catOf, cat, int(catNum), int(next)); done > 0 {
			misses = 0
			r.Seek(q)
			next = int32(nx)
			if k += done; k == n {
				break
			}
		} else {
			misses = min(misses+1, 5)
			skip = 1<<misses - 1
		}
		id, category, ok := catalogItem(b, r)
		if !ok { // not the usual encoding: the Reader decides
			r.ExpectArray(5, "item")
			id = r.StrView(MaxIDLen, "item id")
			r.StrView(maxTitleLen, "title")
			r.Float("price")
			category = r.StrView(MaxIDLen, "category")
			for nt := r.ArrayLen(maxTags, 1, "tags"); nt > 0; nt-- {
				r.StrView(maxTagLen, "tag")
			}
			if r.Err() != nil {
				break
			}
		}
		if len(id) == 0 {
			return errorf(ErrCorrupt, "decode catalog: item %d has an empty id", k)
		}
		i := next
		if i >= int32(m.n) || string(m.id(i)) != string(id) {
			var ok bool
			if i, ok = m.lookup(string(id)); !ok {
				continue
			}
		}
		next = i + 1
		if m.available[i] && dup == nil {
			dup = id
		}
		m.available[i] = true
		if len(category) == 0 {
			continue
		}
		num, ok := m.cats[string(category)]
		if !ok {
			num = uint32(len(m.cats) + 1)
			m.cats[string(category)] = num
		}
		if m.catOf == nil {
			m.catOf = make([]uint32, m.n)
		}
		m.catOf[i] = num
		cat, catNum = category, num
	}
	if err := r.End(); err != nil {
		return formatErr("decode catalog", err)
	}
	if dup != nil {
		return errorf(ErrCorrupt, "decode catalog: item id %q appears twice", truncate(string(dup), 64))
	}
	return nil
}

// catalogItem parses the item at r's offset in b, the document, when it
// has the encoding EncodeCatalog writes (a 5-array; id, category and tags
// as fixstr or str8, the title as either, the price a finite float64, a
// fixarray of tags), all within its caps and in bounds, and moves r past
// it. Otherwise it returns ok false and leaves r where it was, for the
// Reader's methods, which accept exactly these bytes too but cost a call
// per field (in V8, most of a catalog's load).
func catalogItem(b []byte, r *wire.Reader) (id, category []byte, ok bool) {
	const _ = uint(maxTags - 15)                                                      // a fixarray of tags is within the cap
	is, ie, cs, ce, q := catalogScan(b, r.Offset(), MaxIDLen, maxTitleLen, maxTagLen) // catalog_wasm.s, catalog_generic.go
	if q < 0 {
		return nil, nil, false
	}
	r.Seek(q)
	return b[is:ie:ie], b[cs:ce:ce], true
}

// popTopSize is how many of the most popular items a model keeps in order:
// enough that the fallback almost never needs a full pass.
const popTopSize = 1024

// topPopular returns the min(n, size) most popular items, by descending
// popularity then ascending index (better's order).
//
// Each item becomes one uint64 whose ascending order is that order
// (popKey), so the work is a selection and a sort of plain integers, with
// no comparison function: a heap of cands was a sixth of a load in V8.
func topPopular(pop []float32, size int) []int32 {
	keys := make([]uint64, len(pop))
	popKeys(pop, keys) // sort_wasm.s, sort_generic.go
	return topKeys(keys, size)
}

// topKeys is topPopular on the scores' keys (popKeys), which it reorders.
func topKeys(keys []uint64, size int) []int32 {
	size = min(size, len(keys))
	if size < len(keys) {
		selectSmallest(keys, size)
		keys = keys[:size]
	}
	sortKeys(keys)
	out := make([]int32, size)
	for i, k := range keys {
		out[i] = int32(uint32(k))
	}
	return out
}

// popKey orders (score, item) as better does, ascending: the high word is
// the score's bits mapped to descending order (-0 as +0, so equal scores
// tie on the item), the low word the item. Scores are never NaN
// (decodeWeights refuses them).
func popKey(score float32, item int32) uint64 {
	if score == 0 {
		score = 0 // -0 → +0
	}
	b := math.Float32bits(score)
	if b&(1<<31) != 0 {
		b = ^b // negative: larger magnitude sorts lower
	} else {
		b |= 1 << 31
	}
	// b ascends with the score; ^b descends.
	return uint64(^b)<<32 | uint64(uint32(item))
}

// selectSmallest reorders keys so that its k smallest come first, in any
// order (quickselect, median-of-three pivots; keys are distinct).
func selectSmallest(keys []uint64, k int) {
	lo, hi := 0, len(keys)-1
	for lo < hi {
		i, j := partition(keys, lo, hi)
		switch {
		case k-1 <= j:
			hi = j
		case k-1 >= i:
			lo = i
		default:
			return
		}
	}
}

// sortKeys sorts distinct keys ascending: quicksort on partition, with an
// insertion sort for short ranges. (slices.Sort would do, but its uint64
// instantiation is 12 KB of module code.)
func sortKeys(keys []uint64) {
	for len(keys) > 12 {
		i, j := partition(keys, 0, len(keys)-1)
		// Recurse into the smaller side, loop on the larger: O(log n) depth.
		if j+1 < len(keys)-i {
			sortKeys(keys[:j+1])
			keys = keys[i:]
		} else {
			sortKeys(keys[i:])
			keys = keys[:j+1]
		}
	}
	insertionSort(keys) // sort_wasm.s, sort_generic.go
}

// partition splits keys[lo..hi] (lo < hi) around a median-of-three pivot
// and returns i, j with keys[lo..j] <= pivot <= keys[i..hi], j < i. The
// loop is partitionRange (sort_wasm.s, sort_generic.go), on a range
// checked here.
func partition(keys []uint64, lo, hi int) (int, int) {
	if lo < 0 || lo >= hi || hi >= len(keys) {
		panic("model: partition of a bad range")
	}
	return partitionRange(keys, lo, hi)
}

// scratch holds one call's dense per-item buffers. Every entry a call sets
// is reset before the scratch goes back to the pool, so no history outlives
// the call in it.
type scratch struct {
	scores    []float32 // personal scores (neighbours)
	touched   []int32   // items whose score was written
	boosted   []int32   // items a context boosts (fillPopular)
	mark      []bool    // touched / history items
	excluded  []bool
	boost     []float32 // context boost
	boostMark []bool    // items a context boosts (fillPopular's own mask)
	idx       []int32   // each event's item
	window    []int32   // the events that score
	xs        []histWeight
	hw        []weighted
	filter    filter  // the call's filter (its set is reused)
	heap      []cand  // fillPopular's heap
	popular   []int32 // appendPopular's items (fillPopular)
}

// grow returns b with length n, zeroed (buffers come back from the pool
// zeroed, so only a new one is allocated).
func growF(b []float32, n int) []float32 {
	if len(b) < n {
		return make([]float32, n)
	}
	return b[:n]
}

func growB(b []bool, n int) []bool {
	if len(b) < n {
		return make([]bool, n)
	}
	return b[:n]
}
