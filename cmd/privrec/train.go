package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

// logFlags select and map an interaction log; train and eval share them.
type logFlags struct {
	data      string
	format    string
	cols      string
	minRating optFloat
	delimiter string
	report    *train.Report // the reader's, once read
}

func (f *logFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.data, "data", "", "interaction log, CSV (gzip-compressed or plain)")
	cmd.Flags().StringVar(&f.format, "format", "uci", `log layout: "uci" (UCI Online Retail) or "csv" (any CSV, see --columns)`)
	cmd.Flags().StringVar(&f.cols, "columns", "", "for --format csv: role=column pairs, e.g. user=uid,item=sku,time=ts,kind=event,time_format=unix_ms\n(roles: user, item, time, time_format, kind, title, price, category, basket, quantity, rating)")
	cmd.Flags().Var(&f.minRating, "min-rating", "with a rating column: the lowest rating kept as a purchase (default: the log's median rating)")
	cmd.Flags().StringVar(&f.delimiter, "delimiter", "", `field delimiter of the log: one character such as ";" or ",", or "tab" (default: detected from the header: comma, semicolon or tab)`)
	_ = cmd.MarkFlagRequired("data")
}

// optFloat is a float flag that may be left unset.
type optFloat struct{ v *float64 }

func (o *optFloat) String() string {
	if o.v == nil {
		return ""
	}
	return strconv.FormatFloat(*o.v, 'g', -1, 64)
}

func (o *optFloat) Type() string { return "number" }

func (o *optFloat) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%q is not a number such as 4 or 3.5", s)
	}
	o.v = &v
	return nil
}

// read opens and parses the log, printing the reader's report to w.
func (f *logFlags) read(w io.Writer) (*train.Log, error) {
	if f.format != "csv" && f.minRating.v != nil {
		return nil, fail(exitUsage, errors.New("--min-rating needs --format csv with a rating column in --columns"))
	}
	delim, err := parseDelimiter(f.delimiter)
	if err != nil {
		return nil, err
	}
	if err := checkLogPath(f.data); err != nil {
		return nil, err
	}
	file, err := os.Open(f.data)
	if err != nil {
		return nil, fail(exitIOError, fmt.Errorf("open log: %w; check the path given to --data", err))
	}
	defer file.Close()
	// Reading a large log takes a while: show the file's bytes read (of
	// the compressed file, for .gz), with the time left.
	var in io.Reader = file
	var bar *progressbar.ProgressBar
	if st, err := file.Stat(); err == nil && st.Size() > 1<<20 {
		bar = progressbar.NewOptions64(st.Size(), progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(fmt.Sprintf("%-11s", "read")),
			progressbar.OptionShowBytes(true), progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
		in = io.TeeReader(file, bar)
	}
	var (
		log *train.Log
		rep *train.Report
	)
	switch f.format {
	case "uci":
		log, rep, err = train.ReadUCIDelim(in, delim)
	case "csv":
		m, perr := parseMapping(f.cols)
		if perr == nil && f.minRating.v != nil {
			if m.Rating == "" {
				perr = errors.New("--min-rating needs a rating column: add rating=COLUMN to --columns")
			}
			m.MinRating = f.minRating.v
		}
		if perr != nil {
			return nil, fail(exitUsage, perr)
		}
		m.Delimiter = delim
		log, rep, err = train.ReadCSV(in, m)
	default:
		return nil, fail(exitUsage, fmt.Errorf("--format %q: use uci or csv", f.format))
	}

	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return nil, readError(f, err)
	}
	fmt.Fprintln(w, rep.String())
	f.report = rep
	return log, nil
}

func parseMapping(s string) (train.Mapping, error) {
	var m train.Mapping
	if s == "" {
		return m, errors.New("--format csv needs --columns, e.g. --columns user=uid,item=sku,time=ts")
	}
	fields := map[string]*string{
		"user": &m.User, "item": &m.Item, "time": &m.Time, "time_format": &m.TimeFormat, "kind": &m.Kind,
		"title": &m.Title, "price": &m.Price, "category": &m.Category, "basket": &m.Basket, "quantity": &m.Quantity,
		"rating": &m.Rating,
	}
	for _, pair := range strings.Split(s, ",") {
		role, col, ok := strings.Cut(pair, "=")
		p, known := fields[strings.TrimSpace(role)]
		if !ok || !known {
			return m, fmt.Errorf("--columns: %q is not role=column with a known role", pair)
		}
		*p = strings.TrimSpace(col)
	}
	if err := m.Validate(); err != nil {
		return m, fmt.Errorf("--columns: %w", err)
	}
	return m, nil
}

