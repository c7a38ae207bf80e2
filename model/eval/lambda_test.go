package eval_test

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// decoyLog is a training log whose validation baskets (each user's last)
// reward one λ regime. 20 groups of five users: three buy {a, p} then, in
// a second basket, the target; two buy {a, b} in one basket (they stay in
// training whole). 30 more users buy p with most of 12 decoys c00…c11.
//
// With target b (pairs), only a small λ ranks b first: EASE explains the
// decoys by p and by each other, while a large λ ranks by raw
// co-occurrence, where the decoys' 20-odd co-purchases with p beat b's two
// with a. With target c01 (popular), a small λ explains c01 away and a
// large one ranks it high.
func decoyLog(popular bool) *train.Log {
	var rows []train.Interaction
	u := 0
	user := func() string { u++; return fmt.Sprintf("u%03d", u) }
	for g := 0; g < 20; g++ {
		a, b := fmt.Sprintf("a%02d", g), fmt.Sprintf("b%02d", g)
		target := b
		if popular {
			target = "c01"
		}
		for k := 0; k < 3; k++ {
			id := user()
			rows = append(rows, buy(id, a, "1", 1), buy(id, "p", "1", 1), buy(id, target, "2", 2))
		}
		for k := 0; k < 2; k++ {
			id := user()
			rows = append(rows, buy(id, a, "1", 1), buy(id, b, "1", 1))
		}
	}
	for k := 0; k < 30; k++ {
		id := user()
		rows = append(rows, buy(id, "p", "1", 1))
		for c := 0; c < 12; c++ {
			if (k+c)%3 != 0 {
				rows = append(rows, buy(id, fmt.Sprintf("c%02d", c), "1", 1))
			}
		}
	}
	return &train.Log{Interactions: rows}
}

func TestTuneEASE(t *testing.T) {
	tests := []struct {
		name    string
		log     *train.Log
		best    float64
		ndcg    float64
		tried   []float64
		atLeast bool // best is a lower bound: every λ from there on ties
	}{
		{
			// λ ≤ 30 ranks b first, λ ≥ 100 ranks the decoys first; ties go
			// to the larger λ. 10 beats 100, so the search goes a decade
			// down (1, no better) and refines 3× around 10.
			name: "pairs need a small λ", log: decoyLog(false), best: 30, ndcg: 1,
			tried: []float64{10, 100, 1000, 10000, 1, 3, 30},
		},
		{
			name: "a popular target needs a large λ", log: decoyLog(true), best: 100, atLeast: true,
			tried: []float64{10, 100, 1000, 10000, 3000, 30000},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []float64
			tun, err := eval.TuneEASE(tt.log, func(s eval.LambdaScore) { seen = append(seen, s.Lambda) })
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tun.Tried {
				t.Logf("λ=%g: %v", s.Lambda, s.Validation)
			}
			if tt.atLeast && tun.Best.Lambda < tt.best || !tt.atLeast && tun.Best.Lambda != tt.best {
				t.Errorf("best λ %g; want %g", tun.Best.Lambda, tt.best)
			}
			if tt.ndcg > 0 && tun.Best.Validation.NDCG != tt.ndcg {
				t.Errorf("validation NDCG@10 %v; want %v", tun.Best.Validation.NDCG, tt.ndcg)
			}
			if !reflect.DeepEqual(seen, tt.tried) {
				t.Errorf("tried λ %v; want %v", seen, tt.tried)
			}
			if tun.Best.Validation.Cases != 60 {
				t.Errorf("%d validation cases; want the 60 users with two baskets", tun.Best.Validation.Cases)
			}
			for _, s := range tun.Tried {
				if s.Validation.NDCG > tun.Best.Validation.NDCG {
					t.Errorf("λ=%g scores %v, better than the chosen %v", s.Lambda, s.Validation.NDCG, tun.Best.Validation.NDCG)
				}
			}
		})
	}
}

func TestTuneEASENoValidation(t *testing.T) {
	log := &train.Log{Interactions: []train.Interaction{buy("a", "x", "1", 1), buy("a", "y", "1", 1), buy("b", "x", "2", 1)}}
	if _, err := eval.TuneEASE(log, nil); !errors.Is(err, eval.ErrNoValidation) {
		t.Fatalf("err %v; want ErrNoValidation", err)
	}
}
