package train

import (
	"fmt"
	"sort"
	"strings"

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
