package train

import (
	"fmt"
	"math"

	"github.com/privrec/privrec/model"
)

// Config holds the hyper-parameters of Train. Build one with DefaultConfig
// and change what you need; the zero value is not valid. A Config is a plain
// value, safe to copy and to share between goroutines.
//
// Training is deterministic: the same Log and Config give the same Spec, bit
// for bit. Without Privacy nothing in it draws random numbers; with it, the
// noise comes from Privacy.Seed.
type Config struct {
	// Kind is the kind of model to train: model.ModelNeighbors (sparse
	// EASE, truncated to Neighbors per item) or model.ModelEmbedding
	// (Embedding). ChooseKind picks one for a catalog and a byte budget.
	// Default model.ModelNeighbors.
	Kind model.ModelKind
	// Embedding configures the embedding kind; ignored for neighbours.
	Embedding EmbeddingConfig
	// Lambda is EASE's L2 regularisation, added to the Gram matrix's
	// diagonal. Larger values shrink weights towards zero and favour
	// popular items less. Default 150 (see RATIONALE.md; the decayed X of
	// TrainHalfLifeDays has smaller Gram entries than a binary one).
	Lambda float64
	// Neighbors is how many positive weights each item keeps, strongest
	// first: the size of the shipped model grows linearly with it.
	// Default 200; at most model.MaxNeighbors.
	Neighbors int
	// DenseMaxItems is the largest catalog fitted by exact, dense EASE
	// (memory 8n² bytes, time n³); larger ones are fitted sparsely, item by
	// item (Candidates). Default 0: the sparse fit is within noise of the
	// dense one on every log measured (RATIONALE.md, "Sparse EASE"), and
	// it has no cliff.
	DenseMaxItems int
	// MinNeighbors is the fewest neighbours per item ChooseKind ships before
	// it prefers the embedding kind: at about the same bytes, 4 neighbours
	// still beat 16 PQ codes on the synthetic log and 8 match them on UCI
	// Online Retail (RATIONALE.md, "Kind and budget"). Default 4.
	MinNeighbors int
	// Candidates is how many of a target item's strongest co-occurring
	// items its sparse regression may use (the rest get weight zero).
	// Time grows as Candidates³ per item. Default 128 (RATIONALE.md)
	// makes sense.
	Candidates int
	// MaxUserItems bounds the distinct items one user contributes to the
	// co-occurrence counts (the most recent and strongest kinds are kept):
	// a user with d items adds d² pairs, so one wholesale or bot account
	// could otherwise cost more than all shoppers together. Popularity
	// still counts every item. Default 1000.
	MaxUserItems int
	// ContextItems is how many over-represented items each context ("hour:H",
	// "weekday:D") keeps. Zero turns contexts off. Default 50.
	ContextItems int
	// ContextMinBuyers is the fewest distinct buyers an item needs within a
	// context before it may be listed for it, which keeps the lists of
	// quiet hours from being noise. Default 5.
	ContextMinBuyers int
	// TrainHalfLifeDays weights each training interaction by its age at
	// the end of the log (2^(−age/half-life)), so the regression learns
	// the co-purchases of the last months more than those of a year ago:
	// assortments and tastes drift. Zero means binary X. Default 60 (see
	// RATIONALE.md).
	TrainHalfLifeDays float64
	// TrendHalfLifeDays decays the shipped popularity towards the end of the
	// log: a buyer counts 2^(−age/half-life), age from their latest purchase
	// of the item to the log's last event. Zero means plain shares of
	// buyers. Default 14 (see RATIONALE.md).
	TrendHalfLifeDays float64
	// Params are the scoring parameters shipped with the weights; kind
	// weights also weight X during training (an item's strongest kind counts).
	Params model.Params
	// Privacy makes training differentially private at the user level when
	// its Epsilon is set; off by default (DefaultPrivacy). With it, context
	// lists are not trained (ContextItems is ignored).
	Privacy Privacy
}

