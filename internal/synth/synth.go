// Package synth generates seeded synthetic interaction logs with the
// structure a recommender is meant to learn: Zipfian item popularity, groups
// of co-bought items (a shopper mostly buys from a few groups, and a session
// stays mostly within one), a view → cart → purchase funnel, sessions spread
// over a span of time with a daily rhythm, and a basket id per session.
//
// The log is a CSV that train.ReadCSV reads with Mapping (the CLI spells it
// Columns); rows are written as they are drawn, so memory stays bounded by
// the catalog (about 30 bytes per item) whatever the number of events.
//
// # Notes
//
// The popularity of an item is exactly Zipfian in expectation even though
// shoppers stick to their groups: a session's group is drawn in proportion
// to its members' summed Zipf weight (whether it is one of the shopper's own
// groups or not), and an item within its group in proportion to its own
// weight, so P(item) = (W_g/W)·(w_i/W_g) = w_i/W.
package synth

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

// Config describes a synthetic log. Start from DefaultConfig and change what
// you need; the zero value is not valid. A Config is a plain value, safe to
// copy and share. The same Config gives the same log, byte for byte.
type Config struct {
	// Items is the catalog size. Default 10 000; at most model.MaxItems.
	Items int
	// Users is the number of shoppers. Default 1 000.
	Users int
	// Events is the expected number of rows (views, carts and purchases
	// together); the actual count varies by a fraction of a percent with
	// the seed. Every user has at least one session (about 6.5 rows with
	// the defaults), so fewer events than that per user give more rows.
	// Default 10 per user.
	Events int
	// Seed drives every random draw. Default 1.
	Seed uint64
	// Groups is the number of groups of co-bought items; they are also the
	// catalog's categories. Default Items/100 (at least 1).
	Groups int
	// GroupsPerUser is how many groups a shopper favours (drawn by group
	// popularity, repeats allowed). Default 3.
	GroupsPerUser int
	// Zipf is the exponent s and ZipfOffset the offset q of item
	// popularity (Zipf–Mandelbrot): the item of rank r = 1, 2, … is drawn
	// with weight 1/(r+q)^s. The offset flattens the head, as in real
	// shops. Defaults 0.85 and 30, fitted to the purchase counts of UCI
	// Online Retail at ranks 1, 10, 100 and 1000 (2035, 1083, 549, 124).
	Zipf       float64
	ZipfOffset float64
	// Loyalty is the share of a shopper's sessions about one of their own
	// groups; the others are about a group drawn by popularity. Default 0.9.
	Loyalty float64
	// Cohesion is the share of a session's views within the session's
	// group; the others are drawn from the whole catalog by popularity.
	// Default 0.85.
	Cohesion float64
	// ViewsPerSession is the mean number of views in a session (at least
	// 1). Default 5.
	ViewsPerSession float64
	// CartRate is the chance that a view is followed by a cart. Default 0.2.
	CartRate float64
	// PurchaseRate is the chance that a carted item is bought at the end of
	// the session. Default 0.5. With the defaults, rows are about 77%
	// views, 15% carts and 8% purchases.
	PurchaseRate float64
	// Start and Span are the period sessions start in. Default the year
	// 2025 (UTC).
	Start time.Time
	Span  time.Duration
}

// DefaultConfig returns the documented defaults: 10 000 items, 1 000 users,
// 10 000 events, seed 1.
func DefaultConfig() Config {
	return Config{
		Items: 10_000, Users: 1_000, Events: 10_000, Seed: 1,
		Groups: 100, GroupsPerUser: 3, Zipf: 0.85, ZipfOffset: 30,
		Loyalty: 0.9, Cohesion: 0.85, ViewsPerSession: 5, CartRate: 0.2, PurchaseRate: 0.5,
		Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), Span: 365 * 24 * time.Hour,
	}
}

// For returns DefaultConfig sized for items and users: 10 events per user and
// one group per 100 items.
func For(items, users int, seed uint64) Config {
	c := DefaultConfig()
	c.Items, c.Users, c.Seed = items, users, seed
	c.Events = 10 * users
	c.Groups = max(1, items/100)
	return c
}

// Limits of Validate: what a log generated in minutes can hold.
const (
	MaxUsers  = 100_000_000
	MaxEvents = 1_000_000_000
)

// ErrConfig is wrapped by every error of Validate.
var ErrConfig = errors.New("invalid synth config")

func configErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrConfig, fmt.Sprintf(format, args...))
}

