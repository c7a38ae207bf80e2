package train

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/internal/wire"
)

// KindItems is the magic string that opens the items artifact.
const KindItems = "privrec/items"

// ItemsVersion is the items artifact's format version.
const ItemsVersion = 1

// Caps on a catalog file and on each cell, checked while reading so a huge
// or hostile file fails with the row and column at fault, before the
// artifact's own cap (bundle.MaxItemData) is reached.
const (
	MaxCatalogRows = model.MaxItems
	MaxURLLen      = 2048 // bytes of an image or product URL
	maxMetaTitle   = 1024 // bytes of a title (the catalog artifact's cap)
	maxMetaText    = 256  // bytes of a category
)

// Availability values of ItemMeta.Availability (schema.org's and Google
// Merchant Center's, in snake case).
const (
	InStock    = "in_stock"
	OutOfStock = "out_of_stock"
	Preorder   = "preorder"
	Backorder  = "backorder"
)

// ItemMeta is what a storefront page shows for an item: never scored, only
// shipped to the page (the items artifact). Empty strings and a nil Price
// mean "not given".
type ItemMeta struct {
	ID           string
	Title        string
	Price        *float64
	Currency     string // ISO 4217 code, upper case
	Image        string // http(s) or relative URL
	URL          string // http(s) or relative URL of the product page
	Category     string
	Availability string // InStock, OutOfStock, Preorder, Backorder or ""
}

// Catalog roles and the header names (compared case-insensitively, with
// spaces and hyphens read as underscores) each accepts.
var catalogRoles = []struct {
	role    string
	aliases []string
}{
	{"id", []string{"id", "item", "item_id", "itemid", "sku", "product_id", "productid", "stockcode", "stock_code"}},
	{"title", []string{"title", "name", "product_name", "description"}},
	{"price", []string{"price", "unit_price", "unitprice", "sale_price"}},
	{"currency", []string{"currency", "currency_code"}},
	{"image", []string{"image", "image_url", "imageurl", "image_link", "img", "picture", "thumbnail"}},
	{"url", []string{"url", "product_url", "link", "href", "product_link", "page"}},
	{"category", []string{"category", "product_type", "type"}},
	{"availability", []string{"availability", "stock", "in_stock", "available"}},
}

// CatalogError is a bad cell of a catalog file: its line, column and value.
// It wraps model.ErrBadRequest.
type CatalogError struct {
	Line   int    // 1-based line of the file
	Column string // the header's name of the column
	Value  string // the cell, cut to 80 bytes
	Reason string // what is wrong and what to do
}

func (e *CatalogError) Error() string {
	return fmt.Sprintf("read catalog: line %d, column %q: %q %s", e.Line, e.Column, e.Value, e.Reason)
}

func (e *CatalogError) Unwrap() error { return model.ErrBadRequest }

