package demo

import (
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/train"
)

// Expiry is how long a demo bundle's signature stays valid.
const Expiry = 30 * 24 * time.Hour

// TrainConfig is the training configuration of the demo bundle: the
// project's defaults with a regulariser and neighbour count suited to a
// catalog of under a hundred items and a few thousand baskets.
func TrainConfig() train.Config {
	c := train.DefaultConfig()
	c.Lambda = 20
	c.Neighbors = 30
	c.ContextItems = 12
	return c
}

// Currency is the demo shop's currency (ISO 4217).
const Currency = "EUR"

// PageItems is the demo shop's page metadata, what privrec train --catalog
// would read from a storefront's product feed: every product's title,
// price, category and product link (the page's own route), all in stock.
// The demo has no product photos, so no image URLs. New on every call.
func PageItems() []train.ItemMeta {
	out := make([]train.ItemMeta, len(products))
	for i, p := range products {
		price := p.price
		out[i] = train.ItemMeta{ID: p.id, Title: p.title, Price: &price, Currency: Currency, URL: "#/p/" + p.id,
			Category: p.category, Availability: train.InStock}
	}
	return out
}

// Bundle trains the default synthetic log and signs the result, with the
// page metadata (PageItems), with priv, at version now (Unix seconds), valid
// for Expiry. wasm is the module shipped in
// the bundle: the manifest pins its SHA-256, so it must be the exact bytes
// the page will fetch. Training takes well under a second.
func Bundle(wasm []byte, priv ed25519.PrivateKey, now time.Time) (*bundle.Files, error) {
	if len(wasm) == 0 {
		return nil, fmt.Errorf("%w: build demo bundle: no module bytes (run make wasm)", model.ErrMissingArtifact)
	}
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: build demo bundle: private key is %d bytes; want %d", model.ErrBadRequest, len(priv), ed25519.PrivateKeySize)
	}
	log, err := Log(DefaultLogConfig())
	if err != nil {
		return nil, fmt.Errorf("build demo bundle: %w", err)
	}
	spec, err := train.Train(log, TrainConfig(), nil)
	if err != nil {
		return nil, fmt.Errorf("build demo bundle: %w", err)
	}
	files, id, err := train.Pack(spec, log.Catalog, wasm)
	if err != nil {
		return nil, fmt.Errorf("build demo bundle: %w", err)
	}
	// The page's titles and prices travel in the signed bundle, as a
	// storefront's would from privrec train --catalog.
	if files.Items, err = train.EncodeItems(PageItems(), id); err != nil {
		return nil, fmt.Errorf("build demo bundle: %w", err)
	}
	meta := bundle.Meta{
		Version:  uint64(now.Unix()),
		Created:  now.UnixMilli(),
		Expires:  now.Add(Expiry).UnixMilli(),
		BundleID: id,
	}
	if err := bundle.Sign(files, meta, priv); err != nil {
		return nil, fmt.Errorf("build demo bundle: %w", err)
	}
	return files, nil
}
