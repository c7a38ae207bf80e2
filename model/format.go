package model

import (
	"cmp"
	"errors"
	"math"
	"slices"

	"github.com/privrec/privrec/model/internal/wire"
)

// Artifact kinds, the magic string that opens each artifact.
const (
	KindWeights = "privrec/weights"
	KindCatalog = "privrec/catalog"
)

// FormatVersion is the version of the weights and catalog formats this
// package writes and the only one it reads.
const FormatVersion = 2

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
	id := r.View(16, "bundle id") // a view: copied into h below
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
		return wrapf("%s: %w: %v", op, ErrTooLarge, err)
	}
	return wrapf("%s: %w: %v", op, ErrCorrupt, err)
}

// asCorrupt turns a validation failure of decoded data into ErrCorrupt
// (keeping ErrTooLarge): bad data in an artifact is corruption, not a bad
// request.
func asCorrupt(err error) error {
	if errors.Is(err, ErrTooLarge) {
		return err
	}
	return wrapf("%w: %v", ErrCorrupt, err)
}

const catalogFields = 4

// Catalog is the decoded catalog artifact. It is immutable and safe for
// concurrent use.
type Catalog struct {
	Items    []Item
	BundleID [16]byte
}

// EncodeCatalog packs items into the catalog artifact, in ascending id order.
func EncodeCatalog(items []Item, bundleID [16]byte) ([]byte, error) {
	if len(items) > MaxItems {
		return nil, errorf(ErrTooLarge, "encode catalog: %d items; at most %d", len(items), MaxItems)
	}
	// In id order, as the weights list their items: Load then joins the two
	// in one pass.
	items = slices.Clone(items)
	slices.SortStableFunc(items, func(a, b Item) int { return cmp.Compare(a.ID, b.ID) })
	w := wire.NewWriter()
	writeHeader(w, catalogFields, KindCatalog, bundleID)
	w.Array(len(items))
	for i, it := range items {
		if err := checkItem(it); err != nil {
			return nil, wrapf("encode catalog: item %d: %w", i, err)
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
// The Model keeps views into weights (see DecodeWeights); of catalog it
// keeps nothing. Load does not verify signatures: the module calls it only
// after bundle.Open has verified the manifest and every artifact's digest.
func Load(weights, catalog []byte) (*Model, error) {
	m, err := DecodeWeights(weights)
	if err != nil {
		return nil, err
	}
	h, err := PeekHeader(catalog)
	if err != nil {
		return nil, wrapf("decode catalog: %w", err)
	}
	if h.BundleID != m.bundleID {
		return nil, errorf(ErrMixAndMatch, "load: weights and catalog come from different bundles (%x, %x); publish them together", m.bundleID[:4], h.BundleID[:4])
	}
	if err := m.withCatalog(catalog); err != nil {
		return nil, err
	}
	return m, nil
}