// trainFlags are the hyper-parameters exposed on the command line. Each
// one given fixes that parameter; the others are tuned on the log (or,
// with --no-tune, take train.ConfigFor's values relative to its span).
type trainFlags struct {
	lambda, halfLife, trainHalfLife, trendHalfLife, popWeight float64
	neighbors                                                 int
}

// trainFlagParams maps flags to the parameters they fix.
var trainFlagParams = []struct {
	flag  string
	param train.Param
}{
	{"lambda", train.ParamLambda}, {"neighbors", train.ParamNeighbors}, {"half-life", train.ParamHalfLife},
	{"train-half-life", train.ParamTrainHalfLife}, {"trend-half-life", train.ParamTrendHalfLife},
	{"popularity-weight", train.ParamPopularityWeight},
}

func (f *trainFlags) register(cmd *cobra.Command) {
	d := train.DefaultConfig()
	// Zero defaults: a flag only counts when given (Changed), and its help
	// says where the search starts (the --no-tune value).
	tuned := func(from string) string { return " (default: tuned, from " + from + "; given, it is fixed)" }
	cmd.Flags().Float64Var(&f.lambda, "lambda", 0, "EASE L2 regularisation"+tuned(fmt.Sprint(d.Lambda)))
	cmd.Flags().IntVar(&f.neighbors, "neighbors", 0, "weights kept per item, at most (model size grows with it)"+tuned(fmt.Sprintf("%d or what --max-bundle-bytes allows", d.Neighbors)))
	cmd.Flags().Float64Var(&f.halfLife, "half-life", 0, "recency half-life of history events when scoring, in days (0: off)"+tuned("the log's span / 6"))
	cmd.Flags().Float64Var(&f.trainHalfLife, "train-half-life", 0, "weight training purchases by their age at the log's end, half-life in days (0: binary)"+tuned("the log's span / 6"))
	cmd.Flags().Float64Var(&f.trendHalfLife, "trend-half-life", 0, "half-life in days of the trending-popularity prior's buyer counts"+tuned("the log's span / 26"))
	cmd.Flags().Float64Var(&f.popWeight, "popularity-weight", 0, "weight of the trending-popularity prior in personal scores (0: off)"+tuned(fmt.Sprint(d.Params.PopularityWeight)))
}

// fixed lists the parameters given on the command line.
func (f *trainFlags) fixed(cmd *cobra.Command) []train.Param {
	var out []train.Param
	for _, fp := range trainFlagParams {
		if cmd.Flags().Changed(fp.flag) {
			out = append(out, fp.param)
		}
	}
	return out
}

// check validates the explicit values before the log is read.
func (f *trainFlags) check(cmd *cobra.Command) error {
	_, err := f.apply(cmd, train.DefaultConfig())
	return err
}

// config is train.ConfigFor(log) with the explicit flags applied.
func (f *trainFlags) config(cmd *cobra.Command, log *train.Log) (train.Config, error) {
	return f.apply(cmd, train.ConfigFor(log))
}

// relativeTo gives c the time scales of train.ConfigFor(log) for every
// half-life not given on the command line, keeping the rest of c (its kind
// and size, chosen for the whole log).
func (f *trainFlags) relativeTo(cmd *cobra.Command, c train.Config, log *train.Log) (train.Config, error) {
	r := train.ConfigFor(log)
	c.Params.PopularityHalfLifeDays = r.Params.PopularityHalfLifeDays
	for _, p := range []train.Param{train.ParamTrainHalfLife, train.ParamHalfLife, train.ParamTrendHalfLife} {
		c = p.Set(c, p.Get(r))
	}
	return f.apply(cmd, c)
}

func (f *trainFlags) apply(cmd *cobra.Command, c train.Config) (train.Config, error) {
	changed := cmd.Flags().Changed
	if changed("lambda") {
		c.Lambda = f.lambda
	}
	if changed("neighbors") {
		c.Neighbors = f.neighbors
	}
	if changed("half-life") {
		c.Params.HalfLifeDays = f.halfLife
	}
	if changed("train-half-life") {
		c.TrainHalfLifeDays = f.trainHalfLife
	}
	if changed("trend-half-life") {
		c.TrendHalfLifeDays = f.trendHalfLife
	}
	if changed("popularity-weight") {
		c.Params.PopularityWeight = f.popWeight
	}
	if err := c.Validate(); err != nil {
		return c, fail(exitUsage, err)
	}
	return c, nil
}

