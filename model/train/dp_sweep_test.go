package train_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// sweepKeys are the settings TestDPSweep varies, each applied to
// train.PrivateConfig(eps, 1e-6, seed).
var sweepKeys = map[string]func(c *train.Config, v float64){
	"eps":     func(c *train.Config, v float64) {}, // read first
	"seed":    func(c *train.Config, v float64) {}, // read first
	"c":       func(c *train.Config, v float64) { c.Privacy.MaxItems = int(v) },
	"cshare":  func(c *train.Config, v float64) { c.Privacy.CountsShare = v },
	"m":       func(c *train.Config, v float64) { c.Privacy.GramItems = int(v) },
	"n0":      func(c *train.Config, v float64) { c.Privacy.GramMaxItems = int(v) },
	"thr":     func(c *train.Config, v float64) { c.Privacy.Threshold = v },
	"pairs":   func(c *train.Config, v float64) { c.Privacy.PairShare = v },
	"pb":      func(c *train.Config, v float64) { c.Privacy.PairBound = v },
	"lnoise":  func(c *train.Config, v float64) { c.Privacy.LambdaNoise = v },
	"selhl":   func(c *train.Config, v float64) { c.Privacy.SelectHalfLifeDays = v },
	"db":      func(c *train.Config, v float64) { c.Privacy.DiagBound = v },
	"trainhl": func(c *train.Config, v float64) { c.TrainHalfLifeDays = v },
	"trend":   func(c *train.Config, v float64) { c.TrendHalfLifeDays = v },
	"beta":    func(c *train.Config, v float64) { c.Params.PopularityWeight = v },
	"hl":      func(c *train.Config, v float64) { c.Params.HalfLifeDays = v },
	"win":     func(c *train.Config, v float64) { c.Privacy.SelectWindowDays = v },
	"shrink":  func(c *train.Config, v float64) { c.Privacy.PairShrink = v },
	"pophl":   func(c *train.Config, v float64) { c.Params.PopularityHalfLifeDays = v },
}

// TestDPSweep is the validation sweep behind PrivateConfig (RATIONALE.md,
// "Differential privacy"). It never sees the test baskets: it splits the
// protocol's training part again (each user's last training basket) and
// scores on those, all cases or, with PRIVREC_DP_RECENT=1, those within 60
// days of the end. PRIVREC_DP_SWEEP is a grid, e.g.
//
//	PRIVREC_DP_SWEEP='eps=4;n0=2,3;pb=1,2;seed=1,2,3' go test -run TestDPSweep -v ./model/train
//
// λ follows the noise (LambdaNoise·σ_pairs) as in PrivateConfig. With
// PRIVREC_DP_LOG=movielens it sweeps MovieLens ratings (ratings below the
// median left out; sessions as baskets) instead, to check that a setting
// chosen on Online Retail is not a fit to that one file.
func TestDPSweep(t *testing.T) {
	spec := os.Getenv("PRIVREC_DP_SWEEP")
	if spec == "" {
		t.Skip("set PRIVREC_DP_SWEEP to a grid such as 'eps=4;n0=2,3;seed=1,2'")
	}
	var keys []string
	vals := map[string][]float64{}
	for _, kv := range strings.Split(spec, ";") {
		k, v, _ := strings.Cut(kv, "=")
		if sweepKeys[k] == nil {
			t.Fatalf("unknown sweep key %q; known: %v", k, slices.Sorted(maps.Keys(sweepKeys)))
		}
		for _, s := range strings.Split(v, ",") {
			x, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("%s=%s: %v", k, s, err)
			}
			vals[k] = append(vals[k], x)
		}
		keys = append(keys, k)
	}
	if !slices.Contains(keys, "eps") {
		t.Fatal("the grid needs eps")
	}
	sort.Strings(keys)
	log := readUCI(t)
	if os.Getenv("PRIVREC_DP_LOG") == "movielens" {
		log = readMovieLens(t)
	}
	tr, _ := eval.Split(log)
	tr, cases := eval.Split(tr)
	if os.Getenv("PRIVREC_DP_RECENT") != "" {
		var end int64
		for _, in := range tr.Interactions {
			end = max(end, in.At)
		}
		cases = slices.DeleteFunc(cases, func(c eval.Case) bool { return end-c.Now >= 60*24*3600*1000 })
	}
	pop, err := eval.Evaluate(cases, eval.Popularity(tr))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("validation: %d cases; popularity NDCG@10 %.4f", len(cases), pop.NDCG)
	// Means over the seeds, by the rest of the setting, in grid order.
	var order []string
	sums, counts := map[string]float64{}, map[string]int{}
	var run func(i int, cur map[string]float64)
	run = func(i int, cur map[string]float64) {
		if i < len(keys) {
			for _, v := range vals[keys[i]] {
				cur[keys[i]] = v
				run(i+1, cur)
			}
			return
		}
		seed := uint64(1)
		if s, ok := cur["seed"]; ok {
			seed = uint64(s)
		}
		cfg := train.PrivateConfig(cur["eps"], 1e-6, seed)
		var name, setting strings.Builder
		for _, k := range keys {
			sweepKeys[k](&cfg, cur[k])
			fmt.Fprintf(&name, "%s=%g ", k, cur[k])
			if k != "seed" {
				fmt.Fprintf(&setting, "%s=%g ", k, cur[k])
			}
		}
		s, err := cfg.Privacy.Scales()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Lambda = cfg.Privacy.LambdaNoise * s.PairSigma
		sp, err := train.Train(tr, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		m, err := model.Build(sp)
		if err != nil {
			t.Fatal(err)
		}
		got, err := eval.Evaluate(cases, m)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%-50s NDCG@10 %.4f  (σ counts %.1f, selection %.1f, pairs %.2f; λ %.0f)", name.String(), got.NDCG, s.CountsSigma, s.GramSigma, s.PairSigma, cfg.Lambda)
		key := setting.String()
		if counts[key] == 0 {
			order = append(order, key)
		}
		sums[key] += got.NDCG
		counts[key]++
	}
	run(0, map[string]float64{})
	for _, k := range order {
		t.Logf("mean %-50s NDCG@10 %.4f over %d seeds", k, sums[k]/float64(counts[k]), counts[k])
	}
}

// readMovieLens reads the MovieLens ratings of ../shared/datasets as the
// generic protocol does (model/eval's TestMovieLensProtocol), or skips.
func readMovieLens(tb testing.TB) *train.Log {
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(dir, "..", "..", "..", "shared", "datasets", "movielens-ml-latest-small", "ratings.csv")
	f, err := os.Open(p)
	if err != nil {
		tb.Skipf("dataset movielens-ml-latest-small not found under ../shared/datasets (relative to the repo root): %v", err)
	}
	defer f.Close()
	log, _, err := train.ReadCSV(f, train.Mapping{User: "userId", Item: "movieId", Rating: "rating", Time: "timestamp", TimeFormat: train.TimeUnix})
	if err != nil {
		tb.Fatal(err)
	}
	return log
}
