package eval_test

import (
	"errors"
	"fmt"
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