// tuneFlags control the hyper-parameter search train and eval run by
// default.
type tuneFlags struct {
	off    bool
	budget time.Duration
}

func (f *tuneFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.off, "no-tune", false, "do not tune: the hyper-parameters not given take values relative to the log's span")
	cmd.Flags().DurationVar(&f.budget, "tune-budget", train.DefaultTuneBudget, "time the hyper-parameter search may take (it stops earlier when it converges)")
}

// tune searches the hyper-parameters of cfg not given on the command line
// on a validation split of log (each user's last basket), printing
// progress to status and the outcome to w. It returns cfg unchanged, and
// a nil record, when tuning is off, DP is on or the log has no
// validation users.
func (f *tuneFlags) tune(cmd *cobra.Command, tf *trainFlags, w, status io.Writer, log *train.Log, cfg train.Config) (train.Config, *eval.PrivrecTuning, error) {
	switch {
	case f.off:
		fmt.Fprintln(w, "tuning: off (--no-tune); "+configLine(cfg))
		return cfg, nil, nil
	case cfg.Privacy.Enabled():
		fmt.Fprintln(w, "tuning: off under --dp-epsilon (a search on the raw log would leak what ε does not account for); "+configLine(cfg))
		return cfg, nil, nil
	}
	if f.budget <= 0 {
		return cfg, nil, fail(exitUsage, fmt.Errorf("--tune-budget %v: want a positive duration such as 3m, or --no-tune", f.budget))
	}
	fixed := tf.fixed(cmd)
	fmt.Fprintf(status, "tuning on a validation split (each user's last basket), budget %v\n", f.budget)
	tuned, rec, err := eval.TunePrivrec(log, cfg, train.TuneOptions{Budget: f.budget, Fixed: fixed, Progress: func(p train.TuneProgress) {
		what := "start (log-relative defaults)"
		if p.Param != "" {
			what = fmt.Sprintf("%s=%s", p.Param, strconv.FormatFloat(p.Value, 'g', 4, 64))
		}
		fmt.Fprintf(status, "tune %3d  %-32s validation NDCG@10 %.4f  best %.4f  %s left\n", p.Trial, what, p.Score, p.Best, p.Left.Round(time.Second))
	}})
	if errors.Is(err, eval.ErrNoValidation) {
		fmt.Fprintf(w, "tuning: skipped: %v; %s\n", err, configLine(cfg))
		return cfg, nil, nil
	}
	if err != nil {
		return cfg, nil, fail(exitFailed, err)
	}
	stop := "converged"
	if rec.Exhausted {
		stop = "budget used up; raise --tune-budget to search further"
	}
	fmt.Fprintf(w, "tuned in %v (%d trials, %s): validation NDCG@10 %.4f on %d users' last basket (%.4f at the log-relative defaults)\n",
		rec.Elapsed.Round(time.Second), rec.Trials, stop, rec.Score, rec.Cases, rec.Start)
	var given []string
	for _, p := range fixed {
		given = append(given, string(p))
	}
	note := ""
	if len(given) > 0 {
		note = " (given: " + strings.Join(given, ", ") + ")"
	}
	fmt.Fprintf(w, "chosen: %s%s\n", rec.String(), note)
	return tuned, &rec, nil
}

