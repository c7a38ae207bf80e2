package train

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/privrec/privrec/model"
)

// Interaction is one row of an interaction log: a user did Kind with Item at
// At (Unix ms). Basket groups the rows of one invoice or session; it may be
// empty, in which case rows with the same user and time form a basket.
type Interaction struct {
	User     string
	Item     string
	Kind     model.Kind
	At       int64 // Unix ms
	Basket   string
	Quantity float64
}

// Log is an interaction log and the catalog it mentions: one catalog item per
// distinct item id, in order of first appearance, with the last non-empty
// title and the last positive price seen for it.
//
// A Log is a plain value; it is not safe for concurrent mutation, but any
// number of goroutines may read it.
type Log struct {
	Interactions []Interaction
	Catalog      []model.Item
}

// Users returns the distinct user ids of l, sorted.
func (l *Log) Users() []string {
	seen := make(map[string]struct{})
	for _, in := range l.Interactions {
		seen[in.User] = struct{}{}
	}
	out := make([]string, 0, len(seen))
	for u := range seen {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// catalogBuilder collects the catalog while a reader streams rows.
type catalogBuilder struct {
	index map[string]int
	items []model.Item
}

func newCatalogBuilder() *catalogBuilder {
	return &catalogBuilder{index: make(map[string]int)}
}

func (c *catalogBuilder) add(id, title string, price float64, category string) {
	i, ok := c.index[id]
	if !ok {
		i = len(c.items)
		c.index[id] = i
		c.items = append(c.items, model.Item{ID: id})
	}
	it := &c.items[i]
	if t := strings.TrimSpace(title); t != "" {
		it.Title = t
	}
	if price > 0 {
		it.Price = price
	}
	if category != "" {
		it.Category = category
	}
}

// maxLinesPerReason bounds the line numbers a Report keeps for one reason.
const maxLinesPerReason = 20

// Report says what a reader did with every row of its input: kept, excluded
// by a filter (counted per reason) or malformed (counted per reason, with the
// line numbers of the first few). Nothing is dropped silently: Rows is always
// Kept plus the excluded and malformed counts.
//
// A Report is not safe for concurrent use.
type Report struct {
	Rows      int                   // data rows read, header excluded
	Kept      int                   // rows turned into interactions
	Excluded  map[string]int        // filter reason → rows
	Malformed map[string]*Malformed // problem → rows and where
	// TimeFormat is how the reader read times: a Mapping's TimeFormat
	// (TimeRFC3339 when empty), or the UCI InvoiceDate layout. Check names
	// it when times look like a unit mismatch.
	TimeFormat string
}

// Malformed counts the rows that failed to parse for one reason.
type Malformed struct {
	Count int
	Lines []int // 1-based line numbers of the first rows (at most 20)
}

func newReport() *Report {
	return &Report{Excluded: make(map[string]int), Malformed: make(map[string]*Malformed)}
}

func (r *Report) exclude(reason string) { r.Excluded[reason]++ }

func (r *Report) malformed(reason string, line int) {
	m := r.Malformed[reason]
	if m == nil {
		m = &Malformed{}
		r.Malformed[reason] = m
	}
	m.Count++
	if len(m.Lines) < maxLinesPerReason {
		m.Lines = append(m.Lines, line)
	}
}

// MalformedRows is the number of rows that did not parse.
func (r *Report) MalformedRows() int {
	n := 0
	for _, m := range r.Malformed {
		n += m.Count
	}
	return n
}

// ExcludedRows is the number of rows a filter left out.
func (r *Report) ExcludedRows() int {
	n := 0
	for _, c := range r.Excluded {
		n += c
	}
	return n
}

// String formats r for the CLI, reasons sorted by name.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rows: %d, kept: %d, excluded: %d, malformed: %d\n", r.Rows, r.Kept, r.ExcludedRows(), r.MalformedRows())
	for _, k := range sortedKeys(r.Excluded) {
		fmt.Fprintf(&b, "  excluded (%s): %d\n", k, r.Excluded[k])
	}
	keys := make([]string, 0, len(r.Malformed))
	for k := range r.Malformed {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m := r.Malformed[k]
		lines := make([]string, len(m.Lines))
		for i, l := range m.Lines {
			lines[i] = fmt.Sprint(l)
		}
		more := ""
		if m.Count > len(m.Lines) {
			more = ", …"
		}
		fmt.Fprintf(&b, "  malformed (%s): %d, lines %s%s\n", k, m.Count, strings.Join(lines, ", "), more)
	}
	return b.String()
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Warning codes Check reports, one per kind of log that looks wrong.
const (
	WarnEpoch       = "epoch"        // times in 1970: a time unit too small (seconds read as milliseconds)
	WarnFuture      = "future"       // times after now: a time unit too large (milliseconds read as seconds)
	WarnSameTime    = "same-time"    // every event at one time
	WarnSpan        = "span"         // a span far longer than a fixed half-life
	WarnSingleEvent = "single-event" // most users have one event
)

// Warning is one thing Check found suspicious, with a message that says
// what to do about it. It is a plain value.
type Warning struct {
	Code    string // WarnEpoch, WarnFuture, …
	Message string
}

func (w Warning) String() string { return "warning: " + w.Message }

// CheckOptions say what Check compares the log with.
type CheckOptions struct {
	// TimeFormat is how the times were read (Report.TimeFormat), named in
	// the time-unit warnings.
	TimeFormat string
	// Now is the current time, Unix ms: later events are in the future.
	Now int64
	// HalfLives are the fixed half-lives, in days, by flag name (those a
	// search did not choose), compared with the log's span; zero ones are
	// off and skipped.
	HalfLives []NamedHalfLife
}

// NamedHalfLife is a half-life and the flag that sets it.
type NamedHalfLife struct {
	Flag string
	Days float64
}

// spanHalfLives is how many half-lives a log may span before Check warns:
// the oldest events then weigh less than 2⁻¹⁶ of the newest, next to
// nothing, and most of the log teaches the model nothing.
const spanHalfLives = 16

// Check looks for signs that log was read or exported wrongly: times near
// 1970 or in the future (a time-unit mismatch), all events at one time, a
// span many times longer than a fixed half-life, and a log where most users
// have a single event (a user column that is really a session or an event
// id). It returns the warnings in that order, none for a log that looks
// fine.
func Check(log *Log, o CheckOptions) []Warning {
	if log == nil || len(log.Interactions) == 0 {
		return nil
	}
	s := Stats(log)
	var out []Warning
	format := o.TimeFormat
	switch format {
	case "":
		format = TimeRFC3339
	case TimeUnix:
		format = "unix (seconds since 1970)"
	case TimeUnixMs:
		format = "unix_ms (milliseconds since 1970)"
	}
	const year1971 = 365 * 24 * 3600 * 1000
	early, late := 0, 0
	for _, in := range log.Interactions {
		if in.At < year1971 {
			early++
		}
		if o.Now > 0 && in.At > o.Now+24*3600*1000 {
			late++
		}
	}
	date := func(ms int64) string { return time.UnixMilli(ms).UTC().Format("2006-01-02") }
	if early > 0 {
		hint := "check the time column and its unit"
		if o.TimeFormat == TimeUnixMs {
			hint = "if the times are seconds, use time_format=unix"
		}
		out = append(out, Warning{WarnEpoch, fmt.Sprintf("%d of %d events are dated before 1971 (earliest %s), with times read as %s: a time-unit mismatch? %s",
			early, s.Interactions, date(s.Start), format, hint)})
	}
	if late > 0 {
		hint := "check the time column and its unit"
		if o.TimeFormat == TimeUnix {
			hint = "if the times are milliseconds, use time_format=unix_ms"
		}
		out = append(out, Warning{WarnFuture, fmt.Sprintf("%d of %d events are dated in the future (latest %s), with times read as %s: a time-unit mismatch? %s",
			late, s.Interactions, futureDate(s.End), format, hint)})
	}
	if s.Interactions > 1 && s.Start == s.End {
		out = append(out, Warning{WarnSameTime, fmt.Sprintf("all %d events have the same time (%s): recency, half-lives and sessions do nothing, and baskets cannot be ordered; check the time column",
			s.Interactions, date(s.Start))})
	}
	if s.SpanDays > 0 {
		for _, h := range o.HalfLives {
			if h.Days > 0 && s.SpanDays > spanHalfLives*h.Days {
				out = append(out, Warning{WarnSpan, fmt.Sprintf("the log spans %.0f days, %.0f× --%s %g days: its older events weigh next to nothing; let train tune it (drop the flag and --no-tune) or set it nearer the span (0: no decay)",
					s.SpanDays, s.SpanDays/h.Days, h.Flag, h.Days)})
			}
		}
	}
	if s.Users >= 10 && 2*s.SingleEventUsers > s.Users {
		out = append(out, Warning{WarnSingleEvent, fmt.Sprintf("%d of %d users (%.0f%%) have a single event: they teach nothing about what goes together and cannot be tested; is the user column a session or event id?",
			s.SingleEventUsers, s.Users, 100*float64(s.SingleEventUsers)/float64(s.Users))})
	}
	return out
}

// futureDate formats ms as a date, or as a year for dates beyond 9999.
func futureDate(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	if t.Year() > 9999 {
		return fmt.Sprintf("year %d", t.Year())
	}
	return t.Format("2006-01-02")
}
