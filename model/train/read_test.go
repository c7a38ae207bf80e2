package train_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

const uciHeader = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"

func TestReadUCI(t *testing.T) {
	tests := []struct {
		name      string
		body      string // rows after the header (the header is line 1)
		kept      int
		excluded  map[string]int
		malformed map[string][]int
		first     train.Interaction // first kept row, when kept > 0
	}{
		{
			name: "one purchase",
			body: `"536365","85123A","WHITE HANGING HEART",6,2010-12-01T08:26:00,2.55,17850,"United Kingdom"` + "\n",
			kept: 1,
			first: train.Interaction{User: "17850", Item: "85123A", Kind: model.KindPurchase,
				At: 1291191960000, Basket: "536365", Quantity: 6},
		},
		{
			name: "filter reasons",
			body: "C536379,22556,X,-1,2010-12-01T09:41:00,1.5,14527,UK\n" +
				"A563185,B,Adjust bad debt,1,2011-08-12T14:50:00,11062.06,17000,UK\n" +
				"536414,22139,X,56,2010-12-01T11:52:00,0,,UK\n" +
				"536415,POST,POSTAGE,1,2010-12-01T11:57:00,18,12583,France\n" +
				"536416,22139,X,0,2010-12-01T11:57:00,1,12583,France\n" +
				"536417,22139,X,2,2010-12-01T11:57:00,1,12583,France\n",
			kept: 1,
			excluded: map[string]int{train.ReasonCancelled: 1, train.ReasonAdjustment: 1,
				train.ReasonNoCustomer: 1, train.ReasonNotProduct: 1, train.ReasonQuantity: 1},
		},
		{
			name: "malformed rows keep their line numbers",
			body: "536365,71053,X,6,2010-12-01T08:26:00,3.39,17850,UK\n" + // line 2, fine
				"536365,71053,X,six,2010-12-01T08:26:00,3.39,17850,UK\n" + // 3
				"536365,71053,X,6,01/12/2010 08:26,3.39,17850,UK\n" + // 4
				"536365,71053,X,6,2010-12-01T08:26:00,£3,17850,UK\n" + // 5
				"536365,71053,X,6,2010-12-01T08:26:00,3.39,17850\n" + // 6
				"536365,71053,\"X,6,2010-12-01T08:26:00,3.39,17850,UK\n", // 7: open quote runs to EOF
			kept: 1,
			malformed: map[string][]int{train.BadQuantity: {3}, train.BadTime: {4}, train.BadPrice: {5},
				train.BadColumns: {6}, train.BadCSV: {7}},
		},
		{
			name: "header only",
			body: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, rep, err := train.ReadUCI(strings.NewReader(uciHeader + tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Kept != tt.kept || len(log.Interactions) != tt.kept {
				t.Errorf("kept %d rows (%d interactions); want %d\n%s", rep.Kept, len(log.Interactions), tt.kept, rep)
			}
			if rep.Rows != rep.Kept+rep.ExcludedRows()+rep.MalformedRows() {
				t.Errorf("rows %d != kept %d + excluded %d + malformed %d", rep.Rows, rep.Kept, rep.ExcludedRows(), rep.MalformedRows())
			}
			if tt.excluded == nil {
				tt.excluded = map[string]int{}
			}
			if !reflect.DeepEqual(rep.Excluded, tt.excluded) {
				t.Errorf("excluded %v; want %v", rep.Excluded, tt.excluded)
			}
			got := map[string][]int{}
			for k, m := range rep.Malformed {
				got[k] = m.Lines
				if m.Count != len(m.Lines) {
					t.Errorf("%s: count %d, %d lines", k, m.Count, len(m.Lines))
				}
			}
			if tt.malformed == nil {
				tt.malformed = map[string][]int{}
			}
			if !reflect.DeepEqual(got, tt.malformed) {
				t.Errorf("malformed lines %v; want %v", got, tt.malformed)
			}
			if tt.first.User != "" && log.Interactions[0] != tt.first {
				t.Errorf("first interaction %+v; want %+v", log.Interactions[0], tt.first)
			}
		})
	}
}

func TestReadUCIGzipAndCatalog(t *testing.T) {
	body := uciHeader +
		"1,10,,1,2010-12-01T08:26:00,2,7,UK\n" +
		"2,10,MUG,1,2010-12-02T08:26:00,3,7,UK\n" +
		"3,10,,1,2010-12-03T08:26:00,0,8,UK\n" +
		"3,11,PLATE,1,2010-12-03T08:26:00,1.5,8,UK\n"
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(body))
	zw.Close()
	for name, in := range map[string][]byte{"plain": []byte(body), "gzip": buf.Bytes()} {
		t.Run(name, func(t *testing.T) {
			log, rep, err := train.ReadUCI(bytes.NewReader(in))
			if err != nil {
				t.Fatal(err)
			}
			want := []model.Item{{ID: "10", Title: "MUG", Price: 3}, {ID: "11", Title: "PLATE", Price: 1.5}}
			if !reflect.DeepEqual(log.Catalog, want) {
				t.Errorf("catalog %+v; want %+v", log.Catalog, want)
			}
			if rep.Kept != 4 {
				t.Errorf("kept %d; want 4", rep.Kept)
			}
		})
	}
}

func TestReadUCIErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", model.ErrBadRequest},
		{"missing column", "InvoiceNo,StockCode\n1,2\n", model.ErrBadRequest},
		{"broken gzip", "\x1f\x8bnot gzip", model.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := train.ReadUCI(strings.NewReader(tt.in))
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v; want %v", err, tt.want)
			}
		})
	}
}

func TestReadCSV(t *testing.T) {
	m := train.Mapping{User: "user", Item: "item", Kind: "event", Time: "ts", TimeFormat: train.TimeUnixMs,
		Title: "title", Price: "price", Category: "cat", Basket: "session"}
	tests := []struct {
		name      string
		mapping   train.Mapping
		in        string
		want      []train.Interaction
		excluded  map[string]int
		malformed map[string][]int
	}{
		{
			name:    "kinds and defaults",
			mapping: m,
			in: "user,item,event,ts,title,price,cat,session\n" +
				"u1,a,view,1000,A,1.5,toys,s1\n" +
				"u1,a,,2000,,,,s1\n" +
				"u2,b,CART,3000,B,2,toys,\n",
			want: []train.Interaction{
				{User: "u1", Item: "a", Kind: model.KindView, At: 1000, Basket: "s1", Quantity: 1},
				{User: "u1", Item: "a", Kind: model.KindPurchase, At: 2000, Basket: "s1", Quantity: 1},
				{User: "u2", Item: "b", Kind: model.KindCart, At: 3000, Quantity: 1},
			},
		},
		{
			name:    "problems are counted",
			mapping: m,
			in: "user,item,event,ts,title,price,cat,session\n" +
				"u1,a,like,1000,A,1.5,toys,s1\n" + // 2
				"u1,a,view,yesterday,A,1.5,toys,s1\n" + // 3
				",a,view,1000,A,1.5,toys,s1\n" + // 4
				"u1,,view,1000,A,1.5,toys,s1\n" + // 5
				"u1,a,view,1000,A,free,toys,s1\n" + // 6
				"u1,a,view\n", // 7
			excluded:  map[string]int{train.ReasonNoUser: 1, train.ReasonNoItem: 1},
			malformed: map[string][]int{train.BadKind: {2}, train.BadTime: {3}, train.BadPrice: {6}, train.BadColumns: {7}},
		},
		{
			name:    "go layout and unix seconds",
			mapping: train.Mapping{User: "U", Item: "I", Time: "T", TimeFormat: "02/01/2006 15:04"},
			in:      "U,I,T\nx,y,01/01/1970 00:01\n",
			want:    []train.Interaction{{User: "x", Item: "y", Kind: model.KindPurchase, At: 60000, Quantity: 1}},
		},
		{
			name:    "unix seconds",
			mapping: train.Mapping{User: "U", Item: "I", Time: "T", TimeFormat: train.TimeUnix, Quantity: "Q"},
			in:      "U,I,T,Q\nx,y,2,3\n",
			want:    []train.Interaction{{User: "x", Item: "y", Kind: model.KindPurchase, At: 2000, Quantity: 3}},
		},
		{
			name:    "rfc3339 by default",
			mapping: train.Mapping{User: "U", Item: "I", Time: "T"},
			in:      "U,I,T\nx,y,1970-01-01T00:00:01Z\n",
			want:    []train.Interaction{{User: "x", Item: "y", Kind: model.KindPurchase, At: 1000, Quantity: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, rep, err := train.ReadCSV(strings.NewReader(tt.in), tt.mapping)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(log.Interactions, tt.want) {
				t.Errorf("interactions %+v; want %+v", log.Interactions, tt.want)
			}
			if tt.excluded == nil {
				tt.excluded = map[string]int{}
			}
			if !reflect.DeepEqual(rep.Excluded, tt.excluded) {
				t.Errorf("excluded %v; want %v", rep.Excluded, tt.excluded)
			}
			got := map[string][]int{}
			for k, m := range rep.Malformed {
				got[k] = m.Lines
			}
			if tt.malformed == nil {
				tt.malformed = map[string][]int{}
			}
			if !reflect.DeepEqual(got, tt.malformed) {
				t.Errorf("malformed %v; want %v", got, tt.malformed)
			}
		})
	}
}

func TestReadCSVRating(t *testing.T) {
	four, zero := 4.0, 0.0
	const body = "u,i,t,r\n" +
		"a,x,1,5\n" + "a,y,2,1\n" + "a,z,3,3.5\n" + "b,x,4,4\n" + "b,w,5,\n" + "b,v,6,bad\n"
	buy := func(u, i string, at int64) train.Interaction {
		return train.Interaction{User: u, Item: i, Kind: model.KindPurchase, At: at * 1000, Quantity: 1}
	}
	tests := []struct {
		name     string
		min      *float64
		want     []train.Interaction
		excluded map[string]int
	}{
		{
			// ratings 5, 1, 3.5, 4: the lower middle value is 3.5.
			name:     "median by default",
			want:     []train.Interaction{buy("b", "w", 5), buy("a", "x", 1), buy("a", "z", 3), buy("b", "x", 4)},
			excluded: map[string]int{"rating below 3.5 (the log's median rating; set --min-rating to change)": 1},
		},
		{
			name:     "given minimum",
			min:      &four,
			want:     []train.Interaction{buy("b", "w", 5), buy("a", "x", 1), buy("b", "x", 4)},
			excluded: map[string]int{"rating below 4 (--min-rating)": 2},
		},
		{
			name: "a minimum of zero keeps every rating",
			min:  &zero,
			want: []train.Interaction{buy("b", "w", 5), buy("a", "x", 1), buy("a", "y", 2), buy("a", "z", 3), buy("b", "x", 4)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := train.Mapping{User: "u", Item: "i", Time: "t", TimeFormat: train.TimeUnix, Rating: "r", MinRating: tt.min}
			log, rep, err := train.ReadCSV(strings.NewReader(body), m)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(log.Interactions, tt.want) {
				t.Errorf("interactions %+v; want %+v", log.Interactions, tt.want)
			}
			if tt.excluded == nil {
				tt.excluded = map[string]int{}
			}
			if !reflect.DeepEqual(rep.Excluded, tt.excluded) {
				t.Errorf("excluded %v; want %v", rep.Excluded, tt.excluded)
			}
			if bad := rep.Malformed[train.BadRating]; bad == nil || !reflect.DeepEqual(bad.Lines, []int{7}) {
				t.Errorf("malformed %v; want the unparsable rating on line 7", rep.Malformed)
			}
			if rep.Rows != rep.Kept+rep.ExcludedRows()+rep.MalformedRows() {
				t.Errorf("report %+v does not account for every row", rep)
			}
			for _, it := range log.Catalog {
				if it.ID == "y" && tt.min != &zero {
					t.Errorf("catalog has y, rated only below the threshold")
				}
			}
		})
	}
}

func TestMappingValidate(t *testing.T) {
	tests := []struct {
		name string
		m    train.Mapping
		ok   bool
	}{
		{"minimal", train.Mapping{User: "u", Item: "i", Time: "t"}, true},
		{"no user", train.Mapping{Item: "i", Time: "t"}, false},
		{"no time", train.Mapping{User: "u", Item: "i"}, false},
		{"column twice", train.Mapping{User: "u", Item: "u", Time: "t"}, false},
		{"go layout", train.Mapping{User: "u", Item: "i", Time: "t", TimeFormat: "2006-01-02"}, true},
		{"nonsense format", train.Mapping{User: "u", Item: "i", Time: "t", TimeFormat: "seconds"}, false},
		{"rating", train.Mapping{User: "u", Item: "i", Time: "t", Rating: "r", MinRating: new(float64)}, true},
		{"minimum rating without a rating column", train.Mapping{User: "u", Item: "i", Time: "t", MinRating: new(float64)}, false},
		{"rating column twice", train.Mapping{User: "u", Item: "i", Time: "t", Rating: "i"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v; want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, model.ErrBadRequest) {
				t.Errorf("err %v does not wrap ErrBadRequest", err)
			}
		})
	}
}

