package train_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/train"
)

func TestChooseKind(t *testing.T) {
	const other = 4_500_000 // module + catalog of a small shop
	def := train.DefaultConfig()
	for _, tc := range []struct {
		name      string
		sizing    train.Sizing
		want      model.ModelKind
		kind      model.ModelKind
		neighbors int
		reason    string
		err       error
	}{
		{
			name:   "small shop: full neighbours",
			sizing: train.Sizing{Items: 3644, IDBytes: 3644 * 5, MaxBytes: train.DefaultMaxBundleBytes, OtherBytes: other},
			kind:   model.ModelNeighbors, neighbors: 200,
			reason: "3,644 items × 200 neighbours ≈ 2.3 MB + 4.5 MB module and catalog fits the 16 MiB budget: neighbors",
		},
		{
			name:   "mid catalog: fewer neighbours",
			sizing: train.Sizing{Items: 50_000, IDBytes: 50_000 * 7, MaxBytes: train.DefaultMaxBundleBytes, OtherBytes: other},
			kind:   model.ModelNeighbors, neighbors: 74,
			reason: "50,000 items × 200 neighbours ≈ 31.1 MB + 4.5 MB module and catalog exceeds the 16 MiB budget; 74 neighbours ≈ 12.2 MB fit: neighbors",
		},
		{
			name:   "large catalog: embedding",
			sizing: train.Sizing{Items: 300_000, IDBytes: 300_000 * 7, MaxBytes: train.DefaultMaxBundleBytes, OtherBytes: other},
			kind:   model.ModelEmbedding,
			reason: "300,000 items × 200 neighbours ≈ 306.3 MB exceeds the 16 MiB budget (3 would fit, fewer than 4); 16 codes per item ≈ 9.4 MB + 4.5 MB module and catalog fit: embedding",
		},
		{
			name:   "nothing fits",
			sizing: train.Sizing{Items: 1_000_000, IDBytes: 7_000_000, MaxBytes: train.DefaultMaxBundleBytes, OtherBytes: 30_000_000},
			err:    model.ErrTooLarge,
		},
		{
			name:   "neighbors asked for: sized down below the floor",
			sizing: train.Sizing{Items: 300_000, IDBytes: 300_000 * 7, MaxBytes: train.DefaultMaxBundleBytes, OtherBytes: other},
			want:   model.ModelNeighbors, kind: model.ModelNeighbors, neighbors: 3,
		},
		{
			name:   "neighbors asked for: not even one fits",
			sizing: train.Sizing{Items: 1_000_000, IDBytes: 7_000_000, MaxBytes: 32 << 20, OtherBytes: 10_000_000},
			want:   model.ModelNeighbors, err: model.ErrTooLarge,
		},
		{
			name:   "embedding asked for, neighbours would fit",
			sizing: train.Sizing{Items: 3644, IDBytes: 3644 * 5, MaxBytes: train.DefaultMaxBundleBytes, OtherBytes: other},
			want:   model.ModelEmbedding, kind: model.ModelEmbedding,
			reason: "3,644 items × 16 codes ≈ 200.6 kB + 4.5 MB module and catalog fits the 16 MiB budget: embedding",
		},
		{
			name:   "a large budget is capped by the weights limit",
			sizing: train.Sizing{Items: 911_389, IDBytes: 911_389 * 7, MaxBytes: 80 << 20, OtherBytes: 30_500_000},
			kind:   model.ModelEmbedding,
			reason: "911,389 items × 200 neighbours ≈ 930.5 MB exceeds the 32 MiB cap on weights (3 would fit, fewer than 4); 16 codes per item ≈ 28.3 MB fit: embedding",
		},
		{
			name:   "unknown kind",
			sizing: train.Sizing{Items: 10, IDBytes: 10, MaxBytes: 1 << 20},
			want:   "graph", err: model.ErrBadRequest,
		},
		{
			name:   "no items",
			sizing: train.Sizing{MaxBytes: 1 << 20},
			err:    model.ErrBadRequest,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := train.ChooseKind(tc.sizing, tc.want, def)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v; want %v", err, tc.err)
				}
				if errors.Is(err, model.ErrTooLarge) && !strings.Contains(err.Error(), "raise --max-bundle-bytes") {
					t.Errorf("error %q does not say what to do", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Kind != tc.kind || (tc.kind == model.ModelNeighbors && c.Neighbors != tc.neighbors) {
				t.Fatalf("chose %s with %d neighbours; want %s with %d", c.Kind, c.Neighbors, tc.kind, tc.neighbors)
			}
			if tc.reason != "" && c.Reason != tc.reason {
				t.Errorf("reason\n %q; want\n %q", c.Reason, tc.reason)
			}
			if c.Bytes+tc.sizing.OtherBytes > tc.sizing.MaxBytes || c.Bytes > bundle.MaxWeights {
				t.Errorf("chose %d + %d bytes over a budget of %d", c.Bytes, tc.sizing.OtherBytes, tc.sizing.MaxBytes)
			}
			cfg := c.Apply(def)
			if err := cfg.Validate(); err != nil || cfg.Kind != c.Kind {
				t.Errorf("applied config: kind %s, %v", cfg.Kind, err)
			}
		})
	}
}

// TestChooseKindEstimates holds the size estimates to the encoder: a
// trained model's weights artifact is at most the estimate for its item
// count and neighbours per item, and not far below it.
func TestChooseKindEstimates(t *testing.T) {
	l := &train.Log{}
	for u := 0; u < 3000; u++ {
		for k := 0; k < 6; k++ {
			l.Interactions = append(l.Interactions, train.Interaction{
				User: fmt.Sprintf("u%d", u), Item: fmt.Sprintf("item-%03d", (u*7+k*k*13+u/50)%400), Kind: model.KindPurchase, At: int64(u*10+k) * 3_600_000,
			})
		}
	}
	for _, kind := range []model.ModelKind{model.ModelNeighbors, model.ModelEmbedding} {
		t.Run(string(kind), func(t *testing.T) {
			cfg := train.DefaultConfig()
			cfg.Kind, cfg.Neighbors, cfg.ContextItems = kind, 5, 0
			spec, err := train.Train(l, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			w, err := model.EncodeWeights(spec, [16]byte{})
			if err != nil {
				t.Fatal(err)
			}
			idBytes := int64(0)
			for _, id := range spec.Items {
				idBytes += int64(len(id))
			}
			full := 0
			for _, row := range spec.Neighbors {
				if len(row) == cfg.Neighbors {
					full++
				}
			}
			if kind == model.ModelNeighbors && full < len(spec.Items)*9/10 {
				t.Fatalf("only %d of %d rows are full; the test needs full rows", full, len(spec.Items))
			}
			c, err := train.ChooseKind(train.Sizing{Items: len(spec.Items), IDBytes: idBytes, MaxBytes: 1 << 30}, kind, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := int64(len(w))
			if got > c.Bytes || got < c.Bytes*9/10 {
				t.Errorf("weights artifact %d bytes; estimate %d (want actual within 90–100%%)", got, c.Bytes)
			}
			t.Logf("%s: %d bytes, estimated %d", kind, got, c.Bytes)
		})
	}
}
