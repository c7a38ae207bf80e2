package ed25519

import (
	std "crypto/ed25519"
	"math/rand/v2"
	"testing"
)

func TestVerifyAgreesWithStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	seed := make([]byte, 32)
	for i := 0; i < 200; i++ {
		for j := range seed {
			seed[j] = byte(r.Uint32())
		}
		priv := std.NewKeyFromSeed(seed)
		pub := priv.Public().(std.PublicKey)
		msg := make([]byte, r.IntN(300))
		for j := range msg {
			msg[j] = byte(r.Uint32())
		}
		sig := std.Sign(priv, msg)
		if !Verify(pub, msg, sig) {
			t.Fatalf("valid signature %d refused", i)
		}
		bad := append([]byte(nil), sig...)
		bad[r.IntN(64)] ^= byte(1 << r.IntN(8))
		badMsg := append([]byte{1}, msg...)
		badPub := append([]byte(nil), pub...)
		badPub[r.IntN(32)] ^= byte(1 << r.IntN(8))
		for _, c := range []struct{ pub, msg, sig []byte }{{pub, msg, bad}, {pub, badMsg, sig}, {badPub, msg, sig}, {pub[:31], msg, sig}, {pub, msg, sig[:63]}} {
			want := len(c.pub) == 32 && std.Verify(c.pub, c.msg, c.sig) // std panics on a short key
			if got := Verify(c.pub, c.msg, c.sig); got != want {
				t.Fatalf("case %d: Verify %v, crypto/ed25519 %v", i, got, want)
			}
		}
	}
}

// FuzzVerify: on any key, message and signature, Verify answers what
// crypto/ed25519.Verify answers.
func FuzzVerify(f *testing.F) {
	priv := std.NewKeyFromSeed(make([]byte, 32))
	msg := []byte("privrec manifest v1\x00{}")
	f.Add([]byte(priv.Public().(std.PublicKey)), msg, std.Sign(priv, msg))
	f.Fuzz(func(t *testing.T, pub, msg, sig []byte) {
		if len(pub) != 32 || len(sig) != 64 {
			if Verify(pub, msg, sig) || verify32(pub, msg, sig) {
				t.Fatal("accepted a malformed key or signature")
			}
			return
		}
		want := std.Verify(pub, msg, sig)
		if got := Verify(pub, msg, sig); got != want {
			t.Fatalf("Verify %v, crypto/ed25519 %v", got, want)
		}
		if got := verify32(pub, msg, sig); got != want {
			t.Fatalf("verify32 %v, crypto/ed25519 %v", got, want)
		}
	})
}

func TestSignEqualsStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	seed := make([]byte, 32)
	for i := 0; i < 100; i++ {
		for j := range seed {
			seed[j] = byte(r.Uint32())
		}
		priv := std.NewKeyFromSeed(seed)
		msg := make([]byte, r.IntN(300))
		for j := range msg {
			msg[j] = byte(r.Uint32())
		}
		if got, want := sign(priv, msg), std.Sign(priv, msg); string(got) != string(want) {
			t.Fatalf("key %d: Sign %x, crypto/ed25519 %x", i, got, want)
		}
	}
}

// BenchmarkVerify compares the two fields on one signature: run it
// natively and in WebAssembly (GOOS=wasip1 GOARCH=wasm go test -c -tags
// ed25519field51, then node internal/wasmtest/v8.mjs) to see why Verify
// picks verify32 there.
func BenchmarkVerify(b *testing.B) {
	priv := std.NewKeyFromSeed(make([]byte, 32))
	pub := []byte(priv.Public().(std.PublicKey))
	msg := make([]byte, 64) // a manifest digest and its domain, roughly
	sig := std.Sign(priv, msg)
	for _, c := range benchFields {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if !c.f(pub, msg, sig) {
					b.Fatal("refused")
				}
			}
		})
	}
}

// benchField is one implementation of Verify, for BenchmarkVerify.
type benchField struct {
	name string
	f    func(pub, msg, sig []byte) bool
}
