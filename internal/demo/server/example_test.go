package server_test

import (
	"crypto/ed25519"
	"fmt"
	"net/http/httptest"
	"testing/fstest"
	"time"

	"github.com/privrec/privrec/internal/demo"
	"github.com/privrec/privrec/internal/demo/server"
)

func ExampleNew() {
	pub, priv, _ := ed25519.GenerateKey(nil)
	files, err := demo.Bundle([]byte("\x00asm module bytes"), priv, time.Now())
	if err != nil {
		fmt.Println(err)
		return
	}
	h, err := server.New(server.Config{
		Site:      fstest.MapFS{"index.html": {Data: []byte("<!doctype html>")}},
		SDK:       fstest.MapFS{"privrec.js": {}, "privrec-worker.js": {}},
		Bundle:    files,
		PublicKey: pub,
		Log:       func(e server.Entry) { fmt.Println(e.Method, e.Path, e.Status, e.HasQuery) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/bundle/privrec.wasm?user=42", nil))
	fmt.Println(w.Header().Get("Content-Type"))
	// Output:
	// GET /bundle/privrec.wasm 200 true
	// application/wasm
}
