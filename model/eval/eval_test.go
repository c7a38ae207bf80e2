package eval_test

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

func buy(user, item, basket string, at int64) train.Interaction {
	return train.Interaction{User: user, Item: item, Kind: model.KindPurchase, At: at, Basket: basket, Quantity: 1}
}

func TestSplit(t *testing.T) {
	log := &train.Log{
		Interactions: []train.Interaction{
			// alice: three invoices; the last (time 30) has x (bought before) and z (new).
			buy("alice", "x", "i1", 10), buy("alice", "y", "i1", 10),
			buy("alice", "z", "i3", 30), buy("alice", "x", "i3", 30), buy("alice", "z", "i3", 30),
			buy("alice", "w", "i2", 20),
			// bob: two invoices at the same time; the tie goes to the higher invoice number.
			buy("bob", "y", "i5", 40), buy("bob", "q", "i4", 40),
			// carol: one invoice, stays whole in training.
			buy("carol", "q", "i6", 50),
			// dave: last basket only repeats, so no case, but it is still held out.
			buy("dave", "x", "i7", 60), buy("dave", "x", "i8", 70),
		},
		Catalog: []model.Item{{ID: "x"}, {ID: "y"}, {ID: "z"}, {ID: "w"}, {ID: "q"}},
	}
	tr, cases := eval.Split(log)
	want := []eval.Case{
		{User: "alice", Now: 30, Targets: []string{"z"}, History: model.History{
			{Item: "x", Kind: model.KindPurchase, At: 10}, {Item: "y", Kind: model.KindPurchase, At: 10},
			{Item: "w", Kind: model.KindPurchase, At: 20}}},
		{User: "bob", Now: 40, Targets: []string{"y"}, History: model.History{{Item: "q", Kind: model.KindPurchase, At: 40}}},
	}
	if !reflect.DeepEqual(cases, want) {
		t.Errorf("cases\n%+v\nwant\n%+v", cases, want)
	}
	var kept []string
	for _, in := range tr.Interactions {
		kept = append(kept, in.User+":"+in.Item)
	}
	wantKept := []string{"alice:x", "alice:y", "alice:w", "bob:q", "carol:q", "dave:x"}
	if !reflect.DeepEqual(kept, wantKept) {
		t.Errorf("training rows %v; want %v", kept, wantKept)
	}
	var cat []string
	for _, it := range tr.Catalog {
		cat = append(cat, it.ID)
	}
	if !reflect.DeepEqual(cat, []string{"x", "y", "w", "q"}) {
		t.Errorf("training catalog %v; want z dropped", cat)
	}
}

func TestScore(t *testing.T) {
	l2 := func(r int) float64 { return 1 / math.Log2(float64(r)+2) }
	tests := []struct {
		name    string
		targets []string
		ranking []string
		hr, rec float64
		ndcg    float64
	}{
		{"miss", []string{"a"}, []string{"b", "c"}, 0, 0, 0},
		{"first", []string{"a"}, []string{"a", "b"}, 1, 1, 1},
		{"second of two targets", []string{"a", "b"}, []string{"c", "a"}, 1, 0.5, l2(1) / (l2(0) + l2(1))},
		{"beyond 10 does not count", []string{"k"}, strings.Split("a b c d e f g h i j k", " "), 0, 0, 0},
		{"repeats count once", []string{"a", "b"}, []string{"a", "a"}, 1, 0.5, 1 / (1 + l2(1))},
		{"12 targets, recall over 10", strings.Split("a b c d e f g h i j k l", " "), []string{"a"}, 1, 0.1,
			1 / (l2(0) + l2(1) + l2(2) + l2(3) + l2(4) + l2(5) + l2(6) + l2(7) + l2(8) + l2(9))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := eval.Score([]eval.Case{{Targets: tt.targets}}, [][]string{tt.ranking})
			if math.Abs(m.HR-tt.hr) > 1e-12 || math.Abs(m.Recall-tt.rec) > 1e-12 || math.Abs(m.NDCG-tt.ndcg) > 1e-12 {
				t.Errorf("got %v; want HR %v Recall %v NDCG %v", m, tt.hr, tt.rec, tt.ndcg)
			}
		})
	}
	// Averages over cases.
	m := eval.Score([]eval.Case{{Targets: []string{"a"}}, {Targets: []string{"a"}}}, [][]string{{"a"}, {"b"}})
	if m.Cases != 2 || m.HR != 0.5 || m.NDCG != 0.5 {
		t.Errorf("average = %v; want HR 0.5, NDCG 0.5", m)
	}
}

