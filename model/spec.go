package model

import (
	"math"
)

// Params are the scoring parameters that travel with the weights. Training
// chooses them; the module applies them to every request.
type Params struct {
	// HalfLifeDays is the recency half-life of a history event's weight: an
	// event HalfLifeDays older than the request's Now counts half. Zero turns
	// recency decay off.
	HalfLifeDays float64 `msgpack:"half_life_days" json:"half_life_days"`
	// ViewWeight, CartWeight and PurchaseWeight scale an event by its kind.
	ViewWeight     float64 `msgpack:"view_weight" json:"view_weight"`
	CartWeight     float64 `msgpack:"cart_weight" json:"cart_weight"`
	PurchaseWeight float64 `msgpack:"purchase_weight" json:"purchase_weight"`
	// Saturation caps the summed weight of one item's repeated events, so a
	// shopper who bought the same thing twenty times does not drown the rest.
	// Zero means 1 (binary history, as EASE is trained).
	Saturation float64 `msgpack:"saturation" json:"saturation"`
	// PopularityWeight (β) blends the popularity prior into the scores of a
	// history that scores any item: score_j = Σ_i x_i·B_ij + β'·pop_j, so a
	// trending item can outrank weak personal evidence. Zero keeps
	// popularity (adjusted by context) to the slots personal evidence leaves
	// empty, which is also what a history without known items gets.
	PopularityWeight float64 `msgpack:"popularity_weight" json:"popularity_weight"`
	// PopularityHalfLifeDays ages the prior: β' = β·2^(−|Now − PopularityAt|
	// / half-life), because popularity measured at one time says less about
	// demand the further from that time a request is. Zero means β' = β.
	PopularityHalfLifeDays float64 `msgpack:"popularity_half_life_days" json:"popularity_half_life_days"`
	// PopularityAt is when Spec.Popularity was measured (Unix ms, the end of
	// the training log); only PopularityHalfLifeDays uses it.
	PopularityAt int64 `msgpack:"popularity_at" json:"popularity_at"`
	// RepeatWeight (α, 0..1) turns ModeBuyAgain on and mixes it: an item
	// scores α·r̂_j + (1−α)·ê_j, where r̂ is the shopper's repeat vector
	// (see RepeatHalfLifeDays) and ê the default mode's score, each
	// divided by its largest value over the items ranked, so the mix is
	// free of either's scale (TIFU-KNN's α). Zero turns the mode off
	// (weights trained before it have none): a buy-again request is then
	// answered as a default one.
	RepeatWeight float64 `msgpack:"repeat_weight" json:"repeat_weight"`
	// RepeatHalfLifeDays decays the repeat vector: r_j sums, over the
	// distinct times the shopper bought j, 2^(−age/half-life). Zero counts
	// purchases without decay (the shopper's most frequent items).
	RepeatHalfLifeDays float64 `msgpack:"repeat_half_life_days" json:"repeat_half_life_days"`
}

// DefaultParams are sensible parameters for a model trained on purchases only.
func DefaultParams() Params {
	return Params{HalfLifeDays: 0, ViewWeight: 0.2, CartWeight: 0.5, PurchaseWeight: 1, Saturation: 1}
}

// Validate reports whether p can score: weights finite and non-negative.
func (p Params) Validate() error {
	for name, v := range map[string]float64{
		"half_life_days": p.HalfLifeDays, "view_weight": p.ViewWeight, "cart_weight": p.CartWeight,
		"purchase_weight": p.PurchaseWeight, "saturation": p.Saturation,
		"popularity_weight": p.PopularityWeight, "popularity_half_life_days": p.PopularityHalfLifeDays,
		"repeat_weight": p.RepeatWeight, "repeat_half_life_days": p.RepeatHalfLifeDays,
	} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return errorf(ErrBadRequest, "param %s is %v; want a finite value >= 0", name, v)
		}
	}
	if p.RepeatWeight > 1 {
		return errorf(ErrBadRequest, "param repeat_weight is %v; want 0..1", p.RepeatWeight)
	}
	if p.PopularityAt < 0 || p.PopularityAt > maxPopularityAt {
		return errorf(ErrBadRequest, "param popularity_at is %d; want 0..%d (Unix ms)", p.PopularityAt, int64(maxPopularityAt))
	}
	return nil
}

