package eval_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// TestTunePrivrec: the search scores the validation split's users and
// never returns a worse validation figure than its start; a log where no
// user has two baskets has no validation split.
func TestTunePrivrec(t *testing.T) {
	const day = 86_400_000
	l := &train.Log{}
	for u := 0; u < 240; u++ {
		for b := 0; b < 4; b++ {
			for k := 0; k < 2; k++ {
				l.Interactions = append(l.Interactions, train.Interaction{User: fmt.Sprintf("u%03d", u), Item: fmt.Sprintf("g%d-%d", u%6, (u/6+b*2+k)%9),
					Kind: model.KindPurchase, At: int64(u+b*30) * day, Basket: fmt.Sprintf("u%03d-%d", u, b)})
			}
		}
	}
	_, cases := eval.Split(l)
	start := train.ConfigFor(l)
	cfg, rec, err := eval.TunePrivrec(l, start, train.TuneOptions{Budget: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Cases != len(cases) || rec.Trials == 0 || rec.Score < rec.Start || cfg.Validate() != nil {
		t.Errorf("record %+v (%d split cases); want the split's users, trials, no loss", rec, len(cases))
	}
	one := &train.Log{Interactions: []train.Interaction{{User: "a", Item: "x", Kind: model.KindPurchase, At: 1, Basket: "1"}}}
	if _, _, err := eval.TunePrivrec(one, start, train.TuneOptions{}); !errors.Is(err, eval.ErrNoValidation) {
		t.Errorf("one basket: err = %v; want ErrNoValidation", err)
	}
}

// TestAgeWeights: on a log of shoppers who return after random gaps, the
// validation baskets (each user's last training basket) are older at the
// end of training than the test baskets; AgeWeights removes most of the
// difference of the medians, and its weights average 1. Too few cases
// give no weights.
func TestAgeWeights(t *testing.T) {
	const day = 86_400_000
	r := rand.New(rand.NewPCG(3, 4))
	l := &train.Log{}
	for u := 0; u < 3000; u++ {
		at := r.Float64() * 365
		for b := 0; at <= 365; b++ {
			for k := 0; k < 2; k++ {
				l.Interactions = append(l.Interactions, train.Interaction{User: fmt.Sprintf("u%04d", u), Item: fmt.Sprintf("i%03d", r.IntN(400)),
					Kind: model.KindPurchase, At: int64(at * day), Basket: fmt.Sprintf("u%04d-%d", u, b)})
			}
			at += r.ExpFloat64() * 40
		}
	}
	end := func(l *train.Log) (e int64) {
		for _, in := range l.Interactions {
			e = max(e, in.At)
		}
		return e
	}
	trainLog, test := eval.Split(l)
	val, cases := eval.Split(trainLog)
	w := eval.AgeWeights(val, cases)
	if len(w) != len(cases) {
		t.Fatalf("%d weights for %d cases", len(w), len(cases))
	}
	median := func(ages, w []float64) float64 {
		idx := make([]int, len(ages))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return ages[idx[a]] < ages[idx[b]] })
		var tot, acc float64
		for i := range ages {
			tot += weightOf(w, i)
		}
		for _, i := range idx {
			if acc += weightOf(w, i); acc >= tot/2 {
				return ages[i]
			}
		}
		return math.NaN()
	}
	var testAges, valAges []float64
	for _, c := range test {
		testAges = append(testAges, float64(end(trainLog)-c.Now)/day)
	}
	for _, c := range cases {
		valAges = append(valAges, float64(end(val)-c.Now)/day)
	}
	var sum float64
	for _, x := range w {
		if x < 0 {
			t.Fatalf("negative weight %v", x)
		}
		sum += x
	}
	mt, mv, mw := median(testAges, nil), median(valAges, nil), median(valAges, w)
	t.Logf("median age at the end of training: test %.1f days, validation %.1f, weighted %.1f", mt, mv, mw)
	if math.Abs(sum/float64(len(w))-1) > 1e-9 {
		t.Errorf("mean weight %v; want 1", sum/float64(len(w)))
	}
	if !(mv > mt+10) {
		t.Fatalf("validation median %.1f, test %.1f: the log does not show the shift this test is about", mv, mt)
	}
	if math.Abs(mw-mt) > math.Abs(mv-mt)/2 {
		t.Errorf("weighted validation median %.1f days; want within half the unweighted gap (%.1f) of the test's %.1f", mw, mv, mt)
	}
	few, fc := eval.Split(&train.Log{Interactions: l.Interactions[:200]})
	if w := eval.AgeWeights(few, fc); w != nil {
		t.Errorf("%d cases: %d weights; want none (too few to bin)", len(fc), len(w))
	}
}

func weightOf(w []float64, i int) float64 {
	if w == nil {
		return 1
	}
	return w[i]
}

// ExampleAgeWeights weighs the validation split of a log's training part
// so its baskets are as recent, at the end of training, as the test
// baskets: the young cases weigh more.
func ExampleAgeWeights() {
	const day = 86_400_000
	r := rand.New(rand.NewPCG(1, 1))
	l := &train.Log{}
	for u := 0; u < 1000; u++ { // shoppers who come back every 40 days or so
		for b, at := 0, r.Float64()*365; at <= 365; b, at = b+1, at+r.ExpFloat64()*40 {
			l.Interactions = append(l.Interactions, train.Interaction{User: fmt.Sprint(u), Item: fmt.Sprint(r.IntN(300)),
				Kind: model.KindPurchase, At: int64(at * day), Basket: fmt.Sprint(u, "-", b)})
		}
	}
	trainLog, _ := eval.Split(l)
	val, cases := eval.Split(trainLog)
	w := eval.AgeWeights(val, cases)
	var end int64
	for _, in := range val.Interactions {
		end = max(end, in.At)
	}
	var young, old float64 // mean weight of cases under and over 30 days old
	var ny, no int
	for i, c := range cases {
		if end-c.Now < 30*day {
			young, ny = young+w[i], ny+1
		} else {
			old, no = old+w[i], no+1
		}
	}
	fmt.Printf("%d cases; mean weight under 30 days %.1f, over %.1f\n", len(cases), young/float64(ny), old/float64(no))
	// Output: 790 cases; mean weight under 30 days 2.0, over 0.7
}
