package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/privrec/privrec/model"
)

// randomLog draws users buying between 2 and maxBasket of items items,
// popular items more often, over a year.
func randomLog(users, items, maxBasket int, seed uint64) *Log {
	rng := rand.New(rand.NewPCG(seed, 2))
	l := &Log{}
	for u := 0; u < users; u++ {
		k := 2 + rng.IntN(maxBasket-1)
		for b := 0; b < k; b++ {
			it := int(float64(items) * math.Pow(rng.Float64(), 2))
			l.Interactions = append(l.Interactions, Interaction{
				User: fmt.Sprintf("u%05d", u), Item: fmt.Sprintf("i%05d", it), Kind: model.KindPurchase,
				At: int64(rng.IntN(365)) * 86_400_000,
			})
		}
	}
	return l
}

func TestBuildGramMatchesDense(t *testing.T) {
	l := randomLog(400, 60, 12, 1)
	cfg := DefaultConfig()
	d, err := newDataset(l, cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := len(d.items)
	dense := d.gram(func(string, int, int) {}).RawSymmetric()
	for _, rowCap := range []int{n, 5} {
		t.Run(fmt.Sprintf("rowCap=%d", rowCap), func(t *testing.T) {
			var last int
			g := buildGram(d.users, n, rowCap, func(stage string, done, total int) {
				if stage != StageMatrix || done < last || done > total || total != n {
					t.Errorf("progress %s %d/%d after %d", stage, done, total, last)
				}
				last = done
			})
			if last != n {
				t.Errorf("progress ended at %d of %d", last, n)
			}
			for i := 0; i < n; i++ {
				if math.Abs(g.diag[i]-dense.Data[i*dense.Stride+i]) > 1e-9*max(1, g.diag[i]) {
					t.Fatalf("diag %d = %v; dense %v", i, g.diag[i], dense.Data[i*dense.Stride+i])
				}
				cols, vals := g.row(i)
				if len(cols) > rowCap {
					t.Fatalf("row %d keeps %d entries; cap %d", i, len(cols), rowCap)
				}
				nonzero := 0
				for j := 0; j < n; j++ {
					if j != i && dense.Data[min(i, j)*dense.Stride+max(i, j)] != 0 {
						nonzero++
					}
				}
				if rowCap >= n && len(cols) != nonzero {
					t.Fatalf("row %d has %d entries; dense has %d non-zeros", i, len(cols), nonzero)
				}
				var smallestKept float32 = math.MaxFloat32
				for k, j := range cols {
					if k > 0 && j <= cols[k-1] {
						t.Fatalf("row %d columns not ascending: %v", i, cols)
					}
					want := dense.Data[min(i, int(j))*dense.Stride+max(i, int(j))]
					if math.Abs(float64(vals[k])-want) > 1e-5*want {
						t.Fatalf("G[%d][%d] = %v; dense %v", i, j, vals[k], want)
					}
					smallestKept = min(smallestKept, vals[k])
				}
				// A capped row keeps its largest entries.
				if len(cols) == rowCap {
					kept := map[int32]bool{}
					for _, j := range cols {
						kept[j] = true
					}
					for j := 0; j < n; j++ {
						v := dense.Data[min(i, j)*dense.Stride+max(i, j)]
						if j != i && !kept[int32(j)] && float32(v) > smallestKept*(1+1e-6) {
							t.Fatalf("row %d dropped %d (%v) but kept %v", i, j, v, smallestKept)
						}
					}
				}
			}
		})
	}
}

// TestLocalRidgeIsEASE: with every pair of items co-occurring and every
// co-occurring item a candidate, the per-target regressions are EASE.
func TestLocalRidgeIsEASE(t *testing.T) {
	l := randomLog(3000, 25, 20, 3)
	cfg := DefaultConfig()
	cfg.Lambda = 20
	d, err := newDataset(l, cfg)
	if err != nil {
		t.Fatal(err)
	}
	n := len(d.items)
	g := buildGram(d.users, n, n, func(string, int, int) {})
	for i := 0; i < n; i++ {
		if cols, _ := g.row(i); len(cols) != n-1 {
			t.Fatalf("item %d co-occurs with %d of %d items; the test needs all", i, len(cols), n-1)
		}
	}
	b, err := d.ease(cfg.Lambda, func(string, int, int) {})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := localRidge(g, cfg.Lambda, n, func(string, int, int) {})
	if err != nil {
		t.Fatal(err)
	}
	positive := 0
	for i, row := range rows {
		got := map[int32]float32{}
		for _, nb := range row {
			got[nb.Item] = nb.Weight
		}
		for j := 0; j < n; j++ {
			want := b[i*n+j]
			if i == j || want <= 0 {
				if _, ok := got[int32(j)]; ok {
					t.Fatalf("B[%d][%d] = %v kept; dense EASE has %v", i, j, got[int32(j)], want)
				}
				continue
			}
			positive++
			if math.Abs(float64(got[int32(j)])-want) > 1e-4*math.Abs(want)+1e-6 {
				t.Fatalf("B[%d][%d] = %v; dense EASE %v", i, j, got[int32(j)], want)
			}
		}
	}
	if positive < n {
		t.Fatalf("only %d positive weights: the test compares too little", positive)
	}
}

// TestLocalRidgeFewCandidates: with fewer candidates than co-occurring
// items, a target's weights come only from its strongest co-occurrences.
func TestLocalRidgeFewCandidates(t *testing.T) {
	l := randomLog(2000, 40, 10, 4)
	d, err := newDataset(l, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	n := len(d.items)
	g := buildGram(d.users, n, n, func(string, int, int) {})
	const k = 5
	rows, err := localRidge(g, 150, k, func(string, int, int) {})
	if err != nil {
		t.Fatal(err)
	}
	perTarget := make([]int, n)
	for i, row := range rows {
		for _, nb := range row {
			perTarget[nb.Item]++
			cols, vals := g.row(int(nb.Item))
			// i must be among the k largest of target's row.
			var gi float32
			for c, j := range cols {
				if int(j) == i {
					gi = vals[c]
				}
			}
			larger := 0
			for _, v := range vals {
				if v > gi {
					larger++
				}
			}
			if gi == 0 || larger >= k {
				t.Fatalf("source %d of target %d has co-occurrence %v with %d larger; want one of the %d largest", i, nb.Item, gi, larger, k)
			}
		}
	}
	for j, c := range perTarget {
		if c > k {
			t.Fatalf("target %d has %d sources; at most %d", j, c, k)
		}
	}
}

func TestCholeskySolve(t *testing.T) {
	// A = [[4,2],[2,3]] (off-diagonal in a, diagonal in d), b = [2, 1]:
	// x = A⁻¹b = [0.5, 0].
	a := []float64{0, 2, 2, 0}
	d := []float64{4, 3}
	b := []float64{2, 1}
	if !choleskySolve(a, d, 0, b, 2) {
		t.Fatal("not positive definite")
	}
	if math.Abs(b[0]-0.5) > 1e-12 || math.Abs(b[1]) > 1e-12 {
		t.Fatalf("x = %v; want [0.5 0]", b)
	}
	// Indefinite [[1,3],[3,1]]: refused, and the matrix restored so a
	// larger λ succeeds: λ = 3 gives [[4,3],[3,4]], x = [1,1]/7·(4−3)…
	a = []float64{0, 3, 3, 0}
	d = []float64{1, 1}
	if choleskySolve(a, d, 0, []float64{1, 1}, 2) {
		t.Fatal("indefinite matrix factorised")
	}
	b = []float64{7, 7}
	if !choleskySolve(a, d, 3, b, 2) {
		t.Fatal("positive definite matrix refused after a failure")
	}
	if math.Abs(b[0]-1) > 1e-12 || math.Abs(b[1]-1) > 1e-12 {
		t.Fatalf("x = %v; want [1 1]", b)
	}
}

func TestCapUsers(t *testing.T) {
	l := &Log{}
	for i := 0; i < 50; i++ {
		l.Interactions = append(l.Interactions, Interaction{User: "heavy", Item: fmt.Sprintf("i%02d", i), Kind: model.KindPurchase, At: int64(i) * 86_400_000})
	}
	l.Interactions = append(l.Interactions, Interaction{User: "light", Item: "i01", Kind: model.KindPurchase, At: 0})
	d, err := newDataset(l, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	capped := d.capUsers(10)
	heavy := capped[0]
	if d.names[0] != "heavy" || len(heavy) != 10 || len(capped[1]) != 1 {
		t.Fatalf("kept %d and %d items; want 10 and 1", len(heavy), len(capped[1]))
	}
	// The decayed weights favour the latest purchases: items 40..49.
	for k, e := range heavy {
		if d.items[e.item] != fmt.Sprintf("i%02d", 40+k) {
			t.Fatalf("kept %v; want the 10 latest in item order", heavy)
		}
	}
	if len(d.users[0]) != 50 {
		t.Fatal("capUsers changed the dataset")
	}
}