// DefaultConfig returns the configuration tuned on the UCI Online Retail
// validation split (RATIONALE.md).
func DefaultConfig() Config {
	p := model.DefaultParams()
	p.HalfLifeDays = 60
	p.Saturation = 1
	p.PopularityWeight = 4
	p.PopularityHalfLifeDays = 30
	return Config{
		Kind:              model.ModelNeighbors,
		Embedding:         DefaultEmbeddingConfig(),
		Lambda:            150,
		Neighbors:         200,
		MinNeighbors:      4,
		Candidates:        128,
		MaxUserItems:      1000,
		ContextItems:      50,
		ContextMinBuyers:  5,
		TrainHalfLifeDays: 60,
		TrendHalfLifeDays: 14,
		Params:            p,
		Privacy:           DefaultPrivacy(),
	}
}

// Validate reports whether c can train, wrapping model.ErrBadRequest.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: validate config: %s", model.ErrBadRequest, fmt.Sprintf(format, args...))
	}
	switch {
	case math.IsNaN(c.Lambda) || math.IsInf(c.Lambda, 0) || c.Lambda <= 0:
		return bad("lambda is %v; want a finite value > 0 (the Gram matrix must be positive definite)", c.Lambda)
	case c.Neighbors < 1 || c.Neighbors > model.MaxNeighbors:
		return bad("neighbors is %d; want 1..%d", c.Neighbors, model.MaxNeighbors)
	case c.MinNeighbors < 1:
		return bad("min neighbors is %d; want >= 1", c.MinNeighbors)
	case c.DenseMaxItems < 0:
		return bad("dense max items is %d; want >= 0", c.DenseMaxItems)
	case c.Candidates < 1 || c.Candidates > model.MaxNeighbors:
		return bad("candidates is %d; want 1..%d", c.Candidates, model.MaxNeighbors)
	case c.MaxUserItems < 2:
		return bad("max user items is %d; want >= 2 (co-occurrence needs two items)", c.MaxUserItems)
	case c.ContextItems < 0 || c.ContextItems > model.MaxContextItems:
		return bad("context items is %d; want 0..%d", c.ContextItems, model.MaxContextItems)
	case c.ContextMinBuyers < 0:
		return bad("context min buyers is %d; want >= 0", c.ContextMinBuyers)
	case math.IsNaN(c.TrainHalfLifeDays) || math.IsInf(c.TrainHalfLifeDays, 0) || c.TrainHalfLifeDays < 0:
		return bad("train half-life is %v days; want a finite value >= 0", c.TrainHalfLifeDays)
	case math.IsNaN(c.TrendHalfLifeDays) || math.IsInf(c.TrendHalfLifeDays, 0) || c.TrendHalfLifeDays < 0:
		return bad("trend half-life is %v days; want a finite value >= 0", c.TrendHalfLifeDays)
	}
	if !c.Kind.Valid() {
		return bad("kind is %q; want %q or %q", c.Kind, model.ModelNeighbors, model.ModelEmbedding)
	}
	if c.Kind == model.ModelEmbedding {
		if c.Privacy.Enabled() {
			return bad("differentially private training makes the neighbors kind only")
		}
		if err := c.Embedding.Validate(); err != nil {
			return fmt.Errorf("validate config: %w", err)
		}
	}
	if err := c.Params.Validate(); err != nil {
		return fmt.Errorf("validate config: %w", err)
	}
	if err := c.Privacy.Validate(); err != nil {
		return fmt.Errorf("validate config: %w", err)
	}
	if c.Params.PurchaseWeight == 0 && c.Params.CartWeight == 0 && c.Params.ViewWeight == 0 {
		return bad("all kind weights are zero; nothing would be learned")
	}
	return nil
}

// GramRowCap is how many co-occurrences each item keeps in the sparse Gram
// matrix: its largest, 4 × Candidates, so that a target's candidates
// (its own Candidates largest) mostly find each other in their rows, while
// memory stays at most items × 4 × Candidates × 8 bytes.
func (c Config) GramRowCap() int { return 4 * c.Candidates }
