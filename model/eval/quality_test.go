package eval_test

import (
	"fmt"
	"math"
	"os"
	"sort"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// decayedPop is each item's share of distinct buyers, each buyer weighted
// 2^(−age/h) by the age of their last purchase of it at the log's end.
func decayedPop(log *train.Log, items []string, h float64) []float32 {
	idx := make(map[string]int, len(items))
	for i, id := range items {
		idx[id] = i
	}
	var end int64
	type key struct {
		u string
		i int
	}
	last := map[key]int64{}
	users := map[string]bool{}
	for _, in := range log.Interactions {
		end = max(end, in.At)
		users[in.User] = true
		k := key{in.User, idx[in.Item]}
		if t, ok := last[k]; !ok || in.At > t {
			last[k] = in.At
		}
	}
	sum := make([]float64, len(items))
	for k, t := range last {
		w := 1.0
		if h > 0 {
			w = math.Exp2(-float64(end-t) / 86_400_000 / h)
		}
		sum[k.i] += w
	}
	out := make([]float32, len(items))
	for i, s := range sum {
		out[i] = float32(s / float64(len(users)))
	}
	return out
}

func TestExplore(t *testing.T) {
	if os.Getenv("PRIVREC_EXPLORE") == "" {
		t.Skip("set PRIVREC_EXPLORE=1")
	}
	d := loadUCI(t)
	tr, val := eval.Split(d.train)
	var end int64
	for _, in := range d.train.Interactions {
		end = max(end, in.At)
	}
	ages := func(cs []eval.Case) []float64 {
		var a []float64
		for _, c := range cs {
			a = append(a, float64(end-c.Now)/86_400_000)
		}
		sort.Float64s(a)
		return a
	}
	at, av := ages(d.cases), ages(val)
	t.Logf("days before train end, test: p25=%.0f p50=%.0f p75=%.0f; val: p25=%.0f p50=%.0f p75=%.0f",
		at[len(at)/4], at[len(at)/2], at[3*len(at)/4], av[len(av)/4], av[len(av)/2], av[3*len(av)/4])
	var tend int64
	for _, in := range tr.Interactions {
		tend = max(tend, in.At)
	}
	vend := tend
	var recent []eval.Case
	for _, c := range val {
		if float64(vend-c.Now)/86_400_000 <= 60 {
			recent = append(recent, c)
		}
	}
	ar := ages(recent)
	t.Logf("val-recent: %d cases, p25=%.0f p50=%.0f p75=%.0f (ages vs val-train end)", len(recent), ar[len(ar)/4], ar[len(ar)/2], ar[3*len(ar)/4])
	cases := val
	log := tr
	if os.Getenv("PRIVREC_EXPLORE") == "test" {
		cases, log, tend = d.cases, d.train, end
	}
	run := func(name string, s model.Spec) {
		w, err := model.EncodeWeights(&s, [16]byte{})
		if err != nil {
			t.Fatal(err)
		}
		m, err := model.DecodeWeights(w)
		if err != nil {
			t.Fatal(err)
		}
		res, err := eval.Evaluate(cases, m)
		if err != nil {
			t.Fatal(err)
		}
		rr, err := eval.Evaluate(recent, m)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: all NDCG=%.4f recent NDCG=%.4f", name, res.NDCG, rr.NDCG)
	}
	for _, v := range []struct{ thl, lambda float64 }{{60, 150}, {75, 100}, {75, 150}} {
		thl := v.thl
		cfg := train.DefaultConfig()
		cfg.Lambda = v.lambda
		cfg.TrainHalfLifeDays = thl
		spec, err := train.Train(log, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, beta := range []float64{2, 4} {
			for _, shl := range []float64{30, 60} {
				s := *spec
				s.Params.PopularityWeight = beta
				s.Params.HalfLifeDays = shl
				run(fmt.Sprintf("global thl=%v λ=%v β=%v score-hl=%v", thl, v.lambda, beta, shl), s)
			}
		}
	}
}
