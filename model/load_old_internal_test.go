package model

// The load as it was before catalogRun, itemsScan and popKeys (the plain
// Go loops, unchanged but for their names): the oracle that
// TestLoadMatchesOld and FuzzLoadMatchesOld (load_match_internal_test.go)
// hold the load to, natively (the Go twins) and in V8 (the assembly).

import (
	"bytes"
	"encoding/binary"

	"github.com/privrec/privrec/model/internal/wire"
)

func oldLoad(weights, catalog []byte) (*Model, error) {
	m, err := oldDecodeWeights(weights)
	if err != nil {
		return nil, wrapf("decode weights: %w", err)
	}
	h, err := PeekHeader(catalog)
	if err != nil {
		return nil, wrapf("decode catalog: %w", err)
	}
	if h.BundleID != m.bundleID {
		return nil, errorf(ErrMixAndMatch, "load: weights and catalog come from different bundles (%x, %x); publish them together", m.bundleID[:4], h.BundleID[:4])
	}
	if err := m.oldWithCatalog(catalog); err != nil {
		return nil, err
	}
	return m, nil
}

func oldDecodeWeights(data []byte) (*Model, error) {
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
			if err := nb.oldIndex(counts, n); err != nil {
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
	if err := m.oldCheckItems(idEnd); err != nil {
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
	for i, p := range m.pop {
		if p != p { // NaN has no rank (topPopular, every top k)
			return nil, errorf(ErrCorrupt, "item %d has popularity NaN", i)
		}
	}
	m.popTop = oldTopPopular(m.pop, popTopSize)
	return m, nil
}

func (m *Model) oldCheckItems(idEnd []byte) error {
	n := m.n
	if n == 0 {
		return errorf(ErrCorrupt, "no items")
	}
	if len(idEnd) != 4*n || n > MaxItems {
		return errorf(ErrCorrupt, "%d bytes of id ends", len(idEnd))
	}
	off := make([]uint32, n+1)
	keys := make([]uint64, n)
	var prev []byte
	var prevKey uint64
	start := uint32(0)
	for i := 0; i < n; i++ {
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
func (nb *neighbors) oldIndex(counts []byte, n int) error {
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

func (m *Model) oldWithCatalog(c []byte) error {
	m.available = make([]bool, m.n)
	m.catOf = make([]uint32, m.n)
	m.cats = make(map[string]uint32)
	r := wire.NewReader(c)
	if _, err := checkHeader(r, catalogFields, KindCatalog); err != nil {
		return err
	}
	var dup []byte
	next := int32(0) // catalogs are written in id order: try the next item first
	n := r.ArrayLen(MaxItems, 6, "items")
	b := r.Doc()
	for k := 0; k < n; k++ {
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
		m.catOf[i] = num
	}
	if err := r.End(); err != nil {
		return formatErr("decode catalog", err)
	}
	if dup != nil {
		return errorf(ErrCorrupt, "decode catalog: item id %q appears twice", truncate(string(dup), 64))
	}
	return nil
}
func oldTopPopular(pop []float32, size int) []int32 {
	size = min(size, len(pop))
	keys := make([]uint64, len(pop))
	for i, p := range pop {
		keys[i] = popKey(p, int32(i))
	}
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
