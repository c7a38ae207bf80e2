package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

// TestTrainCatalog: train --catalog signs the page metadata into the bundle
// (items.bin, listed in the manifest), says how many items on either side
// have no match, writes the file's titles into the scored catalog; verify
// checks and counts it, and refuses a tampered one.
func TestTrainCatalog(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "log.csv")
	if err := os.WriteFile(logPath, []byte(tasteLog(1)), 0o644); err != nil {
		t.Fatal(err)
	}
	cat := "SKU;Name;Price;Currency;Image;Link;Stock\n" +
		"g0-0;Red mug;12,50;EUR;/img/g0-0.jpg;https://shop.example/p/g0-0;in stock\n" +
		"g1-3;Blue bowl;7;EUR;/img/g1-3.jpg;/p/g1-3;0\n" +
		"zz-9;Never sold;1;EUR;;;\n"
	catPath := filepath.Join(dir, "items.csv")
	if err := os.WriteFile(catPath, []byte(cat), 0o644); err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(dir, "keys")
	if code, _, stderr := runKeysCLI(t, "keygen", "--out", keys); code != exitOK {
		t.Fatalf("keygen: %s", stderr)
	}
	out := filepath.Join(dir, "bundle")
	wasm := writeWasm(t, []byte("\x00asm\x01\x00\x00\x00"))
	code, stdout, stderr := runCLI(t, []string{"train", "--data", logPath, "--format", "csv", "--columns", "user=user,item=item,time=ts,time_format=unix_ms",
		"--no-tune", "--wasm", wasm, "--out", out, "--sign-key", filepath.Join(keys, bundledir.PrivateKeyFile), "--catalog", catPath}, newTrainCmd())
	all := stdout + stderr
	if code != exitOK {
		t.Fatalf("train --catalog: exit %d\n%s", code, all)
	}
	for _, s := range []string{
		"catalog: 3 rows, page metadata for 2 of the log's 48 items",
		"46 items of the log have no catalog row: they are still recommended, and rec.catalog.get returns null",
		"1 catalog rows name items with no event in the log",
		"page metadata: items.bin",
	} {
		if !strings.Contains(all, s) {
			t.Errorf("train does not say %q:\n%s", s, all)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, bundledir.ItemsFile))
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := train.DecodeItems(b)
	if err != nil || len(items) != 2 || items[0].ID != "g0-0" || *items[0].Price != 12.5 || items[1].Availability != train.OutOfStock {
		t.Fatalf("items.bin holds %+v, %v", items, err)
	}
	c, err := os.ReadFile(filepath.Join(out, bundledir.CatalogFile))
	if err != nil {
		t.Fatal(err)
	}
	dc, err := model.DecodeCatalog(c)
	if err != nil {
		t.Fatal(err)
	}
	titled := 0
	for _, it := range dc.Items {
		if it.ID == "g0-0" && it.Title == "Red mug" && it.Price == 12.5 {
			titled++
		}
	}
	if titled != 1 {
		t.Errorf("the scored catalog does not carry the file's title and price for g0-0")
	}

	pub := filepath.Join(keys, bundledir.PublicKeyFile)
	code, stdout, stderr = runKeysCLI(t, "verify", out, "--pub", pub)
	if code != exitOK || !strings.Contains(stdout, "items.bin") || !strings.Contains(stdout, "page data   2 items") {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	flipLastByte(t, filepath.Join(out, bundledir.ItemsFile))
	code, stdout, stderr = runKeysCLI(t, "verify", out, "--pub", pub)
	if code != exitFailed || !strings.Contains(stderr, "digest_mismatch") {
		t.Fatalf("verify of a tampered items.bin: exit %d, want %d with digest_mismatch\n%s%s", code, exitFailed, stdout, stderr)
	}
	// Trained unsigned with --catalog, then signed: sign picks items.bin up.
	unsigned := filepath.Join(dir, "unsigned")
	code, _, stderr = runCLI(t, []string{"train", "--data", logPath, "--format", "csv", "--columns", "user=user,item=item,time=ts,time_format=unix_ms",
		"--no-tune", "--wasm", wasm, "--out", unsigned, "--catalog", catPath}, newTrainCmd())
	if code != exitOK {
		t.Fatal(stderr)
	}
	if code, _, stderr = runKeysCLI(t, "sign", unsigned, "--key", filepath.Join(keys, bundledir.PrivateKeyFile)); code != exitOK {
		t.Fatalf("sign: %s", stderr)
	}
	if code, stdout, stderr = runKeysCLI(t, "verify", unsigned, "--pub", pub); code != exitOK || !strings.Contains(stdout, "page data   2 items") {
		t.Fatalf("verify after sign: exit %d\n%s%s", code, stdout, stderr)
	}

	// Retrained without --catalog: items.bin goes, and the bundle verifies.
	code, _, stderr = runCLI(t, []string{"train", "--data", logPath, "--format", "csv", "--columns", "user=user,item=item,time=ts,time_format=unix_ms",
		"--no-tune", "--wasm", wasm, "--out", out, "--sign-key", filepath.Join(keys, bundledir.PrivateKeyFile)}, newTrainCmd())
	if code != exitOK {
		t.Fatal(stderr)
	}
	if code, stdout, stderr = runKeysCLI(t, "verify", out, "--pub", pub); code != exitOK || strings.Contains(stdout, "page data") {
		t.Fatalf("verify without items: exit %d\n%s%s", code, stdout, stderr)
	}
}
