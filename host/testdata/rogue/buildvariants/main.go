// Command buildvariants writes every rogue build of the real module
// (package variant) to a directory, to audit them with the CLI:
//
//	go run ./host/testdata/rogue/buildvariants -o /tmp/rogues
//	for f in /tmp/rogues/*.wasm; do privrec audit "$f"; done
//
// Run it from the repository root.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/privrec/privrec/host/testdata/rogue/variant"
)

func main() {
	out := flag.String("o", "rogues", "directory to write NAME.wasm into")
	flag.Parse()
	root, err := os.Getwd()
	if err == nil {
		err = os.MkdirAll(*out, 0o755)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "buildvariants:", err)
		os.Exit(1)
	}
	for _, name := range variant.Names {
		wasm, err := variant.Build(root, name)
		if err == nil {
			err = os.WriteFile(filepath.Join(*out, name+".wasm"), wasm, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "buildvariants:", err)
			os.Exit(1)
		}
		fmt.Println(filepath.Join(*out, name+".wasm"))
	}
}
