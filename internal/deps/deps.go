// Package deps pins the project's chosen dependencies in go.mod while the
// packages that use them are being written. Remove it once each is imported.
package deps

import (
	_ "github.com/chromedp/chromedp"
	_ "github.com/schollz/progressbar/v3"
	_ "github.com/spf13/cobra"
	_ "github.com/stretchr/testify/require"
	_ "github.com/tetratelabs/wazero"
	_ "github.com/vmihailenco/msgpack/v5"
	_ "gonum.org/v1/gonum/mat"
)
