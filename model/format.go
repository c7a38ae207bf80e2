package model

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sort"

	"github.com/privrec/privrec/model/internal/wire"
)

// Artifact kinds, the magic string that opens each artifact.
const (
	KindWeights = "privrec/weights"
	KindCatalog = "privrec/catalog"
)

// FormatVersion is the version of the weights and catalog formats this
// package writes and the only one it reads.
const FormatVersion = 1

// Caps on the catalog format.
const (
	maxTitleLen = 1024
	maxTags     = 32
	maxTagLen   = 64
)

// Header opens every artifact: what it is, its format version and the id of
// the bundle it was made for. The bundle id lets a verifier tell an artifact
// from another bundle (mix-and-match) from a damaged one.
type Header struct {
	Kind     string
	Version  int
	BundleID [16]byte
}

// PeekHeader decodes only the header of an artifact. It is safe on
// unverified bytes: it reads at most a few dozen bytes and allocates little.
func PeekHeader(data []byte) (Header, error) {
	r := wire.NewReader(data)
	n := r.ArrayLen(64, 1, "artifact")
	h := readHeader(r)
	if err := r.Err(); err != nil {
		return Header{}, formatErr("read header", err)
	}
	if n < 3 {
		return Header{}, errorf(ErrCorrupt, "read header: %d fields", n)
	}
	return h, nil
}

func readHeader(r *wire.Reader) Header {
	var h Header
	h.Kind = r.String(32, "kind")
	h.Version = int(r.Uint(1<<16, "version"))
	id := r.Bytes(16, "bundle id")
	if len(id) != 16 {
		r.Invalid("bundle id", "%d bytes, want 16", len(id))
	}
	copy(h.BundleID[:], id)
	return h
}

func writeHeader(w *wire.Writer, fields int, kind string, id [16]byte) {
	w.Array(fields)
	w.String(kind)
	w.Uint(FormatVersion)
	w.Bin(id[:])
}

// checkHeader decodes and checks the header of an artifact of the given kind.
func checkHeader(r *wire.Reader, fields int, kind string) (Header, error) {
	n := r.ArrayLen(64, 1, "artifact")
	h := readHeader(r)
	if err := r.Err(); err != nil {
		return h, formatErr("decode "+kind, err)
	}
	if h.Kind != kind {
		return h, errorf(ErrCorrupt, "decode %s: artifact is a %q", kind, truncate(h.Kind, 32))
	}
	if h.Version != FormatVersion {
		return h, errorf(ErrUnsupported, "decode %s: format version %d; this module reads version %d (update the module or re-train)", kind, h.Version, FormatVersion)
	}
	if n != fields {
		return h, errorf(ErrCorrupt, "decode %s: %d fields, want %d", kind, n, fields)
	}
	return h, nil
}

// formatErr maps a wire error to the package's sentinels.
func formatErr(op string, err error) error {
	if errors.Is(err, wire.ErrLimit) {
		return fmt.Errorf("%s: %w: %v", op, ErrTooLarge, err)
	}
	return fmt.Errorf("%s: %w: %v", op, ErrCorrupt, err)
}

const weightsFields = 11

// paramsFields is the length of the params array: half-life, view, cart and
// purchase weights, saturation, popularity weight and half-life (floats),
// then the popularity time (uint, Unix ms).
const paramsFields = 8

