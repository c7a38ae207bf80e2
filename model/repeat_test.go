package model_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/privrec/privrec/model"
)

// TestBuyAgainCodec: the mode of a request and the purchase counts of a
// response cross the boundary as msgpack.Marshal writes them, and back.
func TestBuyAgainCodec(t *testing.T) {
	reqs := []model.Request{
		{K: 5, Mode: model.ModeBuyAgain, Explain: true, History: model.History{{Item: "a", Kind: model.KindPurchase, At: 5}}},
		{Mode: model.ModeDefault, Seen: model.SeenNone},
		{Mode: "unknown mode"}, // decodes; Recommend refuses it
	}
	for _, r := range reqs {
		require.Equal(t, mustPack(t, &r), model.EncodeRequest(&r), "%+v", r)
		got, err := model.DecodeRequest(mustPack(t, &r))
		require.NoError(t, err)
		require.Equal(t, r, got)
	}
	resps := []model.Response{
		{K: 3, Items: []model.Recommendation{
			{Item: "a", Score: 0.9, Source: model.SourceRepeat, Because: []model.Reason{{Item: "a", Share: 0.8}}, Bought: 3, LastBought: 1_700_000_000_000},
			{Item: "b", Score: 0.5, Source: model.SourceRepeat, Bought: 1 << 40},
			{Item: "c", Score: 0.1, Source: model.SourceHistory, LastBought: -1},
		}},
	}
	for _, r := range resps {
		require.Equal(t, mustPack(t, &r), model.EncodeResponse(&r), "%+v", r)
		require.Equal(t, model.EncodeEnvelope(&model.Envelope{Result: model.EncodeResponse(&r)}), model.EncodeResponseEnvelope(&r))
		got, err := model.DecodeResponse(mustPack(t, &r))
		require.NoError(t, err)
		require.Equal(t, r, got)
	}
}