// configLine states the hyper-parameters a config trains with.
func configLine(c train.Config) string {
	var parts []string
	for _, p := range train.Params() {
		if p == train.ParamViewWeight || p == train.ParamCartWeight {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s=%s", p, strconv.FormatFloat(p.Get(c), 'g', 4, 64)))
	}
	return "using " + strings.Join(parts, " ")
}

// manifestTuning is the signed record of rec, or nil.
func manifestTuning(rec *eval.PrivrecTuning) *bundle.Tuning {
	if rec == nil {
		return nil
	}
	t := &bundle.Tuning{Metric: "ndcg@10", Score: rec.Score, Users: int64(rec.Cases), Trials: int64(rec.Trials), Seconds: rec.Elapsed.Seconds(),
		Params: []bundle.TunedParam{}}
	for _, pv := range rec.Chosen {
		t.Params = append(t.Params, bundle.TunedParam{Name: string(pv.Param), Value: pv.Value})
	}
	return t
}

// warn prints train.Check's warnings for log to w. Half-lives the search
// chose are not compared with the span: they were chosen on it.
func warn(w io.Writer, lf *logFlags, log *train.Log, cfg train.Config, tuned bool, fixed []train.Param) {
	var hl []train.NamedHalfLife
	for _, h := range []struct {
		p    train.Param
		days float64
	}{{train.ParamTrainHalfLife, cfg.TrainHalfLifeDays}, {train.ParamHalfLife, cfg.Params.HalfLifeDays}} {
		if !tuned || slices.Contains(fixed, h.p) {
			hl = append(hl, train.NamedHalfLife{Flag: string(h.p), Days: h.days})
		}
	}
	format := ""
	if lf.report != nil {
		format = lf.report.TimeFormat
	}
	for _, wn := range train.Check(log, train.CheckOptions{TimeFormat: format, Now: time.Now().UnixMilli(), HalfLives: hl}) {
		fmt.Fprintln(w, wn.String())
	}
}

// dpFlags select differentially private training.
type dpFlags struct {
	epsilon, delta float64
	maxItems       int
	seed           uint64
}

func (f *dpFlags) register(cmd *cobra.Command) {
	cmd.Flags().Float64Var(&f.epsilon, "dp-epsilon", 0, "train with user-level differential privacy at this ε (0: off); the manifest states ε and δ")
	cmd.Flags().Float64Var(&f.delta, "dp-delta", 1e-6, "δ of differentially private training (keep it well below 1/users)")
	cmd.Flags().IntVar(&f.maxItems, "dp-max-items", train.DefaultPrivacy().MaxItems, "bound c on each user's contribution to the buyer counts under DP: a user's counts are scaled to L2 norm √c, so more items each count less")
	cmd.Flags().Uint64Var(&f.seed, "dp-seed", 0, "seed of the DP noise, for reproducible experiments only (default: a fresh secret one)")
}

// config turns cfg into a private configuration when --dp-epsilon is set:
// train.PrivateConfig's tuned values, except for the hyper-parameters given
// explicitly on the command line.
func (f *dpFlags) config(cmd *cobra.Command, cfg train.Config) (train.Config, error) {
	if f.epsilon == 0 {
		return cfg, nil
	}
	seed := f.seed
	if seed == 0 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return cfg, fail(exitFailed, fmt.Errorf("draw dp seed: %w", err))
		}
		seed = binary.LittleEndian.Uint64(b[:])
	}
	p := train.PrivateConfig(f.epsilon, f.delta, seed)
	p.Privacy.MaxItems = f.maxItems
	changed := cmd.Flags().Changed
	if changed("lambda") {
		p.Lambda = cfg.Lambda
	}
	if changed("neighbors") {
		p.Neighbors = cfg.Neighbors
	}
	if changed("half-life") {
		p.Params.HalfLifeDays = cfg.Params.HalfLifeDays
	}
	if changed("train-half-life") {
		p.TrainHalfLifeDays = cfg.TrainHalfLifeDays
	}
	if changed("trend-half-life") {
		p.TrendHalfLifeDays = cfg.TrendHalfLifeDays
	}
	if changed("popularity-weight") {
		p.Params.PopularityWeight = cfg.Params.PopularityWeight
	}
	if err := p.Validate(); err != nil {
		return cfg, fail(exitUsage, err)
	}
	return p, nil
}

// progressBars shows one bar per training stage on stderr.
func progressBars(w io.Writer) func(stage string, done, total int) {
	var bar *progressbar.ProgressBar
	var current string
	return func(stage string, done, total int) {
		if stage != current || bar == nil {
			if bar != nil {
				_ = bar.Finish()
			}
			current = stage
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(fmt.Sprintf("%-11s", stage)),
				progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionShowCount(), progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }))
		}
		_ = bar.Set(done)
	}
}

// trainBundle trains on log and packs the artifacts of one bundle (not yet
// signed).
func trainBundle(log *train.Log, cfg train.Config, wasm []byte, progress func(string, int, int)) (*bundle.Files, [16]byte, error) {
	spec, err := train.Train(log, cfg, progress)
	if err != nil {
		return nil, [16]byte{}, fail(exitFailed, err)
	}
	files, id, err := train.Pack(spec, log.Catalog, wasm)
	if err != nil {
		return nil, id, fail(exitFailed, err)
	}
	return files, id, nil
}

