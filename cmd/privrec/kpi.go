package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/privrec/privrec/internal/dapagg"
)

func init() { rootCmd.AddCommand(newKPICmd()) }

// kpiOptions are the flags of privrec kpi.
type kpiOptions struct {
	leader     string // the Leader's API base URL
	taskDir    string
	visitors   uint64
	from, to   string // YYYY-MM-DD, UTC, inclusive
	confidence float64
	asJSON     bool
	timeout    time.Duration
	now        func() time.Time
	client     *http.Client
}

func newKPICmd() *cobra.Command {
	o := kpiOptions{now: time.Now}
	cmd := &cobra.Command{
		Use:   "kpi --leader URL --task-dir DIR [--visitors N] [--json]",
		Short: "Collect the measurement aggregate and print consent rate and lift",
		Long: `kpi is the DAP collector of a measurement task: it asks the Leader for the
aggregate of every report in the batch (a collection job), opens the Leader's
and the Helper's aggregate shares with the collector key in DIR/collector.json,
adds them up, and prints what the shops' browsers measured, without any
shopper's counters ever being seen by anyone:

  - the consent split of the reporting shopper-days (session, full, and
    signal-limited: a consent signal held the level below the shopper's choice);
  - the consent rate, when you pass --visitors N: your own count of
    visitor-days over the same days (from the server log of manifest GETs,
    say); shoppers with consent off or Global Privacy Control never report, so
    the reports alone cannot give it;
  - per arm (personal recommendations, or the popularity fallback that the
    device draws for a share of shopper-days) the impressions, clicks and
    purchases of recommended items, the click-through and conversion rates;
  - the lift: conversion personal / conversion control, and the CTR ratio.

Every rate has a confidence interval (--confidence, 95% by default): Wilson
score intervals for proportions, the Katz log interval for the ratios. They
treat each impression as an independent trial, so a shop whose shoppers differ
a lot has wider true uncertainty than printed. Prio3 aggregates are exact; if
the task adds DP noise, its variance is added to the intervals and said so.

The batch is the days --from .. --to (UTC, inclusive; default: from the task's
start through today). A collected day is closed for good (DAP refuses to
aggregate a report twice or into a released batch), so later reports for it
are refused: collect complete days when you can. The Leader refuses batches
smaller than the task's min_batch_size; try again when more shoppers reported,
or over more days.

This collector speaks draft-ietf-ppm-dap-15 with Prio3SumVec (VDAF-14); see
docs/measurement.md. privrec serve --measure DIR runs a test Leader and Helper
and prints the command to run.

Exit codes: 0 collected, 1 the collection failed (too few reports, batch
already collected, leader unreachable), 2 bad command line, 3 the task
directory could not be read.`,
		Example: `  privrec serve --measure measure/
  privrec kpi --leader http://127.0.0.1:8080/dap/leader --task-dir measure/ --visitors 2000
  privrec kpi --leader http://127.0.0.1:8080/dap/leader --task-dir measure/ --from 2026-11-01 --to 2026-11-30 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runKPI(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.leader, "leader", "", "the Leader's DAP API base URL (e.g. http://127.0.0.1:8080/dap/leader); default: the task's, if absolute")
	f.StringVar(&o.taskDir, "task-dir", "", "task directory with task.json and collector.json (from privrec serve --measure; required)")
	f.Uint64Var(&o.visitors, "visitors", 0, "your count of visitor-days over the same days, for the consent rate")
	f.StringVar(&o.from, "from", "", "first day of the batch, YYYY-MM-DD (UTC); default: the task's start")
	f.StringVar(&o.to, "to", "", "last day of the batch, YYYY-MM-DD (UTC), inclusive; default: today")
	f.Float64Var(&o.confidence, "confidence", 0.95, "coverage of the confidence intervals, in (0, 1)")
	f.BoolVar(&o.asJSON, "json", false, "print one JSON object instead of text")
	f.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up on the Leader after this long")
	return cmd
}

func runKPI(ctx context.Context, w io.Writer, o kpiOptions) error {
	if o.taskDir == "" {
		return fail(exitUsage, errors.New("kpi: --task-dir DIR is required (the directory privrec serve --measure DIR created)"))
	}
	if !(o.confidence > 0 && o.confidence < 1) {
		return fail(exitUsage, fmt.Errorf("kpi: --confidence %v must be in (0, 1), e.g. 0.95", o.confidence))
	}
	if err := checkTaskDir("kpi: --task-dir", o.taskDir); err != nil {
		return err
	}
	d, err := dapagg.ReadTaskDir(o.taskDir)
	if err != nil {
		code := exitIOError
		var se *json.SyntaxError
		if errors.As(err, &se) || !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, dapagg.ErrNoTask) && !isPathError(err) {
			code = exitFailed
		}
		return fail(code, fmt.Errorf("kpi: %w", err))
	}
	if len(d.Collector.Hpke.PrivateKey) == 0 {
		return fail(exitIOError, fmt.Errorf("kpi: %s/%s is missing: the collector's key lives there", o.taskDir, dapagg.CollectorFile))
	}
	leader := o.leader
	if leader == "" {
		if !strings.HasPrefix(d.Task.LeaderURL, "http") {
			return fail(exitUsage, fmt.Errorf("kpi: --leader URL is required: the task's leader is %q, a path on the shop's origin (e.g. --leader http://127.0.0.1:8080%s)", d.Task.LeaderURL, d.Task.LeaderURL))
		}
		leader = d.Task.LeaderURL
	}
	iv, err := batchInterval(&d.Task, o)
	if err != nil {
		return fail(exitUsage, fmt.Errorf("kpi: %w", err))
	}
	col, err := dapagg.NewCollector(d.Task, d.Collector, leader, o.client)
	if err != nil {
		return fail(exitUsage, fmt.Errorf("kpi: %w", err))
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	res, err := col.Collect(ctx, iv)
	if err != nil {
		return fail(exitFailed, fmt.Errorf("kpi: %w%s", err, collectHint(err)))
	}
	k, kerr := dapagg.Summarize(res, dapagg.KPIOptions{Visitors: o.visitors, Confidence: o.confidence, Noise: d.Task.Noise})
	if kerr != nil && o.visitors > 0 {
		// The batch is collected and closed now: print what it holds
		// without the consent rate rather than lose it, then fail.
		k, err = dapagg.Summarize(res, dapagg.KPIOptions{Confidence: o.confidence, Noise: d.Task.Noise})
	} else {
		err = kerr
	}
	if err != nil {
		return fail(exitFailed, err)
	}
	if err := writeKPI(w, o, d.Task.ID.String(), iv, k, res.Aggregate); err != nil {
		return fail(exitIOError, fmt.Errorf("kpi: %w", err))
	}
	if kerr != nil {
		return fail(exitFailed, kerr)
	}
	return nil
}

func writeKPI(w io.Writer, o kpiOptions, taskID string, iv dapagg.Interval, k *dapagg.KPI, agg []int64) error {
	if o.asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			TaskID string `json:"task_id"`
			*dapagg.KPI
			Aggregate []int64 `json:"aggregate"`
		}{taskID, k, agg})
	}
	printKPI(w, taskID, iv, k)
	return nil
}

func isPathError(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe)
}

// collectHint says what to do about the refusals a collector can act on.
func collectHint(err error) string {
	switch {
	case dapagg.IsProblem(err, dapagg.ProbInvalidBatchSize):
		return " (wait for more shoppers to report, or widen --from/--to)"
	case dapagg.IsProblem(err, dapagg.ProbBatchOverlap):
		return " (those days were already collected; choose days after the last collection)"
	case dapagg.IsProblem(err, dapagg.ProbBatchInvalid):
		return " (the days must lie within the task)"
	case dapagg.IsProblem(err, dapagg.ProbUnrecognizedTask):
		return " (that Leader serves another task: is --task-dir the directory it was started with?)"
	case strings.Contains(err.Error(), "HTTP 404"):
		return " (is --leader the Leader's API base, such as http://127.0.0.1:8080/dap/leader? privrec serve --measure prints it)"
	case strings.Contains(err.Error(), "HTTP 401"):
		return " (the Leader refused collector.json's token: is --task-dir the directory the Leader was started with?)"
	}
	return ""
}

const dayLayout = "2006-01-02"

// batchInterval turns --from/--to into the batch interval: whole days,
// aligned to the task's time precision.
func batchInterval(t *dapagg.Task, o kpiOptions) (dapagg.Interval, error) {
	start := t.Start
	if o.from != "" {
		d, err := time.Parse(dayLayout, o.from)
		if err != nil {
			return dapagg.Interval{}, fmt.Errorf("--from %q is not a day like 2026-11-01", o.from)
		}
		start = uint64(d.Unix())
	}
	endDay := o.now().UTC().Truncate(24 * time.Hour)
	if o.to != "" {
		d, err := time.Parse(dayLayout, o.to)
		if err != nil {
			return dapagg.Interval{}, fmt.Errorf("--to %q is not a day like 2026-11-30", o.to)
		}
		endDay = d
	}
	end := uint64(endDay.Add(24 * time.Hour).Unix())
	end = min(end, t.End)
	p := t.TimePrecision
	start -= start % p
	if end%p != 0 {
		end += p - end%p
	}
	if end <= start {
		return dapagg.Interval{}, fmt.Errorf("the batch %s .. %s is empty (the task runs %s .. %s)", day(start), day(end-1), day(t.Start), day(t.End-1))
	}
	return dapagg.Interval{Start: start, Duration: end - start}, nil
}

func day(unix uint64) string { return time.Unix(int64(unix), 0).UTC().Format(dayLayout) }

func pct(e dapagg.Estimate) string {
	if !e.Valid {
		return "n/a (" + e.Why + ")"
	}
	return fmt.Sprintf("%.2f%% [%.2f%%, %.2f%%]", 100*e.Value, 100*e.Low, 100*e.High)
}

func times(e dapagg.Estimate) string {
	if !e.Valid {
		return "n/a (" + e.Why + ")"
	}
	return fmt.Sprintf("%.2f× [%.2f, %.2f]", e.Value, e.Low, e.High)
}

func share(n int64, of uint64) string {
	return fmt.Sprintf("%d (%.1f%%)", n, 100*float64(n)/float64(of))
}

func printKPI(w io.Writer, taskID string, iv dapagg.Interval, k *dapagg.KPI) {
	fmt.Fprintf(w, "task %s, days %s .. %s (UTC; reports from %s .. %s): %d reports (shopper-days with consent)\n",
		taskID, day(iv.Start), day(iv.Start+iv.Duration-1), day(uint64(k.Interval[0])), day(uint64(k.Interval[1]-1)), k.Reports)
	fmt.Fprintf(w, "consent     session %s, full %s, signal-limited %s\n",
		share(k.ConsentSession, k.Reports), share(k.ConsentFull, k.Reports), share(k.ConsentSignalLimited, k.Reports))
	fmt.Fprintf(w, "            full share %s\n", pct(k.FullShare))
	if k.ConsentRate != nil {
		fmt.Fprintf(w, "            consent rate %s of %d visitor-days\n", pct(*k.ConsentRate), k.Visitors)
	} else {
		fmt.Fprintln(w, "            consent rate: pass --visitors N (your count of visitor-days over these days)")
	}
	fmt.Fprintf(w, "visits      %d page views with recommendations (%.1f per reporting shopper-day)\n", k.Visits, float64(k.Visits)/float64(k.Reports))
	fmt.Fprintf(w, "%-11s %12s %12s %8s %10s  %-26s %s\n", "arm", "shopper-days", "impressions", "clicks", "purchases", "CTR", "conversion")
	for _, a := range []struct {
		name string
		arm  dapagg.Arm
	}{{"personal", k.Personal}, {"control", k.Control}} {
		fmt.Fprintf(w, "%-11s %12d %12d %8d %10d  %-26s %s\n", a.name, a.arm.ShopperDays, a.arm.Impressions, a.arm.Clicks, a.arm.Purchases,
			pct(a.arm.CTR), pct(a.arm.Conversion))
	}
	fmt.Fprintf(w, "lift        conversion personal / control %s\n", times(k.Lift))
	fmt.Fprintf(w, "            CTR personal / control        %s\n", times(k.CTRLift))
	for _, n := range k.Notes {
		fmt.Fprintln(w, "note:", n)
	}
}
