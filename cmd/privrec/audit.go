package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/privrec/privrec/host"
	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model"
)

func init() { rootCmd.AddCommand(newAuditCmd()) }

// auditOptions are the flags of privrec audit.
type auditOptions struct {
	bundle    string
	pubs      []string
	seed      uint64
	requests  int
	sessions  int
	timeout   time.Duration
	memoryMiB uint32
	clock     func() time.Time // tests fix it
}

// maxWasmFile caps the module file audit reads (the bundle format's cap is
// the same order).
const maxWasmFile = 64 << 20

func newAuditCmd() *cobra.Command {
	o := auditOptions{clock: time.Now}
	cmd := &cobra.Command{
		Use:   "audit FILE.wasm [--bundle DIR --pub FILE]",
		Short: "Prove that a privrec module cannot leak a shopper's history",
		Long: `audit runs FILE.wasm in a strict, recording WASI host and checks the privacy
promises of the module:

  imports     every import is on the allowlist (no sockets, no paths, no
              custom host functions)
  host-calls  privrec_recommend makes no host call at all
  profile     after start-up the module calls only the clock and the
              scheduler's idle functions, with the arguments the Go runtime
              passes (clock precision 0); no random_get, no args or environ
  stdio       no write to stdout or stderr, except a crash report
  trace       sessions of fresh instances, each given the same clock readings
              and randomness, serve different shoppers (one session has no
              history at all) and must make exactly the same host calls:
              functions, counts, every argument, every byte
  oracle      every load result and every response is byte for byte what the
              native model answers to the same request
  canary      no request string (history, exclusions, category, device)
              appears in any byte handed to the host: raw, hex, base64,
              XORed with or shifted by a constant, or reversed
  containment the module stays within the memory and time limits

The shoppers are drawn from the bundle's own catalog and popular items, with
the history lengths, devices and options of real traffic, so a module cannot
tell the audit from a shopper. Without --bundle the module loads a small
synthetic store drawn from the seed (its size, ids, categories and model),
signed with an ephemeral key; with --bundle DIR it loads that
bundle (FILE.wasm must be the bundle's privrec.wasm, and --pub its publisher's
key), which is the stronger audit: its shoppers use your catalog. The report
says what was checked and what the module did; see docs/threat-model.md for
what the audit proves and what it does not (timing).

Exit codes: 0 every check passed, 1 a violation (the first reason is printed),
2 bad command line or key file, 3 a file could not be read.`,
		Example: `  privrec audit bundle/privrec.wasm
  privrec audit bundle/privrec.wasm --bundle bundle/ --pub keys/privrec.pub
  privrec audit suspicious.wasm --seed 42   # replay a failing run
  privrec audit suspicious.wasm --sessions 6 --requests 64   # a longer audit`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runAudit(cmd.Context(), cmd.OutOrStdout(), args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.bundle, "bundle", "", "bundle directory to load (default: a synthetic store drawn from the seed)")
	f.StringArrayVar(&o.pubs, "pub", nil, "public key file that signed --bundle (repeat for rotation)")
	f.Uint64Var(&o.seed, "seed", 0, "seed of the canary strings (default: random; the report prints it)")
	f.IntVar(&o.requests, "requests", 16, "shopper requests each session serves")
	f.IntVar(&o.sessions, "sessions", 3, "sessions (fresh instances) whose host calls must be identical; at least 2")
	f.DurationVar(&o.timeout, "timeout", host.DefaultCallTimeout, "time limit of each call into the module")
	f.Uint32Var(&o.memoryMiB, "memory-mib", host.DefaultMemoryLimitPages*host.PageSize>>20, "memory limit of the module, in MiB")
	return cmd
}

func runAudit(ctx context.Context, w io.Writer, path string, o auditOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	if o.requests < 1 {
		return fail(exitUsage, fmt.Errorf("audit: --requests is %d; want at least 1", o.requests))
	}
	if o.sessions < 2 {
		return fail(exitUsage, fmt.Errorf("audit: --sessions is %d; want at least 2, the audit compares them", o.sessions))
	}
	if o.memoryMiB < 1 || o.memoryMiB > 4096 {
		return fail(exitUsage, fmt.Errorf("audit: --memory-mib is %d; want 1..4096", o.memoryMiB))
	}
	if o.timeout <= 0 {
		return fail(exitUsage, fmt.Errorf("audit: --timeout is %v; want a positive duration such as 10s", o.timeout))
	}
	if o.bundle == "" && len(o.pubs) > 0 {
		return fail(exitUsage, errors.New("audit: --pub needs --bundle DIR (the synthetic bundle has its own key)"))
	}
	if o.bundle != "" && len(o.pubs) == 0 {
		return fail(exitUsage, errors.New("audit: --bundle needs --pub FILE, the public key that signed it"))
	}
	wasm, err := readAuditFile(path, maxWasmFile)
	if err != nil {
		return fail(auditIOExit(err), fmt.Errorf("audit: %w", err))
	}
	opts := host.AuditOptions{
		Seed:     o.seed,
		Requests: o.requests,
		Sessions: o.sessions,
		Config: host.Config{
			MemoryLimitPages: mibToPages(o.memoryMiB),
			CallTimeout:      o.timeout,
			Clock:            o.clock,
		},
	}
	if o.bundle != "" {
		files, err := bundledir.Read(o.bundle)
		if err != nil {
			return fail(auditIOExit(err), fmt.Errorf("audit: %w", err))
		}
		opts.Bundle = files
		for _, p := range o.pubs {
			k, err := bundledir.ReadPublicKey(p)
			if err != nil {
				return fail(keyExit(err), fmt.Errorf("audit: %w", err))
			}
			opts.Keys = append(opts.Keys, k)
		}
	}
	rep, err := host.Audit(ctx, wasm, opts)
	if err != nil {
		return fail(exitFailed, fmt.Errorf("audit %s: %w", path, err))
	}
	fmt.Fprintf(w, "audit %s\n%s", path, rep)
	if !rep.OK() {
		return fail(exitFailed, fmt.Errorf("audit %s: FAILED: %s (%d violation(s) in total; replay with --seed %d)",
			path, rep.Violations[0], len(rep.Violations), rep.Seed))
	}
	return nil
}

// mibToPages converts --memory-mib to wasm pages without overflowing
// uint32 (4096 << 20 is 0 in uint32, which would mean the default).
func mibToPages(mib uint32) uint32 { return mib * (1 << 20 / host.PageSize) }

// readAuditFile reads a file of at most limit bytes.
func readAuditFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("read %s: %w: more than %d MiB", path, model.ErrTooLarge, limit>>20)
	}
	return b, nil
}

// auditIOExit is exitIOError for files that cannot be read, exitFailed for
// files that are there but wrong.
func auditIOExit(err error) int {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return exitIOError
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return exitIOError
	}
	return exitFailed
}
