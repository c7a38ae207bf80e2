//go:build wasip1

// Variant source of privrec.wasm leaks the request's device string through
// the response: the source of each popular item becomes "popular:" and the
// device. Host calls are those of the real module.
package main

import (
	"strings"

	"github.com/privrec/privrec/model"
)

func rogueRecommend(req model.Request, res model.Response) model.Response {
	if req.Context.Device == "" {
		return res
	}
	for i := range res.Items {
		if res.Items[i].Source == model.SourcePopular {
			res.Items[i].Source = model.Source("popular:" + strings.Clone(req.Context.Device))
		}
	}
	return res
}