// kindFlags choose the model kind and the bundle's byte budget.
type kindFlags struct {
	kind            string
	maxBytes        byteSize
	dims, subspaces int
	// extra is the bytes of the bundle's other artifacts that every
	// browser downloads too (train --catalog's items.bin), counted against
	// --max-bundle-bytes.
	extra int64
}

func (f *kindFlags) register(cmd *cobra.Command) {
	f.maxBytes = train.DefaultMaxBundleBytes
	cmd.Flags().StringVar(&f.kind, "kind", "auto", `model kind: "neighbors" (item-to-item weights), "embedding" (product-quantized
vectors, for catalogs too large for neighbours) or "auto" (neighbors while enough
of them fit --max-bundle-bytes, else embedding)`)
	cmd.Flags().Var(&f.maxBytes, "max-bundle-bytes", `budget of the whole bundle (module, catalog and weights) that every shopper's
browser downloads and holds, e.g. 16MiB, 40MB or 20000000. The default suits a
phone: ~7 s at 20 Mbit/s once, then cached; ~40 MiB of memory in the module`)
	e := train.DefaultEmbeddingConfig()
	cmd.Flags().IntVar(&f.dims, "embedding-dims", e.Dims, "embedding kind: vector length (a multiple of --embedding-subspaces)")
	cmd.Flags().IntVar(&f.subspaces, "embedding-subspaces", e.Subspaces, "embedding kind: one-byte codes per item (fewer: smaller, less exact)")
}

// choose sizes the model to the budget, printing why to w.
func (f *kindFlags) choose(w io.Writer, log *train.Log, wasm []byte, cfg train.Config) (train.Config, error) {
	var want model.ModelKind
	switch f.kind {
	case "auto":
	case string(model.ModelNeighbors), string(model.ModelEmbedding):
		want = model.ModelKind(f.kind)
	default:
		return cfg, fail(exitUsage, fmt.Errorf("--kind %q: use auto, neighbors or embedding", f.kind))
	}
	if cfg.Privacy.Enabled() {
		if want == model.ModelEmbedding {
			return cfg, fail(exitUsage, errors.New("--kind embedding: differentially private training makes the neighbors kind only; drop --dp-epsilon or use --kind neighbors"))
		}
		fmt.Fprintln(w, "kind: neighbors (differentially private training makes the neighbors kind only)")
		return cfg, nil
	}
	cfg.Embedding.Dims, cfg.Embedding.Subspaces = f.dims, f.subspaces
	if want == model.ModelEmbedding || want == "" {
		if err := cfg.Embedding.Validate(); err != nil {
			return cfg, fail(exitUsage, err)
		}
	}
	cat, err := model.EncodeCatalog(log.Catalog, [16]byte{})
	if err != nil {
		return cfg, fail(exitFailed, err)
	}
	var idBytes int64
	for _, it := range log.Catalog {
		idBytes += int64(len(it.ID))
	}
	c, err := train.ChooseKind(train.Sizing{Items: len(log.Catalog), IDBytes: idBytes, MaxBytes: int64(f.maxBytes),
		OtherBytes: int64(len(cat)+len(wasm)) + f.extra}, want, cfg)
	if err != nil && f.extra > 0 {
		err = fmt.Errorf("%w (the %d bytes of --catalog's page metadata, items.bin, count as part of the catalog; shorter titles and relative URLs take less)", err, f.extra)
	}
	if err != nil {
		return cfg, fail(exitUsage, err)
	}
	fmt.Fprintln(w, "kind: "+c.Reason)
	return c.Apply(cfg), nil
}

// byteSize is a flag holding a byte count written as 20000000, 16MiB, 40MB,
// 512KiB or 2GB.
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Type() string { return "bytes" }

func (b *byteSize) Set(s string) error {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || v <= 0 || v*float64(mult) > 1<<50 {
		return fmt.Errorf("%q is not a positive size such as 16MiB, 40MB or 20000000", s)
	}
	*b = byteSize(v * float64(mult))
	return nil
}

