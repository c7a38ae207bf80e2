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
		{"counts share auto", func(p *train.Privacy) { p.Epsilon, p.Delta, p.CountsShare = 1, 1e-6, 0 }, true},
		{"counts share one", func(p *train.Privacy) { p.Epsilon, p.Delta, p.CountsShare = 1, 1e-6, 1 }, false},
		{"negative counts share", func(p *train.Privacy) { p.Epsilon, p.Delta, p.CountsShare = 1, 1e-6, -0.1 }, false},
		{"pair share zero", func(p *train.Privacy) { p.Epsilon, p.Delta, p.PairShare = 1, 1e-6, 0 }, false},
		{"pair share one", func(p *train.Privacy) { p.Epsilon, p.Delta, p.PairShare = 1, 1e-6, 1 }, false},
		{"no gram items bound", func(p *train.Privacy) { p.Epsilon, p.Delta, p.GramMaxItems = 1, 1e-6, 0 }, false},
		{"zero pair bound", func(p *train.Privacy) { p.Epsilon, p.Delta, p.PairBound = 1, 1e-6, 0 }, false},
		{"nan pair bound", func(p *train.Privacy) { p.Epsilon, p.Delta, p.PairBound = 1, 1e-6, math.NaN() }, false},
		{"negative diag bound", func(p *train.Privacy) { p.Epsilon, p.Delta, p.DiagBound = 1, 1e-6, -1 }, false},
		{"zero diag bound", func(p *train.Privacy) { p.Epsilon, p.Delta, p.DiagBound = 1, 1e-6, 0 }, true},
		{"nan select half-life", func(p *train.Privacy) { p.Epsilon, p.Delta, p.SelectHalfLifeDays = 1, 1e-6, math.NaN() }, false},
		{"select from X", func(p *train.Privacy) { p.Epsilon, p.Delta, p.SelectHalfLifeDays = 1, 1e-6, -1 }, true},
		{"negative select window", func(p *train.Privacy) { p.Epsilon, p.Delta, p.SelectWindowDays = 1, 1e-6, -7 }, false},
		{"inf select window", func(p *train.Privacy) { p.Epsilon, p.Delta, p.SelectWindowDays = 1, 1e-6, math.Inf(1) }, false},
		{"no select window", func(p *train.Privacy) { p.Epsilon, p.Delta, p.SelectWindowDays = 1, 1e-6, 0 }, true},
		{"negative pair shrink", func(p *train.Privacy) { p.Epsilon, p.Delta, p.PairShrink = 1, 1e-6, -1 }, false},
		{"nan pair shrink", func(p *train.Privacy) { p.Epsilon, p.Delta, p.PairShrink = 1, 1e-6, math.NaN() }, false},
		{"no pair shrink", func(p *train.Privacy) { p.Epsilon, p.Delta, p.PairShrink = 1, 1e-6, 0 }, true},
		{"negative lambda noise", func(p *train.Privacy) { p.Epsilon, p.Delta, p.LambdaNoise = 1, 1e-6, -1 }, false},
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

// TestPrivacyScales checks the noise against numbers worked out
// independently (Python, math.erfc and bisection on the GDP curve δ(ε) =
// Φ(−ε/μ + μ/2) − e^ε·Φ(−ε/μ − μ/2)). c = 10: Δ_C = √11 = 3.316625; n₀ = 5:
// Δ_G = √15 = 3.872983. ε = 4, δ = 1e-6: μ = 0.8378588; the automatic
// counts share is (Δ_C/12.5)²/μ² = 0.1002839, so σ_C = 12.5, σ_G =
// Δ_G/√(0.8997·0.5·μ²) = 6.89187, σ_P = 2/√(0.8997·0.5·μ²) = 3.558946.
// ε = 1: μ = 0.2367044, share capped at 0.5. ε = 8: share floored at 0.1.
// With the diagonal bounded apart (DiagBound 1.5, B = 2): Δ_P = 2.5, so σ_P
// = 2.5/2 × 3.558946 = 4.448683 and the other σ are unchanged.
func TestPrivacyScales(t *testing.T) {
	tests := []struct {
		name                          string
		eps, delta, counts, pairShare float64
		c, n0                         int
		bound, diag, l2               float64
		mu, share, csig, gsig, psig   float64
	}{
		{"eps1 auto share capped", 1, 1e-6, 0, 0.5, 10, 5, 2, 0, 2, 0.2367044, 0.5, 19.8155, 32.72422, 16.89872},
		{"eps4 auto share", 4, 1e-6, 0, 0.5, 10, 5, 2, 0, 2, 0.8378588, 0.1002839, 12.5, 6.89187, 3.558946},
		{"eps4 diagonal apart", 4, 1e-6, 0, 0.5, 10, 5, 2, 1.5, 2.5, 0.8378588, 0.1002839, 12.5, 6.89187, 4.448683},
		{"eps8 auto share floored", 8, 1e-6, 0, 0.5, 10, 5, 2, 0, 2, 1.531545, 0.1, 6.848044, 3.769724, 1.946677},
		{"eps2 given shares", 2, 1e-5, 0.3, 0.25, 4, 3, 1, 0, 1, 0.5015517, 0.3, 8.139705, 6.740316, 4.766123},
	}
	near := func(got, want float64) bool { return math.Abs(got-want) <= 2e-6*math.Max(1, want) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := train.Privacy{Epsilon: tt.eps, Delta: tt.delta, MaxItems: tt.c, CountsShare: tt.counts,
				GramMaxItems: tt.n0, PairShare: tt.pairShare, PairBound: tt.bound, DiagBound: tt.diag}
			s, err := p.Scales()
			if err != nil {
				t.Fatal(err)
			}
			if !near(s.Mu, tt.mu) || !near(s.CountsShare, tt.share) || !near(s.CountsSigma, tt.csig) ||
				!near(s.GramSigma, tt.gsig) || !near(s.PairSigma, tt.psig) || !near(s.PairL2, tt.l2) {
				t.Errorf("Scales() = %+v; want μ %v, share %v, σ_C %v, σ_G %v, σ_P %v", s, tt.mu, tt.share, tt.csig, tt.gsig, tt.psig)
			}
			// The three mechanisms' μ² add up to the budget.
			mu2 := 0.0
			for _, r := range [][2]float64{{s.CountsL2, s.CountsSigma}, {s.GramL2, s.GramSigma}, {s.PairL2, s.PairSigma}} {
				mu2 += r[0] * r[0] / (r[1] * r[1])
			}
			if !near(math.Sqrt(mu2), tt.mu) {
				t.Errorf("composed μ %v; want %v", math.Sqrt(mu2), tt.mu)
			}
			if !near(s.Rho, tt.mu*tt.mu/2) {
				t.Errorf("ρ %v; want μ²/2 = %v", s.Rho, tt.mu*tt.mu/2)
			}
		})
	}
	if _, err := (train.Privacy{}).Scales(); !errors.Is(err, model.ErrBadRequest) {
		t.Errorf("scales of privacy off: err = %v; want ErrBadRequest", err)
	}
}

