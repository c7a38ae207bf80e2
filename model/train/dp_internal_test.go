package train

import (
	"fmt"
	"math"
	"testing"

	"github.com/privrec/privrec/model"
)

// sensitivityLog has a heavy user with 400 items, half of them bought
// after the public End and at a purchase weight of 3, a medium user and
// light users who share some of the heavy user's items.
func sensitivityLog() *Log {
	l := &Log{}
	for i := 0; i < 400; i++ {
		l.Interactions = append(l.Interactions, Interaction{User: "heavy", Item: fmt.Sprintf("i%03d", i), Kind: model.KindPurchase, At: int64(i) * 1000})
	}
	for i := 0; i < 30; i++ {
		l.Interactions = append(l.Interactions, Interaction{User: "medium", Item: fmt.Sprintf("i%03d", 3*i), Kind: model.KindPurchase, At: int64(i) * 5000})
	}
	for u := 0; u < 20; u++ {
		user := fmt.Sprintf("light%02d", u)
		l.Interactions = append(l.Interactions,
			Interaction{User: user, Item: fmt.Sprintf("i%03d", u), Kind: model.KindPurchase, At: 7},
			Interaction{User: user, Item: fmt.Sprintf("i%03d", u+1), Kind: model.KindView, At: 8})
	}
	return l
}

// without returns d without its user u: the neighbouring log, same
// (public) item set.
func without(d *dataset, u int) *dataset {
	d0 := *d
	d0.users = append(append([][]entry(nil), d.users[:u]...), d.users[u+1:]...)
	d0.names = append(append([]string(nil), d.names[:u]...), d.names[u+1:]...)
	return &d0
}

// l2Diff is the L2 norm of a − b over the upper triangle (diagonal
// included) of two m×m row-major matrices.
func l2Diff(a, b []float64, m int) float64 {
	s := 0.0
	for i := 0; i < m; i++ {
		for j := i; j < m; j++ {
			v := a[i*m+j] - b[i*m+j]
			s += v * v
		}
	}
	return math.Sqrt(s)
}

// TestSensitivity removes each user in turn and checks that the three
// statistics the noise is added to move by at most the L2 sensitivity
// Scales calibrates it to, and by exactly that much for the heavy user
// (the bounds are what make it hold, not slack); that weights are clipped
// to [0,1]; and that without privacy nothing is clipped.
func TestSensitivity(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Params.PurchaseWeight = 3
	cfg.TrainHalfLifeDays = 0
	cfg.TrendHalfLifeDays = 0
	cfg.Privacy.Epsilon, cfg.Privacy.Delta, cfg.Privacy.Seed = 1, 1e-6, 42
	cfg.Privacy.End = 200 * 1000 // half the heavy user's events come after it
	s, err := cfg.Privacy.Scales()
	if err != nil {
		t.Fatal(err)
	}
	d, err := newDataset(sensitivityLog(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for u, row := range d.users {
		for _, e := range row {
			if e.x < 0 || e.x > 1 {
				t.Fatalf("user %s item %d weighs %v; want [0,1]", d.names[u], e.item, e.x)
			}
		}
	}
	p := cfg.Privacy
	m := len(d.items)
	block := make([]int, m)
	for i := range block {
		block[i] = i
	}
	// The pair release is conditioned on the selection: any mask will do,
	// so take every pair (the heavy user's largest vector) and a sparse one.
	all, sparse := make([]bool, m*m), make([]bool, m*m)
	for a := 0; a < m; a++ {
		for b := a + 1; b < m; b++ {
			all[a*m+b] = true
			sparse[a*m+b] = (a+b)%7 == 0
		}
	}
	noop := func(string, int, int) {}
	sums := d.privateSums(cfg.TrendHalfLifeDays, float64(p.MaxItems))
	// The selection from X (−1), from undecayed purchases (0) and from
	// purchases decayed by a half-life of 0.001 days (86 s: the log's
	// weights then span [0.2, 1]).
	halfLives := []float64{-1, 0, 0.001}
	grams := map[float64][]float64{}
	for _, hl := range halfLives {
		grams[hl] = d.selectionGram(block, float64(p.GramMaxItems), hl, noop)
	}
	// The pair release with the diagonal bounded together with the pairs
	// (DiagBound 0: Δ_P = B) and apart (DiagBound 0.5: Δ_P = √(B² + 0.25)).
	diagBounds := []float64{0, 0.5}
	pairs := map[string][]float64{}
	for name, sel := range map[string][]bool{"all": all, "sparse": sparse} {
		for _, db := range diagBounds {
			g, _ := d.pairSums(block, sel, p.PairBound, db)
			pairs[fmt.Sprint(name, db)] = g.RawSymmetric().Data
		}
	}
	for u, name := range d.names {
		t.Run(name, func(t *testing.T) {
			d0 := without(d, u)
			s0 := d0.privateSums(cfg.TrendHalfLifeDays, float64(p.MaxItems))
			sq := 1.0 // the user count
			for i := range sums {
				sq += (sums[i] - s0[i]) * (sums[i] - s0[i])
			}
			tight := func(what string, got, bound float64) {
				t.Helper()
				if got > bound*(1+1e-12) {
					t.Errorf("%s moves by %v; sensitivity %v", what, got, bound)
				}
				if name == "heavy" && math.Abs(got-bound) > 1e-9*bound {
					t.Errorf("%s: the heavy user moves it by %v; want the bound %v exactly", what, got, bound)
				}
			}
			tight("buyer sums and count", math.Sqrt(sq), s.CountsL2)
			// x xᵀ's upper triangle has norm √((Σx⁴ + (Σx²)²)/2): at most
			// Δ_G, and at least n₀/√2 for a user scaled to ‖x‖² = n₀.
			n0 := float64(p.GramMaxItems)
			for _, hl := range halfLives {
				if got := l2Diff(grams[hl], d0.selectionGram(block, n0, hl, noop), m); got > s.GramL2 || name == "heavy" && got < n0/math.Sqrt2*(1-1e-12) {
					t.Errorf("selection gram (half-life %v) moves by %v; sensitivity %v (heavy user: at least %v)", hl, got, s.GramL2, n0/math.Sqrt2)
				}
			}
			for sel, mask := range map[string][]bool{"all": all, "sparse": sparse} {
				for _, db := range diagBounds {
					q := p
					q.DiagBound = db
					sq, err := q.Scales()
					if err != nil {
						t.Fatal(err)
					}
					g0, _ := d0.pairSums(block, mask, p.PairBound, db)
					tight(fmt.Sprintf("pair sums (%s, diag bound %v)", sel, db), l2Diff(pairs[fmt.Sprint(sel, db)], g0.RawSymmetric().Data, m), sq.PairL2)
				}
			}
		})
	}

	cfg.Privacy = DefaultPrivacy()
	plain, err := newDataset(sensitivityLog(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for u, row := range plain.users {
		if plain.names[u] == "heavy" && (len(row) != 400 || row[0].x != 3) {
			t.Errorf("without privacy the heavy user keeps %d items at weight %v; want all 400 at 3", len(row), row[0].x)
		}
	}
}
