package eval_test

import (
	"math"
	"sync"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

var (
	shippedOnce sync.Once
	shipped     *model.Spec
	shippedErr  error
)

// shippedSpec trains the default model on the protocol's training log once
// per test binary.
func shippedSpec(t *testing.T, d *uciData) *model.Spec {
	t.Helper()
	shippedOnce.Do(func() { shipped, shippedErr = train.Train(d.train, train.DefaultConfig(), nil) })
	if shippedErr != nil {
		t.Fatal(shippedErr)
	}
	return shipped
}

// TestReferenceFigures reproduces the independent reference figures of
// DESIGN.md's quality protocol within ±0.003.
func TestReferenceFigures(t *testing.T) {
	if testing.Short() {
		t.Skip("fits full EASE on 3.6k items; skipped with -short")
	}
	d := loadUCI(t)
	if len(d.cases) < 2000 {
		t.Fatalf("%d cases; the protocol yields ~2.5k", len(d.cases))
	}
	ease, err := eval.EASE(d.train, 1000)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		rec  *eval.Reference
		want float64
	}{
		{eval.Popularity(d.train), 0.035},
		{eval.ItemKNN(d.train, 50), 0.067},
		{ease, 0.088},
	}
	for _, tt := range tests {
		t.Run(tt.rec.Name(), func(t *testing.T) {
			m, err := eval.Evaluate(d.cases, tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %v", tt.rec.Name(), m)
			if math.Abs(m.NDCG-tt.want) > 0.003 {
				t.Errorf("NDCG@10 = %.4f; the reference figure is %.3f ± 0.003", m.NDCG, tt.want)
			}
		})
	}
}

// TestShippedModel checks the default model on the protocol, both as Build
// makes it (float weights) and as it ships (8-bit weights decoded from the
// artifact), and the artifact's size.
func TestShippedModel(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on the full dataset; skipped with -short")
	}
	d := loadUCI(t)
	spec := shippedSpec(t, d)
	native, err := model.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	weights, err := model.EncodeWeights(spec, [16]byte{1})
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := model.DecodeWeights(weights)
	if err != nil {
		t.Fatal(err)
	}
	const maxBytes = 3 << 20
	t.Logf("weights artifact: %d bytes for %d items", len(weights), len(spec.Items))
	if len(weights) > maxBytes {
		t.Errorf("weights artifact is %d bytes; budget %d", len(weights), maxBytes)
	}
	tests := []struct {
		name string
		rec  eval.Recommender
	}{
		{"float", native},
		{"quantized", decoded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := eval.Evaluate(d.cases, tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %v", tt.name, m)
			if m.NDCG < 0.088 {
				t.Errorf("NDCG@10 = %.4f; the shipped model must reach full EASE's 0.088", m.NDCG)
			}
		})
	}
}