// TestPrivacyScalesTighterThanZCDP: at every ε the GDP accountant allows
// less noise than the zCDP bound ρ + 2√(ρ ln(1/δ)) = ε the previous
// accountant used (its ρ is what GDP's μ²/2 is compared with), and more ε
// always means less noise.
func TestPrivacyScalesTighterThanZCDP(t *testing.T) {
	prev := math.Inf(1)
	for _, eps := range []float64{0.25, 1, 2, 4, 8, 16} {
		p := train.DefaultPrivacy()
		p.Epsilon, p.Delta = eps, 1e-6
		s, err := p.Scales()
		if err != nil {
			t.Fatal(err)
		}
		l := math.Log(1e6)
		zcdp := math.Pow(math.Sqrt(l+eps)-math.Sqrt(l), 2)
		if s.Rho <= zcdp {
			t.Errorf("ε %v: GDP's ρ %v not above zCDP's %v", eps, s.Rho, zcdp)
		}
		if s.PairSigma >= prev {
			t.Errorf("ε %v: pair σ %v not below the smaller ε's %v", eps, s.PairSigma, prev)
		}
		prev = s.PairSigma
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
	cfg.Privacy.PairBound = 2 // every shopLog user under the bounds: pair vectors have norm ≤ √3
	cfg.Privacy.DiagBound = 2
	cfg.Privacy.SelectHalfLifeDays = -1 // select from X, views included, as the plain model
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

// TestTrainPrivateUCI trains with ε = 4 on the protocol's training log and
// checks that the private model keeps a real part of the gain over exact,
// non-private popularity measured on the same cases (README: 0.037 of the
// 0.067 non-private gain at seed 1; this checks 0.01 of it natively, and
// TestPrivateThroughModule the issue's half of it through the module).
func TestTrainPrivateUCI(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on the full dataset; skipped with -short")
	}
	log := readUCI(t)
	tr, cases := eval.Split(log)
	pop, err := eval.Evaluate(cases, eval.Popularity(tr))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := train.Train(tr, train.PrivateConfig(4, 1e-6, 1), nil)
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
	t.Logf("ε = 4, δ = 1e-6: %v; popularity %v", got, pop)
	if got.NDCG < pop.NDCG+0.01 {
		t.Errorf("NDCG@10 = %.4f at ε = 4; want at least popularity's %.4f + 0.01", got.NDCG, pop.NDCG)
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
	fmt.Printf("μ %.4f; counts σ %.1f (sensitivity %.2f), selection σ %.1f (%.2f), pairs σ %.1f (%.2f)\n",
		s.Mu, s.CountsSigma, s.CountsL2, s.GramSigma, s.GramL2, s.PairSigma, s.PairL2)
	// Output:
	// μ 0.2367; counts σ 19.8 (sensitivity 3.32), selection σ 20.7 (2.45), pairs σ 4.9 (0.58)
}

// BenchmarkTrainPrivate fits PrivateConfig on the full UCI log, by ε and
// by how many candidate items get neighbours.
func BenchmarkTrainPrivate(b *testing.B) {
	log := readUCI(b)
	for _, eps := range []float64{1, 8} {
		for _, items := range []int{300, 600} {
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