// Neighbor is one learned item-to-item weight: having the row's item in the
// history adds Weight to Item's score.
type Neighbor struct {
	Item   int32   `msgpack:"item" json:"item"`
	Weight float32 `msgpack:"weight" json:"weight"`
}

// ModelKind is how a model scores a history. It travels in the weights
// artifact and in the signed manifest as its lower-case name.
type ModelKind string

// The model kinds.
const (
	// ModelNeighbors ships, for each item, its strongest item-to-item
	// weights: score_j = Σ_i x_i·B_ij over the history items i.
	ModelNeighbors ModelKind = "neighbors"
	// ModelEmbedding ships one product-quantized vector per item and a fold
	// matrix: the shopper's query u = Fold·Σ_i x_i·v̂_i is folded in on the
	// device, and score_j = ⟨u, v̂_j⟩ less item j's own term. The score is
	// linear in the history, so explanations stay exact.
	ModelEmbedding ModelKind = "embedding"
)

// Valid reports whether k is one of the known model kinds.
func (k ModelKind) Valid() bool { return k == ModelNeighbors || k == ModelEmbedding }

// PQCentroids is the number of centroids per subspace of an Embedding: one
// byte per code.
const PQCentroids = 256

// Embedding is a model of kind ModelEmbedding in its shipped,
// product-quantized form (FAISS's IndexPQ layout): item j's vector v̂_j is
// the concatenation, over the Subspaces subspaces m, of centroid
// Codes[j*Subspaces+m] of subspace m.
type Embedding struct {
	// Dims is the vector length, a multiple of Subspaces (at most MaxDims).
	Dims int
	// Subspaces is the number of one-byte codes per item (at most
	// MaxSubspaces).
	Subspaces int
	// Codebooks holds Subspaces × PQCentroids centroids of Dims/Subspaces
	// floats: centroid c of subspace m starts at (m*PQCentroids+c)*(Dims/Subspaces).
	Codebooks []float32
	// Codes holds Subspaces codes per item, item-major.
	Codes []byte
	// Fold is the Dims × Dims matrix, row-major, that turns the summed
	// history vectors Σ_i x_i·v̂_i into the shopper's query u.
	Fold []float32
}

// Spec is a model as training produces it, before it is packed into an
// artifact. Build checks it and turns it into a Model that can score.
// Exactly one of Neighbors (kind ModelNeighbors) and Embedding (kind
// ModelEmbedding) is set.
type Spec struct {
	// Items are the item ids; an item's index in this slice is its dense id.
	Items []string
	// Neighbors[i] are item i's strongest neighbours, best first.
	Neighbors [][]Neighbor
	// Embedding is the product-quantized item vectors.
	Embedding *Embedding
	// Popularity[i] is item i's non-personal score (e.g. its share of
	// buyers, decayed towards the end of the training log).
	Popularity []float32
	// Contexts maps a context key ("hour:13", "weekday:2", "device:mobile")
	// to the items more popular than usual in it, with an additive score.
	Contexts map[string][]Neighbor
	Params   Params
}

// Limits on a model; the artifact decoder enforces them before allocating.
const (
	MaxItems        = 1 << 20
	MaxNeighbors    = 1 << 12 // per item
	MaxNonZeros     = 1 << 26
	MaxContexts     = 1024
	MaxContextItems = 1 << 12
	MaxDims         = 256
	MaxSubspaces    = 64
	maxContextKey   = 64
	// maxPopularityAt bounds Params.PopularityAt (Unix ms) to what a
	// float64 holds exactly, far beyond any real date.
	maxPopularityAt = 1 << 53
)

