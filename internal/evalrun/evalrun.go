// Package evalrun runs the quality protocol end to end, the way `privrec
// eval` reports it: split the log, compute the reference models natively,
// train the shipped model on the training part, pack and sign it like a
// release, load it into the real module under the wazero harness, and score
// it through the module.
package evalrun

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// Options configure Run.
type Options struct {
	Config     train.Config
	Wasm       []byte // the module to score through
	References bool   // also compute popularity, item-kNN and full EASE (λ tuned on validation)
	// MaxEASEBytes caps the memory of the full EASE reference
	// (eval.EASEBytes): a larger catalog skips it, with a note in the
	// report. 0 means no cap.
	MaxEASEBytes int64
	Progress     func(stage string, done, total int) // may be nil
	Log          io.Writer                           // status lines; may be nil
	// Tune, when not nil, chooses the shipped model's Config from the
	// training part of the split (never the test baskets) before it is
	// trained, as privrec train does on a whole log; its notes go into
	// the report.
	Tune func(trainLog *train.Log, cfg train.Config) (train.Config, []string, error)
}

// Shipped is a model trained, packed and signed like a release, with the
// native decoding of the very same artifacts.
type Shipped struct {
	Files  *bundle.Files
	Key    ed25519.PublicKey
	Native *model.Model
}

// Ship trains on log and packs a signed bundle around wasm, signed with a
// fresh ephemeral key (valid for a day).
func Ship(log *train.Log, cfg train.Config, wasm []byte, progress func(string, int, int)) (*Shipped, error) {
	spec, err := train.Train(log, cfg, progress)
	if err != nil {
		return nil, err
	}
	f, id, err := train.Pack(spec, log.Catalog, wasm)
	if err != nil {
		return nil, err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	meta := bundle.Meta{Version: 1, Created: now.UnixMilli(), Expires: now.Add(24 * time.Hour).UnixMilli(), BundleID: id}
	if err := bundle.Sign(f, meta, priv); err != nil {
		return nil, err
	}
	native, err := model.Load(f.Weights, f.Catalog)
	if err != nil {
		return nil, err
	}
	return &Shipped{Files: f, Key: pub, Native: native}, nil
}

// LoadRequest is the request a host sends to load s.
func (s *Shipped) LoadRequest() model.LoadRequest { return host.LoadRequest(s.Files, s.Key) }

// Instance compiles s's module in rt, instantiates it and loads s.
func (s *Shipped) Instance(ctx context.Context, rt *host.Runtime) (*host.Instance, error) {
	mod, err := rt.Compile(ctx, s.Files.Wasm)
	if err != nil {
		return nil, err
	}
	inst, err := mod.Instantiate(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := inst.Load(ctx, s.LoadRequest()); err != nil {
		inst.Close(ctx)
		return nil, err
	}
	return inst, nil
}

// Wasm adapts a host instance to eval.Recommender.
type Wasm struct {
	Ctx  context.Context
	Inst *host.Instance
}

// Recommend implements eval.Recommender.
func (w Wasm) Recommend(req model.Request) (model.Response, error) {
	return w.Inst.Recommend(w.Ctx, req)
}

// Run evaluates on log as the protocol says.
func Run(ctx context.Context, log *train.Log, opts Options) (*eval.Report, error) {
	status := func(format string, args ...any) {
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, format+"\n", args...)
		}
	}
	trainLog, cases := eval.Split(log)
	rep := eval.NewReport(cases, len(trainLog.Catalog))
	if !eval.HasBaskets(log) {
		rep.Protocol = eval.ProtocolSessions
	}
	status("protocol %s: %d test users, %d training rows", rep.Protocol, len(cases), len(trainLog.Interactions))
	if len(cases) == 0 {
		return nil, fmt.Errorf("split log: %w: no user has two baskets (or sessions) with a new purchase in the last; check the basket, time and kind columns", model.ErrBadRequest)
	}
	if opts.References {
		status("scoring popularity")
		m, err := eval.Evaluate(cases, eval.Popularity(trainLog))
		if err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, eval.NewResult("popularity", eval.TargetNative, 0, m))
		status("scoring item-kNN (cosine, 50 neighbours)")
		if m, err = eval.Evaluate(cases, eval.ItemKNN(trainLog, 50)); err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, eval.NewResult("item-knn", eval.TargetNative, 0, m))
		if err := runEASE(rep, trainLog, cases, opts.MaxEASEBytes, status); err != nil {
			return nil, err
		}
	}
	s, err := tuneAndShip(opts, trainLog, &rep.Notes, status, "training the shipped model")
	if err != nil {
		return nil, err
	}
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
	status("scoring the shipped model through the module (wazero)")
	m, err := eval.Evaluate(cases, Wasm{Ctx: ctx, Inst: inst})
	if err != nil {
		return nil, err
	}
	rep.Results = append(rep.Results, eval.NewResult("privrec", eval.TargetWasm, int64(len(s.Files.Weights)), m))
	return rep, nil
}

