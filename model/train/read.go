package train

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/privrec/privrec/model"
)

// Reasons a reader excludes a well-formed row; they key Report.Excluded.
const (
	ReasonNoCustomer = "no customer id"
	ReasonCancelled  = "cancellation invoice (C)"
	ReasonAdjustment = "adjustment invoice (A)"
	ReasonQuantity   = "quantity <= 0"
	ReasonNotProduct = "stock code not a product"
	ReasonNoUser     = "no user id"
	ReasonNoItem     = "no item id"
	// ReasonLowRating prefixes the reason of rows rated below the
	// threshold; the full key states the threshold and where it came from,
	// e.g. "rating below 3.5 (the log's median)".
	ReasonLowRating = "rating below"
)

// Problems that make a row malformed; they key Report.Malformed.
const (
	BadColumns  = "column count"
	BadCSV      = "csv syntax"
	BadTime     = "unparsable time"
	BadQuantity = "unparsable quantity"
	BadPrice    = "unparsable price"
	BadKind     = "unknown kind"
	BadRating   = "unparsable rating"
)

// uciLayout is InvoiceDate's format in the UCI CSV (UK local time, read as UTC).
const uciLayout = "2006-01-02T15:04:05"

// ReadUCI reads the UCI Online Retail CSV (plain or gzip-compressed: the
// magic bytes decide) and applies the quality protocol's filter: purchases
// with a customer id, quantity > 0, an invoice not starting with C or A, and
// a stock code starting with a digit. Every row the filter leaves out is
// counted in the Report by reason, every row that does not parse by problem
// and line. InvoiceDate is read as UTC.
//
// Errors wrap model.ErrBadRequest (a header without the needed columns) or
// model.ErrCorrupt (input that cannot be read at all).
func ReadUCI(r io.Reader) (*Log, *Report, error) { return ReadUCIDelim(r, 0) }

