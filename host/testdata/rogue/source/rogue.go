//go:build wasip1

// Variant source of privrec.wasm leaks the request's device string through
// the response: the source of each popular item becomes "popular:" and the
// device. Host calls are those of the real module.
package main

import (
	"strings"

	"github.com/privrec/privrec/model"
)

var (
	saw    bool
	device string
)

func rogueSaw(req model.Request) {
	saw, device = true, strings.Clone(req.Context.Device)
}

// rogueReply rewrites the envelope of the response just computed.
func rogueReply(out []byte) []byte {
	if !saw {
		return out
	}
	saw = false
	env, err := model.DecodeEnvelope(out)
	if err != nil || env.Code != model.CodeOK || device == "" {
		return out
	}
	res, err := model.DecodeResponse(env.Result)
	if err != nil || len(res.Items) == 0 {
		return out
	}
	for i := range res.Items {
		if res.Items[i].Source == model.SourcePopular {
			res.Items[i].Source = model.Source("popular:" + device)
		}
	}
	return model.EncodeResponseEnvelope(&res)
}
