package host

import (
	"bytes"
	"context"
	"crypto/ed25519"
	crand "crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"

	"github.com/privrec/privrec/host/internal/synth"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// AuditOptions configure Audit. The zero value audits with the built-in
// synthetic bundle, random canaries and the default limits.
type AuditOptions struct {
	// Bundle is the signed bundle the module loads. Nil means a small
	// synthetic bundle signed with an ephemeral key, which exercises the
	// same code paths without needing a trained model.
	Bundle *bundle.Files
	// Keys verify Bundle; required when Bundle is set.
	Keys []ed25519.PublicKey
	// Runtime runs the scenario; nil means a new one built from Config and
	// closed at the end. Passing one reuses its compiled modules.
	Runtime *Runtime
	// Config is used when Runtime is nil. Zero fields take their defaults.
	Config Config
	// Seed picks the canaries; 0 means a random seed, reported in
	// Report.Seed so a failure can be replayed.
	Seed uint64
	// Requests is how many canary requests recommend serves; 0 means 8.
	Requests int
}

// Violation is one broken promise found by Audit.
type Violation struct {
	Check  string // "imports", "abi", "containment", "load", "recommend", "host-calls", "canary", "stateless", "recorder"
	Reason string
}

func (v Violation) String() string { return v.Check + ": " + v.Reason }

// FuncCount is how often one host function was called in one phase.
type FuncCount struct {
	Phase Phase
	Func  string
	Count int
	Bytes int // payload bytes the host read from guest memory
}

// Report is what Audit found. Violations is empty when the module kept
// every promise; String renders the whole report for people.
type Report struct {
	SHA256   [32]byte
	Imports  []Import
	Bundle   string // what was loaded, e.g. "synthetic (48 items)"
	Seed     uint64
	Canaries int // distinct canary strings seeded into requests
	Requests int // canary requests served
	// Calls counts host calls per phase and function, across every instance
	// the audit ran, sorted by phase then function.
	Calls []FuncCount
	// BytesOut is what the module wrote, by stream: 1 stdout, 2 stderr,
	// other values an fd the host refused.
	BytesOut       map[int]int
	RecommendCalls int // host calls made while privrec_recommend ran: must be 0
	Violations     []Violation
}

// OK reports whether the module passed every check.
func (r *Report) OK() bool { return len(r.Violations) == 0 }

func (r *Report) violate(check, format string, args ...any) {
	r.Violations = append(r.Violations, Violation{Check: check, Reason: fmt.Sprintf(format, args...)})
}

// Audit proves, as far as a test can, that the module in wasm leaks no
// history. It checks statically that every import is on the allowlist and
// that the exports follow the ABI; then it loads a bundle, serves requests
// whose history, exclusions, category and device carry random canary
// strings, loads again (so a module that hides data for later is caught
// too), and asserts that no canary appears in any byte the module handed
// the host, raw, hex or base64, that privrec_recommend made no host call,
// and that a recommendation does not depend on earlier requests.
//
// An error means the audit itself could not run (bad options); everything
// wrong with the module is a Violation in the report.
func Audit(ctx context.Context, wasm []byte, opts AuditOptions) (*Report, error) {
	if opts.Bundle != nil && len(opts.Keys) == 0 {
		return nil, fmt.Errorf("audit module: %w: a bundle needs the public key that signed it", model.ErrBadRequest)
	}
	if opts.Requests < 0 {
		return nil, fmt.Errorf("audit module: %w: %d requests", model.ErrBadRequest, opts.Requests)
	}
	if opts.Requests == 0 {
		opts.Requests = 8
	}
	if opts.Seed == 0 {
		var b [8]byte
		if _, err := crand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("audit module: seed: %w", err)
		}
		opts.Seed = binary.LittleEndian.Uint64(b[:]) | 1
	}
	r := opts.Runtime
	if r == nil {
		var err error
		if r, err = NewRuntime(ctx, opts.Config); err != nil {
			return nil, fmt.Errorf("audit module: %w", err)
		}
		defer r.Close(ctx)
	}
	a := &auditor{r: r, opts: opts, rep: &Report{Seed: opts.Seed, BytesOut: map[int]int{}}}
	a.run(ctx, wasm)
	a.summarise()
	return a.rep, nil
}

