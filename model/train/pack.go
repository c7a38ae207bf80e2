package train

import (
	"crypto/rand"
	"fmt"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// Pack encodes a trained model and its catalog as the artifacts of a new
// bundle, under a fresh random bundle id, beside the module bytes wasm. The
// result is not signed yet: pass it and the returned id (in bundle.Meta) to
// bundle.Sign.
func Pack(spec *model.Spec, catalog []model.Item, wasm []byte) (*bundle.Files, [16]byte, error) {
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return nil, id, fmt.Errorf("%w: pack bundle: %v", model.ErrInternal, err)
	}
	weights, err := model.EncodeWeights(spec, id)
	if err != nil {
		return nil, id, fmt.Errorf("pack bundle: %w", err)
	}
	cat, err := model.EncodeCatalog(catalog, id)
	if err != nil {
		return nil, id, fmt.Errorf("pack bundle: %w", err)
	}
	return &bundle.Files{Weights: weights, Catalog: cat, Wasm: wasm}, id, nil
}
