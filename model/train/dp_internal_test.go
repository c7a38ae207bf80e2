package train

import (
	"fmt"
	"math"
	"reflect"
	"testing"

	"github.com/privrec/privrec/model"
)

// boundedRows builds the private dataset of l and returns each user's
// kept entries by user id.
func boundedRows(t *testing.T, l *Log, cfg Config) map[string][]entry {
	t.Helper()
	d, err := newDataset(l, cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]entry)
	for u, row := range d.users {
		out[d.names[u]] = row
	}
	return out
}

// TestContributionBound: a user with 1000 items keeps exactly MaxItems
// distinct ones, weights in [0,1] even with a purchase weight of 3 and
// events after the public End; the sample depends on the seed and the
// user alone, not on who else is in the log; and the bounded row's
// Gram contribution stays within the sensitivity Scales assumes.
func TestContributionBound(t *testing.T) {
	const c = 20
	heavy := &Log{}
	for i := 0; i < 1000; i++ {
		heavy.Interactions = append(heavy.Interactions, Interaction{User: "heavy", Item: fmt.Sprintf("i%04d", i), Kind: model.KindPurchase, At: int64(i) * 1000})
	}
	light := []Interaction{
		{User: "light", Item: "i0001", Kind: model.KindPurchase, At: 5},
		{User: "light", Item: "i0002", Kind: model.KindView, At: 6},
	}
	cfg := DefaultConfig()
	cfg.Params.PurchaseWeight = 3
	cfg.Privacy.Epsilon, cfg.Privacy.Delta, cfg.Privacy.MaxItems, cfg.Privacy.Seed = 1, 1e-6, c, 42
	cfg.Privacy.End = 500 * 1000 // half the heavy user's events come after it
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	alone := boundedRows(t, heavy, cfg)["heavy"]
	if len(alone) != c {
		t.Fatalf("heavy user keeps %d items; want %d", len(alone), c)
	}
	var sq2, sq4 float64
	for k, e := range alone {
		if k > 0 && e.item <= alone[k-1].item {
			t.Errorf("kept items not distinct and sorted: %v", alone)
		}
		if e.x < 0 || e.x > 1 {
			t.Errorf("entry %d weighs %v; want [0,1]", e.item, e.x)
		}
		sq2 += e.x * e.x
		sq4 += e.x * e.x * e.x * e.x
	}
	s, err := cfg.Privacy.Scales()
	if err != nil {
		t.Fatal(err)
	}
	if norm := math.Sqrt((sq4 + sq2*sq2) / 2); norm > s.GramL2 {
		t.Errorf("Gram contribution norm %v exceeds the sensitivity %v", norm, s.GramL2)
	}

	both := &Log{Interactions: append(append([]Interaction(nil), heavy.Interactions...), light...)}
	rows := boundedRows(t, both, cfg)
	if !reflect.DeepEqual(rows["heavy"], alone) {
		t.Error("adding another user changed the heavy user's sample")
	}
	if got := rows["light"]; len(got) != 2 || got[0].x != 1 || math.Abs(got[1].x-cfg.Params.ViewWeight) > 1e-3 {
		t.Errorf("light user row %v; want both items, the purchase clipped to weight 1", got)
	}

	cfg.Privacy.Seed = 43
	if other := boundedRows(t, heavy, cfg)["heavy"]; reflect.DeepEqual(other, alone) {
		t.Error("seeds 42 and 43 draw the same sample")
	}
	cfg.Privacy = DefaultPrivacy()
	if got := boundedRows(t, heavy, cfg)["heavy"]; len(got) != 1000 {
		t.Errorf("without privacy the heavy user keeps %d items; want all 1000", len(got))
	}
}
