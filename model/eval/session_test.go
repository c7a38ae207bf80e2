package eval_test

import (
	"reflect"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

const minute = 60 * 1000

func TestSessions(t *testing.T) {
	at := func(user, item string, m int64) train.Interaction { return buy(user, item, "", m*minute) }
	tests := []struct {
		name string
		rows []train.Interaction
		want []int
	}{
		{"one row", []train.Interaction{at("a", "x", 0)}, []int{0}},
		{"gap under 30 minutes stays", []train.Interaction{at("a", "x", 0), at("a", "y", 29)}, []int{0, 0}},
		{"gap of exactly 30 minutes splits", []train.Interaction{at("a", "x", 0), at("a", "y", 30)}, []int{0, 1}},
		// gaps are between consecutive rows, not from the session's start.
		{"a chain of short gaps is one session", []train.Interaction{at("a", "x", 0), at("a", "y", 20), at("a", "z", 40), at("a", "w", 60)}, []int{0, 0, 0, 0}},
		{"ties share a session", []train.Interaction{at("a", "x", 100), at("a", "y", 100), at("a", "z", 0)}, []int{1, 1, 0}},
		{"out of order rows are sorted by time", []train.Interaction{at("a", "x", 90), at("a", "y", 0), at("a", "z", 45)}, []int{2, 0, 1}},
		{"users apart", []train.Interaction{at("a", "x", 0), at("b", "x", 10), at("a", "y", 10)}, []int{0, 0, 0}},
		{"rows with a basket are not sessionized", []train.Interaction{buy("a", "x", "inv", 0), at("a", "y", 100)}, []int{-1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := eval.Sessions(&train.Log{Interactions: tt.rows})
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sessions %v; want %v", got, tt.want)
			}
		})
	}
}

func TestSplitSessions(t *testing.T) {
	at := func(user, item string, m int64) train.Interaction { return buy(user, item, "", m*minute) }
	view := func(user, item string, m int64) train.Interaction {
		in := at(user, item, m)
		in.Kind = model.KindView
		return in
	}
	ev := func(item string, kind model.Kind, m int64) model.Event {
		return model.Event{Item: item, Kind: kind, At: m * minute}
	}
	tests := []struct {
		name    string
		rows    []train.Interaction
		want    []eval.Case
		trained []string // user:item of the training rows
	}{
		{
			name:    "one session: no case, stays in training",
			rows:    []train.Interaction{at("a", "x", 0), at("a", "y", 10), at("a", "z", 39)},
			trained: []string{"a:x", "a:y", "a:z"},
		},
		{
			name: "the last session is the test",
			rows: []train.Interaction{at("a", "x", 0), at("a", "y", 10), at("a", "z", 60), at("a", "x", 70)},
			want: []eval.Case{{User: "a", Now: 60 * minute, Targets: []string{"z"},
				History: model.History{ev("x", model.KindPurchase, 0), ev("y", model.KindPurchase, 10)}}},
			trained: []string{"a:x", "a:y"},
		},
		{
			name: "ties at the last time are one test session",
			rows: []train.Interaction{at("a", "x", 0), at("a", "y", 100), at("a", "z", 100)},
			want: []eval.Case{{User: "a", Now: 100 * minute, Targets: []string{"y", "z"},
				History: model.History{ev("x", model.KindPurchase, 0)}}},
			trained: []string{"a:x"},
		},
		{
			name: "views stay in the history and are no targets; a viewed item bought later is",
			rows: []train.Interaction{view("a", "x", 0), at("a", "y", 5), view("a", "w", 100), at("a", "x", 101)},
			want: []eval.Case{{User: "a", Now: 100 * minute, Targets: []string{"x"},
				History: model.History{ev("x", model.KindView, 0), ev("y", model.KindPurchase, 5)}}},
			trained: []string{"a:x", "a:y"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &train.Log{Interactions: tt.rows}
			tr, cases := eval.Split(log)
			if !reflect.DeepEqual(cases, tt.want) {
				t.Errorf("cases\n%+v\nwant\n%+v", cases, tt.want)
			}
			var kept []string
			for _, in := range tr.Interactions {
				kept = append(kept, in.User+":"+in.Item)
			}
			if !reflect.DeepEqual(kept, tt.trained) {
				t.Errorf("training rows %v; want %v", kept, tt.trained)
			}
			if eval.HasBaskets(log) {
				t.Error("HasBaskets is true for a log without baskets")
			}
		})
	}
}
