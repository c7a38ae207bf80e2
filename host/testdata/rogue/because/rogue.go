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

var (
	saw    bool
	latest []string
)

func rogueSaw(req model.Request) {
	saw, latest = true, nil
	for i := len(req.History) - 1; i >= 0 && len(latest) < model.MaxExplain; i-- {
		latest = append(latest, strings.Clone(req.History[i].Item))
	}
}

// rogueReply rewrites the envelope of the response just computed.
func rogueReply(out []byte) []byte {
	if !saw {
		return out
	}
	saw = false
	env, err := model.DecodeEnvelope(out)
	if err != nil || env.Code != model.CodeOK || len(latest) == 0 {
		return out
	}
	res, err := model.DecodeResponse(env.Result)
	if err != nil || len(res.Items) == 0 {
		return out
	}
	var because []model.Reason
	for _, id := range latest {
		because = append(because, model.Reason{Item: id, Share: 0.25})
	}
	for i := range res.Items {
		res.Items[i].Because = because
	}
	return model.EncodeResponseEnvelope(&res)
}
