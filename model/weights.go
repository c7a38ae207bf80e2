package model

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"sort"
	"unsafe"

	"github.com/privrec/privrec/model/internal/wire"
)

// The weights artifact, format version 2, is a MessagePack array:
//
//	0 kind "privrec/weights"   1 format version   2 bundle id (bin 16)
//	3 model kind ("neighbors" | "embedding")
//	4 item ids, back to back, strictly ascending (bin)
//	5 where each id ends in 4: n little-endian uint32 (bin)
//	6 popularity: n little-endian float32 (bin)
//	7 contexts: [[key, items (bin, uint32 LE), scores (bin, float32 LE)], …]
//	8 params: [half-life, view, cart, purchase, saturation, β, β half-life, popularity time
//	          (, repeat weight, repeat half-life: only when the repeat weight is set)]
//	9 body, by model kind:
//	  neighbors: [counts (bin, n uint16 LE), columns (bin, 2- or 4-byte LE
//	             indices, 2 when n <= 65,536), weights (bin, int8), row scales (bin, n float32)]
//	  embedding: [dims, subspaces, codebooks (bin, float32), codes (bin,
//	             n × subspaces bytes), fold (bin, dims² float32)]
//
// Every part a model needs at scoring time is laid out so that Load can keep
// views into the artifact instead of re-expanding it: memory stays
// proportional to what ships.
const weightsFields = 10

// paramsFields is the length of the params array: half-life, view, cart and
// purchase weights, saturation, popularity weight and half-life (floats),
// then the popularity time (uint, Unix ms).
const paramsFields = 8

// repeatParamsFields is the length of a params array with the repeat
// parameters (Params.RepeatWeight, RepeatHalfLifeDays) after the others.
// Weights without them still encode paramsFields, byte for byte as before.
const repeatParamsFields = paramsFields + 2

// maxIDBytes caps the concatenated item ids of a weights artifact.
const maxIDBytes = MaxItems * 64

// EncodeWeights packs a trained model into the weights artifact. Items are
// written in ascending id order (the decoder looks ids up by binary search);
// neighbour weights are quantized to 8 bits per row (scale = row max |w| /
// 127), which keeps each weight to 1 byte plus its 2- or 4-byte index.
func EncodeWeights(s *Spec, bundleID [16]byte) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, wrapf("encode weights: %w", err)
	}
	s = sortedSpec(s)
	n := len(s.Items)
	w := wire.NewWriter()
	writeHeader(w, weightsFields, KindWeights, bundleID)
	w.String(string(s.Kind()))
	var ids []byte
	ends := make([]byte, 0, 4*n)
	for _, id := range s.Items {
		ids = append(ids, id...)
		ends = binary.LittleEndian.AppendUint32(ends, uint32(len(ids)))
	}
	if len(ids) > maxIDBytes {
		return nil, errorf(ErrTooLarge, "encode weights: item ids take %d bytes; at most %d", len(ids), maxIDBytes)
	}
	w.Bin(ids)
	w.Bin(ends)
	w.Float32s(s.Popularity)
	keys := make([]string, 0, len(s.Contexts))
	for k := range s.Contexts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w.Array(len(keys))
	for _, k := range keys {
		list := s.Contexts[k]
		w.Array(3)
		w.String(k)
		var idx []byte
		v := make([]float32, len(list))
		for j, nb := range list {
			idx = appendIndex(idx, 4, nb.Item)
			v[j] = nb.Weight
		}
		w.Bin(idx)
		w.Float32s(v)
	}
	p := s.Params
	repeat := p.RepeatWeight > 0
	w.Array(paramsFields + 2*b2i(repeat))
	for _, f := range []float64{p.HalfLifeDays, p.ViewWeight, p.CartWeight, p.PurchaseWeight, p.Saturation, p.PopularityWeight, p.PopularityHalfLifeDays} {
		w.Float(f)
	}
	w.Uint(uint64(p.PopularityAt))
	if repeat {
		w.Float(p.RepeatWeight)
		w.Float(p.RepeatHalfLifeDays)
	}
	if e := s.Embedding; e != nil {
		w.Array(5)
		w.Uint(uint64(e.Dims))
		w.Uint(uint64(e.Subspaces))
		w.Float32s(e.Codebooks)
		w.Bin(e.Codes)
		w.Float32s(e.Fold)
		return w.Bytes(), nil
	}
	counts := make([]byte, 2*n)
	width := indexWidth(n)
	var cols, vals []byte
	scales := make([]float32, n)
	for i, row := range s.Neighbors {
		binary.LittleEndian.PutUint16(counts[2*i:], uint16(len(row)))
		scale := rowScale(row)
		scales[i] = scale
		for _, nb := range row {
			cols = appendIndex(cols, width, nb.Item)
			vals = append(vals, byte(quantize(nb.Weight, scale)))
		}
	}
	w.Array(4)
	w.Bin(counts)
	w.Bin(cols)
	w.Bin(vals)
	w.Float32s(scales)
	return w.Bytes(), nil
}

