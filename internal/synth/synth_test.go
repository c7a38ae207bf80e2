package synth_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/privrec/privrec/internal/synth"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/eval"
	"github.com/privrec/privrec/model/train"
)

func generate(t testing.TB, c synth.Config) ([]byte, synth.Stats) {
	t.Helper()
	var b bytes.Buffer
	st, err := synth.Generate(&b, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), st
}

func read(t testing.TB, data []byte) *train.Log {
	t.Helper()
	log, rep, err := train.ReadCSV(bytes.NewReader(data), synth.Mapping())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kept != rep.Rows {
		t.Fatalf("train.ReadCSV kept %d of %d rows: %v", rep.Kept, rep.Rows, rep)
	}
	return log
}

func TestDeterministic(t *testing.T) {
	c := synth.For(2000, 300, 7)
	a, sa := generate(t, c)
	b, sb := generate(t, c)
	if !bytes.Equal(a, b) || sa != sb {
		t.Fatalf("same config, different logs (%x vs %x)", sha256.Sum256(a), sha256.Sum256(b))
	}
	c.Seed = 8
	d, _ := generate(t, c)
	if bytes.Equal(a, d) {
		t.Fatal("seeds 7 and 8 gave the same log")
	}
	var ca, cb bytes.Buffer
	if err := synth.WriteCatalog(&ca, c); err != nil {
		t.Fatal(err)
	}
	if err := synth.WriteCatalog(&cb, c); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ca.Bytes(), cb.Bytes()) {
		t.Fatal("same config, different catalogs")
	}
}

// TestReadable: every row reads back through train.ReadCSV with Mapping, the
// counts match Stats, the kinds come in the documented proportions, times lie
// in the span and each user's rows are in time order.
func TestReadable(t *testing.T) {
	c := synth.For(5000, 2000, 3)
	data, st := generate(t, c)
	log := read(t, data)
	if len(log.Interactions) != st.Rows || st.Rows != st.Views+st.Carts+st.Purchases {
		t.Fatalf("read %d rows; stats say %v", len(log.Interactions), st)
	}
	if len(log.Catalog) != st.ItemsSeen {
		t.Fatalf("catalog of %d items; stats saw %d", len(log.Catalog), st.ItemsSeen)
	}
	if d := math.Abs(float64(st.Rows)/float64(c.Events) - 1); d > 0.05 {
		t.Errorf("%d rows for %d expected events (%.1f%% off)", st.Rows, c.Events, 100*d)
	}
	kinds := map[model.Kind]int{}
	lo, hi := c.Start.UnixMilli(), c.Start.Add(c.Span+time.Hour).UnixMilli()
	last := map[string]int64{}
	for i, in := range log.Interactions {
		kinds[in.Kind]++
		if in.At < lo || in.At > hi {
			t.Fatalf("row %d at %d, outside the span [%d, %d]", i, in.At, lo, hi)
		}
		if in.At < last[in.User] {
			t.Fatalf("row %d: user %s's rows are not in time order", i, in.User)
		}
		last[in.User] = in.At
		if in.Basket == "" || !strings.HasPrefix(in.Basket, in.User+".") {
			t.Fatalf("row %d: basket %q is not the user's session", i, in.Basket)
		}
	}
	for _, k := range []struct {
		kind     model.Kind
		lo, high float64
	}{{model.KindView, 0.72, 0.82}, {model.KindCart, 0.12, 0.18}, {model.KindPurchase, 0.06, 0.10}} {
		if s := float64(kinds[k.kind]) / float64(st.Rows); s < k.lo || s > k.high {
			t.Errorf("%s share %.3f; want %.2f..%.2f", k.kind, s, k.lo, k.high)
		}
	}
	if len(last) != c.Users {
		t.Errorf("%d users in the log; want %d", len(last), c.Users)
	}
}

// TestZipf: the rank-frequency curve of the head has slope -s against
// log(rank+q), for several exponents and offsets.
func TestZipf(t *testing.T) {
	for _, tc := range []struct {
		name string
		s, q float64
	}{{"s=0.7,q=0", 0.7, 0}, {"s=1,q=0", 1, 0}, {"s=1.3,q=0", 1.3, 0}, {"defaults", 0.85, 30}} {
		t.Run(tc.name, func(t *testing.T) {
			c := synth.For(20_000, 20_000, 11)
			c.Zipf, c.ZipfOffset = tc.s, tc.q
			c.Events = 300_000
			data, _ := generate(t, c)
			count := map[string]int{}
			for _, in := range read(t, data).Interactions {
				count[in.Item]++
			}
			// Least squares of log count on log(rank+q) over ranks 1..100
			// (items i0000000.. are ranks 1.. by construction).
			var sx, sy, sxx, sxy float64
			const n = 100
			for r := 1; r <= n; r++ {
				x, y := math.Log(float64(r)+tc.q), math.Log(float64(max(1, count[synth.ItemID(r-1)])))
				sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
			}
			slope := (n*sxy - sx*sy) / (n*sxx - sx*sx)
			if math.Abs(slope+tc.s) > 0.1 {
				t.Fatalf("log-log slope of the head %.3f; want %.2f ± 0.1", slope, -tc.s)
			}
			t.Logf("slope %.3f (want %.2f)", slope, -tc.s)
		})
	}
}