// Validate reports whether c can generate a log, naming the first field out
// of range and its allowed range.
func (c Config) Validate() error {
	switch {
	case c.Items < 1 || c.Items > model.MaxItems:
		return configErr("items is %d; want 1..%d (model.MaxItems)", c.Items, model.MaxItems)
	case c.Users < 1 || c.Users > MaxUsers:
		return configErr("users is %d; want 1..%d", c.Users, MaxUsers)
	case c.Events < c.Users || c.Events > MaxEvents:
		return configErr("events is %d; want users (%d, every user has a session) ..%d", c.Events, c.Users, MaxEvents)
	case c.Groups < 1 || c.Groups > c.Items:
		return configErr("groups is %d; want 1..items (%d)", c.Groups, c.Items)
	case c.GroupsPerUser < 1 || c.GroupsPerUser > 64:
		return configErr("groups per user is %d; want 1..64", c.GroupsPerUser)
	case !(c.Zipf >= 0 && c.Zipf <= 4):
		return configErr("zipf exponent is %v; want 0..4", c.Zipf)
	case !(c.ZipfOffset >= 0 && c.ZipfOffset <= 1e6):
		return configErr("zipf offset is %v; want 0..1e6", c.ZipfOffset)
	case !(c.ViewsPerSession >= 1 && c.ViewsPerSession <= 1000):
		return configErr("views per session is %v; want 1..1000", c.ViewsPerSession)
	case c.Span < time.Hour:
		return configErr("span is %v; want at least an hour", c.Span)
	case c.Start.IsZero():
		return configErr("start time is not set")
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"loyalty", c.Loyalty}, {"cohesion", c.Cohesion}, {"cart rate", c.CartRate}, {"purchase rate", c.PurchaseRate}} {
		if !(p.v >= 0 && p.v <= 1) {
			return configErr("%s is %v; want 0..1", p.name, p.v)
		}
	}
	return nil
}

// rowsPerSession is the expected number of rows of one session.
func (c Config) rowsPerSession() float64 {
	return c.ViewsPerSession * (1 + c.CartRate + c.CartRate*c.PurchaseRate)
}

// The CSV layout of a generated log.
const (
	Header = "user,item,event,ts,basket,quantity,category"
	// Columns is Mapping as the --columns flag of privrec train spells it.
	Columns = "user=user,item=item,kind=event,time=ts,time_format=unix_ms,basket=basket,quantity=quantity,category=category"
	// CatalogHeader is the header of WriteCatalog's CSV.
	CatalogHeader = "id,title,price,category"
)

// Mapping is how train.ReadCSV reads a generated log.
func Mapping() train.Mapping {
	return train.Mapping{User: "user", Item: "item", Kind: "event", Time: "ts", TimeFormat: train.TimeUnixMs,
		Basket: "basket", Quantity: "quantity", Category: "category"}
}

// ItemID is the id of the item of popularity rank i (0 is the most popular).
func ItemID(i int) string { return string(appendID(nil, 'i', i)) }

// UserID is the id of user u.
func UserID(u int) string { return string(appendID(nil, 'u', u)) }

// GroupID is the id (and category) of group g.
func GroupID(g int) string { return string(appendID(nil, 'g', g)) }