// ReadUCIDelim is ReadUCI with a field delimiter; 0 detects it from the
// header (comma, semicolon or tab).
func ReadUCIDelim(r io.Reader, delim rune) (*Log, *Report, error) {
	cr, err := newCSV(r, delim)
	if err != nil {
		return nil, nil, fmt.Errorf("read uci: %w", err)
	}
	col, err := cr.columns("InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID")
	if err != nil {
		return nil, nil, fmt.Errorf("read uci: %w", err)
	}
	inv, code, desc, qty, date, price, cust := col[0], col[1], col[2], col[3], col[4], col[5], col[6]
	log := &Log{}
	cat := newCatalogBuilder()
	rep := newReport()
	rep.TimeFormat = uciLayout + " (UTC)"
	timesOK := 0
	var badTime *TimeError
	err = cr.each(rep, func(rec []string, line int) {
		q, err := strconv.ParseFloat(strings.TrimSpace(rec[qty]), 64)
		if err != nil || math.IsNaN(q) || math.IsInf(q, 0) {
			rep.malformed(BadQuantity, line)
			return
		}
		t, err := time.ParseInLocation(uciLayout, strings.TrimSpace(rec[date]), time.UTC)
		if err != nil {
			rep.malformed(BadTime, line)
			if badTime == nil {
				badTime = &TimeError{Value: strings.TrimSpace(rec[date]), Line: line, Column: "InvoiceDate", Format: uciLayout, UCI: true}
			}
			return
		}
		timesOK++
		p, err := strconv.ParseFloat(strings.TrimSpace(rec[price]), 64)
		if err != nil || math.IsNaN(p) || math.IsInf(p, 0) {
			rep.malformed(BadPrice, line)
			return
		}
		user := strings.TrimSpace(rec[cust])
		invoice := strings.TrimSpace(rec[inv])
		item := strings.TrimSpace(rec[code])
		switch {
		case user == "" || strings.EqualFold(user, "NA"):
			rep.exclude(ReasonNoCustomer)
			return
		case strings.HasPrefix(invoice, "C") || strings.HasPrefix(invoice, "c"):
			rep.exclude(ReasonCancelled)
			return
		case strings.HasPrefix(invoice, "A") || strings.HasPrefix(invoice, "a"):
			rep.exclude(ReasonAdjustment)
			return
		case q <= 0:
			rep.exclude(ReasonQuantity)
			return
		case item == "" || item[0] < '0' || item[0] > '9' || len(item) > model.MaxIDLen:
			rep.exclude(ReasonNotProduct)
			return
		}
		rep.Kept++
		log.Interactions = append(log.Interactions, Interaction{
			User: user, Item: item, Kind: model.KindPurchase, At: t.UnixMilli(), Basket: invoice, Quantity: q,
		})
		cat.add(item, rec[desc], p, "")
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read uci: %w", err)
	}
	if timesOK == 0 && badTime != nil {
		return nil, nil, fmt.Errorf("read uci: %w", badTime)
	}
	log.Catalog = cat.items
	return log, rep, nil
}

// Time formats a Mapping understands besides a Go layout.
const (
	TimeRFC3339 = "rfc3339"
	TimeUnix    = "unix"    // seconds
	TimeUnixMs  = "unix_ms" // milliseconds
)

// Mapping names the columns of a CSV interaction log. User, Item and Time
// are required; the others are optional (empty: absent).
type Mapping struct {
	User string // column of the user id
	Item string // column of the item id
	// Kind is the column of the event kind (view, cart or purchase); when
	// absent, or for an empty cell, every row is a purchase.
	Kind string
	// Time is the column of the event time, read with TimeFormat.
	Time string
	// TimeFormat is TimeRFC3339, TimeUnix, TimeUnixMs or a Go time layout
	// (read as UTC). Empty means TimeRFC3339.
	TimeFormat string
	Title      string // column of the item title
	Price      string // column of the unit price
	Category   string // column of the item category
	Basket     string // column of the invoice or session id
	Quantity   string // column of the quantity; absent means 1
	// Rating is the column of an explicit rating (stars, a score). When
	// given, a row is kept only if its rating is at least MinRating: a
	// film rated 1 of 5 is not a purchase. Rows without a rating cell are
	// kept.
	Rating string
	// MinRating is the lowest rating kept. Nil means the median of the
	// log's ratings, so at least half of the rated rows are kept whatever
	// the scale (1–5, 0.5–5, 1–10); see RATIONALE.md, "Other logs".
	MinRating *float64
	// Delimiter separates fields; 0 detects it from the header (comma,
	// semicolon or tab, whichever occurs most outside quotes).
	Delimiter rune
}

// Validate reports whether m names the required columns and no column twice.
func (m Mapping) Validate() error {
	if m.User == "" || m.Item == "" || m.Time == "" {
		return fmt.Errorf("%w: validate mapping: user, item and time columns are required", model.ErrBadRequest)
	}
	seen := map[string]string{}
	for _, f := range []struct{ role, col string }{
		{"user", m.User}, {"item", m.Item}, {"kind", m.Kind}, {"time", m.Time}, {"title", m.Title},
		{"price", m.Price}, {"category", m.Category}, {"basket", m.Basket}, {"quantity", m.Quantity},
		{"rating", m.Rating},
	} {
		if f.col == "" {
			continue
		}
		if other, dup := seen[f.col]; dup {
			return fmt.Errorf("%w: validate mapping: column %q is both %s and %s", model.ErrBadRequest, f.col, other, f.role)
		}
		seen[f.col] = f.role
	}
	if m.MinRating != nil {
		if m.Rating == "" {
			return fmt.Errorf("%w: validate mapping: a minimum rating needs a rating column (rating=COLUMN)", model.ErrBadRequest)
		}
		if math.IsNaN(*m.MinRating) || math.IsInf(*m.MinRating, 0) {
			return fmt.Errorf("%w: validate mapping: minimum rating %v is not a finite number", model.ErrBadRequest, *m.MinRating)
		}
	}
	switch m.TimeFormat {
	case "", TimeRFC3339, TimeUnix, TimeUnixMs:
	default:
		ref := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
		if _, err := time.Parse(m.TimeFormat, ref.Format(m.TimeFormat)); err != nil || !strings.ContainsAny(m.TimeFormat, "0123456789") {
			return fmt.Errorf("%w: validate mapping: time format %q is not rfc3339, unix, unix_ms or a Go layout", model.ErrBadRequest, m.TimeFormat)
		}
	}
	return nil
}

func (m Mapping) parseTime(s string) (int64, error) {
	s = strings.TrimSpace(s)
	switch m.TimeFormat {
	case "", TimeRFC3339:
		t, err := time.Parse(time.RFC3339, s)
		return t.UnixMilli(), err
	case TimeUnix:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v > math.MaxInt64/1000 || v < math.MinInt64/1000 {
			return 0, errors.New("bad unix time")
		}
		return v * 1000, nil
	case TimeUnixMs:
		return strconv.ParseInt(s, 10, 64)
	default:
		t, err := time.ParseInLocation(m.TimeFormat, s, time.UTC)
		return t.UnixMilli(), err
	}
}

// ReadCSV reads any CSV interaction log with a header row (plain or
// gzip-compressed), taking columns as m says. It applies no protocol filter:
// rows without a user or item are excluded, rows that do not parse are
// counted as malformed, and with a rating column rows rated below the
// threshold (m.MinRating, or the median of the log's ratings) are excluded
// under a reason that states the threshold; everything else is kept.
func ReadCSV(r io.Reader, m Mapping) (*Log, *Report, error) {
	if err := m.Validate(); err != nil {
		return nil, nil, fmt.Errorf("read csv: %w", err)
	}
	cr, err := newCSV(r, m.Delimiter)
	if err != nil {
		return nil, nil, fmt.Errorf("read csv: %w", err)
	}
	names := []string{m.User, m.Item, m.Time, m.Kind, m.Title, m.Price, m.Category, m.Basket, m.Quantity, m.Rating}
	col, err := cr.columns(names...)
	if err != nil {
		return nil, nil, fmt.Errorf("read csv: %w", err)
	}
	cell := func(rec []string, i int) string {
		if col[i] < 0 {
			return ""
		}
		return strings.TrimSpace(rec[col[i]])
	}
	log := &Log{}
	cat := newCatalogBuilder()
	rep := newReport()
	rep.TimeFormat = m.TimeFormat
	if rep.TimeFormat == "" {
		rep.TimeFormat = TimeRFC3339
	}
	// rated rows wait for the threshold, which may need every rating.
	type ratedRow struct {
		in    Interaction
		title string
		price float64
		catg  string
		r     float64
	}
	var rated []ratedRow
	timesOK := 0
	var badTime *TimeError
	err = cr.each(rep, func(rec []string, line int) {
		at, err := m.parseTime(cell(rec, 2))
		if err != nil {
			rep.malformed(BadTime, line)
			if badTime == nil {
				badTime = &TimeError{Value: cell(rec, 2), Line: line, Column: m.Time, Format: rep.TimeFormat}
			}
			return
		}
		timesOK++
		kind := model.KindPurchase
		if k := cell(rec, 3); k != "" {
			kind = model.Kind(strings.ToLower(k))
			if !kind.Valid() {
				rep.malformed(BadKind, line)
				return
			}
		}
		price := 0.0
		if s := cell(rec, 5); s != "" {
			price, err = strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(price) || math.IsInf(price, 0) {
				rep.malformed(BadPrice, line)
				return
			}
		}
		q := 1.0
		if s := cell(rec, 8); s != "" {
			q, err = strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(q) || math.IsInf(q, 0) {
				rep.malformed(BadQuantity, line)
				return
			}
		}
		rating, hasRating := 0.0, false
		if s := cell(rec, 9); s != "" {
			rating, err = strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(rating) || math.IsInf(rating, 0) {
				rep.malformed(BadRating, line)
				return
			}
			hasRating = true
		}
		user, item := cell(rec, 0), cell(rec, 1)
		switch {
		case user == "":
			rep.exclude(ReasonNoUser)
			return
		case item == "" || len(item) > model.MaxIDLen:
			rep.exclude(ReasonNoItem)
			return
		}
		in := Interaction{User: user, Item: item, Kind: kind, At: at, Basket: cell(rec, 7), Quantity: q}
		if hasRating {
			rated = append(rated, ratedRow{in: in, title: cell(rec, 4), price: price, catg: cell(rec, 6), r: rating})
			return
		}
		rep.Kept++
		log.Interactions = append(log.Interactions, in)
		cat.add(item, cell(rec, 4), price, cell(rec, 6))
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read csv: %w", err)
	}
	if timesOK == 0 && badTime != nil {
		return nil, nil, fmt.Errorf("read csv: %w", badTime)
	}
	if len(rated) > 0 {
		ratings := make([]float64, len(rated))
		for i, r := range rated {
			ratings[i] = r.r
		}
		min, reason := ratingThreshold(ratings, m.MinRating)
		// Rated rows join the log after the unrated ones; the protocol and
		// training order events by time, not by row.
		for _, r := range rated {
			if r.r < min {
				rep.exclude(reason)
				continue
			}
			rep.Kept++
			log.Interactions = append(log.Interactions, r.in)
			cat.add(r.in.Item, r.title, r.price, r.catg)
		}
	}
	log.Catalog = cat.items
	return log, rep, nil
}

// ratingThreshold is the lowest rating kept and the exclusion reason that
// states it: the given minimum, or else the median of ratings (the lower
// middle value for an even count, so at least half are kept).
func ratingThreshold(ratings []float64, given *float64) (float64, string) {
	if given != nil {
		return *given, fmt.Sprintf("%s %g (--min-rating)", ReasonLowRating, *given)
	}
	s := append([]float64(nil), ratings...)
	sort.Float64s(s)
	med := s[(len(s)-1)/2]
	return med, fmt.Sprintf("%s %g (the log's median rating; set --min-rating to change)", ReasonLowRating, med)
}

// csvReader is the streaming loop both readers share.
type csvReader struct {
	r      *csv.Reader
	header []string
}

func newCSV(r io.Reader, delim rune) (*csvReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: open gzip: %v", model.ErrCorrupt, err)
		}
		src = zr
	}
	sr := bufio.NewReaderSize(src, 64<<10)
	if delim == 0 {
		delim = detectDelimiter(sr)
	}
	if delim == '\r' || delim == '\n' || delim == '"' || delim == 0xFFFD || !utf8.ValidRune(delim) {
		return nil, fmt.Errorf("%w: delimiter %q: use a comma, semicolon, tab or another single character", model.ErrBadRequest, delim)
	}
	cr := csv.NewReader(sr)
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("%w: read header: empty input", model.ErrBadRequest)
		}
		return nil, fmt.Errorf("%w: read header: %v", model.ErrCorrupt, err)
	}
	h := make([]string, len(header))
	for i, name := range header {
		h[i] = strings.TrimSpace(strings.TrimPrefix(name, "\ufeff"))
	}
	return &csvReader{r: cr, header: h}, nil
}