// EncodeWeights packs a trained model into the weights artifact. Neighbour
// weights are quantized to 8 bits per row (scale = row max |w| / 127), which
// keeps each weight to 1 byte plus its 2- or 4-byte index.
func EncodeWeights(s *Spec, bundleID [16]byte) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("encode weights: %w", err)
	}
	n := len(s.Items)
	w := wire.NewWriter()
	writeHeader(w, weightsFields, KindWeights, bundleID)
	w.Array(n)
	for _, id := range s.Items {
		w.String(id)
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
	w.Bin(counts)
	w.Bin(cols)
	w.Bin(vals)
	w.Float32s(scales)
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
	w.Array(paramsFields)
	for _, f := range []float64{p.HalfLifeDays, p.ViewWeight, p.CartWeight, p.PurchaseWeight, p.Saturation, p.PopularityWeight, p.PopularityHalfLifeDays} {
		w.Float(f)
	}
	w.Uint(uint64(p.PopularityAt))
	return w.Bytes(), nil
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

func readIndex(b []byte, width, j int) int32 {
	if width == 2 {
		return int32(binary.LittleEndian.Uint16(b[2*j:]))
	}
	return int32(binary.LittleEndian.Uint32(b[4*j:]))
}

func rowScale(row []Neighbor) float32 {
	var m float32
	for _, nb := range row {
		if a := float32(math.Abs(float64(nb.Weight))); a > m {
			m = a
		}
	}
	if m == 0 {
		return 1
	}
	return m / 127
}

func quantize(v, scale float32) int8 {
	q := math.Round(float64(v / scale))
	return int8(max(-127, min(127, q)))
}

// DecodeWeights decodes a weights artifact into a Model with no catalog
// (every item available, no categories). Use Load to decode a bundle's
// weights and catalog together.
func DecodeWeights(data []byte) (*Model, error) {
	r := wire.NewReader(data)
	h, err := checkHeader(r, weightsFields, KindWeights)
	if err != nil {
		return nil, err
	}
	n := r.ArrayLen(MaxItems, 1, "items")
	items := make([]string, n)
	for i := range items {
		items[i] = r.String(MaxIDLen, "item id")
	}
	counts := r.Bytes(2*MaxItems, "neighbour counts")
	width := indexWidth(n)
	cols := r.Bytes(4*MaxNonZeros, "neighbour indices")
	vals := r.Bytes(MaxNonZeros, "neighbour weights")
	scales := r.Float32s(n, "row scales")
	pop := r.Float32s(n, "popularity")
	nctx := r.ArrayLen(MaxContexts, 4, "contexts")
	contexts := make(map[string][]Neighbor, nctx)
	for c := 0; c < nctx && r.Err() == nil; c++ {
		r.ExpectArray(3, "context")
		key := r.String(maxContextKey, "context key")
		idx := r.Bytes(4*MaxContextItems, "context items")
		if r.Err() != nil {
			break
		}
		if len(idx)%4 != 0 {
			return nil, errorf(ErrCorrupt, "decode weights: context %q index bytes %d not a multiple of 4", key, len(idx))
		}
		v := r.Float32s(len(idx)/4, "context scores")
		list := make([]Neighbor, len(v))
		for j := range list {
			list[j] = Neighbor{Item: readIndex(idx, 4, j), Weight: v[j]}
		}
		contexts[key] = list
	}
	r.ExpectArray(paramsFields, "params")
	var p Params
	for _, f := range []*float64{&p.HalfLifeDays, &p.ViewWeight, &p.CartWeight, &p.PurchaseWeight, &p.Saturation, &p.PopularityWeight, &p.PopularityHalfLifeDays} {
		*f = r.Float("param")
	}
	p.PopularityAt = int64(r.Uint(maxPopularityAt, "popularity_at"))
	if err := r.End(); err != nil {
		return nil, formatErr("decode weights", err)
	}
	if len(counts) != 2*n {
		return nil, errorf(ErrCorrupt, "decode weights: %d count bytes for %d items", len(counts), n)
	}
	nnz := 0
	for i := 0; i < n; i++ {
		nnz += int(binary.LittleEndian.Uint16(counts[2*i:]))
	}
	if len(vals) != nnz || len(cols) != width*nnz {
		return nil, errorf(ErrCorrupt, "decode weights: %d weights and %d index bytes for %d neighbours", len(vals), len(cols), nnz)
	}
	spec := &Spec{Items: items, Neighbors: make([][]Neighbor, n), Popularity: pop, Contexts: contexts, Params: p}
	flat := make([]Neighbor, nnz)
	at := 0
	for i := 0; i < n; i++ {
		c := int(binary.LittleEndian.Uint16(counts[2*i:]))
		row := flat[at : at+c : at+c]
		for j := range row {
			row[j] = Neighbor{Item: readIndex(cols, width, at+j), Weight: float32(int8(vals[at+j])) * scales[i]}
		}
		spec.Neighbors[i] = row
		at += c
	}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("decode weights: %w", asCorrupt(err))
	}
	m := build(spec)
	m.bundleID = h.BundleID
	return m, nil
}

// asCorrupt turns a validation failure of decoded data into ErrCorrupt
// (keeping ErrTooLarge): bad data in an artifact is corruption, not a bad
// request.
func asCorrupt(err error) error {
	if errors.Is(err, ErrTooLarge) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrCorrupt, err)
}

const catalogFields = 4

// Catalog is the decoded catalog artifact. It is immutable and safe for
// concurrent use.
type Catalog struct {
	Items    []Item
	BundleID [16]byte
}