// sortedSpec returns s with its items in ascending id order, every index
// remapped; s itself when they already are.
func sortedSpec(s *Spec) *Spec {
	if slices.IsSorted(s.Items) {
		return s
	}
	n := len(s.Items)
	order := make([]int32, n) // new position → old index
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int { return cmp.Compare(s.Items[a], s.Items[b]) })
	newOf := make([]int32, n) // old index → new position
	for p, old := range order {
		newOf[old] = int32(p)
	}
	remap := func(row []Neighbor) []Neighbor {
		out := make([]Neighbor, len(row))
		for k, nb := range row {
			out[k] = Neighbor{Item: newOf[nb.Item], Weight: nb.Weight}
		}
		return out
	}
	out := &Spec{Items: make([]string, n), Popularity: make([]float32, n), Params: s.Params}
	if s.Contexts != nil {
		out.Contexts = make(map[string][]Neighbor, len(s.Contexts))
		for k, list := range s.Contexts {
			out.Contexts[k] = remap(list)
		}
	}
	if s.Neighbors != nil {
		out.Neighbors = make([][]Neighbor, n)
	}
	var e *Embedding
	if s.Embedding != nil {
		cp := *s.Embedding
		cp.Codes = make([]byte, len(s.Embedding.Codes))
		e = &cp
		out.Embedding = e
	}
	for p, old := range order {
		out.Items[p] = s.Items[old]
		out.Popularity[p] = s.Popularity[old]
		if s.Neighbors != nil {
			out.Neighbors[p] = remap(s.Neighbors[old])
		}
		if e != nil {
			m := e.Subspaces
			copy(e.Codes[p*m:(p+1)*m], s.Embedding.Codes[int(old)*m:(int(old)+1)*m])
		}
	}
	return out
}

func indexWidth(n int) int {
	if n <= 1<<16 {
		return 2
	}
	return 4
}

func appendIndex(b []byte, width int, i int32) []byte {
	if width == 2 {
		return binary.LittleEndian.AppendUint16(b, uint16(i))
	}
	return binary.LittleEndian.AppendUint32(b, uint32(i))
}

func rowScale(row []Neighbor) float32 {
	var m float32
	for _, nb := range row {
		if a := float32(math.Abs(float64(nb.Weight))); a > m {
			m = a
		}
	}
	// A row of weights so small that m/127 underflows float32 (a long log
	// decayed to nothing) would get a zero scale, which the decoder must
	// refuse; its weights all quantize to 0 under any positive scale.
	if s := m / 127; s > 0 {
		return s
	}
	return 1
}

func quantize(v, scale float32) int8 {
	q := math.Round(float64(v / scale))
	return int8(max(-127, min(127, q)))
}

// DecodeWeights decodes a weights artifact into a Model with no catalog
// (every item available, no categories). Use Load to decode a bundle's
// weights and catalog together.
//
// The Model keeps views into data, which the caller must not modify
// afterwards; so do the item ids of the responses it gives (no copy per
// id). Decoding is one bounds pass over the artifact: every index is
// checked once, here, so scoring needs no checks of its own.
func DecodeWeights(data []byte) (*Model, error) {
	m, err := decodeWeights(data)
	if err != nil {
		return nil, wrapf("decode weights: %w", err)
	}
	return m, nil
}

