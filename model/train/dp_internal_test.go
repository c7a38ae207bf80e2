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
	// weights then span [0.2, 1]); each without time weighting of the pairs
	// and with a window of 0.0005 days (43 s: the heavy user's pairs weigh
	// from 1 down to almost 0).
	type selection struct{ halfLife, window float64 }
	var selections []selection
	for _, hl := range []float64{-1, 0, 0.001} {
		for _, w := range []float64{0, 0.0005} {
			selections = append(selections, selection{hl, w})
		}
	}
	grams := map[selection][]float64{}
	for _, sl := range selections {
		grams[sl] = d.selectionGram(block, float64(p.GramMaxItems), sl.halfLife, sl.window, noop)
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
			// Every user's upper triangle of x xᵀ is scaled to norm at most
			// Δ_G, the heavy user's (far above it) to exactly Δ_G.
			for _, sl := range selections {
				tight(fmt.Sprintf("selection gram (half-life %v, window %v)", sl.halfLife, sl.window), l2Diff(grams[sl], d0.selectionGram(block, float64(p.GramMaxItems), sl.halfLife, sl.window, noop), m), s.GramL2)
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

// TestSelectionWindow: with a window, a pair bought the same day outweighs
// a pair bought a year apart in the selection Gram matrix, and the user's
// scaled vector still has norm Δ_G; without it both pairs weigh alike.
func TestSelectionWindow(t *testing.T) {
	const day = 24 * 3600 * 1000
	l := &Log{}
	for _, in := range []struct {
		item string
		at   int64
	}{{"a", 400 * day}, {"b", 400 * day}, {"c", 30 * day}, {"d", 31 * day}} {
		l.Interactions = append(l.Interactions, Interaction{User: "u", Item: in.item, Kind: model.KindPurchase, At: in.at})
	}
	cfg := DefaultConfig()
	cfg.Privacy.Epsilon, cfg.Privacy.Delta = 1, 1e-6
	d, err := newDataset(l, cfg)
	if err != nil {
		t.Fatal(err)
	}
	block := []int{0, 1, 2, 3} // a, b, c, d
	noop := func(string, int, int) {}
	for _, tt := range []struct {
		name   string
		window float64
		closer bool
	}{{"no window", 0, false}, {"7 days", 7, true}} {
		t.Run(tt.name, func(t *testing.T) {
			g := d.selectionGram(block, 1, 0, tt.window, noop) // n₀ = 1: four items are over the bound
			ab, ac, cd := g[0*4+1], g[0*4+2], g[2*4+3]
			if tt.closer != (ab > 10*ac) || !tt.closer && ab != ac {
				t.Errorf("pair weights a–b %v, a–c %v (a year apart); want a–b ≫ a–c: %v", ab, ac, tt.closer)
			}
			if tt.closer && !(cd > ac && cd < ab) {
				t.Errorf("c–d (a day apart) weighs %v; want between a–c %v and a–b %v", cd, ac, ab)
			}
			zero := make([]float64, len(g))
			if got, want := l2Diff(g, zero, 4), math.Sqrt(1); math.Abs(got-want) > 1e-12 {
				t.Errorf("the user's vector has norm %v; want Δ_G for n₀ = 1, %v", got, want)
			}
		})
	}
}

// TestPairShrink: the shrinkage is soft thresholding of the released pair
// values, and nothing else: with the same noise, every pair of the shrunk
// release is max(0, v − shrink) of the unshrunk one, the diagonal alike.
func TestPairShrink(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Privacy.Epsilon, cfg.Privacy.Delta = 1, 1e-6
	d, err := newDataset(sensitivityLog(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := len(d.items)
	block := make([]int, m)
	sel := make([]bool, m*m)
	for a := range block {
		block[a] = a
		for b := a + 1; b < m; b++ {
			sel[a*m+b] = (a+b)%5 == 0
		}
	}
	const sigma, shrink = 0.2, 0.3
	p := cfg.Privacy
	plain := d.pairGram(block, sel, p.PairBound, p.DiagBound, sigma, 0, p.noiseSource()).RawSymmetric()
	shrunk := d.pairGram(block, sel, p.PairBound, p.DiagBound, sigma, shrink, p.noiseSource()).RawSymmetric()
	moved, zeroed := 0, 0
	for a := 0; a < m; a++ {
		for b := a; b < m; b++ {
			v, got := plain.Data[a*plain.Stride+b], shrunk.Data[a*shrunk.Stride+b]
			want := v
			if b > a {
				want = max(0, v-shrink)
			}
			if got != want {
				t.Fatalf("entry (%d, %d) = %v; want %v (unshrunk %v)", a, b, got, want, v)
			}
			if b > a && v > 0 {
				moved++
				if got == 0 {
					zeroed++
				}
			}
		}
	}
	if moved == 0 || zeroed == 0 || zeroed == moved {
		t.Errorf("%d positive pairs, %d shrunk to 0; want some of each", moved, zeroed)
	}
}
