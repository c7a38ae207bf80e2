// Package synth makes the small synthetic bundle the audit loads when it is
// not given a real one: a fixed catalog and item-to-item model, signed with
// a key derived from a seed (ephemeral: nobody else trusts it).
package synth

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// Items is the number of items in the synthetic catalog.
const Items = 48

// ItemID is the id of synthetic item i.
func ItemID(i int) string { return fmt.Sprintf("synth-%03d", i) }

// Bundle returns a signed bundle for wasm, valid for a day around now, and
// the public key that verifies it. The same seed gives the same key.
func Bundle(wasm []byte, now time.Time, seed uint64) (*bundle.Files, ed25519.PublicKey, error) {
	spec := &model.Spec{
		Items:      make([]string, Items),
		Neighbors:  make([][]model.Neighbor, Items),
		Popularity: make([]float32, Items),
		Contexts: map[string][]model.Neighbor{
			"hour:12": {{Item: 3, Weight: 0.5}},
		},
		Params: model.DefaultParams(),
	}
	items := make([]model.Item, Items)
	for i := range Items {
		id := ItemID(i)
		spec.Items[i] = id
		spec.Popularity[i] = float32(Items-i) / Items
		// A ring: each item's neighbours are the next few items, so any
		// history gives a personal ranking.
		for d := 1; d <= 5; d++ {
			spec.Neighbors[i] = append(spec.Neighbors[i], model.Neighbor{Item: int32((i + d) % Items), Weight: 1 / float32(d)})
		}
		items[i] = model.Item{ID: id, Title: fmt.Sprintf("Synthetic item %d", i), Price: float64(1 + i%7),
			Category: []string{"home", "garden", "kitchen"}[i%3]}
	}
	var bid [16]byte
	binary.BigEndian.PutUint64(bid[:], seed)
	copy(bid[8:], "privsynt")
	weights, err := model.EncodeWeights(spec, bid)
	if err != nil {
		return nil, nil, fmt.Errorf("make synthetic bundle: %w", err)
	}
	catalog, err := model.EncodeCatalog(items, bid)
	if err != nil {
		return nil, nil, fmt.Errorf("make synthetic bundle: %w", err)
	}
	var keySeed [8]byte
	binary.BigEndian.PutUint64(keySeed[:], seed)
	kh := sha256.Sum256(append([]byte("privrec synthetic audit key\x00"), keySeed[:]...))
	priv := ed25519.NewKeyFromSeed(kh[:])
	files := &bundle.Files{Weights: weights, Catalog: catalog, Wasm: wasm}
	ms := now.UnixMilli()
	meta := bundle.Meta{Version: 1, Created: ms - time.Hour.Milliseconds(), Expires: ms + 24*time.Hour.Milliseconds(), BundleID: bid}
	if err := bundle.Sign(files, meta, priv); err != nil {
		return nil, nil, fmt.Errorf("make synthetic bundle: %w", err)
	}
	return files, priv.Public().(ed25519.PublicKey), nil
}