func decodeWeights(data []byte) (*Model, error) {
	r := wire.NewReader(data)
	h, err := checkHeader(r, weightsFields, KindWeights)
	if err != nil {
		return nil, err
	}
	m := &Model{bundleID: h.BundleID}
	m.kind = ModelKind(r.String(16, "model kind"))
	m.ids = r.View(maxIDBytes, "item ids")
	idEnd := r.View(4*MaxItems, "item id ends")
	n := len(idEnd) / 4
	m.n = n
	m.pop = r.Float32s(n, "popularity")
	nctx := r.ArrayLen(MaxContexts, 4, "contexts")
	if nctx > 0 {
		m.contexts = make(map[string]contextList, nctx)
	}
	for c := 0; c < nctx && r.Err() == nil; c++ {
		r.ExpectArray(3, "context")
		key := r.String(maxContextKey, "context key")
		idx := r.View(4*MaxContextItems, "context items")
		if r.Err() != nil {
			break
		}
		if len(idx)%4 != 0 {
			return nil, errorf(ErrCorrupt, "context %q index bytes %d not a multiple of 4", key, len(idx))
		}
		v := r.Float32s(len(idx)/4, "context scores")
		m.contexts[key] = contextList{items: idx, scores: v}
	}
	np := r.ArrayLen(repeatParamsFields, 1, "params")
	if r.Err() == nil && np != paramsFields && np != repeatParamsFields {
		r.Invalid("params", "%d fields, want %d or %d", np, paramsFields, repeatParamsFields)
	}
	p := &m.params
	for _, f := range []*float64{&p.HalfLifeDays, &p.ViewWeight, &p.CartWeight, &p.PurchaseWeight, &p.Saturation, &p.PopularityWeight, &p.PopularityHalfLifeDays} {
		*f = r.Float("param")
	}
	p.PopularityAt = int64(r.Uint(maxPopularityAt, "popularity_at"))
	if np == repeatParamsFields {
		p.RepeatWeight = r.Float("repeat_weight")
		p.RepeatHalfLifeDays = r.Float("repeat_half_life_days")
	}
	switch m.kind {
	case ModelNeighbors:
		r.ExpectArray(4, "neighbours")
		nb := &neighbors{width: indexWidth(n)}
		counts := r.View(2*MaxItems, "neighbour counts")
		nb.cols = r.View(4*MaxNonZeros, "neighbour indices")
		nb.vals = r.View(MaxNonZeros, "neighbour weights")
		nb.scales = r.Float32s(n, "row scales")
		if r.Err() == nil {
			if err := nb.index(counts, n); err != nil {
				return nil, err
			}
		}
		m.nb = nb
	case ModelEmbedding:
		r.ExpectArray(5, "embedding")
		e := &embedding{}
		e.dims = int(r.Uint(MaxDims, "dims"))
		e.sub = int(r.Uint(MaxSubspaces, "subspaces"))
		if r.Err() == nil && (e.sub == 0 || e.dims == 0 || e.dims%e.sub != 0) {
			return nil, errorf(ErrCorrupt, "embedding of %d dims in %d subspaces; want dims a positive multiple of subspaces", e.dims, e.sub)
		}
		if r.Err() == nil {
			e.dsub = e.dims / e.sub
			e.codebooks = r.Float32s(e.sub*PQCentroids*e.dsub, "codebooks")
			e.codes = r.View(e.sub*MaxItems, "codes")
			e.fold = r.Float32s(e.dims*e.dims, "fold")
			if r.Err() == nil && len(e.codes) != n*e.sub {
				return nil, errorf(ErrCorrupt, "%d code bytes for %d items of %d subspaces", len(e.codes), n, e.sub)
			}
		}
		m.emb = e
	default:
		if r.Err() == nil {
			return nil, errorf(ErrUnsupported, "model kind %q; this module scores %q and %q (update the module)", truncate(string(m.kind), 16), string(ModelNeighbors), string(ModelEmbedding))
		}
	}
	if err := r.End(); err != nil {
		return nil, formatErr("decode weights", err)
	}
	if err := m.checkItems(idEnd); err != nil {
		return nil, err
	}
	for key, list := range m.contexts {
		if len(key) == 0 {
			return nil, errorf(ErrCorrupt, "empty context key")
		}
		for j := range list.scores {
			if list.item(j) >= uint32(n) {
				return nil, errorf(ErrCorrupt, "context %q names item %d of %d", key, list.item(j), n)
			}
		}
	}
	for h, key := range hourKeys {
		m.timed[h] = m.contexts[key]
	}
	for d, key := range weekdayKeys {
		m.timed[24+d] = m.contexts[key]
	}
	if err := m.params.Validate(); err != nil {
		return nil, asCorrupt(err)
	}
	// The ranking's keys, in one pass with the check that no score is
	// NaN (sort_wasm.s, sort_generic.go).
	keys := make([]uint64, n)
	if popKeys(m.pop, keys) {
		for i, p := range m.pop {
			if p != p { // NaN has no rank (topPopular, every top k)
				return nil, errorf(ErrCorrupt, "item %d has popularity NaN", i)
			}
		}
	}
	m.popTop = topKeys(keys, popTopSize)
	return m, nil
}

