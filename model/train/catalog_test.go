package train_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

func TestReadCatalog(t *testing.T) {
	in := "SKU;Name;Price;Currency;Image URL;Link;Category;Stock;Notes\n" +
		"A1;Red mug;12,50;eur;/img/a1.jpg;https://shop.example/p/a1;Kitchen;3;x\n" +
		"B2;\"Blue; bowl\";7;USD;https://cdn.example/b2.png;/p/b2;Kitchen;out of stock;y\n" +
		"C3;Lamp;;;;;;;\n"
	items, ignored, err := train.ReadCatalog(strings.NewReader(in), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ignored) != 1 || ignored[0] != "Notes" {
		t.Errorf("ignored %q, want [Notes]", ignored)
	}
	if len(items) != 3 {
		t.Fatalf("%d items, want 3", len(items))
	}
	a := items[0]
	if a.ID != "A1" || a.Title != "Red mug" || a.Price == nil || *a.Price != 12.5 || a.Currency != "EUR" ||
		a.Image != "/img/a1.jpg" || a.URL != "https://shop.example/p/a1" || a.Category != "Kitchen" || a.Availability != train.InStock {
		t.Errorf("row 1 read as %+v", a)
	}
	if b := items[1]; b.Title != "Blue; bowl" || *b.Price != 7 || b.Availability != train.OutOfStock {
		t.Errorf("row 2 read as %+v", b)
	}
	if c := items[2]; c.Price != nil || c.Image != "" || c.Availability != "" {
		t.Errorf("row 3 (empty cells) read as %+v", c)
	}
}

func TestReadCatalogErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string // substrings of the error
		line     int      // the CatalogError's line, 0 when not one
		column   string
	}{
		{"no id column", "name,price\nmug,1\n", []string{"no id column", "sku"}, 0, ""},
		{"id only", "id\nA\n", []string{"none of title"}, 0, ""},
		{"two id columns", "id,sku,title\n1,2,x\n", []string{`"id" and "sku"`}, 0, ""},
		{"bad price", "id,price\nA,1\nB,12 EUR\n", []string{"line 3", `"price"`, "12 EUR", "currency column"}, 3, "price"},
		{"thousands", "id,price\nA,\"1,234.50\"\n", []string{"line 2", "plain"}, 2, "price"},
		{"negative price", "id,price\nA,-1\n", nil, 2, "price"},
		{"javascript url", "id,url\nA,javascript:alert(1)\n", []string{`scheme "javascript"`, "relative"}, 2, "url"},
		{"data image", "id,image\nA,\"data:image/png;base64,AAAA\"\n", []string{`scheme "data"`}, 2, "image"},
		{"tab in scheme", "id,url\nA,\"java\tscript:alert(1)\"\n", []string{"control character"}, 2, "url"},
		{"backslash", "id,url\nA,\\\\evil.example\\x\n", []string{"backslash"}, 2, "url"},
		{"bare http", "id,url\nA,http:foo\n", []string{"full http(s) URL"}, 2, "url"},
		{"bad currency", "id,price,currency\nA,1,€\n", []string{"ISO 4217"}, 2, "currency"},
		{"bad availability", "id,availability\nA,maybe\n", []string{"in stock"}, 2, "availability"},
		{"duplicate id", "id,title\nA,x\nB,y\nA,z\n", []string{"appears twice", "line 2"}, 4, "id"},
		{"empty id", "id,title\n,x\n", []string{"empty"}, 2, "id"},
		{"long url", "id,url\nA,/" + strings.Repeat("a", train.MaxURLLen) + "\n", []string{"at most 2048"}, 2, "url"},
		{"field count", "id,title\nA,x,y\n", []string{"line 2 has 3 fields"}, 0, ""},
		{"no rows", "id,title\n", []string{"no rows"}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := train.ReadCatalog(strings.NewReader(tc.in), 0)
			if err == nil {
				t.Fatal("read without error")
			}
			if !errors.Is(err, model.ErrBadRequest) {
				t.Errorf("error %v does not wrap ErrBadRequest", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			var ce *train.CatalogError
			if tc.line == 0 {
				return
			}
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *CatalogError", err)
			}
			if ce.Line != tc.line || !strings.EqualFold(ce.Column, tc.column) {
				t.Errorf("at line %d column %q, want line %d column %q", ce.Line, ce.Column, tc.line, tc.column)
			}
		})
	}
}

