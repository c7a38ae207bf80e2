package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model/train"
	"github.com/privrec/privrec/web"
)

// This file turns the common command-line mistakes into errors that say
// what to pass instead.

// embeddedModule and executable are web.Module and os.Executable; tests
// replace them.
var (
	embeddedModule = web.Module
	executable     = os.Executable
)

// wasmHelp is the help of train's and eval's --wasm.
const wasmHelp = "the privrec.wasm module (default: the one built into this binary by 'make cli' or 'make demo', else dist/privrec.wasm in the current directory, else privrec.wasm beside the binary)"

// moduleFor returns the module train and eval use: --wasm when given, else
// the embedded module, else dist/privrec.wasm in the working directory or
// privrec.wasm beside the binary.
func moduleFor(cmd *cobra.Command, path string) ([]byte, error) {
	if cmd.Flags().Changed("wasm") || path != "" {
		return readWasm(path)
	}
	if b, err := embeddedModule(); err == nil {
		return b, nil
	}
	tried := []string{filepath.Join("dist", "privrec.wasm")}
	if exe, err := executable(); err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
		tried = append(tried, filepath.Join(filepath.Dir(exe), "privrec.wasm"))
	}
	for _, p := range tried {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return readWasm(p)
		}
	}
	return nil, fail(exitIOError, fmt.Errorf("no module: this binary has none built in and there is no %s; pass --wasm PATH/privrec.wasm (build one with 'make wasm', or build a CLI with the module inside with 'make cli')",
		strings.Join(tried, " or ")))
}

// readWasm reads the module that goes into bundles.
func readWasm(path string) ([]byte, error) {
	if path == "" {
		return nil, fail(exitUsage, errors.New("--wasm is empty; pass the module's path, e.g. --wasm dist/privrec.wasm, or drop the flag to use the built-in module"))
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fail(exitIOError, fmt.Errorf("--wasm %s is a directory; pass the module file, e.g. --wasm %s", path, filepath.Join(path, "privrec.wasm")))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fail(exitIOError, fmt.Errorf("read module: %w (build it with 'make wasm', or pass --wasm PATH/privrec.wasm)", err))
	}
	if !bytes.HasPrefix(b, []byte("\x00asm")) {
		return nil, fail(exitIOError, fmt.Errorf("--wasm %s is not a WebAssembly module (it does not start with \\0asm); pass the privrec.wasm that 'make wasm' builds in dist/", path))
	}
	return b, nil
}

// checkSignKey checks the private key file named by flag (--sign-key, --key),
// saying so when the file is a public key or a directory rather than
// advising chmod on it.
func checkSignKey(flag, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fail(exitIOError, fmt.Errorf("%s %s: %w; pass the private key file from 'privrec keygen --out keys' (keys/%s)", flag, path, err, bundledir.PrivateKeyFile))
	}
	if st.IsDir() {
		return fail(exitIOError, fmt.Errorf("%s %s is a directory; pass the private key file in it, e.g. %s %s", flag, path, flag, filepath.Join(path, bundledir.PrivateKeyFile)))
	}
	if !st.Mode().IsRegular() {
		return fail(exitIOError, fmt.Errorf("%s %s is not a regular file; pass the private key file from 'privrec keygen'", flag, path))
	}
	if fh, err := os.Open(path); err == nil {
		head := make([]byte, len(bundledir.PublicKeyHeader))
		n, _ := io.ReadFull(fh, head)
		fh.Close()
		if bytes.Equal(head[:n], []byte(bundledir.PublicKeyHeader)) {
			want := filepath.Join(filepath.Dir(path), bundledir.PrivateKeyFile)
			if strings.HasSuffix(path, ".pub") {
				want = strings.TrimSuffix(path, ".pub") + ".key"
			}
			return fail(exitUsage, fmt.Errorf("%s %s is a public key (a %q file, want %q); signing needs the private key 'privrec keygen' wrote beside it (e.g. %s %s); the public key is for verify, serve and the SDK",
				flag, path, bundledir.PublicKeyHeader, bundledir.PrivateKeyHeader, flag, want))
		}
		if n > 0 && !bytes.HasPrefix([]byte(bundledir.PrivateKeyHeader), head[:min(n, len("privrec-ed25519-"))]) {
			return fail(exitUsage, fmt.Errorf("%s %s is not a privrec key file (it does not start with %q); pass the private key from 'privrec keygen --out keys' (keys/%s)",
				flag, path, bundledir.PrivateKeyHeader, bundledir.PrivateKeyFile))
		}
	}
	return nil
}

