package demo

import (
	"crypto/ed25519"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

func TestCatalog(t *testing.T) {
	items := Catalog()
	if len(items) < 60 || len(items) > 120 {
		t.Fatalf("catalog has %d items; want 60..120", len(items))
	}
	seen := map[string]bool{}
	cats := map[string]int{}
	for _, it := range items {
		if seen[it.ID] {
			t.Errorf("item %q appears twice", it.ID)
		}
		seen[it.ID] = true
		if it.Title == "" || it.Price <= 0 || it.Category == "" {
			t.Errorf("item %q is incomplete: %+v", it.ID, it)
		}
		cats[it.Category]++
	}
	if len(cats) < 4 {
		t.Errorf("%d categories; want a few", len(cats))
	}
	if _, err := model.EncodeCatalog(items, [16]byte{}); err != nil {
		t.Fatalf("encode catalog: %v", err)
	}
}

func TestLogDeterministic(t *testing.T) {
	a, err := Log(DefaultLogConfig())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Log(DefaultLogConfig())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Interactions, b.Interactions) {
		t.Fatal("two logs from the same config differ")
	}
	c := DefaultLogConfig()
	c.Seed++
	other, err := Log(c)
	if err != nil {
		t.Fatal(err)
	}
	if reflect.DeepEqual(a.Interactions, other.Interactions) {
		t.Fatal("logs from different seeds are equal")
	}
	kinds := map[model.Kind]int{}
	for i, in := range a.Interactions {
		kinds[in.Kind]++
		if i > 0 && in.At < a.Interactions[i-1].At {
			t.Fatalf("interaction %d is out of time order", i)
		}
	}
	if !(kinds[model.KindView] > kinds[model.KindCart] && kinds[model.KindCart] > kinds[model.KindPurchase] && kinds[model.KindPurchase] > 1000) {
		t.Errorf("kinds %v; want views > carts > purchases > 1000", kinds)
	}
}

func TestLogConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*LogConfig)
	}{
		{"no shoppers", func(c *LogConfig) { c.Shoppers = 0 }},
		{"no sessions", func(c *LogConfig) { c.MaxSessions = 0 }},
		{"noise above 1", func(c *LogConfig) { c.Noise = 1.5 }},
		{"noise NaN", func(c *LogConfig) { c.Noise = nan() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultLogConfig()
			tc.edit(&c)
			if _, err := Log(c); !errors.Is(err, model.ErrBadRequest) {
				t.Fatalf("Log: %v; want ErrBadRequest", err)
			}
		})
	}
}

func nan() float64 { var z float64; return z / z }

// TestBundleLearnsKits checks the model the demo ships: a shopper who bought
// a kit's item is recommended mostly the same kit's items, with reasons.
func TestBundleLearnsKits(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	files, err := Bundle([]byte("\x00asm fake module"), priv, now)
	if err != nil {
		t.Fatal(err)
	}
	m, err := bundle.Verify(files.Manifest, files.Signature, bundle.VerifyOptions{Keys: [][]byte{pub}, Now: now.UnixMilli()})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if m.Version != uint64(now.Unix()) || m.Expires != now.Add(Expiry).UnixMilli() {
		t.Errorf("manifest version %d expires %d", m.Version, m.Expires)
	}
	mod, err := model.Load(files.Weights, files.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	kitOf := map[string]string{}
	for _, p := range products {
		kitOf[p.id] = p.kit
	}
	for _, tc := range []struct {
		name, item string
	}{
		{"espresso", "burr-grinder"},
		{"bread", "dutch-oven"},
		{"birds", "bird-feeder"},
		{"camping", "camp-stove"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := mod.Recommend(model.Request{K: 5, Explain: true, Now: now.UnixMilli(),
				History: model.History{{Item: tc.item, Kind: model.KindPurchase, At: now.UnixMilli()}}})
			if err != nil {
				t.Fatal(err)
			}
			same := 0
			for _, r := range resp.Items {
				if kitOf[r.Item] == kitOf[tc.item] {
					same++
				}
				if r.Source == model.SourceHistory && len(r.Because) == 0 {
					t.Errorf("%s has no reason", r.Item)
				}
			}
			if same < 3 {
				t.Errorf("only %d of %v are from the %s kit", same, resp.Items, kitOf[tc.item])
			}
		})
	}
}

func TestBundleErrors(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	for _, tc := range []struct {
		name string
		wasm []byte
		key  ed25519.PrivateKey
		want error
	}{
		{"no module", nil, priv, model.ErrMissingArtifact},
		{"short key", []byte("m"), priv[:10], model.ErrBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Bundle(tc.wasm, tc.key, time.Now()); !errors.Is(err, tc.want) {
				t.Fatalf("Bundle: %v; want %v", err, tc.want)
			}
		})
	}
}