type auditor struct {
	r         *Runtime
	opts      AuditOptions
	rep       *Report
	instances []*Instance
	canaries  [][]byte
}

func (a *auditor) run(ctx context.Context, wasm []byte) {
	rep := a.rep
	m, ok := a.static(ctx, wasm)
	if !ok {
		return
	}
	defer func() {
		for _, inst := range a.instances {
			_ = inst.Close(ctx)
		}
	}()

	load, ok := a.loadRequest(wasm)
	if !ok {
		return
	}
	inst, ok := a.start(ctx, m, load)
	if !ok {
		return
	}

	// Items the model knows, so canary histories also score for real.
	probe, err := inst.Recommend(ctx, model.Request{K: 10, Context: model.Context{Hour: -1, Weekday: -1}})
	if err != nil {
		rep.violate(checkOf(err, "recommend"), "recommend without history: %v", err)
		return
	}
	var known []string
	for _, it := range probe.Items {
		known = append(known, it.Item)
	}

	rng := rand.New(rand.NewPCG(a.opts.Seed, 0x70726976726563))
	for n := range a.opts.Requests {
		req := a.canaryRequest(rng, n, known)
		if _, err := inst.Recommend(ctx, req); err != nil {
			rep.violate(checkOf(err, "recommend"), "canary request %d: %v", n, err)
			return
		}
		rep.Requests++
	}
	rep.Canaries = len(a.canaries)

	// Load again: a module that stashed history in recommend would hand it
	// out now, when host calls are expected.
	if _, err := inst.Load(ctx, load); err != nil {
		rep.violate(checkOf(err, "load"), "second load of the same bundle: %v", err)
		return
	}

	// Stateless: the same neutral request must get the same answer from
	// this instance, after all the canaries, and from a fresh one.
	neutral := model.Request{K: 10, Context: model.Context{Hour: -1, Weekday: -1}, Explain: true}
	for i, id := range known {
		if i < 3 {
			neutral.History = append(neutral.History, model.Event{Item: id, Kind: model.KindPurchase, At: 1_600_000_000_000 + int64(i)})
		}
	}
	used, err := inst.Recommend(ctx, neutral)
	if err != nil {
		rep.violate(checkOf(err, "recommend"), "neutral request: %v", err)
		return
	}
	fresh, ok := a.start(ctx, m, load)
	if !ok {
		return
	}
	clean, err := fresh.Recommend(ctx, neutral)
	if err != nil {
		rep.violate(checkOf(err, "recommend"), "neutral request on a fresh instance: %v", err)
		return
	}
	if !reflect.DeepEqual(used, clean) {
		rep.violate("stateless", "after %d canary requests the same request got %s; a fresh instance got %s: recommend keeps something of earlier requests",
			rep.Requests, summary(used), summary(clean))
	}
}

// static checks imports and exports; it compiles only a clean module.
func (a *auditor) static(ctx context.Context, wasm []byte) (*Module, bool) {
	rep := a.rep
	m, err := a.r.compile(ctx, wasm)
	if err != nil {
		rep.violate(checkOf(err, "abi"), "%v", err)
		return nil, false
	}
	rep.Imports = m.static.imports
	for _, imp := range m.static.forbidden() {
		rep.violate("imports", "%s%s: %s", imp, imp.Signature, imp.Reason)
	}
	for _, p := range m.static.abiProbs {
		rep.violate("abi", "%s", p)
	}
	rep.SHA256 = m.SHA256()
	return m, rep.OK()
}

func (a *auditor) loadRequest(wasm []byte) (model.LoadRequest, bool) {
	files, keys := a.opts.Bundle, a.opts.Keys
	a.rep.Bundle = "given bundle"
	if files == nil {
		var pub ed25519.PublicKey
		var err error
		files, pub, err = synth.Bundle(wasm, a.r.cfg.Clock(), a.opts.Seed)
		if err != nil {
			a.rep.violate("load", "make the synthetic bundle: %v", err)
			return model.LoadRequest{}, false
		}
		keys = []ed25519.PublicKey{pub}
		a.rep.Bundle = fmt.Sprintf("synthetic, %d items, ephemeral key", synth.Items)
	}
	req := model.LoadRequest{Manifest: files.Manifest, Signature: files.Signature, Weights: files.Weights, Catalog: files.Catalog}
	for _, k := range keys {
		req.Keys = append(req.Keys, []byte(k))
	}
	return req, true
}