// ReadCatalog reads a catalog CSV (plain or gzip-compressed) with a header
// row naming its columns: an id column is required (id, sku, item_id, …) and
// any of title, price, currency, image, url, category and availability (see
// the aliases in RATIONALE.md); other columns are ignored and returned in
// ignored. delim 0 detects the delimiter from the header as ReadCSV does.
//
// Reading is strict: a price that is not a plain number, a URL that is not
// http(s) or relative (javascript:, data: … would run or load in the page's
// img src and a href), an unknown currency or availability, an id seen twice
// or a cell above its cap fails with a *CatalogError naming the line and
// column. Errors wrap model.ErrBadRequest or model.ErrTooLarge (more than
// MaxCatalogRows rows). Items come back in the file's order.
func ReadCatalog(r io.Reader, delim rune) (items []ItemMeta, ignored []string, err error) {
	cr, err := newCSV(r, delim)
	if err != nil {
		return nil, nil, err
	}
	col := map[string]int{}
	for j, h := range cr.header {
		name := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(h))
		role := ""
		for _, cand := range catalogRoles {
			for _, a := range cand.aliases {
				if name == a {
					role = cand.role
				}
			}
		}
		if role == "" {
			ignored = append(ignored, h)
			continue
		}
		if k, dup := col[role]; dup {
			return nil, nil, fmt.Errorf("%w: read catalog: columns %q and %q both give the item's %s; keep one (or rename the other)", model.ErrBadRequest, cr.header[k], h, role)
		}
		col[role] = j
	}
	if _, ok := col["id"]; !ok {
		return nil, nil, fmt.Errorf("%w: read catalog: no id column in header %q; name one id, sku, item_id or product_id (the ids of the interaction log)", model.ErrBadRequest, cr.header)
	}
	if len(col) == 1 {
		return nil, nil, fmt.Errorf("%w: read catalog: header %q has an id column but none of title, price, currency, image, url, category, availability", model.ErrBadRequest, cr.header)
	}
	cell := func(rec []string, role string) string {
		if j, ok := col[role]; ok {
			return strings.TrimSpace(rec[j])
		}
		return ""
	}
	seen := map[string]int{}
	for {
		rec, err := cr.r.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, nil, fmt.Errorf("%w: read catalog: line %d: %v", model.ErrBadRequest, pe.StartLine, pe.Err)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: read catalog: %v", model.ErrCorrupt, err)
		}
		line, _ := cr.r.FieldPos(0)
		if len(rec) != len(cr.header) {
			return nil, nil, fmt.Errorf("%w: read catalog: line %d has %d fields, the header %d (a stray delimiter? quote cells that hold one)", model.ErrBadRequest, line, len(rec), len(cr.header))
		}
		if len(items) == MaxCatalogRows {
			return nil, nil, fmt.Errorf("%w: read catalog: more than %d items", model.ErrTooLarge, MaxCatalogRows)
		}
		bad := func(role, reason string) error {
			v := rec[col[role]]
			if len(v) > 80 {
				v = v[:80] + "…"
			}
			return &CatalogError{Line: line, Column: cr.header[col[role]], Value: v, Reason: reason}
		}
		it := ItemMeta{ID: cell(rec, "id"), Title: cell(rec, "title"), Category: cell(rec, "category")}
		switch {
		case it.ID == "":
			return nil, nil, bad("id", "is empty; every row needs an item id")
		case len(it.ID) > model.MaxIDLen:
			return nil, nil, bad("id", fmt.Sprintf("is %d bytes; at most %d", len(it.ID), model.MaxIDLen))
		case len(it.Title) > maxMetaTitle:
			return nil, nil, bad("title", fmt.Sprintf("is %d bytes; at most %d", len(it.Title), maxMetaTitle))
		case len(it.Category) > maxMetaText:
			return nil, nil, bad("category", fmt.Sprintf("is %d bytes; at most %d", len(it.Category), maxMetaText))
		}
		for _, role := range []string{"id", "title", "category"} {
			if v := cell(rec, role); !utf8.ValidString(v) {
				return nil, nil, bad(role, "is not UTF-8; save the file as UTF-8")
			}
		}
		if first, dup := seen[it.ID]; dup {
			return nil, nil, bad("id", fmt.Sprintf("appears twice (first on line %d); one row per item", first))
		}
		seen[it.ID] = line
		if v := cell(rec, "price"); v != "" {
			p, ok := parsePrice(v)
			if !ok {
				return nil, nil, bad("price", "is not a price; write a plain non-negative number such as 12.50 or 12,50 (the currency goes in a currency column)")
			}
			it.Price = &p
		}
		if v := cell(rec, "currency"); v != "" {
			if !isCurrency(v) {
				return nil, nil, bad("currency", "is not an ISO 4217 code; write three letters such as EUR, USD or GBP")
			}
			it.Currency = strings.ToUpper(v)
		}
		for _, role := range []string{"image", "url"} {
			v := cell(rec, role)
			if v == "" {
				continue
			}
			if reason := checkURL(v); reason != "" {
				return nil, nil, bad(role, reason)
			}
			if role == "image" {
				it.Image = v
			} else {
				it.URL = v
			}
		}
		if v := cell(rec, "availability"); v != "" {
			a, ok := parseAvailability(v)
			if !ok {
				return nil, nil, bad("availability", "is not an availability; write in stock, out of stock, preorder, backorder, yes/no or a stock count")
			}
			it.Availability = a
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil, nil, fmt.Errorf("%w: read catalog: no rows after the header", model.ErrBadRequest)
	}
	return items, ignored, nil
}

