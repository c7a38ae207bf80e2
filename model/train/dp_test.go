package train_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

func privateConfig(eps, delta float64, seed uint64) train.Config {
	cfg := train.DefaultConfig()
	cfg.Privacy.Epsilon, cfg.Privacy.Delta, cfg.Privacy.Seed = eps, delta, seed
	return cfg
}

func TestPrivacyValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*train.Privacy)
		ok   bool
	}{
		{"off", func(*train.Privacy) {}, true},
		{"zero value off", func(p *train.Privacy) { *p = train.Privacy{} }, true},
		{"on", func(p *train.Privacy) { p.Epsilon, p.Delta = 1, 1e-6 }, true},
		{"large epsilon", func(p *train.Privacy) { p.Epsilon, p.Delta = 50, 1e-9 }, true},
		{"delta without epsilon", func(p *train.Privacy) { p.Delta = 1e-6 }, false},
		{"negative epsilon", func(p *train.Privacy) { p.Epsilon, p.Delta = -1, 1e-6 }, false},
		{"nan epsilon", func(p *train.Privacy) { p.Epsilon, p.Delta = math.NaN(), 1e-6 }, false},
		{"inf epsilon", func(p *train.Privacy) { p.Epsilon, p.Delta = math.Inf(1), 1e-6 }, false},
		{"epsilon without delta", func(p *train.Privacy) { p.Epsilon = 1 }, false},
		{"delta one", func(p *train.Privacy) { p.Epsilon, p.Delta = 1, 1 }, false},
		{"negative delta", func(p *train.Privacy) { p.Epsilon, p.Delta = 1, -1e-6 }, false},
		{"no items", func(p *train.Privacy) { p.Epsilon, p.Delta, p.MaxItems = 1, 1e-6, 0 }, false},
		{"gram share zero", func(p *train.Privacy) { p.Epsilon, p.Delta, p.GramShare = 1, 1e-6, 0 }, false},
		{"gram share one", func(p *train.Privacy) { p.Epsilon, p.Delta, p.GramShare = 1, 1e-6, 1 }, false},
		{"negative threshold", func(p *train.Privacy) { p.Epsilon, p.Delta, p.Threshold = 1, 1e-6, -1 }, false},
		{"zero threshold", func(p *train.Privacy) { p.Epsilon, p.Delta, p.Threshold = 1, 1e-6, 0 }, true},
		{"negative end", func(p *train.Privacy) { p.Epsilon, p.Delta, p.End = 1, 1e-6, -1 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := train.DefaultConfig()
			tt.edit(&c.Privacy)
			for _, err := range []error{c.Privacy.Validate(), c.Validate()} {
				if (err == nil) != tt.ok {
					t.Fatalf("Validate() = %v; want ok=%v", err, tt.ok)
				}
				if err != nil && !errors.Is(err, model.ErrBadRequest) {
					t.Errorf("err %v does not wrap ErrBadRequest", err)
				}
			}
		})
	}
}

