package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/privrec/privrec/internal/evalrun"
)

func newEvalCmd() *cobra.Command {
	var (
		lf       logFlags
		tf       trainFlags
		kf       kindFlags
		wasmPath string
		asJSON   bool
		noRefs   bool
	)
	cmd := &cobra.Command{
		Use:   "eval --data LOG [--json]",
		Short: "Measure recommendation quality on a held-out last basket",
		Long: `eval runs privrec's quality protocol (DESIGN.md): per customer, the last invoice
is the test basket and everything else trains; it ranks every item for each
customer with at least one new item in that basket and reports HR@10,
Recall@10 and NDCG@10.

It prints, side by side, the reference models computed natively (popularity,
item-kNN with 50 cosine neighbours, full EASE with λ=1000) and the shipped
privrec model, trained, quantized and signed like a release and scored
through the WebAssembly module in wazero: the figure browsers get. The
"bytes" column is the size of the model's weights artifact. --kind and
--max-bundle-bytes choose the shipped model's kind as train does.`,
		Example: `  privrec eval --data ../shared/datasets/uci-online-retail/online_retail.csv.gz
  privrec eval --data online_retail.csv.gz --kind embedding --no-references
  privrec eval --data online_retail.csv.gz --json | jq '.results[] | {model, "ndcg@10"}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := tf.config()
			if err != nil {
				return err
			}
			wasm, err := readWasm(wasmPath)
			if err != nil {
				return err
			}
			status := cmd.ErrOrStderr()
			log, err := lf.read(status)
			if err != nil {
				return err
			}
			if cfg, err = kf.choose(status, log, wasm, cfg); err != nil {
				return err
			}
			var progress func(string, int, int)
			if !asJSON {
				progress = progressBars(status)
			}
			rep, err := evalrun.Run(cmd.Context(), log, evalrun.Options{
				Config: cfg, Wasm: wasm, References: !noRefs, Progress: progress, Log: status,
			})
			if err != nil {
				return fail(exitFailed, fmt.Errorf("eval: %w", err))
			}
			var w io.Writer = cmd.OutOrStdout()
			if asJSON {
				return json.NewEncoder(w).Encode(rep)
			}
			fmt.Fprintln(w)
			return rep.WriteTable(w)
		},
	}
	lf.register(cmd)
	kf.register(cmd)
	tf.register(cmd)
	cmd.Flags().StringVar(&wasmPath, "wasm", filepath.Join("dist", "privrec.wasm"), "module to score the shipped model through")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object instead of a table")
	cmd.Flags().BoolVar(&noRefs, "no-references", false, "skip the reference models (faster)")
	return cmd
}

func init() { rootCmd.AddCommand(newEvalCmd()) }
