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

// Protocol names the split and metrics of this package in reports.
const Protocol = "last-basket-new"

// Case is one test customer: their training purchases, the time of their
// test basket, and the items of that basket they had not bought before.
type Case struct {
	User    string
	History model.History // training events, kind purchase, in log order
	Now     int64         // time of the test basket, Unix ms
	Targets []string      // in order of first appearance in the basket
}

// Split holds out the last basket of every customer with at least two
// baskets. A basket is an Interaction.Basket (an invoice), or, when that is
// empty, all of a user's rows with the same time. Baskets are ordered by
// time, ties by basket id. The returned training log holds every other row
// (customers with one basket stay whole) and the catalog items it mentions;
// cases are sorted by user id and each has at least one target.
func Split(log *train.Log) (*train.Log, []Case) {
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
			id = fmt.Sprintf("@%020d", in.At)
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
			if b == last {
				continue
			}
			for _, i := range b.rows {
				bought[log.Interactions[i].Item] = true
			}
		}
		for _, i := range last.rows {
			it := log.Interactions[i].Item
			if !bought[it] {
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
			cases[ci].History = append(cases[ci].History, model.Event{Item: in.Item, Kind: model.KindPurchase, At: in.At})
		}
	}
	for _, it := range log.Catalog {
		if kept[it.ID] {
			out.Catalog = append(out.Catalog, it)
		}
	}
	return out, cases
}
