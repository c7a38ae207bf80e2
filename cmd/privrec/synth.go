package main

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/privrec/privrec/internal/synth"
)

// synthTrainCmd is how privrec train reads a generated log.
const synthTrainCmd = "privrec train --format csv --columns " + synth.Columns + " --data LOG --out bundle"

func newSynthCmd() *cobra.Command {
	c := synth.DefaultConfig()
	var (
		out, catalog string
		events       int
		days         float64
	)
	cmd := &cobra.Command{
		Use:   "synth --items N --users M [--seed S] [--out log.csv.gz]",
		Short: "Generate a seeded synthetic interaction log (and catalog) for tests and benchmarks",
		Long: `synth writes a synthetic interaction log with the structure a recommender should
learn: Zipfian item popularity (--zipf), groups of co-bought items (a shopper
favours --groups-per-user of the --groups groups, and a session stays mostly
within one), views, carts and purchases (about 77%, 15% and 8%), sessions
spread over --days with a daily rhythm, and a basket id per session. The same
flags and --seed give the same bytes. Rows are streamed, so memory stays about
30 bytes per item whatever --events is; 1M items x 10M events take about ten
seconds on one core. A --out ending in .gz is gzip-compressed; "-" writes plain CSV to
stdout. --catalog also writes the catalog (id,title,price,category; the
categories are the groups).

Columns: ` + synth.Header + ` (ts in Unix ms). Train on it with:

  ` + synthTrainCmd,
		Example: `  privrec synth --items 10000 --users 5000 --out log.csv.gz
  privrec synth --items 1000000 --users 1000000 --events 10000000 --out big.csv.gz --catalog big-catalog.csv.gz
  ` + strings.Replace(synthTrainCmd, "LOG", "log.csv.gz", 1),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("groups") {
				c.Groups = max(1, c.Items/100)
			}
			c.Events = events
			if events == 0 {
				c.Events = 10 * c.Users
			}
			c.Span = time.Duration(days * float64(24*time.Hour))
			if err := c.Validate(); err != nil {
				return fail(exitUsage, fmt.Errorf("synth: %w (see privrec synth --help)", err))
			}
			errw := cmd.ErrOrStderr()
			begin := time.Now()
			st, err := writeFile(out, cmd.OutOrStdout(), func(w io.Writer) (synth.Stats, error) {
				return synth.Generate(w, c, userProgress(errw))
			})
			if err != nil {
				return err
			}
			if out != "-" {
				w := cmd.OutOrStdout()
				fmt.Fprintf(w, "wrote %s in %s: %v\n", out, time.Since(begin).Round(100*time.Millisecond), st)
				if catalog != "" {
					if _, err := writeFile(catalog, w, func(w io.Writer) (synth.Stats, error) { return st, synth.WriteCatalog(w, c) }); err != nil {
						return err
					}
					fmt.Fprintf(w, "wrote %s: %d items in %d categories\n", catalog, c.Items, c.Groups)
				}
				fmt.Fprintf(w, "train on it with:\n  %s\n", strings.Replace(synthTrainCmd, "LOG", out, 1))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&c.Items, "items", c.Items, "catalog size (at most 1048576)")
	f.IntVar(&c.Users, "users", c.Users, "number of shoppers")
	f.IntVar(&events, "events", 0, "expected number of rows (default 10 per user)")
	f.Uint64Var(&c.Seed, "seed", c.Seed, "seed of every random draw: the same flags and seed give the same log")
	f.IntVar(&c.Groups, "groups", 0, "groups of co-bought items, also the catalog's categories (default items/100)")
	f.IntVar(&c.GroupsPerUser, "groups-per-user", c.GroupsPerUser, "groups each shopper favours")
	f.Float64Var(&c.Zipf, "zipf", c.Zipf, "exponent s of item popularity (rank r drawn with weight 1/(r+q)^s)")
	f.Float64Var(&c.ZipfOffset, "zipf-offset", c.ZipfOffset, "offset q of item popularity: flattens the head as in real shops (0: pure Zipf)")
	f.Float64Var(&c.Loyalty, "loyalty", c.Loyalty, "share of a shopper's sessions within their own groups")
	f.Float64Var(&c.Cohesion, "cohesion", c.Cohesion, "share of a session's views within the session's group")
	f.Float64Var(&days, "days", c.Span.Hours()/24, "span of the log in days, starting 2025-01-01 UTC")
	f.StringVar(&out, "out", "log.csv.gz", `log file to write (.gz: gzip-compressed; "-": stdout)`)
	f.StringVar(&catalog, "catalog", "", "also write the catalog CSV here (.gz: gzip-compressed)")
	return cmd
}

// writeFile creates path (gzip-compressed when it ends in .gz, stdout when it
// is "-") and lets gen write into it.
func writeFile(path string, stdout io.Writer, gen func(io.Writer) (synth.Stats, error)) (synth.Stats, error) {
	if path == "-" {
		st, err := gen(stdout)
		if err != nil {
			return st, fail(exitIOError, err)
		}
		return st, nil
	}
	if path == "" {
		return synth.Stats{}, fail(exitUsage, errors.New("synth: --out is empty; name a file, or - for stdout"))
	}
	file, err := os.Create(path)
	if err != nil {
		return synth.Stats{}, fail(exitIOError, fmt.Errorf("synth: %w", err))
	}
	bw := bufio.NewWriterSize(file, 1<<20)
	var (
		w  io.Writer = bw
		zw *gzip.Writer
	)
	if strings.HasSuffix(path, ".gz") {
		// BestSpeed: the log is a throwaway input, written at tens of MB/s
		// rather than a few; it is still about 6× smaller than plain CSV.
		zw, _ = gzip.NewWriterLevel(bw, gzip.BestSpeed)
		w = zw
	}
	st, err := gen(w)
	if err == nil && zw != nil {
		err = zw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return st, fail(exitIOError, fmt.Errorf("synth: write %s: %w", path, err))
	}
	return st, nil
}

// userProgress shows generation progress on w.
func userProgress(w io.Writer) func(done, total int) {
	bars := progressBars(w)
	return func(done, total int) { bars("users", done, total) }
}

func init() { rootCmd.AddCommand(newSynthCmd()) }
