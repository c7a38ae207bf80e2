package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/privrec/privrec/model"
)

// TestCLIMistakes runs each common command-line mistake and checks the exit
// code the README documents and that the message names the fix.
func TestCLIMistakes(t *testing.T) {
	dir := t.TempDir()
	stand := []byte("\x00asm\x01\x00\x00\x00")
	write := func(name, text string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	wasm := write("m.wasm", string(stand))
	comma := write("comma.csv", tasteLog(1))
	semi := write("semi.csv", strings.ReplaceAll(tasteLog(1), ",", ";"))
	tab := write("tab.csv", strings.ReplaceAll(tasteLog(1), ",", "\t"))
	pipe := write("pipe.csv", strings.ReplaceAll(tasteLog(1), ",", "|"))
	seconds := write("seconds.csv", tasteLog(1000))
	spaced := write("spaced.csv", "user,item,ts\nu1,a,2011-12-09 12:50:00\nu1,b,2011-12-09 12:51:00\n")
	rfc := write("rfc.csv", "user,item,ts\nu1,a,2011-12-09T12:50:00Z\nu1,b,2011-12-09T12:51:00Z\n")
	uciBad := write("uci-bad.csv", "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID\n536365,85123A,HEART,6,12/1/2010 8:26,2.55,17850\n")
	fileOut := write("out-file", "x")
	if code, _, stderr := runKeysCLI(t, "keygen", "--out", filepath.Join(dir, "keys")); code != exitOK {
		t.Fatalf("keygen: exit %d\n%s", code, stderr)
	}
	pub := filepath.Join(dir, "keys", "privrec.pub")
	key := filepath.Join(dir, "keys", "privrec.key")
	csvCols := []string{"--format", "csv", "--columns", "user=user,item=item,time=ts,time_format=unix_ms"}
	out := filepath.Join(dir, "bundle")

	missing := func() ([]byte, error) { return nil, model.ErrMissingArtifact }
	embedded := func() ([]byte, error) { return stand, nil }
	for _, tc := range []struct {
		name     string
		args     []string
		embedded func() ([]byte, error)
		beside   bool // privrec.wasm lies beside the binary, as after 'make cli'
		code     int
		say      []string // in stdout+stderr
		not      []string
	}{
		{name: "module embedded by default, outside the repository",
			args: append([]string{"train", "--data", comma, "--out", out, "--no-tune"}, csvCols...), embedded: embedded,
			code: exitOK, say: []string{"module 8 bytes"}},
		{name: "no embedded module: privrec.wasm beside the binary",
			args: append([]string{"train", "--data", comma, "--out", out, "--no-tune"}, csvCols...), embedded: missing,
			beside: true, code: exitOK, say: []string{"module 8 bytes"}},
		{name: "no module anywhere names --wasm",
			args: append([]string{"train", "--data", comma, "--out", out}, csvCols...), embedded: missing,
			code: exitIOError, say: []string{"no module", filepath.Join("dist", "privrec.wasm"), "pass --wasm PATH/privrec.wasm", "make cli"}},
		{name: "eval without a module names --wasm",
			args: append([]string{"eval", "--data", comma}, csvCols...), embedded: missing,
			code: exitIOError, say: []string{"pass --wasm PATH/privrec.wasm"}},
		{name: "--wasm a directory",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", dir}, csvCols...),
			code: exitIOError, say: []string{"is a directory", "--wasm " + filepath.Join(dir, "privrec.wasm")}},
		{name: "time in another layout shows the value, the formats and the layout",
			args: []string{"train", "--data", spaced, "--out", out, "--wasm", wasm, "--format", "csv", "--columns", "user=user,item=item,time=ts"},
			code: exitFailed, say: []string{`"2011-12-09 12:50:00"`, "accepted: rfc3339", "unix (seconds", "unix_ms (milliseconds", "add time_format=2006-01-02 15:04:05 to --columns"}},
		{name: "rfc3339 times read as unix name rfc3339",
			args: []string{"train", "--data", rfc, "--out", out, "--wasm", wasm, "--format", "csv", "--columns", "user=user,item=item,time=ts,time_format=unix"},
			code: exitFailed, say: []string{`"2011-12-09T12:50:00Z"`, "add time_format=rfc3339 to --columns"}},
		{name: "seconds read as unix_ms warn with the unit",
			args: append([]string{"train", "--data", seconds, "--out", out, "--wasm", wasm, "--no-tune"}, csvCols...),
			code: exitOK, say: []string{"dated before 1971", "if the times are seconds, use time_format=unix"}},
		{name: "uci dates in another layout name --format csv",
			args: []string{"train", "--data", uciBad, "--out", out, "--wasm", wasm},
			code: exitFailed, say: []string{`"12/1/2010 8:26"`, "--format csv --columns"}},
		{name: "semicolon CSV is detected",
			args: append([]string{"train", "--data", semi, "--out", out, "--wasm", wasm, "--no-tune"}, csvCols...), code: exitOK, say: []string{"wrote"}},
		{name: "tab CSV is detected",
			args: append([]string{"train", "--data", tab, "--out", out, "--wasm", wasm, "--no-tune"}, csvCols...), code: exitOK, say: []string{"wrote"}},
		{name: "other delimiter with --delimiter",
			args: append([]string{"train", "--data", pipe, "--out", out, "--wasm", wasm, "--no-tune", "--delimiter", "|"}, csvCols...), code: exitOK, say: []string{"wrote"}},
		{name: "other delimiter without --delimiter names it",
			args: append([]string{"train", "--data", pipe, "--out", out, "--wasm", wasm}, csvCols...),
			code: exitFailed, say: []string{"no column user", "pass --delimiter"}},
		{name: "bad --delimiter",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", wasm, "--delimiter", "ab"}, csvCols...),
			code: exitUsage, say: []string{"--delimiter \"ab\"", "one character"}},
		{name: "another layout read as UCI names --format csv --columns",
			args: []string{"train", "--data", comma, "--out", out, "--wasm", wasm},
			code: exitFailed, say: []string{"no column InvoiceNo", "the header has: user, item, ts", "pass --format csv --columns user=COL,item=COL,time=COL"}},
		{name: "--columns naming a missing column",
			args: []string{"train", "--data", comma, "--out", out, "--wasm", wasm, "--format", "csv", "--columns", "user=uid,item=item,time=ts"},
			code: exitFailed, say: []string{"no column uid", "the header has: user, item, ts", "fix --columns"}},
		{name: "public key as --sign-key",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", wasm, "--sign-key", pub}, csvCols...),
			code: exitUsage, say: []string{"is a public key", "--sign-key " + key}, not: []string{"chmod"}},
		{name: "public key as sign --key",
			args: []string{"sign", out, "--key", pub},
			code: exitUsage, say: []string{"is a public key", "--key " + key}, not: []string{"chmod"}},
		{name: "directory as --sign-key",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", wasm, "--sign-key", filepath.Join(dir, "keys")}, csvCols...),
			code: exitIOError, say: []string{"is a directory", "--sign-key " + key}, not: []string{"chmod"}},
		{name: "missing --sign-key",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", wasm, "--sign-key", filepath.Join(dir, "nope.key")}, csvCols...),
			code: exitIOError, say: []string{"no such file", "privrec keygen"}},
		{name: "--data a directory",
			args: append([]string{"train", "--data", dir, "--out", out, "--wasm", wasm}, csvCols...),
			code: exitIOError, say: []string{"--data " + dir + " is a directory", "pass the log file"}},
		{name: "--data missing",
			args: append([]string{"train", "--data", filepath.Join(dir, "nope.csv"), "--out", out, "--wasm", wasm}, csvCols...),
			code: exitIOError, say: []string{"no such file", "check the path given to --data"}},
		{name: "--data unreadable", args: append([]string{"eval", "--data", write("locked.csv", tasteLog(1)), "--wasm", wasm}, csvCols...),
			code: exitIOError, say: []string{"permission denied"}},
		{name: "--data under a file",
			args: append([]string{"train", "--data", filepath.Join(comma, "log.csv"), "--out", out, "--wasm", wasm}, csvCols...),
			code: exitIOError, say: []string{"not a directory", "check the path given to --data"}},
		{name: "--wasm not a module",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", comma}, csvCols...),
			code: exitIOError, say: []string{"is not a WebAssembly module", "make wasm"}},
		{name: "log as --sign-key",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", wasm, "--sign-key", comma}, csvCols...),
			code: exitUsage, say: []string{"is not a privrec key file", "privrec keygen"}, not: []string{"chmod"}},
		{name: "private key as verify --pub",
			args: []string{"verify", out, "--pub", key},
			code: exitUsage, say: []string{"is a private key", "--pub " + pub, "keep the private key off servers"}},
		{name: "private key as serve --pub",
			args: []string{"serve", "--bundle", out, "--pub", key},
			code: exitUsage, say: []string{"is a private key", "--pub " + pub}},
		{name: "directory as verify --pub",
			args: []string{"verify", out, "--pub", filepath.Join(dir, "keys")},
			code: exitIOError, say: []string{"is a directory", "--pub " + pub}},
		{name: "--catalog missing",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", wasm, "--catalog", filepath.Join(dir, "nope.csv")}, csvCols...),
			code: exitIOError, say: []string{"no such file", "check the path given to --catalog"}},
		{name: "--catalog a directory",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", wasm, "--catalog", dir}, csvCols...),
			code: exitIOError, say: []string{"is a directory", "catalog CSV"}},
		{name: "--catalog with a bad price names the line and column",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", wasm, "--no-tune", "--catalog", write("badprice.csv", "sku,name,price\ng0-0,Mug,1.50\ng0-1,Cup,£2\n")}, csvCols...),
			code: exitFailed, say: []string{"line 3", `column "price"`, `"£2"`, "plain non-negative number"}},
		{name: "--catalog with a javascript: link",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", wasm, "--no-tune", "--catalog", write("js.csv", "id,title,link\ng0-0,Mug,javascript:alert(1)\n")}, csvCols...),
			code: exitFailed, say: []string{"line 2", `column "link"`, `scheme "javascript"`}},
		{name: "--catalog whose ids are not the log's",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", wasm, "--no-tune", "--catalog", write("other.csv", "id,title\nX-1,Mug\n")}, csvCols...),
			code: exitFailed, say: []string{"none of its 1 ids", `"X-1"`, "the log's item ids"}},
		{name: "--catalog too large for --max-bundle-bytes",
			args: append([]string{"train", "--data", comma, "--out", out, "--wasm", wasm, "--no-tune", "--max-bundle-bytes", "50KB", "--catalog", write("big.csv", bigCatalog())}, csvCols...),
			code: exitUsage, say: []string{"exceeds the 50.0 kB budget", "raise --max-bundle-bytes", "items.bin, count as part of the catalog"}},
		{name: "--out a file",
			args: append([]string{"train", "--data", comma, "--out", fileOut, "--wasm", wasm}, csvCols...),
			code: exitIOError, say: []string{"is a file", "pass a new or existing directory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "--data unreadable" {
				if os.Geteuid() == 0 {
					t.Skip("root reads any file")
				}
				if err := os.Chmod(tc.args[2], 0); err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(t.TempDir()) // no dist/ here: outside the repository root
			oldMod, oldExe := embeddedModule, executable
			t.Cleanup(func() { embeddedModule, executable = oldMod, oldExe })
			if tc.embedded != nil {
				embeddedModule = tc.embedded
			}
			bin := "bin"
			if tc.beside {
				bin = "dist"
				write(filepath.Join(bin, "privrec.wasm"), string(stand))
			}
			executable = func() (string, error) { return filepath.Join(dir, bin, "privrec"), nil }
			code, stdout, stderr := runCLI(t, tc.args, newTrainCmd(), newEvalCmd(), newSignCmd(), newVerifyCmd(), newServeCmd())
			all := stdout + stderr
			if code != tc.code {
				t.Fatalf("exit %d; want %d\n%s", code, tc.code, all)
			}
			for _, s := range tc.say {
				if !strings.Contains(all, s) {
					t.Errorf("output does not say %q:\n%s", s, all)
				}
			}
			for _, s := range tc.not {
				if strings.Contains(all, s) {
					t.Errorf("output says %q:\n%s", s, all)
				}
			}
		})
	}
}

// bigCatalog is a catalog of tasteLog's 48 items whose 2 kB URLs alone
// are about 100 kB of page metadata.
func bigCatalog() string {
	var b strings.Builder
	b.WriteString("id,title,url\n")
	for g := 0; g < 6; g++ {
		for k := 0; k < 8; k++ {
			fmt.Fprintf(&b, "g%d-%d,Item,/p/%s\n", g, k, strings.Repeat("x", 2000))
		}
	}
	return b.String()
}
