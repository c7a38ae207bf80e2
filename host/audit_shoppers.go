package host

import (
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/privrec/privrec/model"
)

// shoppers makes the audit's requests. They are meant to be
// indistinguishable from what the SDK sends for real shoppers of the
// bundle's store: item ids, categories and the popular items come from the
// bundle itself, history lengths are long-tailed (a few consent-off
// visitors with none, many short histories, some long ones), events come in
// browsing sessions over past weeks with views, carts and purchases, and
// the options vary the way pages set them. Nothing in a request marks it as
// a test: there are no made-up strings, so a module cannot serve the audit
// honestly and real traffic otherwise (see RATIONALE.md, "Canaries that
// look like shoppers").
//
// A shoppers is seeded and deterministic; it is not safe for concurrent use.
type shoppers struct {
	rng     *rand.Rand
	items   []model.Item
	cats    []string         // categories, in first-seen order
	byCat   map[string][]int // item indices per category
	popular []int            // item indices, most popular first (the model's own fallback)
	retired []string         // ids shaped like the catalog's that it does not list
	now     int64            // Unix ms of the first request
}

func newShoppers(seed uint64, items []model.Item, popular []string, now int64) *shoppers {
	g := &shoppers{rng: rand.New(rand.NewPCG(seed, 0x73686f7070657273)), items: items, byCat: map[string][]int{}, now: now}
	index := make(map[string]int, len(items))
	for i, it := range items {
		index[it.ID] = i
		if it.Category == "" {
			continue
		}
		if _, ok := g.byCat[it.Category]; !ok {
			g.cats = append(g.cats, it.Category)
		}
		g.byCat[it.Category] = append(g.byCat[it.Category], i)
	}
	for _, id := range popular {
		if i, ok := index[id]; ok {
			g.popular = append(g.popular, i)
		}
	}
	// Retired items: catalogs change and histories persist, so a real
	// history names some ids the bundle no longer has. They are catalog
	// ids with one character changed within its class.
	for range 8 {
		if len(items) == 0 {
			break
		}
		id := []byte(items[g.rng.IntN(len(items))].ID)
		p := g.rng.IntN(len(id))
		switch c := id[p]; {
		case c >= '0' && c <= '9':
			id[p] = '0' + byte((int(c-'0')+1+g.rng.IntN(9))%10)
		case c >= 'a' && c <= 'z':
			id[p] = 'a' + byte((int(c-'a')+1+g.rng.IntN(25))%26)
		case c >= 'A' && c <= 'Z':
			id[p] = 'A' + byte((int(c-'A')+1+g.rng.IntN(25))%26)
		}
		if _, known := index[string(id)]; !known {
			g.retired = append(g.retired, string(id))
		}
	}
	return g
}

// zipf picks an index below n with probability falling as 1/(i+1).
func (g *shoppers) zipf(n int) int {
	// Inverse of the continuous 1/x law on [1, n+1).
	x := math.Exp(g.rng.Float64() * math.Log(float64(n)+1))
	return min(int(x)-1, n-1)
}

// historyLength is 0 for about one visitor in eight (consent off, or new),
// otherwise log-normal around 6 events with a tail into the hundreds.
func (g *shoppers) historyLength() int {
	if g.rng.IntN(8) == 0 {
		return 0
	}
	n := int(math.Exp(1.8 + 1.1*g.rng.NormFloat64()))
	return max(1, min(n, 600))
}

func (g *shoppers) pick(favourite []string) string {
	if len(g.items) == 0 {
		return ""
	}
	switch r := g.rng.IntN(100); {
	case r < 3 && len(g.retired) > 0:
		return g.retired[g.rng.IntN(len(g.retired))]
	case r < 60 && len(favourite) > 0:
		in := g.byCat[favourite[g.rng.IntN(len(favourite))]]
		return g.items[in[g.zipf(len(in))]].ID
	case r < 85 && len(g.popular) > 0:
		return g.items[g.popular[g.zipf(len(g.popular))]].ID
	}
	return g.items[g.rng.IntN(len(g.items))].ID
}

// A shopper's kind of history.
const (
	anyone     = iota // drawn from the whole distribution
	consentOff        // no history, as the SDK sends it for a shopper who declined
	heavy             // a regular's long history, 100 to 600 events
)

