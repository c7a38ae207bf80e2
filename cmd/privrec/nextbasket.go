package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/privrec/privrec/internal/evalrun"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// registerProtocol adds eval's --protocol flag.
func registerProtocol(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "protocol", eval.Protocol, `which protocol: `+eval.Protocol+` (DESIGN.md: targets are items new to the user,
bought items left out) or `+eval.ProtocolNextBasket+` (repeats kept: every item of the last basket
is a target, nothing bought is left out; prints NDCG@10 with repeat and explore recall apart for
P-TopFreq, GP-TopFreq, G-TopFreq and privrec in its default and buy_again modes)`)
}

// nextBasket reports whether p names the next-basket protocol.
func nextBasket(p string) (bool, error) {
	switch p {
	case eval.Protocol, "":
		return false, nil
	case eval.ProtocolNextBasket:
		return true, nil
	}
	return false, fail(exitUsage, fmt.Errorf("eval: --protocol is %q; use %s or %s", p, eval.Protocol, eval.ProtocolNextBasket))
}

// evalNextBasket runs the next-basket protocol on log and prints its report.
func evalNextBasket(cmd *cobra.Command, log *train.Log, opts evalrun.Options, asJSON bool) error {
	rep, err := evalrun.RunNextBasket(cmd.Context(), log, opts)
	if err != nil {
		return fail(exitFailed, fmt.Errorf("eval: %w", err))
	}
	var w io.Writer = cmd.OutOrStdout()
	if asJSON {
		return json.NewEncoder(w).Encode(rep)
	}
	fmt.Fprintln(w)
	return rep.WriteTable(w)
}
