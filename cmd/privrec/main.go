// Command privrec trains, signs, verifies, evaluates and audits privrec
// models. Run "privrec --help" for the verbs.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// Exit codes scripts can trust.
const (
	exitOK      = 0
	exitFailed  = 1 // the check or operation failed (e.g. verify refused, audit found a violation)
	exitUsage   = 2 // the command line was wrong
	exitIOError = 3 // a file could not be read or written
)

var rootCmd = &cobra.Command{
	Use:   "privrec",
	Short: "Privacy-first recommendations that run on the shopper's device",
	Long: `privrec trains item-to-item recommendation models from an interaction log,
packs them into signed bundles, and checks that the WebAssembly module that
scores them in the browser cannot leak a shopper's history.`,
	SilenceUsage:  true,
	SilenceErrors: true,
}

func main() {
	if err := rootCmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "privrec:", err)
		os.Exit(exitCode(err))
	}
}

// exitError carries an exit code chosen by a subcommand.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	if e, ok := err.(*exitError); ok {
		return e.code
	}
	return exitUsage
}

// fail wraps err with an exit code.
func fail(code int, err error) error { return &exitError{code: code, err: err} }
