package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/privrec/privrec/internal/evalrun"
	"github.com/privrec/privrec/model/train"
)

func newEvalCmd() *cobra.Command {
	var (
		lf       logFlags
		tf       trainFlags
		tn       tuneFlags
		kf       kindFlags
		wasmPath string
		asJSON   bool
		noRefs   bool
		maxRef   byteSize
		protocol string
	)
	cmd := &cobra.Command{
		Use:   "eval --data LOG [--json]",
		Short: "Measure recommendation quality on a held-out last basket",
		Long: `eval runs privrec's quality protocol (DESIGN.md) on any log: per user, the last
basket is the test and everything else trains; it ranks every item for each
user with at least one new purchase in that basket and reports HR@10,
Recall@10 and NDCG@10. A basket is an invoice (--format uci), the basket
column (basket=COLUMN in --columns), or else a session: a user's events with
gaps under 30 minutes. With a rating column, rows rated below --min-rating
(default: the log's median rating) are left out, as train leaves them out.

It prints, side by side, the reference models computed natively (popularity,
item-kNN with 50 cosine neighbours, full EASE with λ tuned on a validation
split: each user's last training basket) and the shipped privrec model,
trained, quantized and signed like a release and scored through the
WebAssembly module in wazero: the figure browsers get. Full EASE is dense:
a catalog whose fit needs more than --max-reference-bytes skips it and says
so. The "bytes" column is the size of the model's weights artifact. --kind
and --max-bundle-bytes choose the shipped model's kind as train does.

The shipped model is tuned as train tunes it (--tune-budget, --no-tune, and
given hyper-parameter flags fixed), on the training part only: its time
scales come from that part's span and its search from that part's own
validation split, so the test baskets are never seen. What it chose is in
the report's notes.`,
		Example: `  privrec eval --data ../shared/datasets/uci-online-retail/online_retail.csv.gz
  privrec eval --format csv --columns user=userId,item=movieId,rating=rating,time=timestamp,time_format=unix \
    --data ../shared/datasets/movielens-ml-latest-small/ratings.csv
  privrec eval --data online_retail.csv.gz --kind embedding --no-references
  privrec eval --data online_retail.csv.gz --json | jq '.results[] | {model, "ndcg@10"}'
  privrec eval --data online_retail.csv.gz --protocol next-basket`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			next, err := nextBasket(protocol) // nextbasket.go
			if err != nil {
				return err
			}
			if err = tf.check(cmd); err != nil {
				return err
			}
			wasm, err := moduleFor(cmd, wasmPath)
			if err != nil {
				return err
			}
			status := cmd.ErrOrStderr()
			log, err := lf.read(status)
			if err != nil {
				return err
			}
			cfg, err := tf.config(cmd, log)
			if err != nil {
				return err
			}
			if cfg, err = kf.choose(status, log, wasm, cfg); err != nil {
				return err
			}
			warn(status, &lf, log, cfg, !tn.off, tf.fixed(cmd))
			// The shipped model is tuned as train tunes it, on the
			// training part only: its time scales come from that part's
			// span and its search from that part's validation split.
			tune := func(trainLog *train.Log, c train.Config) (train.Config, []string, error) {
				c, err := tf.relativeTo(cmd, c, trainLog)
				if err != nil {
					return c, nil, err
				}
				var out strings.Builder
				c, rec, err := tn.tune(cmd, &tf, &out, status, trainLog, c)
				if err != nil {
					return c, nil, err
				}
				fmt.Fprint(status, out.String())
				var notes []string
				for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
					notes = append(notes, "privrec "+line)
				}
				_ = rec
				return c, notes, nil
			}
			var progress func(string, int, int)
			if !asJSON {
				progress = progressBars(status)
			}
			if next {
				return evalNextBasket(cmd, log, evalrun.Options{Config: cfg, Wasm: wasm, References: !noRefs, Progress: progress, Log: status, Tune: tune}, asJSON)
			}
			rep, err := evalrun.Run(cmd.Context(), log, evalrun.Options{
				Config: cfg, Wasm: wasm, References: !noRefs, MaxEASEBytes: int64(maxRef), Progress: progress, Log: status, Tune: tune,
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
	registerProtocol(cmd, &protocol)
	tn.register(cmd)
	cmd.Flags().StringVar(&wasmPath, "wasm", "", "module to score the shipped model through: "+wasmHelp)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object instead of a table")
	cmd.Flags().BoolVar(&noRefs, "no-references", false, "skip the reference models (faster)")
	maxRef = byteSize(referenceMemory())
	cmd.Flags().Var(&maxRef, "max-reference-bytes", "memory full EASE may take (it is dense: 36 bytes per item squared); larger catalogs skip it.\nDefault: half the memory available now")
	return cmd
}

func init() { rootCmd.AddCommand(newEvalCmd()) }

// referenceMemory is half the memory the system says is available
// (/proc/meminfo's MemAvailable), or 4 GiB where it does not say.
func referenceMemory() int64 {
	const fallback = 4 << 30
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return fallback
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
			f := strings.Fields(rest)
			if len(f) == 2 && f[1] == "kB" {
				if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil && kb > 0 {
					return kb << 10 / 2
				}
			}
		}
	}
	return fallback
}