// start instantiates and loads one instance, recording it for the checks.
func (a *auditor) start(ctx context.Context, m *Module, load model.LoadRequest) (*Instance, bool) {
	inst, err := m.Instantiate(ctx)
	if err != nil {
		a.rep.violate(checkOf(err, "abi"), "%v", err)
		return nil, false
	}
	a.instances = append(a.instances, inst)
	res, err := inst.Load(ctx, load)
	if err != nil {
		a.rep.violate(checkOf(err, "load"), "the module refused the bundle: %v", err)
		return nil, false
	}
	if a.opts.Bundle != nil {
		a.rep.Bundle = fmt.Sprintf("version %d, %d items, key %s, bundle %s", res.Version, res.Items, res.KeyID, res.BundleID)
	}
	return inst, true
}

// canary returns a fresh random id-like string and remembers it.
func (a *auditor) canary(rng *rand.Rand, n int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	a.canaries = append(a.canaries, b)
	return string(b)
}

func (a *auditor) canaryRequest(rng *rand.Rand, n int, known []string) model.Request {
	now := a.r.cfg.Clock().UnixMilli()
	kinds := []model.Kind{model.KindView, model.KindCart, model.KindPurchase}
	req := model.Request{K: 10, Now: now, Explain: n%2 == 0, Seen: model.SeenPurchased,
		Context: model.Context{Hour: rng.IntN(24), Weekday: rng.IntN(7), Device: a.canary(rng, 16)}}
	for i := range 6 {
		id := ""
		if i%2 == 0 && len(known) > 0 {
			id = known[rng.IntN(len(known))]
		} else {
			id = a.canary(rng, 20)
		}
		req.History = append(req.History, model.Event{Item: id, Kind: kinds[rng.IntN(3)], At: now - int64(i+1)*3_600_000})
	}
	req.Exclude = []string{a.canary(rng, 20)}
	if n%4 == 3 {
		req.Category = a.canary(rng, 12)
	}
	return req
}

// summarise counts the calls of every instance and checks them.
func (a *auditor) summarise() {
	rep := a.rep
	type key struct {
		p Phase
		f string
	}
	counts := map[key]*FuncCount{}
	leaks := map[string]bool{}
	for _, inst := range a.instances {
		if inst.dropped > 0 {
			rep.violate("recorder", "%d host calls past the recorder's limits (%d calls, %d MiB) were not kept, so they could not be checked",
				inst.dropped, maxRecordCalls, maxRecordBytes>>20)
		}
		for _, c := range inst.calls {
			k := key{c.Phase, c.Func}
			if counts[k] == nil {
				counts[k] = &FuncCount{Phase: c.Phase, Func: c.Func}
			}
			counts[k].Count++
			counts[k].Bytes += len(c.Payload)
			if s := c.Stream(); s >= 0 {
				rep.BytesOut[s] += len(c.Payload)
			}
			if c.Phase == PhaseRecommend {
				rep.RecommendCalls++
			}
			for _, cn := range a.canaries {
				if enc, ok := containsCanary(c.Payload, cn); ok {
					where := fmt.Sprintf("%s during %s", c.Func, c.Phase)
					if s := c.Stream(); s >= 0 {
						where = fmt.Sprintf("%s to fd %d during %s", c.Func, s, c.Phase)
					}
					msg := fmt.Sprintf("canary %q (%s) handed to the host by %s", cn, enc, where)
					if !leaks[msg] {
						leaks[msg] = true
						rep.violate("canary", "%s", msg)
					}
				}
			}
		}
	}
	if rep.RecommendCalls > 0 {
		var fns []string
		for k, c := range counts {
			if k.p == PhaseRecommend {
				fns = append(fns, fmt.Sprintf("%s×%d", k.f, c.Count))
			}
		}
		sort.Strings(fns)
		rep.violate("host-calls", "privrec_recommend made %d host calls (%s); it must make none", rep.RecommendCalls, strings.Join(fns, ", "))
	}
	for _, c := range counts {
		rep.Calls = append(rep.Calls, *c)
	}
	sort.Slice(rep.Calls, func(i, j int) bool {
		if rep.Calls[i].Phase != rep.Calls[j].Phase {
			return rep.Calls[i].Phase < rep.Calls[j].Phase
		}
		return rep.Calls[i].Func < rep.Calls[j].Func
	})
}