func TestItemsRoundTrip(t *testing.T) {
	p := 3.25
	in := []train.ItemMeta{
		{ID: "b", Title: "Bee", Price: &p, Currency: "GBP", Image: "//cdn/b.jpg", URL: "/b", Category: "c", Availability: train.Preorder},
		{ID: "a", Title: "Ant"},
	}
	id := [16]byte{1, 2, 3}
	data, err := train.EncodeItems(in, id)
	if err != nil {
		t.Fatal(err)
	}
	out, got, err := train.DecodeItems(data)
	if err != nil {
		t.Fatal(err)
	}
	if got != id || len(out) != 2 || out[0].ID != "a" || out[0].Price != nil || out[1].ID != "b" || *out[1].Price != 3.25 || out[1].Image != "//cdn/b.jpg" || out[1].Availability != train.Preorder {
		t.Fatalf("round trip: id %x, %+v", got, out)
	}
	h, err := model.PeekHeader(data)
	if err != nil || h.Kind != train.KindItems || h.BundleID != id {
		t.Errorf("PeekHeader: %+v, %v (the verifier reads the bundle id from it)", h, err)
	}
	if _, _, err := train.DecodeItems(append(data, 0)); !errors.Is(err, model.ErrCorrupt) {
		t.Errorf("trailing byte: %v, want ErrCorrupt", err)
	}
	if _, err := train.EncodeItems([]train.ItemMeta{{ID: "a"}, {ID: "a"}}, id); err == nil {
		t.Error("duplicate ids encoded")
	}
}

func TestMatchCatalog(t *testing.T) {
	log := []model.Item{{ID: "a", Title: "old a"}, {ID: "b", Title: "old b"}, {ID: "c"}}
	p := 9.0
	meta := []train.ItemMeta{{ID: "b", Title: "Bee", Price: &p, Category: "bugs"}, {ID: "z", Title: "Zed"}, {ID: "a"}}
	ship, noMeta, notInLog := train.MatchCatalog(log, meta)
	if len(ship) != 2 || ship[0].ID != "a" || ship[1].ID != "b" || noMeta != 1 || notInLog != 1 {
		t.Errorf("ship %+v, %d without metadata, %d not in the log; want a, b, 1, 1", ship, noMeta, notInLog)
	}
	train.ApplyCatalog(log, meta)
	if log[0].Title != "old a" || log[1].Title != "Bee" || log[1].Price != 9 || log[1].Category != "bugs" {
		t.Errorf("applied: %+v", log)
	}
}

// FuzzReadCatalog: whatever the file, ReadCatalog fails with a typed error
// or returns rows whose every URL passes the rule the page relies on, and
// those rows round-trip through the items artifact.
func FuzzReadCatalog(f *testing.F) {
	f.Add([]byte("sku;name;price;image;link;stock\nA;Mug;1,50;/a.jpg;https://x.test/a;3\n"))
	f.Add([]byte("id,url\nA,javascript:alert(1)\nB,\"java\tscript:x\"\n"))
	f.Add([]byte("id,title,price\n\"unterminated"))
	f.Fuzz(func(t *testing.T, in []byte) {
		items, _, err := train.ReadCatalog(bytes.NewReader(in), 0)
		if err != nil {
			if !errors.Is(err, model.ErrBadRequest) && !errors.Is(err, model.ErrCorrupt) && !errors.Is(err, model.ErrTooLarge) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, it := range items {
			for _, u := range []string{it.Image, it.URL} {
				low := strings.ToLower(u)
				if i := strings.IndexAny(low, ":/?#"); i >= 0 && low[i] == ':' && low[:i] != "http" && low[:i] != "https" {
					t.Fatalf("URL %q with a scheme other than http(s) accepted", u)
				}
				if strings.ContainsAny(u, " \t\n\r\\") {
					t.Fatalf("URL %q with a space or backslash accepted", u)
				}
			}
		}
		data, err := train.EncodeItems(items, [16]byte{1})
		if err != nil {
			t.Fatal(err)
		}
		out, _, err := train.DecodeItems(data)
		if err != nil || len(out) != len(items) {
			t.Fatalf("round trip: %d of %d items, %v", len(out), len(items), err)
		}
	})
}

// FuzzDecodeItems: DecodeItems never panics and fails with a typed error.
func FuzzDecodeItems(f *testing.F) {
	p := 1.5
	good, _ := train.EncodeItems([]train.ItemMeta{{ID: "a", Title: "A", Price: &p, URL: "/a"}, {ID: "b"}}, [16]byte{2})
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add([]byte{0x94, 0xa1, 'x'})
	f.Fuzz(func(t *testing.T, in []byte) {
		if _, _, err := train.DecodeItems(in); err != nil && !errors.Is(err, model.ErrCorrupt) && !errors.Is(err, model.ErrUnsupported) {
			t.Fatalf("untyped error %v", err)
		}
	})
}
