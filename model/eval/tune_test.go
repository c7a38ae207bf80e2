package eval_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// recentDays is the window of the "recent" validation subset: cases whose
// basket falls within this many days of the end of the training log. In
// production every request comes after the training log ends, and the
// protocol's test baskets are late too (median 30 days before the end of
// the training log, against 72 for the whole validation split), so the
// time-dependent levers (trend popularity, its ageing) are judged on both.
const recentDays = 60

// TestTune is the sweep behind model/train/RATIONALE.md. It tunes on a
// validation split carved from the protocol's training log (each user's
// second-to-last basket), never on the test baskets, and scores the
// quantized model as it ships. Run it with PRIVREC_TUNE=1 (minutes).
//
// PRIVREC_TUNE=ablation instead reports the shipped configuration with one
// lever turned off at a time on the test split: figures for RATIONALE.md,
// not for choosing.
func TestTune(t *testing.T) {
	mode := os.Getenv("PRIVREC_TUNE")
	if mode == "" {
		t.Skip("set PRIVREC_TUNE=1 to run the tuning sweep (or =ablation)")
	}
	d := loadUCI(t)
	log, cases := d.train, d.cases
	if mode != "ablation" {
		log, cases = eval.Split(d.train)
	}
	var end int64
	for _, in := range log.Interactions {
		end = max(end, in.At)
	}
	var recent []eval.Case
	for _, c := range cases {
		if end-c.Now <= recentDays*86_400_000 {
			recent = append(recent, c)
		}
	}
	t.Logf("%d train rows, %d cases, %d within %d days of the log's end", len(log.Interactions), len(cases), len(recent), recentDays)
	run := func(name string, s *model.Spec) {
		t.Helper()
		w, err := model.EncodeWeights(s, [16]byte{})
		if err != nil {
			t.Fatal(err)
		}
		m, err := model.DecodeWeights(w)
		if err != nil {
			t.Fatal(err)
		}
		all, err := eval.Evaluate(cases, m)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := eval.Evaluate(recent, m)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-58s NDCG@10 all=%.4f recent=%.4f bytes=%d", name, all.NDCG, rec.NDCG, len(w))
	}
	fit := func(cfg train.Config) *model.Spec {
		t.Helper()
		spec, err := train.Train(log, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return spec
	}
	if mode == "ablation" {
		ablate(t, fit, run)
		return
	}
	for _, v := range []struct{ trainHL, lambda float64 }{
		{0, 500}, {60, 50}, {60, 100}, {60, 150}, {75, 100}, {75, 150}, {90, 100}, {90, 500},
	} {
		cfg := train.DefaultConfig()
		cfg.TrainHalfLifeDays, cfg.Lambda = v.trainHL, v.lambda
		spec := fit(cfg)
		for _, beta := range []float64{0, 2, 4, 8} {
			for _, hl := range []float64{30, 60} {
				s := *spec
				s.Params.PopularityWeight, s.Params.HalfLifeDays = beta, hl
				run(fmt.Sprintf("train-hl=%v λ=%v β=%v half-life=%v", v.trainHL, v.lambda, beta, hl), &s)
			}
		}
	}
}

// ablate trains the default configuration and variants that each turn one
// lever off.
func ablate(t *testing.T, fit func(train.Config) *model.Spec, run func(string, *model.Spec)) {
	def := train.DefaultConfig()
	shipped := fit(def)
	run("shipped (DefaultConfig)", shipped)
	noPrior := *shipped
	noPrior.Params.PopularityWeight = 0
	run("no popularity prior (β=0)", &noPrior)
	noAge := *shipped
	noAge.Params.PopularityHalfLifeDays = 0
	run("prior not aged (popularity half-life 0)", &noAge)
	for _, v := range []struct {
		name string
		edit func(*train.Config)
	}{
		{"plain shares as popularity (trend half-life 0)", func(c *train.Config) { c.TrendHalfLifeDays = 0 }},
		{"binary X (train half-life 0), λ=500", func(c *train.Config) { c.TrainHalfLifeDays, c.Lambda = 0, 500 }},
	} {
		cfg := def
		v.edit(&cfg)
		run(v.name, fit(cfg))
	}
}
