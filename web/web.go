// Package web embeds the demo storefront and its privacy dashboard (plain
// HTML, CSS and ES modules in static/) and, when `make demo` copied them in
// before the build, the JS SDK and the module (gen/). Nothing here runs Go
// code in the browser: the page talks to the model only through the SDK.
package web

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/privrec/privrec/model"
)

//go:embed static
var static embed.FS

// gen holds build outputs copied in by `make demo`: gen/sdk/ (js/dist) and
// gen/privrec.wasm. Only gen/README.md is checked in, so a plain `go build`
// embeds neither and the CLI falls back to files on disk.
//
//go:embed gen
var gen embed.FS

// Site returns the storefront's files: index.html, app.js, style.css.
func Site() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // static is checked in; Sub of a literal name cannot fail
	}
	return sub
}

// SDK returns the embedded JS SDK (privrec.js, privrec-worker.js), or an
// error wrapping model.ErrMissingArtifact when the binary was built without
// it.
func SDK() (fs.FS, error) {
	if _, err := fs.Stat(gen, "gen/sdk/privrec.js"); err != nil {
		return nil, fmt.Errorf("%w: embedded SDK: not built into this binary (make demo copies js/dist into web/gen/sdk)", model.ErrMissingArtifact)
	}
	return fs.Sub(gen, "gen/sdk")
}

// Precompressed returns the embedded build outputs' directory, where `make
// demo` writes privrec.wasm.br and privrec.wasm.gz beside the module, for
// server.Config.Precompressed. It may hold no such files.
func Precompressed() fs.FS {
	sub, err := fs.Sub(gen, "gen")
	if err != nil {
		panic(err) // gen is embedded; Sub of a literal name cannot fail
	}
	return sub
}

// Module returns the embedded privrec.wasm, or an error wrapping
// model.ErrMissingArtifact when the binary was built without it.
func Module() ([]byte, error) {
	b, err := fs.ReadFile(gen, "gen/privrec.wasm")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: embedded module: not built into this binary (make demo copies dist/privrec.wasm into web/gen)", model.ErrMissingArtifact)
	}
	return b, err
}

// MeasureModule returns the embedded privrec-measure.wasm (the DAP client
// module, copied in by `make demo`), or an error wrapping
// model.ErrMissingArtifact when the binary was built without it.
func MeasureModule() ([]byte, error) {
	b, err := fs.ReadFile(gen, "gen/privrec-measure.wasm")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: embedded measure module: not built into this binary (make demo copies dist/privrec-measure.wasm into web/gen)", model.ErrMissingArtifact)
	}
	return b, err
}