// columns finds each named column (case-insensitive) in the header; an empty
// name yields -1, an absent one an error.
func (c *csvReader) columns(names ...string) ([]int, error) {
	out := make([]int, len(names))
	for i, name := range names {
		out[i] = -1
		if name == "" {
			continue
		}
		for j, h := range c.header {
			if strings.EqualFold(h, name) {
				out[i] = j
				break
			}
		}
		if out[i] < 0 {
			return nil, &ColumnError{Name: name, Header: append([]string(nil), c.header...)}
		}
	}
	return out, nil
}

// each calls fn for every data row with the header's column count; other
// rows are counted as malformed. It stops at the first I/O error.
func (c *csvReader) each(rep *Report, fn func(rec []string, line int)) error {
	for {
		rec, err := c.r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Rows++
				rep.malformed(BadCSV, pe.StartLine)
				continue
			}
			return fmt.Errorf("%w: read row: %v", model.ErrCorrupt, err)
		}
		rep.Rows++
		line, _ := c.r.FieldPos(0)
		if len(rec) != len(c.header) {
			rep.malformed(BadColumns, line)
			continue
		}
		fn(rec, line)
	}
}

// detectDelimiter picks the field delimiter of the header line in r
// (without consuming it): whichever of comma, semicolon and tab occurs most
// outside double quotes, comma on a tie or when none occurs.
func detectDelimiter(r *bufio.Reader) rune {
	head, _ := r.Peek(r.Size())
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	counts := map[byte]int{}
	quoted := false
	for _, b := range head {
		switch {
		case b == '"':
			quoted = !quoted
		case !quoted && (b == ',' || b == ';' || b == '\t'):
			counts[b]++
		}
	}
	best := byte(',')
	for _, b := range []byte{';', '\t'} {
		if counts[b] > counts[best] {
			best = b
		}
	}
	return rune(best)
}

