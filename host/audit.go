package host

import (
	"bytes"
	"context"
	"crypto/ed25519"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// AuditOptions configure Audit. The zero value audits with the built-in
// synthetic bundle, a random seed and the default limits.
type AuditOptions struct {
	// Bundle is the signed bundle the module loads. Nil means a small
	// synthetic store drawn from Seed (its size, id style, categories and
	// model), signed with an ephemeral key, which exercises the same code
	// paths without needing a trained model. Auditing the bundle that ships
	// is stronger: its shoppers use the store's own catalog.
	Bundle *bundle.Files
	// Keys verify Bundle; required when Bundle is set.
	Keys []ed25519.PublicKey
	// Runtime runs the scenario; nil means a new one built from Config and
	// closed at the end. Passing one reuses its compiled modules.
	Runtime *Runtime
	// Config is used when Runtime is nil. Zero fields take their defaults.
	Config Config
	// Seed picks the shoppers, the clock readings and the randomness the
	// module sees; 0 means a random seed, reported in Report.Seed so a
	// failure can be replayed.
	Seed uint64
	// Requests is how many shopper requests each session serves; 0 means 8.
	Requests int
	// Sessions is how many fresh instances each serve their own shoppers
	// and must make exactly the same host calls; 0 means 3, and at least 2
	// are needed to compare.
	Sessions int
}

// Violation is one broken promise found by Audit.
type Violation struct {
	// Check is one of "imports", "abi", "containment", "load", "host-calls"
	// (recommend called the host), "profile" (a call outside the call
	// profile), "stdio" (a write outside a crash), "trace" (host calls that
	// differ between shoppers), "oracle" (a response that is not the native
	// model's), "canary" (request bytes in a host call) or "recorder".
	Check  string
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
	Canaries int // distinct request strings searched for in host-call bytes
	Requests int // shopper requests served, in all sessions
	Sessions int // sessions whose host-call traces were compared
	Trace    int // host calls in one session's trace (the first's)
	Oracle   int // responses (loads and recommends) compared byte for byte with the native model's
	// Collected counts the export calls whose clock reads differed from the
	// reference session's within the collector's allowance (see Audit).
	Collected int
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
// that the exports follow the ABI. Then several sessions, each a fresh
// instance given the same clock readings and the same randomness, load the
// bundle, serve requests of their own shoppers (drawn from the bundle's
// catalog, shaped like real traffic) and load it again. The audit requires:
//
//   - the call profile: privrec_recommend makes no host call; after
//     start-up only the clock and the scheduler's idle calls, with the
//     argument values the Go runtime passes; no write to stdout or stderr
//     except in a crash;
//   - one trace: every session makes exactly the same host calls, with the
//     same arguments and the same bytes, whatever its shoppers asked;
//   - the oracle: every load result and every response is byte for byte
//     what the native model (package model) answers to the same bytes;
//   - no request string (history, exclusions, category, device) in any byte
//     the module hands the host, raw, hex, base64, XORed with or shifted by
//     a constant, or reversed.
//
// An error means the audit itself could not run (bad options); everything
// wrong with the module is a Violation in the report. See
// docs/threat-model.md for what this proves and what it does not (timing).
func Audit(ctx context.Context, wasm []byte, opts AuditOptions) (*Report, error) {
	if opts.Bundle != nil && len(opts.Keys) == 0 {
		return nil, fmt.Errorf("audit module: %w: a bundle needs the public key that signed it", model.ErrBadRequest)
	}
	if opts.Requests < 0 {
		return nil, fmt.Errorf("audit module: %w: %d requests", model.ErrBadRequest, opts.Requests)
	}
	if opts.Sessions < 0 || opts.Sessions == 1 {
		return nil, fmt.Errorf("audit module: %w: %d sessions; the audit compares at least 2", model.ErrBadRequest, opts.Sessions)
	}
	if opts.Requests == 0 {
		opts.Requests = 8
	}
	if opts.Sessions == 0 {
		opts.Sessions = 3
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
	a := &auditor{r: r, opts: opts, rep: &Report{Seed: opts.Seed, BytesOut: map[int]int{}}, strings: map[string]bool{}, profiled: map[string]bool{}}
	a.run(ctx, wasm)
	a.summarise()
	// The most direct evidence first: request bytes found outside, then
	// broken rules, then differences.
	slices.SortStableFunc(a.rep.Violations, func(x, y Violation) int {
		return slices.Index(checkOrder, x.Check) - slices.Index(checkOrder, y.Check)
	})
	return a.rep, nil
}

// checkOrder is the order of a report's violations.
var checkOrder = []string{"imports", "abi", "containment", "load", "canary", "stdio", "host-calls", "profile", "trace", "oracle", "recorder"}

type auditor struct {
	r        *Runtime
	opts     AuditOptions
	rep      *Report
	base     time.Time // the sessions' clock starts here
	sessions []*session
	strings  map[string]bool // every string of every request served
	profiled map[string]bool // profile rules already reported

	native           *model.Model // the oracle's model (the popular items)
	nativeLoad       []byte       // its load result envelope
	weights, catalog []byte       // the artifacts it was loaded from
	oracleMiss       int
}

func (a *auditor) run(ctx context.Context, wasm []byte) {
	rep := a.rep
	m, ok := a.static(ctx, wasm)
	if !ok {
		return
	}
	defer func() {
		for _, s := range a.sessions {
			_ = s.inst.Close(ctx)
		}
	}()
	a.base = a.r.cfg.Clock()
	load, files, ok := a.loadRequest(wasm, m)
	if !ok {
		return
	}
	rawLoad := model.EncodeLoadRequest(&load)
	nativeErr := a.openNative(rawLoad)
	complete := a.serve(ctx, m, load, rawLoad, files, nativeErr)
	// Every call made is held to the profile, even when a session stopped
	// early; the traces are compared only when every session ran to the end.
	for _, s := range a.sessions {
		a.profile(s)
	}
	if !complete {
		return
	}
	rep.Sessions = len(a.sessions)
	rep.Trace = len(a.sessions[0].inst.calls)
	for n, s := range a.sessions[1:] {
		if !a.compare(a.sessions[0], s, n+1) {
			break
		}
	}
}

// serve runs the sessions: each a fresh instance that loads the bundle,
// serves its shoppers and loads the bundle again every loadEvery requests.
// It reports whether all of them ran to the end.
func (a *auditor) serve(ctx context.Context, m *Module, load model.LoadRequest, rawLoad []byte, files *bundle.Files, nativeErr error) bool {
	rep := a.rep
	var gen *shoppers
	for n := range a.opts.Sessions {
		inst, err := m.instantiate(ctx, sessionClock(a.base, a.opts.Seed), sessionRand(a.opts.Seed))
		if err != nil {
			rep.violate(checkOf(err, "abi"), "%v", err)
			return false
		}
		s := &session{inst: inst}
		a.sessions = append(a.sessions, s)
		res, err := a.do(s, "load 1", len(rawLoad), func() error { _, err := inst.Load(ctx, load); return err })
		if err != nil {
			rep.violate(checkOf(err, "load"), "the module refused the bundle: %v", err)
			return false
		}
		if n == 0 {
			if nativeErr != nil {
				rep.violate("oracle", "the module loaded a bundle that the model refuses: %v", nativeErr)
				return false
			}
			if a.opts.Bundle != nil {
				rep.Bundle = fmt.Sprintf("version %d, %d items, key %s, bundle %s", res.Version, res.Items, res.KeyID, res.BundleID)
			}
			g, err := a.shoppers(files)
			if err != nil {
				rep.violate("oracle", "%v", err)
				return false
			}
			gen = g
		}
		a.checkLoad(s, "load 1")
		loads := 1
		// Session 1 is the control: its shoppers have no history (consent
		// off), so any host call that depends on a history differs from it.
		// Every other session has a regular with a long history among its
		// shoppers, so a module that leaks only long histories is seen too.
		regular := gen.rng.IntN(a.opts.Requests)
		for r := range a.opts.Requests {
			kind := anyone
			switch {
			case n == 0:
				kind = consentOff
			case r == regular:
				kind = heavy
			}
			req := gen.next(rep.Requests, kind)
			for _, str := range requestStrings(req) {
				a.strings[str] = true
			}
			name := fmt.Sprintf("request %d", r+1)
			if _, err := a.do(s, name, len(model.EncodeRequest(&req)), func() error { _, err := inst.Recommend(ctx, req); return err }); err != nil && stops(err) {
				rep.violate(checkOf(err, "recommend"), "%s of session %d: %v", name, n+1, err)
				return false
			}
			rep.Requests++
			a.checkRecommend(s, name, req)
			if (r+1)%loadEvery != 0 && r+1 != a.opts.Requests {
				continue
			}
			// Load again: a module that kept something of its shoppers
			// would hand it out now, when host calls are allowed.
			loads++
			name = fmt.Sprintf("load %d", loads)
			if _, err := a.do(s, name, len(rawLoad), func() error { _, err := inst.Load(ctx, load); return err }); err != nil {
				rep.violate(checkOf(err, "load"), "%s of the same bundle in session %d: %v", name, n+1, err)
				return false
			}
			a.checkLoad(s, name)
		}
	}
	return true
}

// do runs one export round trip of s, recording which calls it made; for
// a load it returns the result.
func (a *auditor) do(s *session, name string, handed int, f func() error) (model.LoadResult, error) {
	s.handed += handed
	o := op{name: name, start: len(s.inst.calls), handed: s.handed}
	s.inst.envelope = nil
	err := f()
	o.end = len(s.inst.calls)
	o.crashed = err != nil && checkOf(err, "") == "containment" // a trap, an exit, a limit: not an ABI error
	s.ops = append(s.ops, o)
	var res model.LoadResult
	if err == nil && strings.HasPrefix(name, "load") {
		if env, derr := model.DecodeEnvelope(s.inst.envelope); derr == nil {
			res, _ = model.DecodeLoadResult(env.Result)
		}
	}
	return res, err
}

// stops reports whether err leaves the audit nothing to compare: the
// instance crashed, ran out of time or memory, or broke the ABI. A module
// error (a code in the envelope) is an answer, which the oracle judges.
func stops(err error) bool {
	return checkOf(err, "") != ""
}

// openNative opens the load request natively, as the module must: the
// oracle's model and load result.
func (a *auditor) openNative(raw []byte) error {
	req, err := model.DecodeLoadRequest(raw)
	if err != nil {
		return err
	}
	man, err := bundle.Open(&req)
	if err != nil {
		return err
	}
	m, err := model.Load(req.Weights, req.Catalog)
	if err != nil {
		return err
	}
	a.native = m
	a.weights, a.catalog = req.Weights, req.Catalog
	// What wasm/main.go answers to a load that succeeds.
	a.nativeLoad = model.EncodeLoadResultEnvelope(&model.LoadResult{
		Version: man.Version, KeyID: man.KeyID, Created: man.Created, Expires: man.Expires,
		Items: m.Items(), BundleID: hex.EncodeToString(man.BundleID[:]),
		Epsilon: man.Epsilon, Delta: man.Delta, Kind: string(m.Kind()),
	})
	return nil
}

// shoppers draws the audit's shoppers from the bundle's catalog and the
// model's popular items.
func (a *auditor) shoppers(files *bundle.Files) (*shoppers, error) {
	cat, err := model.DecodeCatalog(files.Catalog)
	if err != nil {
		return nil, fmt.Errorf("the module loaded a catalog that the model cannot decode: %v", err)
	}
	pop, err := a.native.Recommend(model.Request{K: model.MaxK, Context: model.Context{Hour: -1, Weekday: -1}})
	if err != nil {
		return nil, fmt.Errorf("the model cannot recommend from the bundle: %v", err)
	}
	var popular []string
	for _, it := range pop.Items {
		popular = append(popular, it.Item)
	}
	return newShoppers(a.opts.Seed, cat.Items, popular, a.base.UnixMilli()), nil
}

// loadEvery is how many requests a session serves between two loads of
// the bundle (an update, as the SDK makes when a new one is published).
const loadEvery = 4

// maxOracleReports caps the oracle violations listed: one wrong answer is
// enough to refuse a module, a few show the pattern.
const maxOracleReports = 3

func (a *auditor) miss(format string, args ...any) {
	a.oracleMiss++
	if a.oracleMiss <= maxOracleReports {
		a.rep.violate("oracle", format, args...)
	}
}

func (a *auditor) checkLoad(s *session, name string) {
	a.rep.Oracle++
	got := s.inst.envelope
	if bytes.Equal(got, a.nativeLoad) {
		return
	}
	a.miss("%s of session %d answered %s; the model answers %s: the load result must be the bundle's, nothing else",
		name, len(a.sessions), loadSummary(got), loadSummary(a.nativeLoad))
}

func (a *auditor) checkRecommend(s *session, name string, req model.Request) {
	a.rep.Oracle++
	raw := model.EncodeRequest(&req)
	want := a.nativeAnswer(raw)
	got := s.inst.envelope
	if bytes.Equal(got, want) {
		return
	}
	a.miss("%s of session %d: %s", name, len(a.sessions), responseDiff(got, want, req))
}

// nativeAnswer is the envelope the module must return for the request
// bytes raw: the native model's answer, encoded as wasm/main.go encodes it.
func (a *auditor) nativeAnswer(raw []byte) []byte {
	req, err := model.DecodeRequest(raw)
	if err == nil {
		// A model of its own for each request: the answer of a pure
		// function of (model, request), whatever was asked before, which
		// is what the module's answer must be.
		var m *model.Model
		if m, err = model.Load(a.weights, a.catalog); err == nil {
			var res model.Response
			if res, err = m.Recommend(req); err == nil {
				return model.EncodeResponseEnvelope(&res)
			}
		}
	} else {
		err = fmt.Errorf("recommend: %w", err)
	}
	return model.EncodeEnvelope(&model.Envelope{Code: model.CodeOf(err), Message: err.Error()})
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

// loadRequest is the complete load request every session sends: digests
// and time filled in here, so the module and the oracle get the same bytes.
func (a *auditor) loadRequest(wasm []byte, m *Module) (model.LoadRequest, *bundle.Files, bool) {
	files, keys := a.opts.Bundle, a.opts.Keys
	a.rep.Bundle = "given bundle"
	if files == nil {
		var pub ed25519.PublicKey
		var err error
		var what string
		files, pub, what, err = storeBundle(wasm, a.base, a.opts.Seed)
		if err != nil {
			a.rep.violate("load", "%v", err)
			return model.LoadRequest{}, nil, false
		}
		keys = []ed25519.PublicKey{pub}
		a.rep.Bundle = what
	}
	sum, ws, cs := m.SHA256(), sha256.Sum256(files.Weights), sha256.Sum256(files.Catalog)
	req := model.LoadRequest{Manifest: files.Manifest, Signature: files.Signature, Weights: files.Weights, Catalog: files.Catalog,
		WasmSHA256: sum[:], WeightsSHA256: ws[:], CatalogSHA256: cs[:], Now: a.base.UnixMilli()}
	for _, k := range keys {
		req.Keys = append(req.Keys, []byte(k))
	}
	return req, files, true
}

// maxCanaryReports caps the canary violations listed per host call.
const maxCanaryReports = 3

// summarise counts the calls of every instance and looks for request
// strings in their bytes.
func (a *auditor) summarise() {
	rep := a.rep
	type key struct {
		p Phase
		f string
	}
	counts := map[key]*FuncCount{}
	var needles [][]byte
	for s := range a.strings {
		if searchable(s) {
			needles = append(needles, []byte(s))
		}
	}
	sort.Slice(needles, func(i, j int) bool { return bytes.Compare(needles[i], needles[j]) < 0 })
	rep.Canaries = len(needles)
	leaks := map[string]int{}
	for _, s := range a.sessions {
		inst := s.inst
		if inst.dropped > 0 {
			rep.violate("recorder", "%d host calls past the recorder's limits (%d calls, %d MiB) were not kept, so they could not be checked",
				inst.dropped, maxRecordCalls, maxRecordBytes>>20)
		}
		for i, c := range inst.calls {
			k := key{c.Phase, c.Func}
			if counts[k] == nil {
				counts[k] = &FuncCount{Phase: c.Phase, Func: c.Func}
			}
			counts[k].Count++
			counts[k].Bytes += len(c.Payload)
			if st := c.Stream(); st >= 0 {
				rep.BytesOut[st] += len(c.Payload)
			}
			if c.Phase == PhaseRecommend {
				rep.RecommendCalls++
			}
			if len(c.Payload) == 0 {
				continue
			}
			where := fmt.Sprintf("%s during %s (%s)", c.Func, c.Phase, s.opAt(i))
			if st := c.Stream(); st >= 0 {
				where = fmt.Sprintf("%s to fd %d during %s (%s)", c.Func, st, c.Phase, s.opAt(i))
			}
			h := newHaystack(c.Payload)
			for _, cn := range needles {
				if enc, ok := h.find(cn); ok {
					leaks[where]++
					if leaks[where] <= maxCanaryReports {
						rep.violate("canary", "request string %q (%s) handed to the host by %s", cn, enc, where)
					}
				}
			}
		}
	}
	for where, n := range leaks {
		if n > maxCanaryReports {
			rep.violate("canary", "%d more request strings handed to the host by %s", n-maxCanaryReports, where)
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
	fmt.Fprintf(&b, "shoppers %d requests in %d sessions, %d request strings searched (seed %d)\n", r.Requests, r.Sessions, r.Canaries, r.Seed)
	fmt.Fprintf(&b, "oracle   %d answers byte for byte the native model's\n", r.Oracle)
	fmt.Fprintf(&b, "trace    %d host calls per session, the same in every session", r.Trace)
	if r.Collected > 0 {
		fmt.Fprintf(&b, " (%d export calls within the collector's allowance)", r.Collected)
	}
	fmt.Fprintf(&b, "\nhost calls during recommend: %d\n", r.RecommendCalls)
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