// TestPrivacyScales checks the noise against numbers worked by hand.
// c = 4: Gram sensitivity √((16+4)/2) = √10, counts √5. ε = 2, δ = 1e-5:
// L = ln 1e5 = 11.512925, √L = 3.393071, √(L+2) = 3.675993, ρ =
// (3.675993 − 3.393071)² = 0.0800454; with half of ρ on each,
// σ_G = √10/√0.0800454 = 11.17717 and σ_C = √5/√0.0800454 = 7.903453.
// c = 50, ε = 1, δ = 1e-6: ρ = (√14.815511 − √13.815511)² = 0.0174689,
// Δ_G = √1275 = 35.70714, σ_G = 35.70714/√(1.6·0.0174689) = 213.5808,
// σ_C = √51/√(0.4·0.0174689) = 85.43233.
func TestPrivacyScales(t *testing.T) {
	tests := []struct {
		name                      string
		eps, delta, share         float64
		c                         int
		rho, gl2, gsig, cl2, csig float64
	}{
		{"c4 eps2", 2, 1e-5, 0.5, 4, 0.0800454, 3.162278, 11.17717, 2.236068, 7.903453},
		{"c50 eps1", 1, 1e-6, 0.8, 50, 0.0174689, 35.70714, 213.5808, 7.141428, 85.43233},
		{"c50 eps8", 8, 1e-6, 0.8, 50, 0.9097068, 35.70714, 29.59677, 7.141428, 11.83871},
	}
	near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-5*math.Max(1, want) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := train.Privacy{Epsilon: tt.eps, Delta: tt.delta, MaxItems: tt.c, GramShare: tt.share}
			s, err := p.Scales()
			if err != nil {
				t.Fatal(err)
			}
			if !near(s.Rho, tt.rho) || !near(s.GramL2, tt.gl2) || !near(s.GramSigma, tt.gsig) ||
				!near(s.CountsL2, tt.cl2) || !near(s.CountsSigma, tt.csig) {
				t.Errorf("Scales() = %+v; want ρ %v, Δ_G %v, σ_G %v, Δ_C %v, σ_C %v", s, tt.rho, tt.gl2, tt.gsig, tt.cl2, tt.csig)
			}
			// The two mechanisms' ρ add up to the budget, which converts back to ε.
			rho := s.GramL2*s.GramL2/(2*s.GramSigma*s.GramSigma) + s.CountsL2*s.CountsL2/(2*s.CountsSigma*s.CountsSigma)
			if eps := rho + 2*math.Sqrt(rho*math.Log(1/tt.delta)); !near(eps, tt.eps) {
				t.Errorf("composed ρ %v gives ε %v; want %v", rho, eps, tt.eps)
			}
		})
	}
	if _, err := (train.Privacy{}).Scales(); !errors.Is(err, model.ErrBadRequest) {
		t.Errorf("scales of privacy off: err = %v; want ErrBadRequest", err)
	}
}

// shopLog is a small log with two taste groups, hours and views, so the
// private path meets every kind of row.
func shopLog() *train.Log {
	const hour = 3600 * 1000
	l := &train.Log{}
	for u := 0; u < 40; u++ {
		user := fmt.Sprintf("u%02d", u)
		items := []string{"tea", "cups", "cake"}
		if u%2 == 1 {
			items = []string{"wine", "glasses", "cheese"}
		}
		for k, it := range items[:2+u%2] {
			kind := model.KindPurchase
			if k == 2 {
				kind = model.KindView
			}
			l.Interactions = append(l.Interactions, train.Interaction{User: user, Item: it, Kind: kind, At: int64(u%24) * hour})
		}
	}
	return l
}