// Validate checks that s is internally consistent and within the limits.
func (s *Spec) Validate() error {
	n := len(s.Items)
	if n == 0 {
		return errorf(ErrBadRequest, "validate spec: no items")
	}
	if n > MaxItems {
		return errorf(ErrTooLarge, "validate spec: %d items; at most %d", n, MaxItems)
	}
	if len(s.Popularity) != n {
		return errorf(ErrBadRequest, "validate spec: %d items but %d popularity values", n, len(s.Popularity))
	}
	if s.Embedding != nil {
		if s.Neighbors != nil {
			return errorf(ErrBadRequest, "validate spec: both neighbours and an embedding; set one")
		}
		if err := s.Embedding.validate(n); err != nil {
			return wrapf("validate spec: %w", err)
		}
	} else if len(s.Neighbors) != n {
		return errorf(ErrBadRequest, "validate spec: %d items but %d neighbour rows", n, len(s.Neighbors))
	}
	seen := make(map[string]struct{}, n)
	for i, id := range s.Items {
		if id == "" || len(id) > MaxIDLen {
			return errorf(ErrBadRequest, "validate spec: item %d has an id of %d bytes; want 1..%d", i, len(id), MaxIDLen)
		}
		if _, dup := seen[id]; dup {
			return errorf(ErrBadRequest, "validate spec: item id %q appears twice", id)
		}
		seen[id] = struct{}{}
	}
	nnz := 0
	for i, row := range s.Neighbors {
		if len(row) > MaxNeighbors {
			return errorf(ErrTooLarge, "validate spec: item %d has %d neighbours; at most %d", i, len(row), MaxNeighbors)
		}
		if err := checkNeighbors(row, n); err != nil {
			return wrapf("validate spec: item %d: %w", i, err)
		}
		nnz += len(row)
	}
	if nnz > MaxNonZeros {
		return errorf(ErrTooLarge, "validate spec: %d weights; at most %d", nnz, MaxNonZeros)
	}
	for i, p := range s.Popularity {
		if !finite32(p) {
			return errorf(ErrBadRequest, "validate spec: popularity of item %d is %v", i, p)
		}
	}
	if len(s.Contexts) > MaxContexts {
		return errorf(ErrTooLarge, "validate spec: %d contexts; at most %d", len(s.Contexts), MaxContexts)
	}
	for key, list := range s.Contexts {
		if key == "" || len(key) > maxContextKey {
			return errorf(ErrBadRequest, "validate spec: context key of %d bytes; want 1..%d", len(key), maxContextKey)
		}
		if len(list) > MaxContextItems {
			return errorf(ErrTooLarge, "validate spec: context %q has %d items; at most %d", key, len(list), MaxContextItems)
		}
		if err := checkNeighbors(list, n); err != nil {
			return wrapf("validate spec: context %q: %w", key, err)
		}
	}
	return s.Params.Validate()
}

func checkNeighbors(row []Neighbor, n int) error {
	for _, nb := range row {
		if nb.Item < 0 || int(nb.Item) >= n {
			return errorf(ErrBadRequest, "neighbour index %d out of range [0,%d)", nb.Item, n)
		}
		if !finite32(nb.Weight) {
			return errorf(ErrBadRequest, "neighbour weight %v is not finite", nb.Weight)
		}
	}
	return nil
}

func finite32(f float32) bool {
	return !math.IsNaN(float64(f)) && !math.IsInf(float64(f), 0)
}

// Kind is the kind of model s describes: ModelEmbedding when Embedding is
// set, else ModelNeighbors.
func (s *Spec) Kind() ModelKind {
	if s.Embedding != nil {
		return ModelEmbedding
	}
	return ModelNeighbors
}

func (e *Embedding) validate(n int) error {
	if e.Dims < 1 || e.Dims > MaxDims || e.Subspaces < 1 || e.Subspaces > MaxSubspaces || e.Dims%e.Subspaces != 0 {
		return errorf(ErrBadRequest, "embedding of %d dims in %d subspaces; want dims 1..%d, a multiple of subspaces 1..%d", e.Dims, e.Subspaces, MaxDims, MaxSubspaces)
	}
	if want := e.Subspaces * PQCentroids * (e.Dims / e.Subspaces); len(e.Codebooks) != want {
		return errorf(ErrBadRequest, "embedding codebooks hold %d floats; want %d", len(e.Codebooks), want)
	}
	if len(e.Codes) != n*e.Subspaces {
		return errorf(ErrBadRequest, "embedding has %d codes; want %d (items × subspaces)", len(e.Codes), n*e.Subspaces)
	}
	if len(e.Fold) != e.Dims*e.Dims {
		return errorf(ErrBadRequest, "embedding fold holds %d floats; want %d (dims²)", len(e.Fold), e.Dims*e.Dims)
	}
	for _, list := range [][]float32{e.Codebooks, e.Fold} {
		for _, f := range list {
			if !finite32(f) {
				return errorf(ErrBadRequest, "embedding value %v is not finite", f)
			}
		}
	}
	return nil
}
