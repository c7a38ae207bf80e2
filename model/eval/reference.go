package eval

import (
	"fmt"
	"math"
	"sort"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

// Reference is a model the protocol compares the shipped one with. It is
// computed natively and exactly (no truncation of what it ranks): every
// item of the training log is scored, and items the request's history says
// were bought are left out (model.SeenPurchased; SeenAll and SeenNone are
// honoured too). Unknown history items are ignored. Ties go to the item with
// the smaller id.
//
// A Reference is read-only once built and safe for concurrent use.
type Reference struct {
	name  string
	items []string // sorted
	index map[string]int
	// score adds the scores of a history to s (len(items)); x[i] is 1 for
	// every known history item, whatever its kind.
	score func(hist []int, s []float64)
}

// Name is the model's name in reports ("popularity", "item-knn", "ease").
func (r *Reference) Name() string { return r.name }

// Recommend ranks all items for req. It honours K, History, Seen and
// Exclude; it has no use for Now or Context.
func (r *Reference) Recommend(req model.Request) (model.Response, error) {
	k := req.K
	switch {
	case k < 0:
		return model.Response{}, fmt.Errorf("%w: recommend: k is %d", model.ErrBadRequest, k)
	case k == 0:
		k = model.DefaultK
	case k > model.MaxK:
		k = model.MaxK
	}
	n := len(r.items)
	skip := make([]bool, n)
	var hist []int
	seenHist := make([]bool, n)
	resp := model.Response{K: k}
	for _, e := range req.History {
		i, ok := r.index[e.Item]
		if !ok {
			resp.Unknown++
			continue
		}
		if !seenHist[i] {
			seenHist[i] = true
			hist = append(hist, i)
		}
		switch req.Seen {
		case model.SeenAll:
			skip[i] = true
		case model.SeenNone:
		default:
			if e.Kind == model.KindPurchase {
				skip[i] = true
			}
		}
	}
	for _, id := range req.Exclude {
		if i, ok := r.index[id]; ok {
			skip[i] = true
		}
	}
	s := make([]float64, n)
	r.score(hist, s)
	cand := make([]int, 0, n)
	for i := range s {
		if !skip[i] {
			cand = append(cand, i)
		}
	}
	sort.SliceStable(cand, func(a, b int) bool { return s[cand[a]] > s[cand[b]] })
	if len(cand) > k {
		cand = cand[:k]
	}
	for _, i := range cand {
		resp.Items = append(resp.Items, model.Recommendation{Item: r.items[i], Score: s[i], Source: model.SourceHistory})
	}
	return resp, nil
}

// matrix is the binary user×item purchase matrix of a training log.
type matrix struct {
	items []string
	index map[string]int
	users [][]int // per user, distinct item indexes, sorted
}

func newMatrix(log *train.Log) *matrix {
	m := &matrix{index: make(map[string]int)}
	for _, in := range log.Interactions {
		if _, ok := m.index[in.Item]; !ok {
			m.index[in.Item] = 0
			m.items = append(m.items, in.Item)
		}
	}
	sort.Strings(m.items)
	for i, id := range m.items {
		m.index[id] = i
	}
	byUser := make(map[string]map[int]bool)
	for _, in := range log.Interactions {
		if byUser[in.User] == nil {
			byUser[in.User] = make(map[int]bool)
		}
		byUser[in.User][m.index[in.Item]] = true
	}
	names := make([]string, 0, len(byUser))
	for u := range byUser {
		names = append(names, u)
	}
	sort.Strings(names)
	for _, u := range names {
		row := make([]int, 0, len(byUser[u]))
		for i := range byUser[u] {
			row = append(row, i)
		}
		sort.Ints(row)
		m.users = append(m.users, row)
	}
	return m
}

func (m *matrix) reference(name string, score func(hist []int, s []float64)) *Reference {
	return &Reference{name: name, items: m.items, index: m.index, score: score}
}

// Popularity ranks items by their number of distinct buyers in log.
func Popularity(log *train.Log) *Reference {
	m := newMatrix(log)
	count := make([]float64, len(m.items))
	for _, row := range m.users {
		for _, i := range row {
			count[i]++
		}
	}
	return m.reference("popularity", func(_ []int, s []float64) { copy(s, count) })
}

// ItemKNN is item-based collaborative filtering: cosine similarity on the
// binary user×item matrix, each item keeps its k most similar items (ties
// to the smaller item id), and a candidate scores the sum of its
// similarities to the history's items.
//
// Co-occurrences are counted item by item over the item's buyers, so memory
// grows with the log and k·items, not the catalog's square.
func ItemKNN(log *train.Log, k int) *Reference {
	m := newMatrix(log)
	n := len(m.items)
	deg := make([]float64, n)
	buyers := make([][]int32, n) // per item, the users who bought it
	for u, row := range m.users {
		for _, i := range row {
			deg[i]++
			buyers[i] = append(buyers[i], int32(u))
		}
	}
	type nb struct {
		j   int
		sim float64
	}
	neigh := make([][]nb, n)
	co := make([]int32, n)
	var touched []int
	var row []nb
	for i := 0; i < n; i++ {
		touched = touched[:0]
		for _, u := range buyers[i] {
			for _, j := range m.users[u] {
				if j == i {
					continue
				}
				if co[j] == 0 {
					touched = append(touched, j)
				}
				co[j]++
			}
		}
		sort.Ints(touched)
		row = row[:0]
		for _, j := range touched {
			row = append(row, nb{j, float64(co[j]) / math.Sqrt(deg[i]*deg[j])})
			co[j] = 0
		}
		sort.SliceStable(row, func(a, b int) bool { return row[a].sim > row[b].sim })
		neigh[i] = append([]nb(nil), row[:min(k, len(row))]...)
	}
	return m.reference("item-knn", func(hist []int, s []float64) {
		for _, i := range hist {
			for _, e := range neigh[i] {
				s[e.j] += e.sim
			}
		}
	})
}

// EASE is the full, untruncated EASE model (train.EASE) with the given
// lambda: a candidate scores x·B for the binary history x.
func EASE(log *train.Log, lambda float64) (*Reference, error) {
	w, err := train.EASE(log, lambda)
	if err != nil {
		return nil, fmt.Errorf("reference ease: %w", err)
	}
	index := make(map[string]int, len(w.Items))
	for i, id := range w.Items {
		index[id] = i
	}
	n := len(w.Items)
	return &Reference{name: "ease", items: w.Items, index: index, score: func(hist []int, s []float64) {
		for _, i := range hist {
			for j, v := range w.W[i*n : (i+1)*n] {
				s[j] += float64(v)
			}
		}
	}}, nil
}
