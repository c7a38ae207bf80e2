package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/internal/demo"
	"github.com/privrec/privrec/internal/demo/server"
	"github.com/privrec/privrec/web"
)

func init() { rootCmd.AddCommand(newServeCmd()) }

// serveOptions are the flags of privrec serve.
type serveOptions struct {
	addr   string
	bundle string // bundle directory; empty: the embedded demo bundle
	pub    string // public key file of --bundle
	sdk    string // js/dist directory, when the SDK is not embedded
	wasm   string // module for the demo bundle, when not embedded
	quiet  bool   // no request log
	// measure is the DAP task directory of --measure; empty: measurement off.
	measure         string
	measureMinBatch uint64
	measureWasm     string // privrec-measure.wasm, when not embedded
}

// shutdownGrace is how long in-flight requests may finish after SIGINT.
const shutdownGrace = 5 * time.Second

func newServeCmd() *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080] [--bundle DIR --pub FILE]",
		Short: "Serve the demo storefront, the SDK and a signed bundle",
		Long: `serve runs the demo storefront and its privacy dashboard on --addr (loopback
by default). The page loads the JS SDK, which fetches the signed bundle and
the module and scores everything in the browser: the server only answers GET
and HEAD of a fixed set of static files, from memory, with a strict
Content-Security-Policy (connect-src 'self'), no cookies, and a request log
that never includes query strings.

Files whose URL names their content (the bundle's artifacts under their
content-addressed names, the SDK under /sdk/<digest>/) are sent with
"Cache-Control: public, max-age=31536000, immutable"; everything else, the
manifest and its signature included, with "no-cache" and an ETag, so an
unchanged file costs a 304. Compressible files go out in brotli or gzip
(Vary: Accept-Encoding): a FILE.br or FILE.gz beside the module, in the SDK
directory or in --bundle DIR is sent as it is (make demo writes them at
brotli quality 11); anything else is compressed once at start-up.

Without --bundle it serves the embedded demo: a synthetic shop of 88 products
whose model it trains at startup (well under a second) and signs with a fresh
key, whose public half the page receives in /config.json. No dataset is
needed. With --bundle DIR --pub FILE it serves your own bundle, after checking
its signature and artifacts.

The SDK (js/dist) and the module (dist/privrec.wasm) are built into the binary
by 'make demo'; a binary built without them reads them from --sdk and --wasm.
With --measure DIR it also runs a test DAP Leader and Helper on the same
origin (/dap/leader/, /dap/helper/; the task the SDK reads at /dap/task.json),
creating the task in DIR on first use (task id, HPKE keys of leader, helper and
collector, min batch size, daily time precision) and reusing it after; it
prints the privrec kpi command that collects. Both aggregators in one process
is for the demo only (docs/measurement.md); reports are kept in memory.

Stop with Ctrl-C: in-flight requests get a few seconds to finish.`,
		Example: `  make demo
  privrec serve
  privrec serve --addr 127.0.0.1:9000 --bundle bundle/ --pub keys/privrec.pub`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runServe(ctx, cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on (host:port); keep it on loopback unless you mean it")
	f.StringVar(&o.bundle, "bundle", "", "serve this signed bundle directory instead of the embedded demo (needs --pub)")
	f.StringVar(&o.pub, "pub", "", "public key file that verifies --bundle (from privrec keygen)")
	f.StringVar(&o.sdk, "sdk", "js/dist", "JS SDK directory (privrec.js, privrec-worker.js), used when the binary has no embedded SDK")
	f.StringVar(&o.wasm, "wasm", "dist/privrec.wasm", "module for the demo bundle, used when the binary has no embedded module")
	f.BoolVar(&o.quiet, "quiet", false, "do not log requests")
	f.StringVar(&o.measure, "measure", "", "run test DAP aggregators for the task in this directory (created if empty); see privrec kpi")
	f.Uint64Var(&o.measureMinBatch, "measure-min-batch", 10, "with --measure, the new task's min_batch_size: the fewest reports a collection may reveal")
	f.StringVar(&o.measureWasm, "measure-wasm", "dist/privrec-measure.wasm", "with --measure, the measure module, used when the binary has none embedded")
	return cmd
}

