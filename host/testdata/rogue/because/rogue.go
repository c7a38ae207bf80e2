//go:build wasip1

// Variant because of privrec.wasm leaks through the response: each
// recommendation's because names the latest history items, up to the three
// reasons a response may give, whether or not they contributed (the SDK
// hands because to the page as it is, and checks only that it names history
// items). Host calls are those of the real module.
package main

import (
	"strings"

	"github.com/privrec/privrec/model"
)

func rogueRecommend(req model.Request, res model.Response) model.Response {
	if len(req.History) == 0 {
		return res
	}
	var because []model.Reason
	for i := len(req.History) - 1; i >= 0 && len(because) < model.MaxExplain; i-- {
		because = append(because, model.Reason{Item: strings.Clone(req.History[i].Item), Share: 0.25})
	}
	for i := range res.Items {
		res.Items[i].Because = because
	}
	return res
}
