package eval

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

// The next-basket protocol keeps repeats: each user's last basket is the
// test, as in Split, but its targets are every item it purchases, bought
// before or not, and nothing the user bought is left out of the ranking.
// Metrics are reported over all test users and, after Li et al. (2023, "A
// Next Basket Recommendation Reality Check"), apart for the repeat targets
// (items the user bought before) and the explore targets (items new to
// them): a model that only re-ranks a user's past purchases and one that
// only finds new items score very differently on the two.
const (
	ProtocolNextBasket  = "next-basket"
	ProtocolNextSession = "next-session" // a log without baskets: sessions instead
)

// SplitNextBasket is Split keeping repeats: the same training log, and a
// case for every user whose last basket purchases anything, its targets
// every distinct item it purchases (in order of first appearance).
func SplitNextBasket(log *train.Log) (*train.Log, []Case) { return split(log, true) }

// NextBasketMetrics are the next-basket figures averaged over cases:
// Metrics over all targets, RepeatRecall over the cases with a repeat
// target (hits among repeat targets / min(10, repeat targets)),
// ExploreRecall likewise for explore targets, and RepeatShare, the share
// of the top 10 given to items the user had bought.
type NextBasketMetrics struct {
	Metrics
	RepeatCases, ExploreCases   int
	RepeatRecall, ExploreRecall float64
	RepeatShare                 float64
}

// String formats m on one line.
func (m NextBasketMetrics) String() string {
	return fmt.Sprintf("%v RepeatRecall@10=%.4f (%d) ExploreRecall@10=%.4f (%d) RepeatShare@10=%.4f",
		m.Metrics, m.RepeatRecall, m.RepeatCases, m.ExploreRecall, m.ExploreCases, m.RepeatShare)
}

// BuyAgainRequestFor is RequestFor(c) in model.ModeBuyAgain: the request
// that lets a model rank c's past purchases.
func BuyAgainRequestFor(c Case) model.Request {
	req := RequestFor(c)
	req.Mode = model.ModeBuyAgain
	return req
}

// RepeatRequestFor is RequestFor(c) with nothing left out (model.SeenNone),
// for models that rank past purchases without a mode: P-TopFreq and the
// references.
func RepeatRequestFor(c Case) model.Request {
	req := RequestFor(c)
	req.Seen = model.SeenNone
	return req
}

// EvaluateNextBasket sends request(c) for every case to rec and scores the
// rankings on the next-basket protocol.
func EvaluateNextBasket(cases []Case, rec Recommender, request func(Case) model.Request) (NextBasketMetrics, error) {
	out := make([][]string, len(cases))
	for i, c := range cases {
		resp, err := rec.Recommend(request(c))
		if err != nil {
			return NextBasketMetrics{}, fmt.Errorf("evaluate next basket: rank case %d (user %s): %w", i, c.User, err)
		}
		for _, r := range resp.Items {
			out[i] = append(out[i], r.Item)
		}
	}
	return ScoreNextBasket(cases, out), nil
}

// ScoreNextBasket computes the next-basket metrics of rankings (one list per
// case, best first; the first 10 entries count, a repeated item once). A
// target is a repeat when the case's history purchases it.
func ScoreNextBasket(cases []Case, rankings [][]string) NextBasketMetrics {
	m := NextBasketMetrics{Metrics: Score(cases, rankings)}
	if len(cases) == 0 {
		return m
	}
	for i, c := range cases {
		before := make(map[string]bool)
		for _, e := range c.History {
			if e.Kind == model.KindPurchase {
				before[e.Item] = true
			}
		}
		rep, exp := make(map[string]bool), make(map[string]bool)
		for _, t := range c.Targets {
			if before[t] {
				rep[t] = true
			} else {
				exp[t] = true
			}
		}
		list := rankings[i][:min(CutOff, len(rankings[i]))]
		counted := make(map[string]bool)
		hitsRep, hitsExp, slotsRep := 0, 0, 0
		for _, it := range list {
			if counted[it] {
				continue
			}
			counted[it] = true
			if before[it] {
				slotsRep++
			}
			switch {
			case rep[it]:
				hitsRep++
			case exp[it]:
				hitsExp++
			}
		}
		if len(rep) > 0 {
			m.RepeatCases++
			m.RepeatRecall += float64(hitsRep) / float64(min(CutOff, len(rep)))
		}
		if len(exp) > 0 {
			m.ExploreCases++
			m.ExploreRecall += float64(hitsExp) / float64(min(CutOff, len(exp)))
		}
		m.RepeatShare += float64(slotsRep) / CutOff
	}
	if m.RepeatCases > 0 {
		m.RepeatRecall /= float64(m.RepeatCases)
	}
	if m.ExploreCases > 0 {
		m.ExploreRecall /= float64(m.ExploreCases)
	}
	m.RepeatShare /= float64(len(cases))
	return m
}

// TopFreq is P-TopFreq, the next-basket baseline of Li et al. (2023): a
// user's most frequently purchased items, by the number of distinct times
// (baskets) they bought each, ties to the most recent purchase, then to
// the smaller id. With fill set (GP-TopFreq) the slots the user's own items
// leave empty go to the most popular other items, by distinct buyers in
// the training log. It honours K and Exclude, and leaves nothing else out.
// A TopFreq is read-only and safe for concurrent use.
type TopFreq struct {
	name string
	pop  []string // by distinct buyers, then id; nil without fill
}

// PTopFreq is TopFreq without fill.
func PTopFreq() *TopFreq { return &TopFreq{name: "p-topfreq"} }

