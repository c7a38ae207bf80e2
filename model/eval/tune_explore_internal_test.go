package eval

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

// This file is the comparison behind model/train/RATIONALE.md
// ("Self-tuning"): TunePrivrec on the protocol's training part, then the
// chosen Config trained on it and scored natively on the test split,
// paired against the log-relative start. It is not a test of behaviour
// and runs only when asked:
//
//	PRIVREC_EXPLORE=or|ml|FILE [PRIVREC_HOLDOUT=flat] [PRIVREC_NAME=n] go test -run TestExploreTune -v ./model/eval
//
// FILE is a `privrec synth` log. PRIVREC_HOLDOUT=flat scores every
// validation case alike (no AgeWeights); PRIVREC_NAME writes the per-user
// test NDCG@10 to $TMPDIR/<name>.txt for paired comparisons between runs;
// PRIVREC_STATS=1 prints the split's sizes and weights only.
// TestExploreAges prints the age distributions AgeWeights aligns.

// exploreLoad reads one of the comparison's logs; the datasets are read
// from ../shared/datasets beside the repository, and the test skips when
// they are absent.
func exploreLoad(t *testing.T, which string) *train.Log {
	root := filepath.Join("..", "..", "..", "shared", "datasets")
	var log *train.Log
	var err error
	switch which {
	case "or":
		f, e := os.Open(filepath.Join(root, "uci-online-retail/online_retail.csv.gz"))
		if e != nil {
			t.Skipf("%v; skipping the tuning comparison", e)
		}
		defer f.Close()
		log, _, err = train.ReadUCI(f)
	case "ml":
		f, e := os.Open(filepath.Join(root, "movielens-ml-latest-small/ratings.csv"))
		if e != nil {
			t.Skipf("%v; skipping the tuning comparison", e)
		}
		defer f.Close()
		log, _, err = train.ReadCSV(f, train.Mapping{User: "userId", Item: "movieId", Rating: "rating", Time: "timestamp", TimeFormat: train.TimeUnix})
	default:
		f, e := os.Open(which)
		if e != nil {
			t.Skipf("%v; skipping the tuning comparison", e)
		}
		defer f.Close()
		log, _, err = train.ReadCSV(f, train.Mapping{User: "user", Item: "item", Kind: "event", Time: "ts", TimeFormat: train.TimeUnixMs, Basket: "basket", Quantity: "quantity", Category: "category"})
	}
	if err != nil {
		t.Fatal(err)
	}
	return log
}

func perUser(t *testing.T, cases []Case, spec *model.Spec) []float64 {
	m, err := model.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Rankings(cases, m)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(cases))
	for i := range cases {
		out[i] = Score(cases[i:i+1], r[i:i+1]).NDCG
	}
	return out
}

func pairedZ(a, b []float64) (float64, float64) {
	n := float64(len(a))
	var s, sq float64
	for i := range a {
		d := a[i] - b[i]
		s += d
		sq += d * d
	}
	m := s / n
	v := (sq - n*m*m) / (n - 1)
	return m, m / math.Sqrt(v/n)
}

