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
	// Lambda is EASE's L2 regularisation, added to the Gram matrix's
	// diagonal. Larger values shrink weights towards zero and favour
	// popular items less. Default 150 (see RATIONALE.md; the decayed X of
	// TrainHalfLifeDays has smaller Gram entries than a binary one).
	Lambda float64
	// Neighbors is how many positive weights each item keeps, strongest
	// first: the size of the shipped model grows linearly with it.
	// Default 200; at most model.MaxNeighbors.
	Neighbors int
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
		Lambda:            150,
		Neighbors:         200,
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
	case c.ContextItems < 0 || c.ContextItems > model.MaxContextItems:
		return bad("context items is %d; want 0..%d", c.ContextItems, model.MaxContextItems)
	case c.ContextMinBuyers < 0:
		return bad("context min buyers is %d; want >= 0", c.ContextMinBuyers)
	case math.IsNaN(c.TrainHalfLifeDays) || math.IsInf(c.TrainHalfLifeDays, 0) || c.TrainHalfLifeDays < 0:
		return bad("train half-life is %v days; want a finite value >= 0", c.TrainHalfLifeDays)
	case math.IsNaN(c.TrendHalfLifeDays) || math.IsInf(c.TrendHalfLifeDays, 0) || c.TrendHalfLifeDays < 0:
		return bad("trend half-life is %v days; want a finite value >= 0", c.TrendHalfLifeDays)
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