// GPTopFreq is TopFreq filled by popularity in log.
func GPTopFreq(log *train.Log) *TopFreq {
	buyers := make(map[string]map[string]bool)
	for _, in := range log.Interactions {
		if in.Kind != model.KindPurchase {
			continue
		}
		if buyers[in.Item] == nil {
			buyers[in.Item] = make(map[string]bool)
		}
		buyers[in.Item][in.User] = true
	}
	pop := make([]string, 0, len(buyers))
	for it := range buyers {
		pop = append(pop, it)
	}
	slices.SortFunc(pop, func(a, b string) int {
		if c := cmp.Compare(len(buyers[b]), len(buyers[a])); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return &TopFreq{name: "gp-topfreq", pop: pop}
}

// Name is the model's name in reports ("p-topfreq" or "gp-topfreq").
func (f *TopFreq) Name() string { return f.name }

// Recommend implements Recommender.
func (f *TopFreq) Recommend(req model.Request) (model.Response, error) {
	k := req.K
	switch {
	case k < 0:
		return model.Response{}, fmt.Errorf("%w: recommend: k is %d", model.ErrBadRequest, k)
	case k == 0:
		k = model.DefaultK
	case k > model.MaxK:
		k = model.MaxK
	}
	skip := make(map[string]bool, len(req.Exclude))
	for _, id := range req.Exclude {
		skip[id] = true
	}
	type stat struct {
		times map[int64]bool
		last  int64
	}
	stats := make(map[string]*stat)
	for _, e := range req.History {
		if e.Kind != model.KindPurchase || skip[e.Item] {
			continue
		}
		s := stats[e.Item]
		if s == nil {
			s = &stat{times: make(map[int64]bool), last: math.MinInt64}
			stats[e.Item] = s
		}
		s.times[e.At] = true
		s.last = max(s.last, e.At)
	}
	own := make([]string, 0, len(stats))
	for it := range stats {
		own = append(own, it)
	}
	slices.SortFunc(own, func(a, b string) int {
		sa, sb := stats[a], stats[b]
		if c := cmp.Compare(len(sb.times), len(sa.times)); c != 0 {
			return c
		}
		if c := cmp.Compare(sb.last, sa.last); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	resp := model.Response{K: k}
	for _, it := range own[:min(k, len(own))] {
		resp.Items = append(resp.Items, model.Recommendation{Item: it, Score: float64(len(stats[it].times)), Source: model.SourceRepeat})
	}
	for _, it := range f.pop {
		if len(resp.Items) == k {
			break
		}
		if stats[it] == nil && !skip[it] {
			resp.Items = append(resp.Items, model.Recommendation{Item: it, Source: model.SourcePopular})
		}
	}
	return resp, nil
}

// NextBasketResult is one model's figures on the next-basket protocol. It
// marshals as Result plus "mode" (the request mode, omitted for
// references), "repeat_recall@10", "explore_recall@10" and
// "repeat_share@10".
type NextBasketResult struct {
	Result
	Mode          string  `json:"mode,omitempty"`
	RepeatRecall  float64 `json:"repeat_recall@10"`
	ExploreRecall float64 `json:"explore_recall@10"`
	RepeatShare   float64 `json:"repeat_share@10"`
}

// NewNextBasketResult labels m with a model name, target, size and mode.
func NewNextBasketResult(modelName, target string, modelBytes int64, mode model.Mode, m NextBasketMetrics) NextBasketResult {
	return NextBasketResult{Result: NewResult(modelName, target, modelBytes, m.Metrics), Mode: string(mode),
		RepeatRecall: m.RepeatRecall, ExploreRecall: m.ExploreRecall, RepeatShare: m.RepeatShare}
}

// NextBasketReport is what "privrec eval --protocol next-basket" prints, in
// the shape of Report: the protocol (ProtocolNextBasket, or
// ProtocolNextSession for a log without baskets), the test users, how many
// of them have a repeat and an explore target, the items ranked, one
// result per model and notes. A NextBasketReport is a plain value, not
// safe for concurrent mutation.
type NextBasketReport struct {
	Protocol     string             `json:"protocol"`
	Users        int                `json:"users"`
	RepeatUsers  int                `json:"repeat_users"`
	ExploreUsers int                `json:"explore_users"`
	Items        int                `json:"items"`
	Results      []NextBasketResult `json:"results"`
	Notes        []string           `json:"notes,omitempty"`
}

// NewNextBasketReport starts a report for the cases and training log of one
// SplitNextBasket.
func NewNextBasketReport(cases []Case, items int) *NextBasketReport {
	m := ScoreNextBasket(cases, make([][]string, len(cases)))
	return &NextBasketReport{Protocol: ProtocolNextBasket, Users: len(cases), RepeatUsers: m.RepeatCases,
		ExploreUsers: m.ExploreCases, Items: items, Results: []NextBasketResult{}}
}

// WriteTable prints r side by side, one model per line.
func (r *NextBasketReport) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "protocol %s: %d users (%d with a repeat target, %d with an explore target), %d items\n",
		r.Protocol, r.Users, r.RepeatUsers, r.ExploreUsers, r.Items)
	fmt.Fprintf(&b, "%-12s %-7s %-9s %9s %7s %9s %8s %9s %9s %9s\n",
		"model", "target", "mode", "bytes", "HR@10", "Recall@10", "NDCG@10", "RepRec@10", "ExpRec@10", "RepShare")
	for _, res := range r.Results {
		size, mode := "-", "-"
		if res.ModelBytes > 0 {
			size = fmt.Sprint(res.ModelBytes)
		}
		if res.Mode != "" {
			mode = res.Mode
		}
		fmt.Fprintf(&b, "%-12s %-7s %-9s %9s %7.4f %9.4f %8.4f %9.4f %9.4f %9.4f\n", res.Model, res.Target, mode, size,
			res.HR, res.Recall, res.NDCG, res.RepeatRecall, res.ExploreRecall, res.RepeatShare)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