func TestReportCapsLines(t *testing.T) {
	var b strings.Builder
	b.WriteString(uciHeader)
	for i := 0; i < 30; i++ {
		b.WriteString("1,2,3\n")
	}
	_, rep, err := train.ReadUCI(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	m := rep.Malformed[train.BadColumns]
	if m == nil || m.Count != 30 || len(m.Lines) != 20 || m.Lines[0] != 2 || m.Lines[19] != 21 {
		t.Fatalf("malformed = %+v; want 30 rows, lines 2..21", m)
	}
	if s := rep.String(); !strings.Contains(s, "malformed (column count): 30, lines 2, 3,") || !strings.Contains(s, "…") {
		t.Errorf("String() = %q", s)
	}
}

func FuzzReadUCI(f *testing.F) {
	f.Add([]byte(uciHeader + "536365,85123A,X,6,2010-12-01T08:26:00,2.55,17850,UK\n"))
	f.Add([]byte(uciHeader + "C1,1,\"a\"\"b\",-1,2010-12-01T08:26:00,1,1,UK\n1,2\n"))
	f.Add([]byte("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID\n\"unterminated"))
	f.Fuzz(func(t *testing.T, in []byte) {
		log, rep, err := train.ReadUCI(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, model.ErrBadRequest) && !errors.Is(err, model.ErrCorrupt) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if rep.Rows != rep.Kept+rep.ExcludedRows()+rep.MalformedRows() {
			t.Fatalf("rows %d != kept %d + excluded %d + malformed %d", rep.Rows, rep.Kept, rep.ExcludedRows(), rep.MalformedRows())
		}
		if len(log.Interactions) != rep.Kept {
			t.Fatalf("%d interactions, kept %d", len(log.Interactions), rep.Kept)
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("user,item,ts,kind\nu,i,5,view\n"))
	f.Add([]byte("user,item,ts,kind\nu,i,x,buy\n,,,\n"))
	m := train.Mapping{User: "user", Item: "item", Time: "ts", TimeFormat: train.TimeUnixMs, Kind: "kind"}
	f.Fuzz(func(t *testing.T, in []byte) {
		log, rep, err := train.ReadCSV(bytes.NewReader(in), m)
		if err != nil {
			if !errors.Is(err, model.ErrBadRequest) && !errors.Is(err, model.ErrCorrupt) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if rep.Rows != rep.Kept+rep.ExcludedRows()+rep.MalformedRows() || len(log.Interactions) != rep.Kept {
			t.Fatalf("report does not add up: %+v", rep)
		}
		for _, in := range log.Interactions {
			if !in.Kind.Valid() || in.User == "" || in.Item == "" {
				t.Fatalf("bad interaction %+v", in)
			}
		}
	})
}

// TestReadCSVDelimiter: comma, semicolon and tab are detected from the
// header (quoted delimiters do not count); another one needs Delimiter.
func TestReadCSVDelimiter(t *testing.T) {
	m := train.Mapping{User: "u", Item: "i", Time: "t", Title: "title", TimeFormat: train.TimeUnix}
	for _, tc := range []struct {
		name  string
		text  string
		delim rune
	}{
		{"comma", "u,i,t,title\nx,a,1,\"A; B\"\n", 0},
		{"semicolon", "u;i;t;\"title, long\"\nx;a;1;\"A, B\"\n", 0},
		{"tab", "u\ti\tt\ttitle\nx\ta\t1\tA\n", 0},
		{"pipe given", "u|i|t|title\nx|a|1|A\n", '|'},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mm := m
			mm.Delimiter = tc.delim
			if tc.name == "semicolon" {
				mm.Title = "title, long"
			}
			log, rep, err := train.ReadCSV(strings.NewReader(tc.text), mm)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Kept != 1 || log.Interactions[0].Item != "a" || log.Interactions[0].At != 1000 {
				t.Fatalf("kept %d, %+v", rep.Kept, log.Interactions)
			}
		})
	}
	_, _, err := train.ReadCSV(strings.NewReader("u|i|t\nx|a|1\n"), m)
	var ce *train.ColumnError
	if !errors.As(err, &ce) || !errors.Is(err, model.ErrBadRequest) || !strings.Contains(err.Error(), "delimiter") {
		t.Fatalf("pipe without Delimiter: %v", err)
	}
}

// TestReadTimeError: when no time parses, the error quotes the first value
// and names the accepted formats and the one it looks like.
func TestReadTimeError(t *testing.T) {
	for _, tc := range []struct {
		format, value, say string
	}{
		{"", "2011-12-09 12:50:00", "add time_format=2006-01-02 15:04:05"},
		{train.TimeUnix, "2011-12-09T12:50:00Z", "add time_format=rfc3339"},
		{train.TimeRFC3339, "1323435000", "add time_format=unix "},
		{train.TimeRFC3339, "1323435000000", "add time_format=unix_ms"},
	} {
		_, _, err := train.ReadCSV(strings.NewReader("u,i,t\nx,a,"+tc.value+"\n"), train.Mapping{User: "u", Item: "i", Time: "t", TimeFormat: tc.format})
		var te *train.TimeError
		if !errors.As(err, &te) || !errors.Is(err, model.ErrBadRequest) {
			t.Fatalf("%q as %q: %v", tc.value, tc.format, err)
		}
		for _, s := range []string{`"` + tc.value + `"`, "accepted: rfc3339", tc.say} {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%q as %q: %v; does not say %q", tc.value, tc.format, err, s)
			}
		}
	}
	// Some times parse: the rest are malformed rows, not an error.
	_, rep, err := train.ReadCSV(strings.NewReader("u,i,t\nx,a,1\nx,b,soon\n"), train.Mapping{User: "u", Item: "i", Time: "t", TimeFormat: train.TimeUnix})
	if err != nil || rep.Malformed[train.BadTime] == nil {
		t.Fatalf("partial: %v, %+v", err, rep)
	}
	_, _, err = train.ReadUCI(strings.NewReader(uciHeader + "536365,85123A,HEART,6,12/1/2010 8:26,2.55,17850,UK\n"))
	if err == nil || !strings.Contains(err.Error(), `"12/1/2010 8:26"`) || !strings.Contains(err.Error(), "--format csv") {
		t.Fatalf("uci: %v", err)
	}
}