// checkItems checks the item table, n ids whose ends are idEnd (n
// little-endian uint32): each 1..MaxIDLen bytes, strictly ascending (so
// unique), ending exactly at the end of the id bytes. It keeps the offsets
// as m.idOff, with a 0 in front, so that id i is one slice expression
// (Model.id inlines; in V8 its call was a twentieth of a request), and
// each id's prefix key as m.idKey (lookup).
func (m *Model) checkItems(idEnd []byte) error {
	n := m.n
	if n == 0 {
		return errorf(ErrCorrupt, "no items")
	}
	if len(idEnd) != 4*n || n > MaxItems {
		return errorf(ErrCorrupt, "%d bytes of id ends", len(idEnd))
	}
	// One allocation for both: the keys, then the n+1 offsets (a fresh
	// span and its zeroing were a third of the pass in V8).
	buf := make([]uint64, n+(n+2)/2)
	keys := buf[:n:n]
	off := unsafe.Slice((*uint32)(unsafe.Pointer(&buf[n])), n+1)
	// The plain ids: items_wasm.s, items_generic.go. This loop goes on
	// from the first one that is not (the last few ids, whose key is not
	// one load, or one it reports).
	i := itemsScan(m.ids, idEnd, off, keys)
	var prev []byte
	var prevKey uint64
	start := off[i]
	if i > 0 {
		prev, prevKey = m.ids[off[i-1]:start], keys[i-1]
	}
	for ; i < n; i++ {
		end := binary.LittleEndian.Uint32(idEnd[4*i:])
		if end < start || end > uint32(len(m.ids)) || end-start == 0 || end-start > MaxIDLen {
			return errorf(ErrCorrupt, "item %d: id bytes %d..%d of %d; want 1..%d bytes", i, start, end, len(m.ids), MaxIDLen)
		}
		id := m.ids[start:end]
		var key uint64
		if int(start)+8 <= len(m.ids) { // one load, the bytes past the id masked off
			key = binary.BigEndian.Uint64(m.ids[start:])
			if l := end - start; l < 8 {
				key &= ^uint64(0) << (64 - 8*l)
			}
		} else {
			key = prefixKey(id)
		}
		// Ascending keys decide without comparing bytes; equal ones (a
		// shared 8-byte prefix) need the comparison.
		if i > 0 && (key < prevKey || key == prevKey && bytes.Compare(prev, id) >= 0) {
			return errorf(ErrCorrupt, "item %d: id %q does not sort after %q", i, truncate(string(id), 64), truncate(string(prev), 64))
		}
		prev, prevKey, start = id, key, end
		off[i+1], keys[i] = end, key
	}
	if int(start) != len(m.ids) {
		return errorf(ErrCorrupt, "%d id bytes after the last item", len(m.ids)-int(start))
	}
	m.idOff, m.idKey = off, keys
	return nil
}

