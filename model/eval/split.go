// Package eval is the quality protocol every model change is measured by
// (DESIGN.md, "Quality protocol"): a last-basket split of a purchase log,
// real requests sent to any Recommender, HR@10, Recall@10 and NDCG@10, and
// the reference models the shipped model is compared with.
//
// The same Evaluate runs a native model.Model and the wasm module's host
// instance, so the figure a release reports is measured through the bytes
// that ship.
package eval

import (
	"fmt"
	"sort"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

// Protocol names the split and metrics of this package in reports: the
// last basket of a log with a basket column, the last session of a log
// without (ProtocolSessions).
const (
	Protocol         = "last-basket-new"
	ProtocolSessions = "last-session-new"
)

// SessionGap is the pause, in milliseconds, that ends a session: a user's
// rows without a basket belong to one session while each follows the
// previous one by less than 30 minutes (DESIGN.md, "Quality protocol").
const SessionGap = 30 * 60 * 1000

// Case is one test customer: their training events, the time of their
// test basket, and the items of that basket they had not bought before.
type Case struct {
	User    string
	History model.History // training events with their kinds, in log order
	Now     int64         // time of the test basket, Unix ms
	Targets []string      // in order of first appearance in the basket
}

// Split holds out the last basket of every customer with at least two
// baskets. A basket is an Interaction.Basket (an invoice), or, for a user's
// rows without one, a session (see Sessions). Baskets are ordered by their
// earliest time, ties by basket id. Targets are the items the test basket
// purchases (every row of a log without kinds is a purchase) that the user
// had not purchased before. The returned training log holds every other row
// (customers with one basket stay whole) and the catalog items it mentions;
// cases are sorted by user id and each has at least one target.
func Split(log *train.Log) (*train.Log, []Case) { return split(log, false) }

// split is Split; with repeats, targets are every item the test basket
// purchases, bought before or not (SplitNextBasket).
func split(log *train.Log, repeats bool) (*train.Log, []Case) {
	sess := Sessions(log)
	type basket struct {
		id   string
		at   int64
		rows []int
	}
	byUser := make(map[string]map[string]*basket)
	for i, in := range log.Interactions {
		bs := byUser[in.User]
		if bs == nil {
			bs = make(map[string]*basket)
			byUser[in.User] = bs
		}
		id := in.Basket
		if id == "" {
			id = fmt.Sprintf("\x00session %010d", sess[i])
		}
		b := bs[id]
		if b == nil {
			b = &basket{id: id, at: in.At}
			bs[id] = b
		}
		if in.At < b.at {
			b.at = in.At
		}
		b.rows = append(b.rows, i)
	}
	test := make([]bool, len(log.Interactions))
	users := make([]string, 0, len(byUser))
	for u := range byUser {
		users = append(users, u)
	}
	sort.Strings(users)
	var cases []Case
	for _, u := range users {
		bs := byUser[u]
		if len(bs) < 2 {
			continue
		}
		var last *basket
		for _, b := range bs {
			if last == nil || b.at > last.at || (b.at == last.at && b.id > last.id) {
				last = b
			}
		}
		for _, i := range last.rows {
			test[i] = true
		}
		c := Case{User: u, Now: last.at}
		bought := make(map[string]bool)
		for _, b := range bs {
			if b == last || repeats {
				continue
			}
			for _, i := range b.rows {
				if in := log.Interactions[i]; in.Kind == model.KindPurchase {
					bought[in.Item] = true
				}
			}
		}
		for _, i := range last.rows {
			in := log.Interactions[i]
			it := in.Item
			if in.Kind == model.KindPurchase && !bought[it] {
				bought[it] = true // dedupe targets
				c.Targets = append(c.Targets, it)
			}
		}
		if len(c.Targets) == 0 {
			continue
		}
		cases = append(cases, c)
	}
	at := make(map[string]int, len(cases))
	for i, c := range cases {
		at[c.User] = i
	}
	out := &train.Log{}
	kept := make(map[string]bool)
	for i, in := range log.Interactions {
		if test[i] {
			continue
		}
		out.Interactions = append(out.Interactions, in)
		kept[in.Item] = true
		if ci, ok := at[in.User]; ok {
			cases[ci].History = append(cases[ci].History, model.Event{Item: in.Item, Kind: in.Kind, At: in.At})
		}
	}
	for _, it := range log.Catalog {
		if kept[it.ID] {
			out.Catalog = append(out.Catalog, it)
		}
	}
	return out, cases
}

// Sessions numbers the sessions of every user's rows without a basket: for
// each row of log, the index (from 0, per user, in time order) of its
// session, or -1 for a row with a basket. Rows are taken in time order,
// rows with the same time in log order; a row starts a new session when it
// follows the user's previous basketless row by SessionGap or more, so rows
// with the same time always share a session.
func Sessions(log *train.Log) []int {
	out := make([]int, len(log.Interactions))
	byUser := make(map[string][]int)
	for i, in := range log.Interactions {
		out[i] = -1
		if in.Basket == "" {
			byUser[in.User] = append(byUser[in.User], i)
		}
	}
	for _, rows := range byUser {
		sort.SliceStable(rows, func(a, b int) bool { return log.Interactions[rows[a]].At < log.Interactions[rows[b]].At })
		s := 0
		for k, i := range rows {
			if k > 0 && log.Interactions[i].At-log.Interactions[rows[k-1]].At >= SessionGap {
				s++
			}
			out[i] = s
		}
	}
	return out
}

// HasBaskets reports whether every row of log names its basket, so Split
// forms no sessions: the report's protocol is then Protocol, else
// ProtocolSessions.
func HasBaskets(log *train.Log) bool {
	for _, in := range log.Interactions {
		if in.Basket == "" {
			return false
		}
	}
	return true
}