// ColumnError is returned (wrapped) when the header lacks a column the
// reader needs. It wraps model.ErrBadRequest.
type ColumnError struct {
	Name   string   // the column looked for
	Header []string // the header's columns
}

func (e *ColumnError) Error() string {
	msg := fmt.Sprintf("find column: no column %q in header %q", e.Name, e.Header)
	if len(e.Header) == 1 && strings.ContainsAny(e.Header[0], ",;\t|") {
		msg += " (one column: is the delimiter another character?)"
	}
	return msg
}

func (e *ColumnError) Unwrap() error { return model.ErrBadRequest }

// TimeError is returned (wrapped) when no row's time parses: it quotes the
// first value, the format it was read with, the accepted formats and the
// format the value looks like. It wraps model.ErrBadRequest.
type TimeError struct {
	Value  string // the first time cell that did not parse
	Line   int    // its line
	Column string // the time column
	Format string // the format it was read with
	UCI    bool   // read by ReadUCI, whose format is fixed
}

// AcceptedTimeFormats lists the time formats a Mapping accepts, for
// messages.
const AcceptedTimeFormats = "rfc3339 (2011-12-09T12:50:00Z), unix (seconds, 1323435000), unix_ms (milliseconds, 1323435000000) or a Go layout such as 2006-01-02 15:04:05"

