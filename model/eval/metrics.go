package eval

import (
	"fmt"
	"math"
	"time"

	"github.com/privrec/privrec/model"
)

// CutOff is the list length every metric is computed at.
const CutOff = 10

// Recommender is anything that answers a model.Request: a native
// model.Model, a reference model of this package, or the wasm module's host
// instance. Evaluate calls it from one goroutine.
type Recommender interface {
	Recommend(model.Request) (model.Response, error)
}

// Metrics are the protocol's figures averaged over cases.
type Metrics struct {
	Cases  int
	HR     float64 // share of cases with at least one target in the top 10
	Recall float64 // hits / min(10, targets)
	NDCG   float64 // binary gains, ideal DCG over min(10, targets) hits
}

// String formats m on one line.
func (m Metrics) String() string {
	return fmt.Sprintf("cases=%d HR@10=%.4f Recall@10=%.4f NDCG@10=%.4f", m.Cases, m.HR, m.Recall, m.NDCG)
}

// RequestFor is the request Evaluate sends for c: the top 10, c's history,
// items already bought left out, and the hour and weekday of c.Now (UTC) as
// context.
func RequestFor(c Case) model.Request {
	t := time.UnixMilli(c.Now).UTC()
	return model.Request{
		K:       CutOff,
		History: c.History,
		Now:     c.Now,
		Seen:    model.SeenPurchased,
		Context: model.Context{Hour: t.Hour(), Weekday: int(t.Weekday())},
	}
}

// Rankings sends every case to rec and returns the item ids it recommends,
// best first, one list per case.
func Rankings(cases []Case, rec Recommender) ([][]string, error) {
	out := make([][]string, len(cases))
	for i, c := range cases {
		resp, err := rec.Recommend(RequestFor(c))
		if err != nil {
			return nil, fmt.Errorf("rank case %d (user %s): %w", i, c.User, err)
		}
		list := make([]string, len(resp.Items))
		for j, r := range resp.Items {
			list[j] = r.Item
		}
		out[i] = list
	}
	return out, nil
}

// Evaluate ranks every case with rec and scores the rankings.
func Evaluate(cases []Case, rec Recommender) (Metrics, error) {
	r, err := Rankings(cases, rec)
	if err != nil {
		return Metrics{}, fmt.Errorf("evaluate: %w", err)
	}
	return Score(cases, r), nil
}

// Score computes the metrics of rankings (one list per case, best first;
// only the first 10 entries count, a repeated item counts once).
func Score(cases []Case, rankings [][]string) Metrics {
	m := Metrics{Cases: len(cases)}
	if len(cases) == 0 {
		return m
	}
	for i, c := range cases {
		target := make(map[string]bool, len(c.Targets))
		for _, t := range c.Targets {
			target[t] = true
		}
		ideal := min(CutOff, len(target))
		if ideal == 0 {
			continue
		}
		hits, dcg, idcg := 0, 0.0, 0.0
		for r, it := range rankings[i][:min(CutOff, len(rankings[i]))] {
			if target[it] {
				delete(target, it)
				hits++
				dcg += 1 / math.Log2(float64(r)+2)
			}
		}
		for r := 0; r < ideal; r++ {
			idcg += 1 / math.Log2(float64(r)+2)
		}
		if hits > 0 {
			m.HR++
		}
		m.Recall += float64(hits) / float64(ideal)
		m.NDCG += dcg / idcg
	}
	n := float64(len(cases))
	m.HR /= n
	m.Recall /= n
	m.NDCG /= n
	return m
}