// EncodeCatalog packs items into the catalog artifact.
func EncodeCatalog(items []Item, bundleID [16]byte) ([]byte, error) {
	if len(items) > MaxItems {
		return nil, errorf(ErrTooLarge, "encode catalog: %d items; at most %d", len(items), MaxItems)
	}
	w := wire.NewWriter()
	writeHeader(w, catalogFields, KindCatalog, bundleID)
	w.Array(len(items))
	for i, it := range items {
		if err := checkItem(it); err != nil {
			return nil, fmt.Errorf("encode catalog: item %d: %w", i, err)
		}
		w.Array(5)
		w.String(it.ID)
		w.String(it.Title)
		w.Float(it.Price)
		w.String(it.Category)
		w.Array(len(it.Tags))
		for _, t := range it.Tags {
			w.String(t)
		}
	}
	return w.Bytes(), nil
}

func checkItem(it Item) error {
	switch {
	case it.ID == "" || len(it.ID) > MaxIDLen:
		return errorf(ErrBadRequest, "id of %d bytes; want 1..%d", len(it.ID), MaxIDLen)
	case len(it.Title) > maxTitleLen:
		return errorf(ErrTooLarge, "title of %d bytes; at most %d", len(it.Title), maxTitleLen)
	case len(it.Category) > MaxIDLen:
		return errorf(ErrTooLarge, "category of %d bytes; at most %d", len(it.Category), MaxIDLen)
	case len(it.Tags) > maxTags:
		return errorf(ErrTooLarge, "%d tags; at most %d", len(it.Tags), maxTags)
	case math.IsNaN(it.Price) || math.IsInf(it.Price, 0):
		return errorf(ErrBadRequest, "price %v is not finite", it.Price)
	}
	for _, t := range it.Tags {
		if len(t) > maxTagLen {
			return errorf(ErrTooLarge, "tag of %d bytes; at most %d", len(t), maxTagLen)
		}
	}
	return nil
}

// DecodeCatalog decodes a catalog artifact.
func DecodeCatalog(data []byte) (*Catalog, error) {
	r := wire.NewReader(data)
	h, err := checkHeader(r, catalogFields, KindCatalog)
	if err != nil {
		return nil, err
	}
	n := r.ArrayLen(MaxItems, 6, "items")
	c := &Catalog{Items: make([]Item, 0, n), BundleID: h.BundleID}
	seen := make(map[string]struct{}, n)
	for i := 0; i < n && r.Err() == nil; i++ {
		r.ExpectArray(5, "item")
		it := Item{
			ID:       r.String(MaxIDLen, "item id"),
			Title:    r.String(maxTitleLen, "title"),
			Price:    r.Float("price"),
			Category: r.String(MaxIDLen, "category"),
		}
		if nt := r.ArrayLen(maxTags, 1, "tags"); nt > 0 {
			it.Tags = make([]string, nt)
			for j := range it.Tags {
				it.Tags[j] = r.String(maxTagLen, "tag")
			}
		}
		if r.Err() != nil {
			break
		}
		if it.ID == "" {
			return nil, errorf(ErrCorrupt, "decode catalog: item %d has an empty id", i)
		}
		if _, dup := seen[it.ID]; dup {
			return nil, errorf(ErrCorrupt, "decode catalog: item id %q appears twice", truncate(it.ID, 64))
		}
		seen[it.ID] = struct{}{}
		c.Items = append(c.Items, it)
	}
	if err := r.End(); err != nil {
		return nil, formatErr("decode catalog", err)
	}
	return c, nil
}

// Load decodes a bundle's weights and catalog and joins them: only items in
// the catalog are ever recommended, and a request's Category filter uses the
// catalog's categories. Both artifacts must name the same bundle.
//
// Load does not verify signatures: the module calls it only after
// bundle.Open has verified the manifest and every artifact's digest.
func Load(weights, catalog []byte) (*Model, error) {
	m, err := DecodeWeights(weights)
	if err != nil {
		return nil, err
	}
	c, err := DecodeCatalog(catalog)
	if err != nil {
		return nil, err
	}
	if c.BundleID != m.bundleID {
		return nil, errorf(ErrMixAndMatch, "load: weights and catalog come from different bundles (%x, %x); publish them together", m.bundleID[:4], c.BundleID[:4])
	}
	return m.withCatalog(c), nil
}