// index checks the neighbour table against counts and builds the row
// offsets: the only per-row memory the model adds to the artifact.
func (nb *neighbors) index(counts []byte, n int) error {
	if len(counts) != 2*n {
		return errorf(ErrCorrupt, "%d count bytes for %d items", len(counts), n)
	}
	nb.rowStart = make([]uint32, n+1)
	nnz := 0
	for i := 0; i < n; i++ {
		nnz += int(binary.LittleEndian.Uint16(counts[2*i:]))
		nb.rowStart[i+1] = uint32(nnz)
	}
	if nnz > MaxNonZeros || len(nb.vals) != nnz || len(nb.cols) != nb.width*nnz {
		return errorf(ErrCorrupt, "%d weights and %d index bytes for %d neighbours", len(nb.vals), len(nb.cols), nnz)
	}
	// The largest index decides; the loop reads 8 bytes at a time with no
	// branch per neighbour (the column bytes are a third of the weights,
	// and this pass was a sixth of a load in V8).
	if !indicesBelow(nb.cols, nb.width, n) {
		for p := 0; p < nnz; p++ { // the first one out of range, for the message
			if c := nb.col(uint32(p)); c >= int32(n) || c < 0 {
				return errorf(ErrCorrupt, "neighbour index %d out of range [0,%d)", uint32(c), n)
			}
		}
	}
	for i, s := range nb.scales {
		if !(s > 0) {
			return errorf(ErrCorrupt, "row %d has scale %v; want > 0", i, s)
		}
	}
	return nil
}

// indicesBelow reports whether every little-endian index of width bytes
// (2 or 4) in cols is below n (1 <= n <= MaxItems). It has no branch per
// index: each 8 bytes are split into lanes twice as wide as an index, n is
// subtracted from every lane at once (as 2^(lane bits-1) - n added), and a
// lane's top bit is set exactly when its index is >= n. The main loop
// takes 32 bytes a turn: in WebAssembly each turn's back edge and bounds
// check are br_table dispatches that cost more than the arithmetic.
func indicesBelow(cols []byte, width, n int) bool {
	var acc uint64
	i := 0
	if width == 2 {
		k := uint64(1<<31-n) * 0x0000000100000001
		i = len(cols) &^ 7
		acc = lanes2(cols[:i], k) // the 8-byte words: sort_wasm.s, sort_generic.go
		for ; i+2 <= len(cols); i += 2 {
			acc |= uint64(binary.LittleEndian.Uint16(cols[i:])) + k
		}
		return acc&0x8000000080000000 == 0
	}
	k := uint64(1<<63) - uint64(n)
	for ; i+32 <= len(cols); i += 32 {
		c := cols[i : i+32 : i+32]
		v0, v1 := binary.LittleEndian.Uint64(c), binary.LittleEndian.Uint64(c[8:])
		v2, v3 := binary.LittleEndian.Uint64(c[16:]), binary.LittleEndian.Uint64(c[24:])
		acc |= (v0&0xffffffff + k) | (v0>>32 + k) | (v1&0xffffffff + k) | (v1>>32 + k) |
			(v2&0xffffffff + k) | (v2>>32 + k) | (v3&0xffffffff + k) | (v3>>32 + k)
	}
	for ; i+8 <= len(cols); i += 8 {
		v := binary.LittleEndian.Uint64(cols[i:])
		acc |= (v&0xffffffff + k) | (v>>32 + k)
	}
	for ; i+4 <= len(cols); i += 4 {
		acc |= uint64(binary.LittleEndian.Uint32(cols[i:])) + k
	}
	return acc&(1<<63) == 0
}

// PeekKind reads the model kind of a weights artifact without decoding the
// rest. It is safe on unverified bytes: it reads a few dozen bytes.
func PeekKind(weights []byte) (ModelKind, error) {
	r := wire.NewReader(weights)
	if _, err := checkHeader(r, weightsFields, KindWeights); err != nil {
		return "", err
	}
	k := ModelKind(r.String(16, "model kind"))
	if err := r.Err(); err != nil {
		return "", formatErr("decode weights", err)
	}
	if !k.Valid() {
		return "", errorf(ErrUnsupported, "decode weights: model kind %q; this module scores %q and %q (update the module)", truncate(string(k), 16), string(ModelNeighbors), string(ModelEmbedding))
	}
	return k, nil
}