// next returns the request of the n-th shopper (n counts from 0), whose
// history is of the given kind; everything else is drawn as for anyone.
func (g *shoppers) next(n int, kind int) model.Request {
	rng := g.rng
	// Requests arrive over a few minutes of traffic.
	now := g.now + int64(n)*int64(5_000+rng.IntN(40_000))
	var favourite []string
	for range 1 + rng.IntN(3) {
		if len(g.cats) > 0 {
			favourite = append(favourite, g.cats[g.zipf(len(g.cats))])
		}
	}
	length := g.historyLength()
	switch kind {
	case consentOff:
		length = 0
	case heavy:
		length = 100 + rng.IntN(501)
	}
	var h model.History
	at := now - int64(rng.ExpFloat64()*float64(10*24*time.Hour/time.Millisecond)) - 60_000
	for len(h) < length {
		// A browsing session of a few events, seconds to minutes apart;
		// sessions days apart, older first.
		sess := min(length-len(h), 1+rng.IntN(9))
		for range sess {
			e := model.Event{Kind: model.KindView, At: at}
			switch r := rng.IntN(100); {
			case r < 8:
				e.Kind = model.KindPurchase
			case r < 22:
				e.Kind = model.KindCart
			}
			if len(h) > 0 && (e.Kind != model.KindView && rng.IntN(10) < 7 || rng.IntN(5) == 0) {
				e.Item = h[rng.IntN(len(h))].Item // carts, buys and returns to an item seen before
			} else {
				e.Item = g.pick(favourite)
			}
			h = append(h, e)
			at += int64(10_000 + rng.IntN(240_000))
		}
		at += int64(rng.ExpFloat64() * float64(2*24*time.Hour/time.Millisecond))
	}
	// Older sessions first; the newest event is before now.
	if len(h) > 0 && h[len(h)-1].At >= now {
		shift := h[len(h)-1].At - now + int64(1_000+rng.IntN(600_000))
		for i := range h {
			h[i].At -= shift
		}
	}
	slices.SortStableFunc(h, func(a, b model.Event) int { return int(min(max(a.At-b.At, -1), 1)) })

	// The SDK's context: the device's local time and kind.
	zone := time.FixedZone("", (rng.IntN(18)-8)*3600)
	local := time.UnixMilli(now).In(zone)
	device := "desktop"
	switch r := rng.IntN(100); {
	case r < 55:
		device = "mobile"
	case r < 58:
		device = "tablet" // a page that passes its own context
	}
	req := model.Request{History: h, Now: now, Explain: rng.IntN(2) == 0,
		Context: model.Context{Hour: local.Hour(), Weekday: int(local.Weekday()), Device: device}}
	if rng.IntN(20) == 0 {
		req.Context = model.Context{Hour: -1, Weekday: -1} // a page-given context with nothing known
	}
	if r := rng.IntN(100); r >= 45 {
		req.K = []int{4, 5, 6, 8, 12, 20}[rng.IntN(6)]
	}
	if rng.IntN(5) == 0 {
		// The cart's items, or a few popular ones the page shows already.
		for range 1 + rng.IntN(3) {
			if len(h) > 0 && rng.IntN(2) == 0 {
				req.Exclude = append(req.Exclude, h[rng.IntN(len(h))].Item)
			} else if id := g.pick(nil); id != "" {
				req.Exclude = append(req.Exclude, id)
			}
		}
	}
	if rng.IntN(7) == 0 && len(g.cats) > 0 {
		if len(favourite) > 0 && rng.IntN(3) > 0 {
			req.Category = favourite[0]
		} else {
			req.Category = g.cats[rng.IntN(len(g.cats))]
		}
	}
	switch rng.IntN(10) {
	case 0:
		req.Seen = model.SeenAll
	case 1:
		req.Seen = model.SeenNone
	}
	return req
}

// requestStrings are the strings of req a leak would carry: history and
// exclusion ids, category, device.
func requestStrings(req model.Request) []string {
	var out []string
	for _, e := range req.History {
		out = append(out, e.Item)
	}
	out = append(out, req.Exclude...)
	return append(out, req.Category, req.Context.Device)
}