// checkPubKey checks the public key file given as --pub (verify, serve),
// saying so plainly when it is the private key: the reverse of
// checkSignKey's mistake, and the worse one, since serve would otherwise
// put the signing key on a web server's disk and command line for nothing.
func checkPubKey(cmd, path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fail(exitIOError, fmt.Errorf("%s: --pub %s: %w; pass the public key file from 'privrec keygen --out keys' (keys/%s)", cmd, path, err, bundledir.PublicKeyFile))
	}
	if st.IsDir() {
		return fail(exitIOError, fmt.Errorf("%s: --pub %s is a directory; pass the public key file in it, e.g. --pub %s", cmd, path, filepath.Join(path, bundledir.PublicKeyFile)))
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil // ReadPublicKey reports it
	}
	head := make([]byte, len(bundledir.PrivateKeyHeader))
	n, _ := io.ReadFull(fh, head)
	fh.Close()
	if bytes.Equal(head[:n], []byte(bundledir.PrivateKeyHeader)) {
		want := filepath.Join(filepath.Dir(path), bundledir.PublicKeyFile)
		if strings.HasSuffix(path, ".key") {
			want = strings.TrimSuffix(path, ".key") + ".pub"
		}
		return fail(exitUsage, fmt.Errorf("%s: --pub %s is a private key (a %q file, want %q); %s needs only the public key 'privrec keygen' wrote beside it (e.g. --pub %s): keep the private key off servers and out of pages, it signs bundles",
			cmd, path, bundledir.PrivateKeyHeader, bundledir.PublicKeyHeader, cmd, want))
	}
	return nil
}

// checkLogPath says what to pass when --data cannot be used.
func checkLogPath(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fail(exitIOError, fmt.Errorf("open log: %w; check the path given to --data", err))
	}
	if st.IsDir() {
		return fail(exitIOError, fmt.Errorf("--data %s is a directory; pass the log file in it (CSV, plain or .gz)", path))
	}
	return nil
}

// readError puts the reader's error in plain words, with the flag that
// fixes it.
func readError(f *logFlags, err error) error {
	var ce *train.ColumnError
	if errors.As(err, &ce) {
		header := strings.Join(ce.Header, ", ")
		one := ""
		if len(ce.Header) == 1 {
			one = "; the header reads as one column: pass --delimiter (e.g. --delimiter ';')"
		}
		if f.format == "uci" {
			return fail(exitFailed, fmt.Errorf("read %s: no column %s, so this is not the UCI Online Retail layout (the header has: %s)%s; for another layout pass --format csv --columns user=COL,item=COL,time=COL (add time_format=unix, unix_ms or a Go layout when the times are not RFC 3339)",
				f.data, ce.Name, header, one))
		}
		return fail(exitFailed, fmt.Errorf("read %s: no column %s, which --columns names (the header has: %s)%s; fix --columns to name columns of the header", f.data, ce.Name, header, one))
	}
	return fail(exitFailed, fmt.Errorf("read %s: %w", f.data, err))
}

// parseDelimiter reads --delimiter: empty (detect), a single character, or
// "tab".
func parseDelimiter(s string) (rune, error) {
	switch strings.ToLower(s) {
	case "":
		return 0, nil
	case "tab", `\t`:
		return '\t', nil
	case "comma":
		return ',', nil
	case "semicolon":
		return ';', nil
	}
	r := []rune(s)
	if len(r) != 1 || r[0] == '"' || r[0] == '\n' || r[0] == '\r' {
		return 0, fail(exitUsage, fmt.Errorf("--delimiter %q: pass one character such as ';' or ',', or tab (omit it to detect comma, semicolon or tab)", s))
	}
	return r[0], nil
}
