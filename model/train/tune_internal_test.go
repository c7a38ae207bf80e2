package train

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/privrec/privrec/model"
)

// groupLog is a seeded log of users in taste groups over 200 days, with
// views and carts, big enough for the sparse fit to keep many neighbours.
func groupLog(seed uint64) *Log {
	const day = 86_400_000
	r := rand.New(rand.NewPCG(seed, 1))
	l := &Log{}
	for u := 0; u < 300; u++ {
		g := u % 6
		for e := 0; e < 12; e++ {
			item := fmt.Sprintf("g%d-i%02d", g, r.IntN(15))
			if r.IntN(5) == 0 {
				item = fmt.Sprintf("any-%02d", r.IntN(30))
			}
			kind := []model.Kind{model.KindPurchase, model.KindPurchase, model.KindView, model.KindCart}[r.IntN(4)]
			l.Interactions = append(l.Interactions, Interaction{User: fmt.Sprintf("u%03d", u), Item: item, Kind: kind,
				At: int64(r.IntN(200*24)) * day / 24})
		}
	}
	return l
}

// TestTuneTrainerMatchesTrain: the specs the search scores, built from
// cached datasets, Gram matrices and rows, are Train's for the same Config,
// in every order of trials (retraining, reusing, truncating).
func TestTuneTrainerMatchesTrain(t *testing.T) {
	l := groupLog(1)
	base := ConfigFor(l)
	base.Neighbors = 20
	// Buy-again parameters given, so Train does not choose them (the
	// search's specs leave them to Train: they do not score default mode).
	base.Params.RepeatWeight, base.Params.RepeatHalfLifeDays = 0.5, 10
	tr := newTuneTrainer(l)
	steps := []struct {
		name string
		edit func(c Config) Config
	}{
		{"start", func(c Config) Config { return c }},
		{"scoring only", func(c Config) Config { c.Params.HalfLifeDays *= 2; c.Params.PopularityWeight = 1; return c }},
		{"trend", func(c Config) Config { c.TrendHalfLifeDays = 3; return c }},
		{"fewer neighbours", func(c Config) Config { c.Neighbors = 5; return c }},
		{"lambda", func(c Config) Config { c.Lambda = 40; return c }},
		{"train half-life", func(c Config) Config { c.TrainHalfLifeDays = 0; return c }},
		{"view weight", func(c Config) Config { c.Params.ViewWeight = 0.6; return c }},
		{"more neighbours again", func(c Config) Config { c.Neighbors = 30; return c }},
		{"back to start", func(c Config) Config { return base }},
	}
	cfg := base
	for _, s := range steps {
		cfg = s.edit(cfg)
		got, err := tr.spec(cfg)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		want, err := Train(l, cfg, nil)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the cached spec differs from Train's: items %v params %v pop %v neighbours %v contexts %v", s.name,
				reflect.DeepEqual(got.Items, want.Items), reflect.DeepEqual(got.Params, want.Params), reflect.DeepEqual(got.Popularity, want.Popularity),
				reflect.DeepEqual(got.Neighbors, want.Neighbors), reflect.DeepEqual(got.Contexts, want.Contexts))
			for i := range got.Neighbors {
				if !reflect.DeepEqual(got.Neighbors[i], want.Neighbors[i]) {
					t.Logf("row %d: %v vs %v", i, got.Neighbors[i], want.Neighbors[i])
					break
				}
			}
		}
	}
}