func (e *TimeError) Error() string {
	msg := fmt.Sprintf("no time parses: column %q line %d is %q, not %s", e.Column, e.Line, e.Value, e.Format)
	if e.UCI {
		return msg + "; UCI logs have InvoiceDate as 2011-12-09T12:50:00; for another layout pass --format csv --columns user=…,item=…,time=…,time_format=…"
	}
	msg += "; accepted: " + AcceptedTimeFormats
	if g := GuessTimeFormat(e.Value); g != "" && g != e.Format {
		msg += "; it looks like " + g + ": add time_format=" + g + " to --columns"
		if strings.Contains(g, " ") {
			msg += " (quote the whole --columns value: the layout has a space)"
		}
	}
	return msg
}

func (e *TimeError) Unwrap() error { return model.ErrBadRequest }

// GuessTimeFormat names the time format s looks like (TimeUnix, TimeUnixMs,
// TimeRFC3339 or a Go layout), or "" when it looks like none.
func GuessTimeFormat(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil && v > 0 {
		// Times between 1990 and 2100 in each unit.
		switch {
		case v >= 6.3e8 && v < 4.2e9:
			return TimeUnix
		case v >= 6.3e11 && v < 4.2e12:
			return TimeUnixMs
		}
		return ""
	}
	for _, layout := range []string{time.RFC3339, time.RFC3339Nano} {
		if _, err := time.Parse(layout, s); err == nil {
			return TimeRFC3339
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "02/01/2006 15:04", "01/02/2006 15:04", "02.01.2006 15:04", "2006/01/02 15:04:05"} {
		if _, err := time.Parse(layout, s); err == nil {
			return layout
		}
	}
	return ""
}
