package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/train"
)

// checkCatalogPath says what to pass when --catalog cannot be used; train
// calls it before it reads the log, so a typo costs no training.
func checkCatalogPath(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fail(exitIOError, fmt.Errorf("open catalog: %w; check the path given to --catalog", err))
	}
	if st.IsDir() {
		return fail(exitIOError, fmt.Errorf("--catalog %s is a directory; pass the catalog CSV in it (a header row with id, title, price, currency, image, url, category, availability)", path))
	}
	if !st.Mode().IsRegular() {
		return fail(exitIOError, fmt.Errorf("--catalog %s is not a regular file; pass a catalog CSV", path))
	}
	return nil
}

// readCatalogFile reads --catalog, writes its titles, prices and categories
// into the log's catalog (what the module scores and filters by) and
// returns the page metadata to ship: the rows of items the log has. It
// tells w how many items on either side have no match and what that means.
func readCatalogFile(w io.Writer, path string, log *train.Log) ([]train.ItemMeta, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fail(exitIOError, fmt.Errorf("open catalog: %w; check the path given to --catalog", err))
	}
	defer fh.Close()
	meta, ignored, err := train.ReadCatalog(fh, 0)
	if err != nil {
		var ce *train.ColumnError
		if errors.As(err, &ce) || errors.Is(err, model.ErrBadRequest) || errors.Is(err, model.ErrTooLarge) {
			return nil, fail(exitFailed, fmt.Errorf("--catalog %s: %w", path, err))
		}
		return nil, fail(exitIOError, fmt.Errorf("--catalog %s: %w", path, err))
	}
	ship, noMeta, notInLog := train.MatchCatalog(log.Catalog, meta)
	if len(ship) == 0 {
		return nil, fail(exitFailed, fmt.Errorf("--catalog %s: none of its %d ids is an item of the log (catalog ids look like %q, the log's like %q); the id column must hold the log's item ids",
			path, len(meta), meta[0].ID, log.Catalog[0].ID))
	}
	train.ApplyCatalog(log.Catalog, meta)
	fmt.Fprintf(w, "catalog: %d rows, page metadata for %d of the log's %d items\n", len(meta), len(ship), len(log.Catalog))
	if len(ignored) > 0 {
		fmt.Fprintf(w, "catalog: columns ignored (not id, title, price, currency, image, url, category or availability): %s\n", strings.Join(ignored, ", "))
	}
	if noMeta > 0 {
		fmt.Fprintf(w, "warning: %d items of the log have no catalog row: they are still recommended, and rec.catalog.get returns null for them\n", noMeta)
	}
	if notInLog > 0 {
		fmt.Fprintf(w, "warning: %d catalog rows name items with no event in the log: the model has no weights for them, so they are never recommended and their rows are left out of the bundle\n", notInLog)
	}
	return ship, nil
}

// packItems encodes the page metadata into files.Items under the bundle id.
func packItems(files *bundle.Files, id [16]byte, ship []train.ItemMeta) error {
	if ship == nil {
		return nil
	}
	b, err := train.EncodeItems(ship, id)
	if err != nil {
		return fail(exitFailed, err)
	}
	if len(b) > bundle.MaxItemData {
		return fail(exitFailed, fmt.Errorf("--catalog: the page metadata is %d bytes, above the bundle's cap of %d: shorten titles or URLs (relative URLs are shorter), or drop columns the page does not show", len(b), bundle.MaxItemData))
	}
	files.Items = b
	return nil
}
