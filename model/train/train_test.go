package train_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

func purchases(rows ...[2]string) *train.Log {
	l := &train.Log{}
	for i, r := range rows {
		l.Interactions = append(l.Interactions, train.Interaction{User: r[0], Item: r[1], Kind: model.KindPurchase, At: int64(i) * 1000, Quantity: 1})
	}
	return l
}

// tinyConfig trains without contexts and with plain shares of buyers as
// popularity, so only EASE weights and shares are compared.
func tinyConfig(lambda float64) train.Config {
	cfg := train.DefaultConfig()
	cfg.Lambda = lambda
	cfg.ContextItems = 0
	cfg.TrendHalfLifeDays = 0
	return cfg
}

// TestTrendPopularity: with a 1-day trend half-life a buyer whose latest
// purchase is a day before the log's end counts half, and the spec records
// the end of the log as the time its popularity was measured.
func TestTrendPopularity(t *testing.T) {
	const day = 86_400_000
	l := &train.Log{Interactions: []train.Interaction{
		{User: "u1", Item: "a", Kind: model.KindPurchase, At: 0},
		{User: "u1", Item: "a", Kind: model.KindPurchase, At: 2 * day}, // latest counts: age 0
		{User: "u2", Item: "a", Kind: model.KindPurchase, At: day},     // age 1 day
		{User: "u2", Item: "b", Kind: model.KindPurchase, At: 0},       // age 2 days
		{User: "u3", Item: "b", Kind: model.KindView, At: 2 * day},     // not a purchase
	}}
	cfg := tinyConfig(1)
	cfg.TrendHalfLifeDays = 1
	spec, err := train.Train(l, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{(1 + 0.5) / 3, 0.25 / 3}
	for i := range want {
		if math.Abs(float64(spec.Popularity[i]-want[i])) > 1e-6 {
			t.Errorf("popularity %v; want %v", spec.Popularity, want)
		}
	}
	if spec.Params.PopularityAt != 2*day {
		t.Errorf("popularity measured at %d; want the log's end %d", spec.Params.PopularityAt, 2*day)
	}
}

// TestTrainTwoItems checks EASE against a hand-solved case: users {a,b} and
// {a}, λ = 1: G = [[3,1],[1,2]], P = G⁻¹ = [[2,−1],[−1,3]]/5, so
// B[a][b] = −P[a][b]/P[b][b] = 1/3 and B[b][a] = −P[b][a]/P[a][a] = 1/2.
func TestTrainTwoItems(t *testing.T) {
	log := purchases([2]string{"u1", "a"}, [2]string{"u1", "b"}, [2]string{"u2", "a"})
	spec, err := train.Train(log, tinyConfig(1), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(spec.Items, []string{"a", "b"}) {
		t.Fatalf("items %v", spec.Items)
	}
	want := [][]model.Neighbor{{{Item: 1, Weight: 1.0 / 3}}, {{Item: 0, Weight: 0.5}}}
	for i := range want {
		if len(spec.Neighbors[i]) != 1 || spec.Neighbors[i][0].Item != want[i][0].Item ||
			math.Abs(float64(spec.Neighbors[i][0].Weight-want[i][0].Weight)) > 1e-6 {
			t.Errorf("neighbours of %s = %v; want %v", spec.Items[i], spec.Neighbors[i], want[i])
		}
	}
	if spec.Popularity[0] != 1 || spec.Popularity[1] != 0.5 {
		t.Errorf("popularity %v; want [1 0.5]", spec.Popularity)
	}
	w, err := train.EASE(log, 1)
	if err != nil {
		t.Fatal(err)
	}
	wantW := []float32{0, 1.0 / 3, 0.5, 0}
	for i := range wantW {
		if math.Abs(float64(w.W[i]-wantW[i])) > 1e-6 {
			t.Fatalf("EASE W = %v; want %v", w.W, wantW)
		}
	}
}

// TestTrainDropsNegativeAndTruncates: with three items where c is bought
// only by users who did not buy a, B[a][c] < 0 and must not be kept, and
// Neighbors = 1 keeps only the strongest weight of each row.
func TestTrainDropsNegativeAndTruncates(t *testing.T) {
	log := purchases(
		[2]string{"u1", "a"}, [2]string{"u1", "b"},
		[2]string{"u2", "a"}, [2]string{"u2", "b"},
		[2]string{"u3", "b"}, [2]string{"u3", "c"},
		[2]string{"u4", "c"},
	)
	full, err := train.EASE(log, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if full.W[0*3+2] >= 0 {
		t.Fatalf("B[a][c] = %v; the test needs it negative", full.W[2])
	}
	cfg := tinyConfig(0.5)
	spec, err := train.Train(log, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, nb := range spec.Neighbors[0] {
		if nb.Item == 2 || nb.Weight <= 0 {
			t.Errorf("row a keeps %v", nb)
		}
	}
	// b's row: both a and c are positive; a is stronger (two co-buyers).
	if len(spec.Neighbors[1]) != 2 || spec.Neighbors[1][0].Item != 0 || spec.Neighbors[1][0].Weight < spec.Neighbors[1][1].Weight {
		t.Errorf("row b = %v; want a then c", spec.Neighbors[1])
	}
	cfg.Neighbors = 1
	spec, err = train.Train(log, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(spec.Neighbors[1]) != 1 || spec.Neighbors[1][0].Item != 0 {
		t.Errorf("truncated row b = %v; want [a]", spec.Neighbors[1])
	}
}

func TestTrainContextsAndDeterminism(t *testing.T) {
	const hour = 3600 * 1000
	l := &train.Log{}
	// Users 0-9 buy tea at 8:00 and 0-5 cake too; users 10-19 buy wine at
	// 20:00. Overall shares: tea 0.5, cake 0.3, wine 0.5; within 8:00 tea
	// 1.0 (lift 0.5) and cake 0.6 (lift 0.3); within 20:00 wine 1.0.
	for u := 0; u < 20; u++ {
		user := string(rune('A' + u))
		switch {
		case u < 10:
			l.Interactions = append(l.Interactions, train.Interaction{User: user, Item: "tea", Kind: model.KindPurchase, At: 8 * hour})
			if u < 6 {
				l.Interactions = append(l.Interactions, train.Interaction{User: user, Item: "cake", Kind: model.KindPurchase, At: 8 * hour})
			}
		default:
			l.Interactions = append(l.Interactions, train.Interaction{User: user, Item: "wine", Kind: model.KindPurchase, At: 20 * hour})
		}
	}
	cfg := train.DefaultConfig()
	var stages []string
	spec, err := train.Train(l, cfg, func(stage string, done, total int) {
		if done > total {
			t.Errorf("%s: done %d > total %d", stage, done, total)
		}
		if len(stages) == 0 || stages[len(stages)-1] != stage {
			stages = append(stages, stage)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{train.StageDataset, train.StageMatrix, train.StageSolve, train.StageNeighbors, train.StageContexts}
	if !reflect.DeepEqual(stages, want) {
		t.Errorf("stages %v; want %v", stages, want)
	}
	// Items sorted: cake=0, tea=1, wine=2.
	if got := spec.Contexts["hour:20"]; len(got) != 1 || got[0].Item != 2 || math.Abs(float64(got[0].Weight)-0.5) > 1e-6 {
		t.Errorf("hour:20 = %v; want [wine 0.5]", got)
	}
	if got := spec.Contexts["hour:8"]; len(got) != 2 || got[0].Item != 1 || got[1].Item != 0 || math.Abs(float64(got[1].Weight)-0.3) > 1e-6 {
		t.Errorf("hour:8 = %v; want tea 0.5, cake 0.3", got)
	}
	if got, ok := spec.Contexts["weekday:4"]; ok {
		t.Errorf("weekday:4 = %v; every purchase is on that Thursday, so nothing is over-represented", got)
	}
	again, err := train.Train(l, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(spec, again) {
		t.Error("two runs on the same log differ")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*train.Config)
		ok   bool
	}{
		{"default", func(*train.Config) {}, true},
		{"zero lambda", func(c *train.Config) { c.Lambda = 0 }, false},
		{"nan lambda", func(c *train.Config) { c.Lambda = math.NaN() }, false},
		{"no neighbours", func(c *train.Config) { c.Neighbors = 0 }, false},
		{"too many neighbours", func(c *train.Config) { c.Neighbors = model.MaxNeighbors + 1 }, false},
		{"negative context items", func(c *train.Config) { c.ContextItems = -1 }, false},
		{"negative half-life", func(c *train.Config) { c.TrainHalfLifeDays = -1 }, false},
		{"negative trend half-life", func(c *train.Config) { c.TrendHalfLifeDays = -1 }, false},
		{"nan trend half-life", func(c *train.Config) { c.TrendHalfLifeDays = math.NaN() }, false},
		{"bad popularity weight", func(c *train.Config) { c.Params.PopularityWeight = -1 }, false},
		{"bad params", func(c *train.Config) { c.Params.Saturation = math.Inf(1) }, false},
		{"unknown kind", func(c *train.Config) { c.Kind = "graph" }, false},
		{"empty kind", func(c *train.Config) { c.Kind = "" }, false},
		{"embedding", func(c *train.Config) { c.Kind = model.ModelEmbedding }, true},
		{"embedding dims not a multiple", func(c *train.Config) { c.Kind, c.Embedding.Dims = model.ModelEmbedding, 60 }, false},
		{"embedding too many dims", func(c *train.Config) { c.Kind, c.Embedding.Dims = model.ModelEmbedding, 2*model.MaxDims }, false},
		{"embedding bad normalize", func(c *train.Config) { c.Kind, c.Embedding.Normalize = model.ModelEmbedding, 2 }, false},
		{"bad embedding ignored by neighbors", func(c *train.Config) { c.Embedding.Dims = 0 }, true},
		{"private embedding", func(c *train.Config) {
			*c = train.PrivateConfig(8, 1e-6, 1)
			c.Kind = model.ModelEmbedding
		}, false},
		{"no candidates", func(c *train.Config) { c.Candidates = 0 }, false},
		{"one user item", func(c *train.Config) { c.MaxUserItems = 1 }, false},
		{"negative dense max items", func(c *train.Config) { c.DenseMaxItems = -1 }, false},
		{"all kind weights zero", func(c *train.Config) {
			c.Params.ViewWeight, c.Params.CartWeight, c.Params.PurchaseWeight = 0, 0, 0
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := train.DefaultConfig()
			tt.edit(&c)
			err := c.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v; want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, model.ErrBadRequest) {
				t.Errorf("err %v does not wrap ErrBadRequest", err)
			}
		})
	}
}

func TestTrainErrors(t *testing.T) {
	if _, err := train.Train(&train.Log{}, train.DefaultConfig(), nil); !errors.Is(err, model.ErrBadRequest) {
		t.Errorf("empty log: err = %v; want ErrBadRequest", err)
	}
	bad := train.DefaultConfig()
	bad.Lambda = -1
	if _, err := train.Train(purchases([2]string{"u", "a"}), bad, nil); !errors.Is(err, model.ErrBadRequest) {
		t.Errorf("bad config: err = %v; want ErrBadRequest", err)
	}
}

// groupLog has two disjoint groups of items: every user buys within one.
func groupLog(users int) *train.Log {
	l := &train.Log{}
	rng := rand.New(rand.NewPCG(1, 2))
	for u := 0; u < users; u++ {
		g := u % 2
		for k := 0; k < 4; k++ {
			it := fmt.Sprintf("g%d-%02d", g, rng.IntN(20))
			l.Interactions = append(l.Interactions, train.Interaction{User: fmt.Sprintf("u%04d", u), Item: it, Kind: model.KindPurchase, At: int64(u*10+k) * 60_000})
		}
	}
	return l
}

func TestTrainEmbedding(t *testing.T) {
	l := groupLog(600)
	cfg := train.DefaultConfig()
	cfg.Kind = model.ModelEmbedding
	cfg.Embedding.Dims, cfg.Embedding.Subspaces = 8, 4
	cfg.Params.PopularityWeight = 0
	var stages []string
	spec, err := train.Train(l, cfg, func(stage string, done, total int) {
		if len(stages) == 0 || stages[len(stages)-1] != stage {
			stages = append(stages, stage)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if spec.Kind() != model.ModelEmbedding || spec.Neighbors != nil || spec.Embedding.Dims != 8 || len(spec.Embedding.Codes) != 40*4 {
		t.Fatalf("kind %s, %d neighbour rows, embedding %d dims %d codes", spec.Kind(), len(spec.Neighbors), spec.Embedding.Dims, len(spec.Embedding.Codes))
	}
	want := []string{train.StageDataset, train.StageFactor, train.StageCodebooks, train.StageEncode, train.StageContexts}
	if !reflect.DeepEqual(stages, want) {
		t.Errorf("stages %v; want %v", stages, want)
	}
	again, err := train.Train(l, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(spec, again) {
		t.Error("two trainings differ")
	}
	m, err := model.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	// A history in group 1 recommends group 1 only.
	resp, err := m.Recommend(model.Request{K: 10, History: model.History{{Item: "g1-03", Kind: model.KindPurchase, At: 1}}, Now: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Items) != 10 {
		t.Fatalf("%d items", len(resp.Items))
	}
	for _, r := range resp.Items {
		if !strings.HasPrefix(r.Item, "g1-") {
			t.Fatalf("history in group 1 recommends %s: %+v", r.Item, resp.Items)
		}
	}
}
