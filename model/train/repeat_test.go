package train_test

import (
	"fmt"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

// repeatLog is a log of weekly baskets where every user buys their old
// staple (f) in the first three weeks and a new item (g) in the fourth;
// the fifth basket, the one TuneRepeat holds out, re-buys g when recent
// is set, else f. Two filler items per basket give EASE something to fit.
func repeatLog(recent bool) *train.Log {
	const week = 7 * 24 * 3600 * 1000
	log := &train.Log{}
	for u := range 30 {
		user := fmt.Sprintf("u%02d", u)
		f, g := fmt.Sprintf("f%d", u%5), fmt.Sprintf("g%d", u%5)
		for b := range 5 {
			item := f
			switch {
			case b == 3, b == 4 && recent:
				item = g
			}
			basket := fmt.Sprintf("%s-%d", user, b)
			at := int64(b*week + u)
			for _, it := range []string{item, fmt.Sprintf("x%d", (u+b)%7), fmt.Sprintf("y%d", (u*b)%5)} {
				log.Interactions = append(log.Interactions, train.Interaction{User: user, Item: it, Kind: model.KindPurchase, At: at, Basket: basket, Quantity: 1})
			}
		}
	}
	return log
}

// TestTuneRepeat: on validation, recency wins where shoppers re-buy what
// they bought last, and plain counts where they re-buy their staple.
func TestTuneRepeat(t *testing.T) {
	for _, tt := range []struct {
		name   string
		recent bool
	}{{"re-buys the latest", true}, {"re-buys the staple", false}} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := train.DefaultConfig()
			cfg.Lambda = 1
			got, err := train.TuneRepeat(repeatLog(tt.recent), cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(got)
			if got.Users != 30 || got.Trials < 8 {
				t.Errorf("%d users, %d trials; want 30 users and the whole search", got.Users, got.Trials)
			}
			if got.IntervalDays != 7 {
				t.Errorf("median re-purchase interval %v days; want 7", got.IntervalDays)
			}
			if tt.recent != (got.HalfLifeDays > 0) {
				t.Errorf("half-life %v days; want decay only when shoppers re-buy their latest", got.HalfLifeDays)
			}
			if got.Weight <= 0 || got.Weight > 1 || got.Validation <= 0 {
				t.Errorf("weight %v, validation %v; want 0 < weight <= 1 and a positive figure", got.Weight, got.Validation)
			}
		})
	}
}

// TestTrainSetsRepeatParams: Train ships the tuned parameters, keeps
// explicit ones, and a private model gets data-free ones.
func TestTrainSetsRepeatParams(t *testing.T) {
	log := repeatLog(true)
	cfg := train.DefaultConfig()
	cfg.Lambda = 1
	tuned, err := train.TuneRepeat(log, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := train.Train(log, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p := spec.Params; p.RepeatWeight != tuned.Weight || p.RepeatHalfLifeDays != tuned.HalfLifeDays {
		t.Errorf("trained repeat params %v, %v; TuneRepeat chose %v", p.RepeatWeight, p.RepeatHalfLifeDays, tuned)
	}
	explicit := cfg
	explicit.Params.RepeatWeight, explicit.Params.RepeatHalfLifeDays = 0.3, 11
	if spec, err = train.Train(log, explicit, nil); err != nil {
		t.Fatal(err)
	}
	if p := spec.Params; p.RepeatWeight != 0.3 || p.RepeatHalfLifeDays != 11 {
		t.Errorf("explicit repeat params became %v, %v", p.RepeatWeight, p.RepeatHalfLifeDays)
	}
	private := cfg
	private.Privacy.Epsilon, private.Privacy.Delta, private.Privacy.Seed = 4, 1e-6, 1
	if spec, err = train.Train(log, private, nil); err != nil {
		t.Fatal(err)
	}
	if p := spec.Params; p.RepeatWeight != 1 || p.RepeatHalfLifeDays != 0 {
		t.Errorf("private model's repeat params %v, %v; want 1, 0 (no look at the data)", p.RepeatWeight, p.RepeatHalfLifeDays)
	}
}