// recorder is a Recommender that records requests and answers a fixed list.
type recorder struct {
	reqs []model.Request
	list []string
}

func (r *recorder) Recommend(req model.Request) (model.Response, error) {
	r.reqs = append(r.reqs, req)
	resp := model.Response{K: req.K}
	for _, it := range r.list {
		resp.Items = append(resp.Items, model.Recommendation{Item: it})
	}
	return resp, nil
}

func TestEvaluateSendsProtocolRequest(t *testing.T) {
	// 2011-12-09T12:50:00Z is a Friday.
	c := eval.Case{User: "u", Now: 1323435000000, Targets: []string{"b"},
		History: model.History{{Item: "a", Kind: model.KindPurchase, At: 1}}}
	rec := &recorder{list: []string{"b"}}
	m, err := eval.Evaluate([]eval.Case{c}, rec)
	if err != nil {
		t.Fatal(err)
	}
	if m.NDCG != 1 {
		t.Errorf("NDCG %v; want 1", m.NDCG)
	}
	want := model.Request{K: 10, History: c.History, Now: c.Now, Seen: model.SeenPurchased,
		Context: model.Context{Hour: 12, Weekday: 5}}
	if len(rec.reqs) != 1 || !reflect.DeepEqual(rec.reqs[0], want) {
		t.Errorf("request %+v; want %+v", rec.reqs, want)
	}
}

func TestReferencesTiny(t *testing.T) {
	log := &train.Log{Interactions: []train.Interaction{
		buy("u1", "a", "1", 1), buy("u1", "b", "1", 1),
		buy("u2", "a", "2", 1), buy("u2", "b", "2", 1),
		buy("u3", "a", "3", 1), buy("u3", "c", "3", 1),
		buy("u4", "c", "4", 1), buy("u5", "c", "5", 1), buy("u6", "d", "6", 1),
	}}
	hist := model.History{{Item: "a", Kind: model.KindPurchase, At: 1}}
	top := func(r eval.Recommender) []string {
		resp, err := r.Recommend(model.Request{K: 2, History: hist})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, it := range resp.Items {
			out = append(out, it.Item)
		}
		return out
	}
	ease, err := eval.EASE(log, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		rec  *eval.Reference
		want []string
	}{
		// c has 3 buyers, b 2: popularity ignores the history but leaves a out.
		{"popularity", eval.Popularity(log), []string{"c", "b"}},
		// cos(a,b) = 2/√6 > cos(a,c) = 1/3.
		{"item-knn", eval.ItemKNN(log, 50), []string{"b", "c"}},
		{"ease", ease, []string{"b", "c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := top(tt.rec); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("top 2 = %v; want %v", got, tt.want)
			}
			if tt.rec.Name() != tt.name {
				t.Errorf("Name() = %q", tt.rec.Name())
			}
		})
	}
}

func TestReportJSON(t *testing.T) {
	r := &eval.Report{Protocol: eval.Protocol, Users: 2, Items: 3}
	r.Results = append(r.Results,
		eval.NewResult("popularity", eval.TargetNative, 0, eval.Metrics{HR: 0.5, Recall: 0.25, NDCG: 0.125}),
		eval.NewResult("privrec", eval.TargetWasm, 1234, eval.Metrics{HR: 1, Recall: 0.5, NDCG: 0.25}))
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"protocol":"last-basket-new","users":2,"items":3,"results":[` +
		`{"model":"popularity","target":"native","hr@10":0.5,"recall@10":0.25,"ndcg@10":0.125},` +
		`{"model":"privrec","target":"wasm","model_bytes":1234,"hr@10":1,"recall@10":0.5,"ndcg@10":0.25}]}`
	if string(got) != want {
		t.Errorf("json\n%s\nwant\n%s", got, want)
	}
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "privrec") || !strings.Contains(buf.String(), "1234") || !strings.Contains(buf.String(), "0.1250") {
		t.Errorf("table:\n%s", buf.String())
	}
}
