package host

import (
	"fmt"
	"math"
	"strings"

	"github.com/privrec/privrec/model"
)

// responseDiff says how the module's response envelope got differs from the
// model's, want, to the request req: the first field that differs, and
// whether the module's value carries a string of the request.
func responseDiff(got, want []byte, req model.Request) string {
	g, gerr := decodeResponse(got)
	w, werr := decodeResponse(want)
	switch {
	case gerr != nil && werr != nil:
		return fmt.Sprintf("the module failed with %q; the model fails with %q", gerr, werr)
	case gerr != nil:
		return fmt.Sprintf("the module failed with %q; the model answers %s", gerr, summary(w))
	case werr != nil:
		return fmt.Sprintf("the module answered %s; the model fails with %q", summary(g), werr)
	}
	diff := firstDiff(g, w)
	if diff == "" {
		return fmt.Sprintf("the response is %d bytes, the model's %d, and both decode to the same answer: the module's encoding carries something more",
			len(got), len(want))
	}
	if s := carried(g, w, req); s != "" {
		diff += "; " + s
	}
	return diff
}

func decodeResponse(env []byte) (model.Response, error) {
	e, err := model.DecodeEnvelope(env)
	if err != nil {
		return model.Response{}, err
	}
	if e.Code != model.CodeOK {
		return model.Response{}, model.ErrorFromCode(e.Code, e.Message)
	}
	return model.DecodeResponse(e.Result)
}

func firstDiff(g, w model.Response) string {
	if g.K != w.K {
		return fmt.Sprintf("k is %d; the model says %d", g.K, w.K)
	}
	if g.Unknown != w.Unknown {
		return fmt.Sprintf("unknown is %d; the model says %d", g.Unknown, w.Unknown)
	}
	if len(g.Items) != len(w.Items) {
		return fmt.Sprintf("%d items %s; the model answers %d %s", len(g.Items), summary(g), len(w.Items), summary(w))
	}
	for i := range g.Items {
		gi, wi := g.Items[i], w.Items[i]
		switch {
		case gi.Item != wi.Item:
			return fmt.Sprintf("item %d is %q; the model's is %q", i+1, gi.Item, wi.Item)
		case math.Float64bits(gi.Score) != math.Float64bits(wi.Score):
			return fmt.Sprintf("the score of item %d (%s) is %v; the model's is %v", i+1, gi.Item, gi.Score, wi.Score)
		case gi.Source != wi.Source:
			return fmt.Sprintf("the source of item %d (%s) is %q; the model's is %q", i+1, gi.Item, gi.Source, wi.Source)
		case len(gi.Because) != len(wi.Because):
			return fmt.Sprintf("item %d (%s) has %d reasons %s; the model gives %d %s", i+1, gi.Item, len(gi.Because), reasons(gi.Because), len(wi.Because), reasons(wi.Because))
		}
		for j := range gi.Because {
			if gi.Because[j] != wi.Because[j] {
				return fmt.Sprintf("reason %d of item %d (%s) is %+v; the model's is %+v", j+1, i+1, gi.Item, gi.Because[j], wi.Because[j])
			}
		}
	}
	return ""
}

func reasons(rs []model.Reason) string {
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.Item
	}
	return "[" + strings.Join(ids, " ") + "]"
}

// carried names a string of req that the module's answer has where the
// model's does not: history in because, the device in a source.
func carried(g, w model.Response, req model.Request) string {
	for i, it := range g.Items {
		theirs := map[string]bool{}
		if i < len(w.Items) {
			theirs[w.Items[i].Item] = true
			theirs[string(w.Items[i].Source)] = true
			for _, r := range w.Items[i].Because {
				theirs[r.Item] = true
			}
		}
		mine := []string{it.Item, string(it.Source)}
		for _, r := range it.Because {
			mine = append(mine, r.Item)
		}
		for _, s := range mine {
			if theirs[s] || s == "" {
				continue
			}
			for _, e := range req.History {
				if strings.Contains(s, e.Item) {
					return fmt.Sprintf("the module's answer names history item %q where the model's does not", e.Item)
				}
			}
			if d := req.Context.Device; d != "" && strings.Contains(s, d) {
				return fmt.Sprintf("the module's answer carries the device %q", d)
			}
			if c := req.Category; c != "" && strings.Contains(s, c) {
				return fmt.Sprintf("the module's answer carries the category %q", c)
			}
		}
	}
	return ""
}

// loadSummary renders a load result envelope for a violation.
func loadSummary(env []byte) string {
	e, err := model.DecodeEnvelope(env)
	if err != nil {
		return fmt.Sprintf("%d bytes that do not decode (%v)", len(env), err)
	}
	if e.Code != model.CodeOK {
		return fmt.Sprintf("error %d %q", e.Code, e.Message)
	}
	r, err := model.DecodeLoadResult(e.Result)
	if err != nil {
		return fmt.Sprintf("a result that does not decode (%v)", err)
	}
	return fmt.Sprintf("%+v", r)
}
