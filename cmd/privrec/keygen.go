package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model/bundle"
)

func init() { rootCmd.AddCommand(newKeygenCmd()) }

func newKeygenCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keygen --out DIR",
		Short: "Generate an Ed25519 key pair to sign bundles",
		Long: `keygen writes a new Ed25519 key pair into DIR:

  privrec.key  the private key (mode 0600). Keep it off the web server and out
               of version control; privrec sign and privrec train --sign-key use it.
  privrec.pub  the public key. Pages pass it to the SDK, and privrec verify --pub
               checks bundles with it.

It prints the public key and its key id, a short fingerprint to compare when
you hand the key to someone. It never overwrites an existing key. See
docs/keys.md for rotation.`,
		Example: `  privrec keygen --out keys/`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return fail(exitUsage, errors.New("keygen: --out DIR is required"))
			}
			pub, err := bundledir.WriteKeyPair(out)
			if errors.Is(err, fs.ErrExist) {
				return fail(exitFailed, err)
			}
			if err != nil {
				return fail(exitIOError, err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "key id      %s\n", bundle.KeyID(pub))
			fmt.Fprintf(w, "public key  %s\n", base64.StdEncoding.EncodeToString(pub))
			fmt.Fprintf(w, "wrote %s (public: publish it)\n", filepath.Join(out, bundledir.PublicKeyFile))
			fmt.Fprintf(w, "wrote %s (private, mode 0600: keep it secret, never commit it)\n", filepath.Join(out, bundledir.PrivateKeyFile))
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for privrec.key and privrec.pub (created if missing)")
	return cmd
}