// TestTrainPrivateDeterminism: the same seed gives the same spec bit for
// bit, another seed another spec; no contexts are trained under DP and
// the popularity is dated at the public End.
func TestTrainPrivateDeterminism(t *testing.T) {
	l := shopLog()
	cfg := privateConfig(4, 1e-6, 7)
	cfg.Lambda = 1
	cfg.Privacy.End = 30 * 3600 * 1000
	a, err := train.Train(l, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := train.Train(l, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("two private runs with the same seed differ")
	}
	cfg.Privacy.Seed = 8
	c, err := train.Train(l, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a.Popularity, c.Popularity) {
		t.Error("seeds 7 and 8 give the same noisy popularity")
	}
	if a.Contexts != nil {
		t.Errorf("contexts %v; want none under DP", a.Contexts)
	}
	if a.Params.PopularityAt != cfg.Privacy.End {
		t.Errorf("popularity dated %d; want the public end %d", a.Params.PopularityAt, cfg.Privacy.End)
	}
	for i, p := range a.Popularity {
		if p < 0 || p > 1 {
			t.Errorf("popularity[%d] = %v; want a share in [0,1]", i, p)
		}
	}
}

// TestTrainPrivateWithoutNoise: at an enormous ε the noise vanishes (the
// threshold, 3σ, clears what is left of it off true zeros), and with users
// under the bound the private path must give the non-private model: same
// statistics, same solve.
func TestTrainPrivateWithoutNoise(t *testing.T) {
	l := shopLog()
	plain := train.DefaultConfig()
	plain.Lambda = 1
	plain.ContextItems = 0
	plain.Params.RepeatWeight = 1 // the data-free buy-again parameters of a private model
	want, err := train.Train(l, plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := plain
	cfg.Privacy.Epsilon, cfg.Privacy.Delta, cfg.Privacy.Seed = 1e15, 1e-6, 1
	got, err := train.Train(l, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Items, want.Items) || got.Params != want.Params {
		t.Fatalf("items or params differ: %v %+v; want %v %+v", got.Items, got.Params, want.Items, want.Params)
	}
	for i := range want.Items {
		if math.Abs(float64(got.Popularity[i]-want.Popularity[i])) > 1e-4 {
			t.Errorf("popularity[%s] = %v; want %v", want.Items[i], got.Popularity[i], want.Popularity[i])
		}
		if len(got.Neighbors[i]) != len(want.Neighbors[i]) {
			t.Errorf("neighbours of %s = %v; want %v", want.Items[i], got.Neighbors[i], want.Neighbors[i])
			continue
		}
		for k, nb := range want.Neighbors[i] {
			if g := got.Neighbors[i][k]; g.Item != nb.Item || math.Abs(float64(g.Weight-nb.Weight)) > 1e-4 {
				t.Errorf("neighbours of %s = %v; want %v", want.Items[i], got.Neighbors[i], want.Neighbors[i])
				break
			}
		}
	}
}

// TestTrainPrivateRaisesLambda: with a tiny λ, no threshold and noise far
// larger than the counts, the noisy Gram matrix + λI is indefinite; Train
// must raise λ until it factorises, not fail.
func TestTrainPrivateRaisesLambda(t *testing.T) {
	cfg := privateConfig(0.1, 1e-6, 3)
	cfg.Lambda = 1e-6
	cfg.Privacy.Threshold = 0
	cfg.Privacy.GramItems = 0
	spec, err := train.Train(shopLog(), cfg, nil)
	if err != nil {
		t.Fatalf("Train: %v; want λ raised until the Gram matrix is positive definite", err)
	}
	if err := spec.Validate(); err != nil {
		t.Error(err)
	}
}

// TestTrainPrivateUCI trains with ε = 8 on the protocol's training log and
// checks that the private model still beats popularity (NDCG@10 0.035).
func TestTrainPrivateUCI(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on the full dataset; skipped with -short")
	}
	log := readUCI(t)
	tr, cases := eval.Split(log)
	spec, err := train.Train(tr, train.PrivateConfig(8, 1e-6, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := eval.Evaluate(cases, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ε = 8, δ = 1e-6: %v", got)
	if got.NDCG <= 0.035 {
		t.Errorf("NDCG@10 = %.4f at ε = 8; want above popularity's 0.035", got.NDCG)
	}
}

func ExamplePrivateConfig() {
	l := &train.Log{}
	for u := 0; u < 200; u++ { // 200 shoppers buy tea and cups, 100 of them cake too
		user := fmt.Sprint("u", u)
		l.Interactions = append(l.Interactions,
			train.Interaction{User: user, Item: "tea", Kind: model.KindPurchase, At: 1},
			train.Interaction{User: user, Item: "cups", Kind: model.KindPurchase, At: 1})
		if u%2 == 0 {
			l.Interactions = append(l.Interactions, train.Interaction{User: user, Item: "cake", Kind: model.KindPurchase, At: 1})
		}
	}
	cfg := train.PrivateConfig(8, 1e-6, 1) // use a secret random seed in production
	spec, err := train.Train(l, cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ε %v δ %v; items %v; cups popular: %v\n", cfg.Privacy.Epsilon, cfg.Privacy.Delta, spec.Items, spec.Popularity[1] > 0.8)
	// Output:
	// ε 8 δ 1e-06; items [cake cups tea]; cups popular: true
}

func ExamplePrivacy_Scales() {
	p := train.DefaultPrivacy()
	p.Epsilon, p.Delta = 1, 1e-6
	s, err := p.Scales()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("ρ %.5f, Gram σ %.1f (sensitivity %.2f), counts σ %.1f (sensitivity %.2f)\n",
		s.Rho, s.GramSigma, s.GramL2, s.CountsSigma, s.CountsL2)
	// Output:
	// ρ 0.01747, Gram σ 213.6 (sensitivity 35.71), counts σ 85.4 (sensitivity 7.14)
}

// BenchmarkTrainPrivate fits PrivateConfig on the full UCI log, by ε (the
// ε < 4 setting and the ε ≥ 4 one) and by how many items get neighbours.
func BenchmarkTrainPrivate(b *testing.B) {
	log := readUCI(b)
	for _, eps := range []float64{1, 8} {
		for _, items := range []int{300, 1000} {
			b.Run(fmt.Sprintf("eps=%g/gram_items=%d", eps, items), func(b *testing.B) {
				cfg := train.PrivateConfig(eps, 1e-6, 1)
				cfg.Privacy.GramItems = items
				b.ReportAllocs()
				for b.Loop() {
					if _, err := train.Train(log, cfg, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