// serveConfig resolves o into the handler's configuration: the SDK and
// module (embedded, else from disk) and the bundle (--bundle, else the demo
// bundle signed with a fresh key).
func serveConfig(o serveOptions, now time.Time) (server.Config, error) {
	var cfg server.Config
	if (o.bundle == "") != (o.pub == "") {
		return cfg, fail(exitUsage, errors.New("serve: --bundle DIR and --pub FILE go together (or pass neither to serve the embedded demo)"))
	}
	// A private key given as --pub is the user's mistake, reported before
	// anything about how the binary was built.
	if o.pub != "" {
		if err := checkPubKey("serve", o.pub); err != nil {
			return cfg, err
		}
	}
	sdk, err := web.SDK()
	if err != nil {
		st, serr := os.Stat(o.sdk + "/privrec.js")
		if serr != nil || !st.Mode().IsRegular() {
			return cfg, fail(exitIOError, fmt.Errorf("serve: no JS SDK: this binary has none embedded and %s/privrec.js is missing; run 'make demo' (or: cd js && npm ci && npm run build)", o.sdk))
		}
		sdk = os.DirFS(o.sdk)
	}
	cfg.Site, cfg.SDK, cfg.Now = web.Site(), sdk, func() time.Time { return now }
	if o.bundle != "" {
		pub, err := bundledir.ReadPublicKey(o.pub)
		if err != nil {
			return cfg, fail(keyExit(err), fmt.Errorf("serve: %w", err))
		}
		files, err := bundledir.Read(o.bundle)
		if err != nil {
			code := exitFailed
			if errors.Is(err, fs.ErrNotExist) {
				code = exitIOError
			}
			return cfg, fail(code, fmt.Errorf("serve: %w", err))
		}
		cfg.Bundle, cfg.PublicKey = files, pub
		cfg.Precompressed = os.DirFS(o.bundle) // a release step's .br and .gz, if any
		return cfg, nil
	}
	wasm, err := web.Module()
	cfg.Precompressed = web.Precompressed()
	if err != nil {
		if wasm, err = os.ReadFile(o.wasm); err != nil {
			return cfg, fail(exitIOError, fmt.Errorf("serve: no module: this binary has none embedded and %w; run 'make demo' (or make wasm)", err))
		}
		cfg.Precompressed = os.DirFS(filepath.Dir(o.wasm))
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return cfg, fail(exitFailed, fmt.Errorf("serve: %w", err))
	}
	files, err := demo.Bundle(wasm, priv, now)
	if err != nil {
		return cfg, fail(exitFailed, fmt.Errorf("serve: %w", err))
	}
	cfg.Bundle, cfg.PublicKey = files, pub
	return cfg, nil
}

func runServe(ctx context.Context, stdout, stderr io.Writer, o serveOptions) error {
	cfg, err := serveConfig(o, time.Now())
	if err != nil {
		return err
	}
	if !o.quiet {
		cfg.Log = func(e server.Entry) { fmt.Fprintln(stderr, time.Now().Format("15:04:05"), e) }
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fail(exitIOError, fmt.Errorf("serve: %w (is another server on that port? try --addr 127.0.0.1:0)", err))
	}
	if o.measure == "" {
		h, err := server.New(cfg)
		if err != nil {
			ln.Close()
			return fail(exitFailed, fmt.Errorf("serve: %w", err))
		}
		return serveOn(ctx, stdout, ln, h)
	}
	demo, d, created, err := measureDemo(o.measure, o.measureMinBatch, ln.Addr(), time.Now())
	if err == nil {
		// The page learns the task from its config, and gets the module.
		cfg.Measurement, err = pageMeasurement(d, o.measureWasm)
	}
	if err != nil {
		ln.Close()
		return err
	}
	h, err := server.New(cfg)
	if err != nil {
		ln.Close()
		return fail(exitFailed, fmt.Errorf("serve: %w", err))
	}
	var logDAP func(method, path string, status int)
	if !o.quiet {
		logDAP = func(m, p string, st int) { fmt.Fprintln(stderr, time.Now().Format("15:04:05"), m, p, st) }
	}
	printMeasure(stdout, o.measure, d, created, ln.Addr())
	return serveHandler(ctx, stdout, ln, h, withMeasure(h, demo, logDAP))
}

// serveOn serves h on ln until ctx is done, then shuts down gracefully.
func serveOn(ctx context.Context, stdout io.Writer, ln net.Listener, h *server.Handler) error {
	return serveHandler(ctx, stdout, ln, h, h)
}

// serveHandler is serveOn with the handler that answers (h, or h with the
// measurement endpoints in front).
func serveHandler(ctx context.Context, stdout io.Writer, ln net.Listener, h *server.Handler, handler http.Handler) error {
	m := h.Manifest()
	fmt.Fprintf(stdout, "privrec: serving the storefront on http://%s/ (bundle version %d, key %s, expires %s)\n",
		ln.Addr(), m.Version, m.KeyID, time.UnixMilli(m.Expires).UTC().Format(time.RFC3339))
	if a, ok := ln.Addr().(*net.TCPAddr); ok && !a.IP.IsLoopback() {
		fmt.Fprintln(stdout, "privrec: warning: listening beyond loopback; anyone who can reach this address can load the demo")
	}
	srv := server.NewHTTPServer(ln.Addr().String(), handler)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fail(exitIOError, fmt.Errorf("serve: %w", err))
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "privrec: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fail(exitFailed, fmt.Errorf("serve: shutdown: %w", err))
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail(exitIOError, fmt.Errorf("serve: %w", err))
	}
	return nil
}