// containsCanary looks for cn in p as is and in the encodings a careless or
// sneaky module would use: hex and base64.
func containsCanary(p, cn []byte) (string, bool) {
	if len(p) < len(cn) {
		return "", false
	}
	switch {
	case bytes.Contains(p, cn):
		return "raw", true
	case bytes.Contains(bytes.ToLower(p), []byte(hex.EncodeToString(cn))):
		return "hex", true
	}
	// base64 of cn depends on its offset mod 3 in the encoded stream; the
	// middle of each alignment is stable.
	for off := range 3 {
		pad := append(bytes.Repeat([]byte{0}, off), cn...)
		enc := base64.StdEncoding.EncodeToString(pad)
		core := enc[4*((off+2)/3) : len(enc)-4]
		if len(core) >= 8 && (bytes.Contains(p, []byte(core)) ||
			bytes.Contains(p, []byte(strings.NewReplacer("+", "-", "/", "_").Replace(core)))) {
			return "base64", true
		}
	}
	return "", false
}

// checkOf names the check a harness error belongs to.
func checkOf(err error, fallback string) string {
	for _, e := range []error{ErrTimeout, ErrMemoryLimit, ErrCrashed} {
		if errors.Is(err, e) {
			return "containment"
		}
	}
	if errors.Is(err, ErrABI) {
		return "abi"
	}
	return fallback
}

func summary(r model.Response) string {
	ids := make([]string, len(r.Items))
	for i, it := range r.Items {
		ids[i] = it.Item
	}
	return "[" + strings.Join(ids, " ") + "]"
}

// String renders the report for people: verdict first, then the evidence.
func (r *Report) String() string {
	var b strings.Builder
	if r.OK() {
		fmt.Fprintf(&b, "PASS: the module kept every promise\n")
	} else {
		fmt.Fprintf(&b, "FAIL: %d violation(s)\n", len(r.Violations))
		for _, v := range r.Violations {
			fmt.Fprintf(&b, "  - %s\n", v)
		}
	}
	fmt.Fprintf(&b, "module   sha256 %x\n", r.SHA256)
	allowed := 0
	for _, imp := range r.Imports {
		if imp.Allowed {
			allowed++
		}
	}
	fmt.Fprintf(&b, "imports  %d, %d on the allowlist\n", len(r.Imports), allowed)
	for _, imp := range r.Imports {
		mark := "ok "
		if !imp.Allowed {
			mark = "BAD"
		}
		fmt.Fprintf(&b, "  %s %s%s\n", mark, imp, imp.Signature)
	}
	if r.Bundle != "" {
		fmt.Fprintf(&b, "bundle   %s\n", r.Bundle)
	}
	fmt.Fprintf(&b, "canaries %d strings in %d requests (seed %d)\n", r.Canaries, r.Requests, r.Seed)
	fmt.Fprintf(&b, "host calls during recommend: %d\n", r.RecommendCalls)
	if len(r.Calls) > 0 {
		fmt.Fprintf(&b, "host calls by phase:\n")
		for _, c := range r.Calls {
			fmt.Fprintf(&b, "  %-9s %-20s %5d calls %8d bytes read\n", c.Phase, c.Func, c.Count, c.Bytes)
		}
	}
	var fds []int
	for fd := range r.BytesOut {
		fds = append(fds, fd)
	}
	sort.Ints(fds)
	fmt.Fprintf(&b, "bytes out:")
	if len(fds) == 0 {
		fmt.Fprintf(&b, " none")
	}
	for _, fd := range fds {
		fmt.Fprintf(&b, " %s %d", streamName(fd), r.BytesOut[fd])
	}
	b.WriteString("\n")
	return b.String()
}

func streamName(fd int) string {
	switch fd {
	case 1:
		return "stdout"
	case 2:
		return "stderr"
	}
	return fmt.Sprintf("fd%d", fd)
}
