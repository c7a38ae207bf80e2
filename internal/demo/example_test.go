package demo_test

import (
	"crypto/ed25519"
	"fmt"
	"time"

	"github.com/privrec/privrec/internal/demo"
	"github.com/privrec/privrec/model/bundle"
)

func ExampleBundle() {
	pub, priv, _ := ed25519.GenerateKey(nil)
	now := time.Now()
	files, err := demo.Bundle([]byte("\x00asm module bytes"), priv, now)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := bundle.Verify(files.Manifest, files.Signature, bundle.VerifyOptions{Keys: [][]byte{pub}, Now: now.UnixMilli()})
	fmt.Println(err, m.KeyID == bundle.KeyID(pub), len(demo.Catalog()))
	// Output: <nil> true 88
}

func ExampleLog() {
	log, err := demo.Log(demo.DefaultLogConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	first := log.Interactions[0]
	fmt.Println(len(log.Catalog), first.Kind)
	// Output: 88 view
}