func newTrainCmd() *cobra.Command {
	var (
		lf       logFlags
		tf       trainFlags
		tn       tuneFlags
		df       dpFlags
		kf       kindFlags
		out      string
		wasmPath string
		signKey  string
		catalog  string
		version  uint64
		expires  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "train --data LOG --out DIR [--sign-key KEY]",
		Short: "Train a model from an interaction log and write a bundle",
		Long: `train reads an interaction log, learns a model and context popularity, and writes a bundle
directory: weights.bin, catalog.bin and privrec.wasm (and items.bin, the page
metadata, with --catalog), plus manifest.bin and manifest.sig when --sign-key
is given. Without --sign-key, sign it later with
'privrec sign DIR --key KEY'. Rows the reader cannot use are counted and
reported with line numbers.

The model is of one of two kinds (--kind). "neighbors" ships each item's
strongest item-to-item weights (EASE, fitted sparsely, item by item, and
truncated); "embedding" ships one product-quantized vector per item (a
low-rank EASE), about 30 bytes per item whatever the catalog, for catalogs
too large for neighbours. With --kind auto (the default) train estimates the
neighbours model for the catalog, keeps as many neighbours per item as
--max-bundle-bytes allows, switches to the embedding kind below 4, and says
why. The signed manifest records the kind.

By default train tunes its hyper-parameters on the log itself: it holds out
each user's last basket (users with at least two) as a validation split,
trains on the rest and searches λ, the training, scoring and trend
half-lives (relative to the log's span), the popularity prior's weight and
half-life, the neighbours kept and, when the log has them, the view and cart
weights, keeping a change only when it improves validation NDCG@10 by more
than noise. Progress and the time left go to stderr; the search stops when
it converges or --tune-budget is spent. The chosen values and the
validation figure are printed and signed into the manifest. A flag given
fixes its parameter; --no-tune trains with values relative to the log's span
instead. train also warns about logs that look wrong: times near 1970 or in
the future (a time-unit mismatch), all at one time, a span far longer than a
fixed half-life, mostly single-event users.

With --dp-epsilon the training is differentially private at the user level
(each user's contribution bounded, Gaussian noise on the statistics; see
model/train/RATIONALE.md) and the signed manifest states epsilon and delta.
Hyper-parameters not given explicitly then take the values tuned for DP,
and no search runs on the raw log.`,
		Example: `  privrec keygen --out keys
  privrec train --data online_retail.csv.gz --out bundle --sign-key keys/privrec.key
  privrec train --data online_retail.csv.gz --out bundle --tune-budget 10m --lambda 300
  privrec train --data online_retail.csv.gz --out bundle --no-tune
  privrec train --data online_retail.csv.gz --out bundle --sign-key keys/privrec.key --dp-epsilon 8 --dp-delta 1e-6
  privrec train --format csv --columns user=uid,item=sku,time=ts,kind=event --data log.csv --out bundle
  privrec train --data online_retail.csv.gz --catalog items.csv --out bundle --sign-key keys/privrec.key
  privrec train --data big.csv.gz --format csv --columns ... --kind embedding --max-bundle-bytes 64MiB --out bundle`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := tf.check(cmd); err != nil {
				return err
			}
			if _, err := df.config(cmd, train.DefaultConfig()); err != nil {
				return err
			}
			if st, err := os.Stat(out); err == nil && !st.IsDir() {
				return fail(exitIOError, fmt.Errorf("--out %s is a file; train writes a bundle directory: pass a new or existing directory, e.g. --out bundle", out))
			}
			var priv ed25519.PrivateKey
			if signKey != "" {
				if err := checkSignKey("--sign-key", signKey); err != nil {
					return err
				}
				k, err := bundledir.ReadPrivateKey(signKey)
				if err != nil {
					return fail(keyExit(err), err)
				}
				priv = k
			}
			wasm, err := moduleFor(cmd, wasmPath)
			if err != nil {
				return err
			}
			if catalog != "" {
				if err := checkCatalogPath(catalog); err != nil {
					return err
				}
			}
			log, err := lf.read(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			var ship []train.ItemMeta
			if catalog != "" {
				if ship, err = readCatalogFile(cmd.ErrOrStderr(), catalog, log); err != nil {
					return err
				}
				// items.bin is downloaded with the rest: sized against the budget.
				if b, err := train.EncodeItems(ship, [16]byte{}); err == nil {
					kf.extra = int64(len(b))
				}
			}
			cfg, err := tf.config(cmd, log)
			if err != nil {
				return err
			}
			if cfg, err = df.config(cmd, cfg); err != nil {
				return err
			}
			if cfg, err = kf.choose(cmd.OutOrStdout(), log, wasm, cfg); err != nil {
				return err
			}
			tuning := !tn.off && !cfg.Privacy.Enabled()
			warn(cmd.ErrOrStderr(), &lf, log, cfg, tuning, tf.fixed(cmd))
			cfg, rec, err := tn.tune(cmd, &tf, cmd.OutOrStdout(), cmd.ErrOrStderr(), log, cfg)
			if err != nil {
				return err
			}
			files, id, err := trainBundle(log, cfg, wasm, progressBars(cmd.ErrOrStderr()))
			if err != nil {
				return err
			}
			if err := packItems(files, id, ship); err != nil {
				return err
			}
			if priv != nil {
				now := time.Now()
				if version == 0 {
					version = uint64(now.Unix())
				}
				meta := bundle.Meta{Version: version, Created: now.UnixMilli(), Expires: now.Add(expires).UnixMilli(), BundleID: id,
					Epsilon: cfg.Privacy.Epsilon, Delta: cfg.Privacy.Delta, Model: cfg.Kind, Tuning: manifestTuning(rec)}
				if err := bundle.Sign(files, meta, priv); err != nil {
					return fail(exitFailed, err)
				}
			}
			if err := bundledir.Write(out, files); err != nil {
				return fail(exitIOError, err)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "wrote %s: %s model, weights %d bytes (%.1f per item), catalog %d bytes (%d items), module %d bytes\n",
				out, cfg.Kind, len(files.Weights), float64(len(files.Weights))/float64(max(1, len(log.Catalog))), len(files.Catalog), len(log.Catalog), len(files.Wasm))
			if files.Items != nil {
				fmt.Fprintf(w, "page metadata: %s, %d bytes (%d items), signed with the bundle; pages read it with rec.catalog.get(ids)\n", bundledir.ItemsFile, len(files.Items), len(ship))
			}
			if p := cfg.Privacy; p.Enabled() {
				sc, err := p.Scales()
				if err != nil {
					return fail(exitFailed, err)
				}
				fmt.Fprintf(w, "differential privacy (user level): epsilon %g, delta %g; buyer counts bounded to L2 norm √%d per user; noise sigma %.1f on buyer counts, %.1f on the co-purchases that select pairs, %.2f on the selected pairs\n",
					p.Epsilon, p.Delta, p.MaxItems, sc.CountsSigma, sc.GramSigma, sc.PairSigma)
			} else {
				fmt.Fprintln(w, "differential privacy: off (pass --dp-epsilon to train privately)")
			}
			if priv == nil && cfg.Privacy.Enabled() {
				fmt.Fprintf(w, "not signed: run 'privrec sign %s --key KEY --epsilon %g --delta %g' before publishing, so the manifest states the privacy\n",
					out, cfg.Privacy.Epsilon, cfg.Privacy.Delta)
			} else if priv == nil {
				fmt.Fprintf(w, "not signed: run 'privrec sign %s --key KEY' before publishing\n", out)
			} else {
				fmt.Fprintf(w, "signed: version %d, key %s, expires %s\n", version, bundle.KeyID(priv.Public().(ed25519.PublicKey)), time.Now().Add(expires).UTC().Format(time.RFC3339))
			}
			return nil
		},
	}
	lf.register(cmd)
	tf.register(cmd)
	tn.register(cmd)
	df.register(cmd)
	kf.register(cmd)
	cmd.Flags().StringVar(&out, "out", "bundle", "bundle directory to write")
	cmd.Flags().StringVar(&wasmPath, "wasm", "", "module to ship in the bundle: "+wasmHelp)
	cmd.Flags().StringVar(&catalog, "catalog", "", `catalog CSV of page metadata (header row: id, title, price, currency, image, url,
category, availability; aliases such as sku, name, image_url, link, stock are
read too): signed into the bundle as items.bin for rec.catalog.get; its
titles, prices and categories also replace the log's in the scored catalog`)
	cmd.Flags().StringVar(&signKey, "sign-key", "", "private key file (from 'privrec keygen') to sign the bundle with")
	cmd.Flags().Uint64Var(&version, "version", 0, "model version, must grow with every release (default: current Unix time)")
	cmd.Flags().DurationVar(&expires, "expires", 30*24*time.Hour, "how long the signed bundle stays valid")
	return cmd
}

func init() { rootCmd.AddCommand(newTrainCmd()) }
