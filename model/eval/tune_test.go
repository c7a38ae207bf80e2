package eval_test

import (
	"os"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// TestTune is the sweep behind model/train/RATIONALE.md. It tunes on a
// validation split carved from the protocol's training log (each user's
// second-to-last basket), never on the test baskets, and scores the
// quantized model as it ships. Run it with PRIVREC_TUNE=1 (minutes).
func TestTune(t *testing.T) {
	if os.Getenv("PRIVREC_TUNE") == "" {
		t.Skip("set PRIVREC_TUNE=1 to run the tuning sweep")
	}
	d := loadUCI(t)
	tr, val := eval.Split(d.train)
	t.Logf("validation: %d train rows, %d cases", len(tr.Interactions), len(val))
	for _, lambda := range []float64{200, 500, 1000} {
		for _, thl := range []float64{0, 90, 365} {
			cfg := train.DefaultConfig()
			cfg.Lambda = lambda
			cfg.TrainHalfLifeDays = thl
			cfg.Neighbors = 200
			spec, err := train.Train(tr, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, nbs := range []int{100, 200} {
				for _, hl := range []float64{0, 30, 60, 90} {
					for _, sat := range []float64{1, 2} {
						s := *spec
						s.Neighbors = make([][]model.Neighbor, len(spec.Neighbors))
						for i, row := range spec.Neighbors {
							s.Neighbors[i] = row[:min(nbs, len(row))]
						}
						s.Params.HalfLifeDays = hl
						s.Params.Saturation = sat
						w, err := model.EncodeWeights(&s, [16]byte{})
						if err != nil {
							t.Fatal(err)
						}
						m, err := model.DecodeWeights(w)
						if err != nil {
							t.Fatal(err)
						}
						res, err := eval.Evaluate(val, m)
						if err != nil {
							t.Fatal(err)
						}
						t.Logf("λ=%v train-half-life=%v N=%d half-life=%v sat=%v bytes=%d: %v", lambda, thl, nbs, hl, sat, len(w), res)
					}
				}
			}
		}
	}
}
