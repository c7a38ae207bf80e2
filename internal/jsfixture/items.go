package main

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"path/filepath"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/train"
)

// itemBundles are the fixtures of the page metadata (items.bin, privrec
// train --catalog): a bundle that carries it, one whose items.bin was
// altered after signing, and one serving the items.bin of another bundle.
// Their versions follow the other fixtures'.
var itemBundles = map[string]uint64{"meta": 9, "meta-tampered": 10, "meta-mixed": 11}

// metaOf is the page metadata of the synthetic catalog: every item but the
// last two (they have none: rec.catalog.get returns null for them).
func metaOf(items []model.Item) []train.ItemMeta {
	var out []train.ItemMeta
	for i, it := range items[:len(items)-2] {
		m := train.ItemMeta{ID: it.ID, Title: "Meta " + it.Title, Currency: "EUR", Image: fmt.Sprintf("/img/%s.jpg", it.ID),
			URL: "https://shop.test/p/" + it.ID, Category: it.Category, Availability: train.InStock}
		if i%5 != 4 {
			p := it.Price + 0.5
			m.Price = &p
		} else {
			m.Availability = train.OutOfStock // and no price
		}
		out = append(out, m)
	}
	return out
}

func writeItemBundles(out string, spec *model.Spec, items []model.Item, wasm []byte, priv ed25519.PrivateKey) error {
	meta := metaOf(items)
	var other []byte
	for _, name := range []string{"meta", "meta-tampered", "meta-mixed"} {
		v := itemBundles[name]
		var id [16]byte
		id[0], id[15] = byte(v), 0xb6
		enc, err := train.EncodeItems(meta, id)
		if err != nil {
			return err
		}
		f, err := makeBundle(spec, items, id, wasm, bundle.Meta{Version: v, Created: created, Expires: expires, BundleID: id}, priv, enc)
		if err != nil {
			return fmt.Errorf("bundle %s: %w", name, err)
		}
		switch name {
		case "meta":
			other = enc
		case "meta-tampered":
			f.Items = bytes.Clone(f.Items)
			i := bytes.Index(f.Items, []byte("Meta Item 3"))
			f.Items[i+5] = 'X' // a title altered after signing
		case "meta-mixed":
			f.Items = other
		}
		if err := bundledir.Write(filepath.Join(out, name), f); err != nil {
			return err
		}
	}
	return nil
}
