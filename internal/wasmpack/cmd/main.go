// Command wasmpack merges the data segments of modules Go's linker wrote, in
// place (package wasmpack says why and when it is safe):
//
//	go run ./internal/wasmpack/cmd dist/privrec.wasm [more.wasm ...]
//
// The Makefile runs it on every module it builds. A module it cannot rewrite
// safely is left as it was, and the command fails naming why.
package main

import (
	"fmt"
	"os"

	"github.com/privrec/privrec/internal/wasmpack"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: wasmpack module.wasm [more.wasm ...]")
		os.Exit(2)
	}
	for _, path := range os.Args[1:] {
		if err := pack(path); err != nil {
			fmt.Fprintf(os.Stderr, "wasmpack: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

func pack(path string) error {
	in, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, st, err := wasmpack.Pack(in)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	fmt.Printf("wasmpack: %s: %d data segments → %d (%d bytes of zeros written), %d → %d bytes\n",
		path, st.Segments, st.Packed, st.ZerosWritten, len(in), len(out))
	return nil
}