func TestExploreTune(t *testing.T) {
	which := os.Getenv("PRIVREC_EXPLORE")
	if which == "" {
		t.Skip("set PRIVREC_EXPLORE=or, ml or a privrec synth log to run the tuning comparison of RATIONALE.md (minutes)")
	}
	holdoutMode = os.Getenv("PRIVREC_HOLDOUT")
	name := os.Getenv("PRIVREC_NAME")
	log := exploreLoad(t, which)
	trainLog, cases := Split(log)
	vl, lc := Split(trainLog)
	w := AgeWeights(vl, lc)
	var s, sq float64
	for _, x := range w {
		s, sq = s+x, sq+x*x
	}
	t.Logf("test cases %d; last-basket cases %d; effective %.0f; weights %v", len(cases), len(lc), s*s/sq, quart(w))
	start := train.ConfigFor(trainLog)
	if os.Getenv("PRIVREC_STATS") != "" || testing.Short() {
		return
	}
	cfg, rec, err := TunePrivrec(trainLog, start, train.TuneOptions{Budget: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("tuned: %s val %.4f -> %.4f (%d cases, %d trials, %v, exhausted %v)", rec.String(), rec.Start, rec.Score, rec.Cases, rec.Trials, rec.Elapsed, rec.Exhausted)
	s0, err := train.Train(trainLog, start, nil)
	if err != nil {
		t.Fatal(err)
	}
	s1, err := train.Train(trainLog, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	p0, p1 := perUser(t, cases, s0), perUser(t, cases, s1)
	d, z := pairedZ(p1, p0)
	t.Logf("RESULT %s %s: test start %.4f tuned %.4f diff %+.4f z %.2f", which, name, mean(p0), mean(p1), d, z)
	if name != "" {
		f, err := os.Create(filepath.Join(os.TempDir(), name+".txt"))
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range p1 {
			fmt.Fprintln(f, x)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func quart(xs []float64) string {
	s := append([]float64(nil), xs...)
	sortF(s)
	q := func(p float64) float64 { return s[int(p*float64(len(s)-1))] }
	return fmt.Sprintf("n=%d q10 %.3g q25 %.3g q50 %.3g q75 %.3g q90 %.3g", len(s), q(.1), q(.25), q(.5), q(.75), q(.9))
}

func sortF(s []float64) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func endOf(l *train.Log) int64 {
	var e int64
	for _, in := range l.Interactions {
		e = max(e, in.At)
	}
	return e
}

func TestExploreAges(t *testing.T) {
	which := os.Getenv("PRIVREC_EXPLORE")
	if which == "" {
		t.Skip("set PRIVREC_EXPLORE=or, ml or a privrec synth log to run the tuning comparison of RATIONALE.md (minutes)")
	}
	log := exploreLoad(t, which)
	trainLog, cases := Split(log)
	val, vc := Split(trainLog)
	const day = 86_400_000.0
	var at, av, ahat, gaps []float64
	E, E1 := endOf(trainLog), endOf(val)
	for _, c := range cases {
		at = append(at, float64(E-c.Now)/day)
	}
	// previous basket start per val user: latest basket start in val history, via Split of val
	_, vc2 := split(val, true)
	prev := map[string]int64{}
	for _, c := range vc2 {
		prev[c.User] = c.Now
	}
	for _, c := range vc {
		av = append(av, float64(E1-c.Now)/day)
		if p, ok := prev[c.User]; ok {
			g := float64(c.Now-p) / day
			gaps = append(gaps, g)
			ahat = append(ahat, max(0, float64(E1-c.Now)/day-g))
		}
	}
	var conv []float64
	for _, a := range av {
		var sel []float64
		for _, g := range gaps {
			if g <= a {
				sel = append(sel, a-g)
			}
		}
		for k := 0; k < 20 && len(sel) > 0; k++ {
			conv = append(conv, sel[(k*len(sel))/20])
		}
	}
	t.Logf("conv ages  %s", quart(conv))
	w := AgeWeights(val, vc)
	idx := make([]int, len(av))
	for i := range idx {
		idx[i] = i
	}
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && av[idx[j]] < av[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
	var tot, acc float64
	for _, x := range w {
		tot += x
	}
	out := ""
	qs := []float64{.1, .25, .5, .75, .9}
	k := 0
	for _, i := range idx {
		acc += w[i]
		for k < len(qs) && acc >= qs[k]*tot {
			out += fmt.Sprintf(" q%.0f %.0f", qs[k]*100, av[i])
			k++
		}
	}
	t.Logf("weighted val ages %s", out)
	t.Logf("E-E1 %.1f days", float64(E-E1)/day)
	t.Logf("test ages  %s", quart(at))
	t.Logf("val ages   %s", quart(av))
	t.Logf("val gaps   %s", quart(gaps))
	t.Logf("val ahat   %s", quart(ahat))
}
