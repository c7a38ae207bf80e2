package evalrun

import (
	"context"
	"fmt"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// RunNextBasket evaluates log on the next-basket protocol, repeats kept
// (eval.SplitNextBasket): the baselines natively (with opts.References,
// G-TopFreq, i.e. popularity with nothing left out; P-TopFreq always, the
// bar; GP-TopFreq), then the shipped model, trained on the training part
// (after opts.Tune, as Run; training chooses the buy-again parameters on
// a validation split of it), signed and scored through the module in both modes: the default one
// (bought items left out, so it can only explore) and buy again.
func RunNextBasket(ctx context.Context, log *train.Log, opts Options) (*eval.NextBasketReport, error) {
	status := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}
	trainLog, cases := eval.SplitNextBasket(log)
	rep := eval.NewNextBasketReport(cases, len(trainLog.Catalog))
	if !eval.HasBaskets(log) {
		rep.Protocol = eval.ProtocolNextSession
	}
	status("protocol %s: %d test users (%d with a repeat target), %d training rows", rep.Protocol, len(cases), rep.RepeatUsers, len(trainLog.Interactions))
	if len(cases) == 0 {
		return nil, fmt.Errorf("split log: %w: no user has two baskets (or sessions) with a purchase in the last; check the basket, time and kind columns", model.ErrBadRequest)
	}
	native := func(name string, rec eval.Recommender, request func(eval.Case) model.Request) error {
		status("scoring %s", name)
		m, err := eval.EvaluateNextBasket(cases, rec, request)
		if err != nil {
			return err
		}
		rep.Results = append(rep.Results, eval.NewNextBasketResult(name, eval.TargetNative, 0, "", m))
		return nil
	}
	if opts.References {
		if err := native("g-topfreq", eval.Popularity(trainLog), eval.RepeatRequestFor); err != nil {
			return nil, err
		}
	}
	if err := native("p-topfreq", eval.PTopFreq(), eval.RepeatRequestFor); err != nil {
		return nil, err
	}
	if opts.References {
		if err := native("gp-topfreq", eval.GPTopFreq(trainLog), eval.RepeatRequestFor); err != nil {
			return nil, err
		}
	}
	s, err := tuneAndShip(opts, trainLog, &rep.Notes, status, "training the shipped model (and its buy-again parameters on a validation split)")
	if err != nil {
		return nil, err
	}
	p := s.Native.Params()
	rt, err := host.NewRuntime(ctx, host.DefaultConfig())
	if err != nil {
		return nil, err
	}
	defer rt.Close(ctx)
	inst, err := s.Instance(ctx, rt)
	if err != nil {
		return nil, fmt.Errorf("load bundle into the module: %w", err)
	}
	defer inst.Close(ctx)
	for _, mode := range []model.Mode{model.ModeDefault, model.ModeBuyAgain} {
		status("scoring the shipped model through the module (wazero), mode %s", mode)
		request := eval.RequestFor
		if mode == model.ModeBuyAgain {
			request = eval.BuyAgainRequestFor
		}
		m, err := eval.EvaluateNextBasket(cases, Wasm{Ctx: ctx, Inst: inst}, request)
		if err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, eval.NewNextBasketResult("privrec", eval.TargetWasm, int64(len(s.Files.Weights)), mode, m))
	}
	if p.RepeatWeight > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("privrec buy_again: repeat weight %g, repeat half-life %g days, chosen by train on a validation split (each user's last training basket)",
			p.RepeatWeight, p.RepeatHalfLifeDays))
	} else {
		rep.Notes = append(rep.Notes, "privrec buy_again: the model has no repeat parameters (no user of the training log bought an item twice), so buy_again answers as the default mode")
	}
	return rep, nil
}
