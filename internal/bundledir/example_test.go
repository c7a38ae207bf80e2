package bundledir_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/privrec/privrec/internal/bundledir"
	"github.com/privrec/privrec/model/bundle"
)

// A publisher's tool writes a key pair once, then reads a bundle, signs it
// and writes the manifest and signature back.
func ExampleWriteKeyPair() {
	dir, _ := os.MkdirTemp("", "keys")
	defer os.RemoveAll(dir)

	pub, err := bundledir.WriteKeyPair(dir)
	if err != nil {
		fmt.Println(err)
		return
	}
	priv, err := bundledir.ReadPrivateKey(filepath.Join(dir, bundledir.PrivateKeyFile))
	fmt.Println(err, pub.Equal(priv.Public()), len(bundle.KeyID(pub)))
	st, _ := os.Stat(filepath.Join(dir, bundledir.PrivateKeyFile))
	fmt.Printf("%04o\n", st.Mode().Perm())
	// Output:
	// <nil> true 16
	// 0600
}

func ExampleRead() {
	dir, _ := os.MkdirTemp("", "bundle")
	defer os.RemoveAll(dir)

	err := bundledir.Write(dir, &bundle.Files{
		Manifest: []byte("m"), Signature: []byte("s"), Weights: []byte("w"), Catalog: []byte("c"), Wasm: []byte("x"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	f, err := bundledir.Read(dir)
	fmt.Println(err, string(f.Manifest), string(f.Wasm))
	// Output:
	// <nil> m x
}