// parsePrice reads a plain non-negative decimal: digits with at most one
// '.' or ',' as the decimal separator (a semicolon CSV often writes 12,50).
// Thousands separators, currency signs and exponents are refused: "1,234"
// would otherwise read as 1.234.
func parsePrice(s string) (float64, bool) {
	if strings.Count(s, ".")+strings.Count(s, ",") > 1 {
		return 0, false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == ',') {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || math.IsInf(v, 0) || v < 0 {
		return 0, false
	}
	return v, true
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// checkURL says what is wrong with a URL a page will put in an img src or
// an a href, or "" when it is an absolute http(s) URL, a protocol-relative
// one (//host/…) or a relative path. Browsers drop tabs and newlines inside
// URLs ("java\tscript:" is javascript:) and read "\" as "/", so those, any
// other control character and spaces are refused outright rather than
// second-guessed.
func checkURL(s string) string {
	if len(s) > MaxURLLen {
		return fmt.Sprintf("is %d bytes; at most %d", len(s), MaxURLLen)
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || c == ' ' || c == '\\' || c == utf8.RuneError {
			return "holds a space, backslash or control character; percent-encode it (%20 for a space)"
		}
	}
	// A scheme is what precedes the first ':' that comes before any '/',
	// '?' or '#' (RFC 3986); without one the URL is relative.
	if i := strings.IndexAny(s, ":/?#"); i >= 0 && s[i] == ':' {
		switch strings.ToLower(s[:i]) {
		case "http", "https":
			if !strings.HasPrefix(s[i+1:], "//") || len(s) == i+3 {
				return "is not a full http(s) URL; write https://host/path or a relative path such as /products/1"
			}
			return ""
		}
		return fmt.Sprintf("has scheme %q; only http, https or a relative path is allowed (the page puts it in img src and a href)", s[:i])
	}
	return ""
}

// parseAvailability maps the spellings feeds use (schema.org URLs, Google
// Merchant's "in stock", yes/no, true/false, a stock count) to one value.
func parseAvailability(s string) (string, bool) {
	v := strings.ToLower(strings.TrimSpace(s))
	v = strings.TrimPrefix(strings.TrimPrefix(v, "https://schema.org/"), "http://schema.org/")
	v = strings.NewReplacer(" ", "", "_", "", "-", "").Replace(v)
	switch v {
	case "instock", "available", "yes", "y", "true", "1", "limitedavailability", "onlineonly", "instoreonly":
		return InStock, true
	case "outofstock", "soldout", "unavailable", "no", "n", "false", "0", "oos", "discontinued":
		return OutOfStock, true
	case "preorder", "presale":
		return Preorder, true
	case "backorder", "backordered":
		return Backorder, true
	}
	if n, err := strconv.ParseUint(v, 10, 32); err == nil {
		if n == 0 {
			return OutOfStock, true
		}
		return InStock, true
	}
	return "", false
}

// MatchCatalog compares the catalog file's items with the log's: how many
// of the log's items have no metadata (they are recommended, but
// rec.catalog.get returns null for them) and how many catalog rows name an
// item the log never saw (they have no weights, so they are never
// recommended; their metadata is dropped). It returns the rows to ship, in
// the log's order.
func MatchCatalog(logItems []model.Item, meta []ItemMeta) (ship []ItemMeta, noMeta, notInLog int) {
	byID := make(map[string]int, len(meta))
	for i, m := range meta {
		byID[m.ID] = i
	}
	used := 0
	for _, it := range logItems {
		if i, ok := byID[it.ID]; ok {
			ship = append(ship, meta[i])
			used++
		} else {
			noMeta++
		}
	}
	return ship, noMeta, len(meta) - used
}

// ApplyCatalog writes the catalog file's title, price and category into the
// log's catalog (what the module scores and filters by), where the file
// gives them.
func ApplyCatalog(logItems []model.Item, meta []ItemMeta) {
	byID := make(map[string]*ItemMeta, len(meta))
	for i := range meta {
		byID[meta[i].ID] = &meta[i]
	}
	for i := range logItems {
		m, ok := byID[logItems[i].ID]
		if !ok {
			continue
		}
		if m.Title != "" {
			logItems[i].Title = m.Title
		}
		if m.Price != nil {
			logItems[i].Price = *m.Price
		}
		if m.Category != "" {
			logItems[i].Category = m.Category
		}
	}
}

// EncodeItems packs page metadata into the items artifact: [kind, version,
// bundle id, [[id, title, price or nil, currency, image, url, category,
// availability], …]], ids in ascending byte order. The SDK decodes it
// (js/src/catalog.js); the module never does. Its header lets the verifier
// tell an items file of another bundle (mix-and-match) from a damaged one.
func EncodeItems(items []ItemMeta, bundleID [16]byte) ([]byte, error) {
	if len(items) > MaxCatalogRows {
		return nil, fmt.Errorf("%w: encode items: %d items; at most %d", model.ErrTooLarge, len(items), MaxCatalogRows)
	}
	sorted := append([]ItemMeta(nil), items...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ID < sorted[j].ID })
	w := wire.NewWriter()
	w.Array(4)
	w.String(KindItems)
	w.Uint(ItemsVersion)
	w.Bin(bundleID[:])
	w.Array(len(sorted))
	for i, it := range sorted {
		if it.ID == "" || (i > 0 && it.ID == sorted[i-1].ID) {
			return nil, fmt.Errorf("%w: encode items: item id %q is empty or appears twice", model.ErrBadRequest, it.ID)
		}
		w.Array(8)
		w.String(it.ID)
		w.String(it.Title)
		if it.Price != nil {
			w.Float(*it.Price)
		} else {
			w.Nil()
		}
		for _, s := range []string{it.Currency, it.Image, it.URL, it.Category, it.Availability} {
			w.String(s)
		}
	}
	return w.Bytes(), nil
}

// DecodeItems decodes an items artifact strictly (for privrec verify and
// tests; pages decode it in the SDK). It returns the items and the bundle
// id the header names.
func DecodeItems(data []byte) ([]ItemMeta, [16]byte, error) {
	var id [16]byte
	r := wire.NewReader(data)
	r.ExpectArray(4, "items artifact")
	kind := r.String(32, "kind")
	version := r.Uint(1<<16, "version")
	copy(id[:], r.View(16, "bundle id"))
	if err := r.Err(); err != nil {
		return nil, id, fmt.Errorf("%w: decode items: %v", model.ErrCorrupt, err)
	}
	if kind != KindItems {
		return nil, id, fmt.Errorf("%w: decode items: artifact is a %q", model.ErrCorrupt, kind)
	}
	if version != ItemsVersion {
		return nil, id, fmt.Errorf("%w: decode items: version %d; this privrec reads version %d", model.ErrUnsupported, version, ItemsVersion)
	}
	n := r.ArrayLen(MaxCatalogRows, 10, "items")
	out := make([]ItemMeta, 0, n)
	for i := 0; i < n && r.Err() == nil; i++ {
		r.ExpectArray(8, "item")
		it := ItemMeta{ID: r.String(model.MaxIDLen, "id"), Title: r.String(maxMetaTitle, "title")}
		if !r.Nil() {
			p := r.Float("price")
			it.Price = &p
		}
		it.Currency = r.String(3, "currency")
		it.Image = r.String(MaxURLLen, "image")
		it.URL = r.String(MaxURLLen, "url")
		it.Category = r.String(maxMetaText, "category")
		it.Availability = r.String(16, "availability")
		if r.Err() != nil {
			break
		}
		if it.ID == "" || (i > 0 && it.ID <= out[i-1].ID) {
			return nil, id, fmt.Errorf("%w: decode items: item %d: id %q is empty or out of order", model.ErrCorrupt, i, it.ID)
		}
		out = append(out, it)
	}
	if err := r.End(); err != nil {
		return nil, id, fmt.Errorf("%w: decode items: %v", model.ErrCorrupt, err)
	}
	return out, id, nil
}