// appendID appends prefix and n zero-padded to 7 digits.
func appendID(b []byte, prefix byte, n int) []byte {
	b = append(b, prefix)
	for d := 1_000_000; d > 1 && n < d; d /= 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// Stats counts what Generate wrote.
type Stats struct {
	Rows, Views, Carts, Purchases int
	Sessions, Users               int
	// ItemsSeen is the number of distinct items in the log; the long tail of
	// a Zipfian catalog may never be drawn.
	ItemsSeen int
}

func (s Stats) String() string {
	pct := func(n int) float64 { return 100 * float64(n) / float64(max(1, s.Rows)) }
	return fmt.Sprintf("%d rows (%d views %.0f%%, %d carts %.0f%%, %d purchases %.0f%%), %d sessions, %d users, %d items seen",
		s.Rows, s.Views, pct(s.Views), s.Carts, pct(s.Carts), s.Purchases, pct(s.Purchases), s.Sessions, s.Users, s.ItemsSeen)
}

// world is the catalog's fixed structure: popularity and groups.
type world struct {
	cfg     Config
	itemCum []float64 // cumulative Zipf weight by rank
	group   []int32   // group of each item
	// members lists each group's items in rank order, groups one after
	// the other: group g is members[start[g]:start[g+1]], and memberCum
	// the cumulative weight within the group, aligned with members.
	members   []int32
	start     []int32
	memberCum []float64
	groupCum  []float64 // cumulative group weight
}

// Stream ids keep the draws of different purposes independent of each other.
const (
	streamWorld   = 0x9e3779b97f4a7c15
	streamUser    = 0xbf58476d1ce4e5b9
	streamCatalog = 0x94d049bb133111eb
)

func newWorld(c Config) *world {
	n, g := c.Items, c.Groups
	w := &world{cfg: c, itemCum: make([]float64, n), group: make([]int32, n)}
	sum := 0.0
	for i := range n {
		sum += math.Pow(float64(i+1)+c.ZipfOffset, -c.Zipf)
		w.itemCum[i] = sum
	}
	// Equal-sized groups of random members: shuffle the ranks, deal them
	// round-robin.
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	rng := rand.New(rand.NewPCG(c.Seed, streamWorld))
	rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
	for k, item := range perm {
		w.group[item] = int32(k % g)
	}
	w.start = make([]int32, g+1)
	for _, gr := range w.group {
		w.start[gr+1]++
	}
	for k := range g {
		w.start[k+1] += w.start[k]
	}
	w.members = make([]int32, n)
	w.memberCum = make([]float64, n)
	fill := slices.Clone(w.start[:g])
	for i, gr := range w.group { // rank order, so members are too
		w.members[fill[gr]] = int32(i)
		fill[gr]++
	}
	w.groupCum = make([]float64, g)
	total := 0.0
	for k := range g {
		s := 0.0
		for p := w.start[k]; p < w.start[k+1]; p++ {
			s += w.weight(int(w.members[p]))
			w.memberCum[p] = s
		}
		total += s
		w.groupCum[k] = total
	}
	return w
}

func (w *world) weight(i int) float64 {
	if i == 0 {
		return w.itemCum[0]
	}
	return w.itemCum[i] - w.itemCum[i-1]
}

// search returns the first index of cum (non-decreasing) whose value
// exceeds u, clamped to the last one; zero-weight entries are never chosen.
func search(cum []float64, u float64) int {
	lo, hi := 0, len(cum)-1
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if cum[m] > u {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

func (w *world) popularItem(r *rand.Rand) int32 {
	return int32(search(w.itemCum, r.Float64()*w.itemCum[len(w.itemCum)-1]))
}

func (w *world) popularGroup(r *rand.Rand) int32 {
	return int32(search(w.groupCum, r.Float64()*w.groupCum[len(w.groupCum)-1]))
}

func (w *world) itemIn(r *rand.Rand, g int32) int32 {
	cum := w.memberCum[w.start[g]:w.start[g+1]]
	return w.members[int(w.start[g])+search(cum, r.Float64()*cum[len(cum)-1])]
}

// hourWeights is the daily rhythm of session starts (UTC hours): quiet
// nights, a lunch bump and an evening peak.
var hourWeights = [24]float64{1, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2, 2.2, 2.3, 2.5, 2.8, 2.6, 2.4, 2.4, 2.6, 3, 3.5, 4, 4.2, 3.8, 3, 2}

var hourCum = func() []float64 {
	out := make([]float64, 24)
	s := 0.0
	for i, w := range hourWeights {
		s += w
		out[i] = s
	}
	return out
}()

// Generate writes the log c describes to w as CSV (Header, then one row per
// event), user after user, each user's rows in time order. progress, if not
// nil, is called now and then with the users done so far.
func Generate(w io.Writer, c Config, progress func(done, total int)) (Stats, error) {
	var st Stats
	if err := c.Validate(); err != nil {
		return st, fmt.Errorf("generate log: %w", err)
	}
	wd := newWorld(c)
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(Header + "\n")
	seen := make([]bool, c.Items)
	g := generator{w: wd, seen: seen}
	sessionsPerUser := float64(c.Events) / c.rowsPerSession() / float64(c.Users)
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	every := max(1, c.Users/200)
	for u := range c.Users {
		pcg.Seed(c.Seed, streamUser^uint64(u))
		g.user(r, u, sessionsPerUser, &st)
		if len(g.buf) >= 1<<15 {
			if _, err := bw.Write(g.buf); err != nil {
				return st, fmt.Errorf("generate log: write: %w", err)
			}
			g.buf = g.buf[:0]
		}
		if progress != nil && (u+1)%every == 0 {
			progress(u+1, c.Users)
		}
	}
	if _, err := bw.Write(g.buf); err != nil {
		return st, fmt.Errorf("generate log: write: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return st, fmt.Errorf("generate log: write: %w", err)
	}
	for _, s := range seen {
		if s {
			st.ItemsSeen++
		}
	}
	st.Users = c.Users
	if progress != nil {
		progress(c.Users, c.Users)
	}
	return st, nil
}

// generator holds the buffers reused from user to user.
type generator struct {
	w        *world
	seen     []bool
	buf      []byte
	groups   []int32
	sessions []int64
	cart     []int32
	uid      []byte
}

const (
	msPerHour = int64(time.Hour / time.Millisecond)
	msPerDay  = 24 * msPerHour
	// meanGapMs is the mean time between two views of a session.
	meanGapMs = 45_000
)

// user draws and appends all of user u's rows.
func (g *generator) user(r *rand.Rand, u int, meanSessions float64, st *Stats) {
	c := &g.w.cfg
	g.uid = appendID(g.uid[:0], 'u', u)
	// Activity is log-normal with mean 1: a few shoppers are busy, most
	// come back rarely.
	// Everyone has one session; the rest are spread by activity.
	activity := math.Exp(r.NormFloat64() - 0.5)
	x := max(0, meanSessions-1) * activity
	n := int(x)
	if r.Float64() < x-float64(n) {
		n++
	}
	n++
	g.groups = g.groups[:0]
	for range c.GroupsPerUser {
		g.groups = append(g.groups, g.w.popularGroup(r))
	}
	start := c.Start.UnixMilli()
	spanMs := c.Span.Milliseconds()
	days := max(1, spanMs/msPerDay)
	g.sessions = g.sessions[:0]
	for range n {
		day := r.Int64N(days)
		hour := int64(search(hourCum, r.Float64()*hourCum[23]))
		t := day*msPerDay + hour*msPerHour + r.Int64N(msPerHour)
		if t >= spanMs {
			t = r.Int64N(spanMs)
		}
		g.sessions = append(g.sessions, start+t)
	}
	slices.Sort(g.sessions)
	for s, t := range g.sessions {
		g.session(r, t, s, st)
	}
	st.Sessions += n
}

// session appends one session's rows: views (some followed by a cart),
// then the purchases of some carted items at checkout.
func (g *generator) session(r *rand.Rand, t int64, s int, st *Stats) {
	c := &g.w.cfg
	var topic int32
	if r.Float64() < c.Loyalty {
		// Favour the first of the shopper's groups: weights 1, 1/2, 1/3, …
		k := len(g.groups)
		h := 0.0
		for i := range k {
			h += 1 / float64(i+1)
		}
		v, i := r.Float64()*h, 0
		for ; i < k-1; i++ {
			v -= 1 / float64(i+1)
			if v < 0 {
				break
			}
		}
		topic = g.groups[i]
	} else {
		topic = g.w.popularGroup(r)
	}
	views := 1
	if m := c.ViewsPerSession - 1; m > 0 {
		// Geometric with mean m: the chance of one more view is m/(m+1).
		for p := m / (m + 1); r.Float64() < p; {
			views++
		}
	}
	g.cart = g.cart[:0]
	for range views {
		var it int32
		if r.Float64() < c.Cohesion {
			it = g.w.itemIn(r, topic)
		} else {
			it = g.w.popularItem(r)
		}
		g.row(it, "view", t, s, 1)
		st.Views++
		if r.Float64() < c.CartRate {
			t += 2_000 + r.Int64N(20_000)
			g.row(it, "cart", t, s, 1)
			st.Carts++
			g.cart = append(g.cart, it)
		}
		t += 1_000 + int64(r.ExpFloat64()*meanGapMs)
	}
	for _, it := range g.cart {
		if r.Float64() < c.PurchaseRate {
			q := 1
			if v := r.Float64(); v < 0.05 {
				q = 3
			} else if v < 0.2 {
				q = 2
			}
			g.row(it, "purchase", t, s, q)
			st.Purchases++
		}
	}
	st.Rows = st.Views + st.Carts + st.Purchases
}

func (g *generator) row(item int32, kind string, t int64, s int, q int) {
	g.seen[item] = true
	b := append(g.buf, g.uid...)
	b = append(b, ',')
	b = appendID(b, 'i', int(item))
	b = append(b, ',')
	b = append(b, kind...)
	b = append(b, ',')
	b = strconv.AppendInt(b, t, 10)
	b = append(b, ',')
	b = append(b, g.uid...)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(s), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(q), 10)
	b = append(b, ',')
	b = appendID(b, 'g', int(g.w.group[item]))
	g.buf = append(b, '\n')
}