// runEASE adds full EASE to rep, its λ tuned on the validation split of
// trainLog, or a note saying why it was skipped.
// tuneAndShip tunes the shipped model on the training part when opts.Tune
// is set (its notes appended to notes), then trains and signs it (Ship).
func tuneAndShip(opts Options, trainLog *train.Log, notes *[]string, status func(string, ...any), what string) (*Shipped, error) {
	cfg := opts.Config
	if opts.Tune != nil {
		status("tuning the shipped model on the training part")
		c, tuned, err := opts.Tune(trainLog, cfg)
		if err != nil {
			return nil, fmt.Errorf("tune model: %w", err)
		}
		cfg = c
		*notes = append(*notes, tuned...)
	}
	status(what)
	s, err := Ship(trainLog, cfg, opts.Wasm, opts.Progress)
	if err != nil {
		return nil, fmt.Errorf("ship model: %w", err)
	}
	return s, nil
}

func runEASE(rep *eval.Report, trainLog *train.Log, cases []eval.Case, maxBytes int64, status func(string, ...any)) error {
	items := make(map[string]struct{})
	for _, in := range trainLog.Interactions {
		items[in.Item] = struct{}{}
	}
	if need := eval.EASEBytes(len(items)); maxBytes > 0 && need > maxBytes {
		note := fmt.Sprintf("ease-full skipped: dense EASE on %d items needs about %.1f GB, more than the %.1f GB allowed (--max-reference-bytes)",
			len(items), float64(need)/1e9, float64(maxBytes)/1e9)
		status("%s", note)
		rep.Notes = append(rep.Notes, note)
		return nil
	}
	status("tuning full EASE's λ on the validation split (each user's last training basket)")
	tun, err := eval.TuneEASE(trainLog, func(s eval.LambdaScore) {
		status("  λ=%-7g validation NDCG@10 %.4f", s.Lambda, s.Validation.NDCG)
	})
	if errors.Is(err, eval.ErrNoValidation) {
		note := "ease-full skipped: " + err.Error()
		status("%s", note)
		rep.Notes = append(rep.Notes, note)
		return nil
	}
	if err != nil {
		return err
	}
	b := tun.Best
	status("training and scoring full EASE (λ=%g)", b.Lambda)
	ease, err := eval.EASE(trainLog, b.Lambda)
	if err != nil {
		return err
	}
	m, err := eval.Evaluate(cases, ease)
	if err != nil {
		return err
	}
	res := eval.NewResult("ease-full", eval.TargetNative, 0, m)
	res.Lambda = b.Lambda
	rep.Results = append(rep.Results, res)
	rep.Notes = append(rep.Notes, fmt.Sprintf("ease-full: λ=%g of %d tried, by validation NDCG@10 %.4f on %d users' last training basket",
		b.Lambda, len(tun.Tried), b.Validation.NDCG, b.Validation.Cases))
	return nil
}
