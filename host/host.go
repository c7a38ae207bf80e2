// Package host runs privrec's WebAssembly module outside the browser, in
// wazero, under a strict WASI host that records everything the module hands
// out. QA tests use it to load a bundle, feed a history and assert on the
// recommendations; Audit uses it to prove that the module leaks no history.
//
// The host exports only the WASI functions a Go wasip1 reactor needs (see
// Allowlist): no paths, no sockets, no preopened directories, no stdin.
// A module importing anything else does not compile. Every host call is
// recorded with its arguments and the guest-memory bytes it read (Call), so
// a test can check that nothing it put into a request comes back out.
//
// Containment: each Instance has its own linear memory capped at
// Config.MemoryLimitPages, each export call runs under Config.CallTimeout
// and is interrupted (and the instance closed) when it runs over, and a
// failed instance refuses further calls instead of running in an unknown
// state.
//
// Concurrency: a Runtime and its Modules are safe for concurrent use; an
// Instance serves one goroutine at a time, like the module it wraps (its
// exports are not reentrant). Create one Instance per goroutine.
package host

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"
)

// Errors of the harness itself. Errors the module reports come back as the
// model package's sentinels (errors.Is(err, model.ErrBadSignature)).
var (
	// ErrForbiddenImport: the module imports a function the host does not
	// allow. The error names every offending import.
	ErrForbiddenImport = errors.New("forbidden import")
	// ErrABI: the module does not implement the privrec ABI (wasm/ABI.md),
	// or broke it during a call (a bad pointer, an envelope that does not
	// decode, a wrong ABI version).
	ErrABI = errors.New("module breaks the privrec ABI")
	// ErrTimeout: an export call ran longer than Config.CallTimeout, or its
	// context was cancelled. The instance is closed.
	ErrTimeout = errors.New("call interrupted")
	// ErrMemoryLimit: the module needed more than Config.MemoryLimitPages.
	// The instance is closed.
	ErrMemoryLimit = errors.New("memory limit reached")
	// ErrCrashed: the module trapped or exited. The instance is closed.
	ErrCrashed = errors.New("module crashed")
	// ErrClosed: the instance (or runtime) was closed, by Close or by an
	// earlier failure.
	ErrClosed = errors.New("instance closed")
)

// PageSize is the size of one wasm memory page.
const PageSize = 64 << 10

// Defaults of Config.
const (
	DefaultMemoryLimitPages = 8192 // 512 MiB
	DefaultCallTimeout      = 10 * time.Second
)

// Config says how the harness contains and feeds the module. The zero value
// of each field means its default; DefaultConfig spells them out. A Config is
// a plain value: copy it freely.
type Config struct {
	// MemoryLimitPages caps each instance's linear memory, in 64 KiB pages
	// (at most 65536). Default DefaultMemoryLimitPages (512 MiB). Memory is
	// committed as the module grows it, so a high cap costs nothing unless
	// used.
	MemoryLimitPages uint32
	// CallTimeout bounds each export call (alloc, load, recommend, free);
	// a load gets one second more per MiB of its request, since it hashes
	// and decodes the whole bundle. An interrupted call closes its
	// instance. Default DefaultCallTimeout.
	CallTimeout time.Duration
	// Clock is the module's wall clock (WASI realtime), and the time the
	// harness puts into a LoadRequest whose Now is zero. It must be safe for
	// concurrent use. Default time.Now; tests pass a fixed clock.
	Clock func() time.Time
	// Rand fills the module's random_get. The harness serialises reads, so
	// any io.Reader works. Default crypto/rand.Reader; tests pass a seeded
	// reader for determinism.
	Rand io.Reader
	// Stdout and Stderr, when set, receive a copy of what the module writes
	// to fd 1 and fd 2 (for test logs). Default nil: recorded only.
	Stdout, Stderr io.Writer
}

// DefaultConfig returns the defaults: 512 MiB of memory, 10 s per call, the
// real clock and crypto/rand.
func DefaultConfig() Config {
	return Config{
		MemoryLimitPages: DefaultMemoryLimitPages,
		CallTimeout:      DefaultCallTimeout,
		Clock:            time.Now,
		Rand:             rand.Reader,
	}
}

// withDefaults fills zero fields.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MemoryLimitPages == 0 {
		c.MemoryLimitPages = d.MemoryLimitPages
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = d.CallTimeout
	}
	if c.Clock == nil {
		c.Clock = d.Clock
	}
	if c.Rand == nil {
		c.Rand = d.Rand
	}
	return c
}

// Validate reports whether c can be used (zero fields count as defaults).
func (c Config) Validate() error {
	if c.MemoryLimitPages > 65536 {
		return fmt.Errorf("validate config: memory limit of %d pages is above the 65536 (4 GiB) wasm32 can address", c.MemoryLimitPages)
	}
	if c.CallTimeout < 0 {
		return fmt.Errorf("validate config: call timeout %v is negative; use 0 for the default (%v)", c.CallTimeout, DefaultCallTimeout)
	}
	return nil
}