// TestGroups: purchases cluster in groups. Two purchases of one basket share
// a category far more often than two random purchases do.
func TestGroups(t *testing.T) {
	c := synth.For(10_000, 3000, 5)
	c.Events = 150_000
	log := read(t, mustGen(t, c))
	cat := map[string]string{}
	for _, it := range log.Catalog {
		cat[it.ID] = it.Category
	}
	var buys []train.Interaction
	for _, in := range log.Interactions {
		if in.Kind == model.KindPurchase {
			buys = append(buys, in)
		}
	}
	same, pairs := 0, 0
	for i := 1; i < len(buys); i++ {
		if buys[i].Basket == buys[i-1].Basket {
			pairs++
			if cat[buys[i].Item] == cat[buys[i-1].Item] {
				same++
			}
		}
	}
	random := 0
	for i := 1; i < len(buys); i++ {
		if cat[buys[i].Item] == cat[buys[(i*7919)%len(buys)].Item] {
			random++
		}
	}
	inBasket, base := float64(same)/float64(pairs), float64(random)/float64(len(buys)-1)
	t.Logf("same category: %.3f of %d basket pairs, %.3f of random pairs", inBasket, pairs, base)
	if pairs < 1000 || inBasket < 0.6 || inBasket < 10*base {
		t.Fatalf("same-category share %.3f in baskets vs %.3f at random over %d pairs; want ≥ 0.6 and ≥ 10×", inBasket, base, pairs)
	}
}

func mustGen(t testing.TB, c synth.Config) []byte {
	data, _ := generate(t, c)
	return data
}

// TestLearnable: a model trained on the purchases of a generated log beats
// popularity by a wide margin on the quality protocol: the log has structure
// to learn. The log is stationary (tastes do not drift over the year), so the
// model is trained without the recency weighting DefaultConfig tuned on UCI
// Online Retail; with it, half of the year's purchases count for little.
func TestLearnable(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	c := synth.For(1000, 2000, 13)
	c.Groups = 50
	c.Events = 150_000
	full := read(t, mustGen(t, c))
	buys := &train.Log{Catalog: full.Catalog}
	for _, in := range full.Interactions {
		if in.Kind == model.KindPurchase {
			buys.Interactions = append(buys.Interactions, in)
		}
	}
	trainLog, cases := eval.Split(buys)
	if len(cases) < 1000 {
		t.Fatalf("only %d test customers", len(cases))
	}
	pop, err := eval.Evaluate(cases, eval.Popularity(trainLog))
	if err != nil {
		t.Fatal(err)
	}
	cfg := train.DefaultConfig()
	cfg.TrainHalfLifeDays, cfg.Params.HalfLifeDays = 0, 0
	spec, err := train.Train(trainLog, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Build(spec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := eval.Evaluate(cases, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cases: popularity %v; trained %v", len(cases), pop, got)
	if got.NDCG < 3*pop.NDCG {
		t.Fatalf("trained NDCG@10 %.4f vs popularity %.4f; want at least 3×", got.NDCG, pop.NDCG)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*synth.Config)
		want   string // in the error; empty: valid
	}{
		{"defaults", func(*synth.Config) {}, ""},
		{"no items", func(c *synth.Config) { c.Items = 0 }, "items is 0"},
		{"too many items", func(c *synth.Config) { c.Items = model.MaxItems + 1 }, "model.MaxItems"},
		{"no users", func(c *synth.Config) { c.Users = 0 }, "users is 0"},
		{"fewer events than users", func(c *synth.Config) { c.Events = c.Users - 1 }, "events is"},
		{"more groups than items", func(c *synth.Config) { c.Groups = c.Items + 1 }, "groups is"},
		{"no groups per user", func(c *synth.Config) { c.GroupsPerUser = 0 }, "groups per user"},
		{"NaN zipf", func(c *synth.Config) { c.Zipf = math.NaN() }, "zipf"},
		{"loyalty above 1", func(c *synth.Config) { c.Loyalty = 1.5 }, "loyalty"},
		{"negative cart rate", func(c *synth.Config) { c.CartRate = -0.1 }, "cart rate"},
		{"no views", func(c *synth.Config) { c.ViewsPerSession = 0.5 }, "views per session"},
		{"short span", func(c *synth.Config) { c.Span = time.Minute }, "span"},
		{"no start", func(c *synth.Config) { c.Start = time.Time{} }, "start"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := synth.DefaultConfig()
			tc.change(&c)
			err := c.Validate()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, synth.ErrConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v; want ErrConfig mentioning %q", err, tc.want)
			}
			if _, gerr := synth.Generate(io.Discard, c, nil); !errors.Is(gerr, synth.ErrConfig) {
				t.Fatalf("Generate accepted a config Validate refuses: %v", gerr)
			}
		})
	}
}

// BenchmarkGenerate measures rows per second into io.Discard (no gzip).
func BenchmarkGenerate(b *testing.B) {
	c := synth.For(100_000, 10_000, 1)
	b.ReportAllocs()
	var rows int
	for b.Loop() {
		st, err := synth.Generate(io.Discard, c, nil)
		if err != nil {
			b.Fatal(err)
		}
		rows = st.Rows
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
