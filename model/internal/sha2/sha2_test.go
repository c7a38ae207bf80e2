package sha2

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"math/rand/v2"
	"testing"
)

func TestAgainstStdlib(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 600; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		if sum256(b) != sha256.Sum256(b) {
			t.Fatalf("Sum256 of %d bytes", n)
		}
		for cut := 0; cut <= n; cut += 1 + n/7 {
			if sum512(b[:cut], b[cut:]) != sha512.Sum512(b) {
				t.Fatalf("Sum512 of %d bytes cut at %d", n, cut)
			}
		}
	}
	big := bytes.Repeat([]byte("privrec"), 150_000)
	if sum256(big) != sha256.Sum256(big) || sum512(big[:7], big[7:1000], big[1000:]) != sha512.Sum512(big) || Sum512(big[:7], big[7:]) != sha512.Sum512(big) {
		t.Fatal("1 MB")
	}
}

func FuzzSums(f *testing.F) {
	f.Add([]byte("abc"), 1)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		if sum256(b) != sha256.Sum256(b) {
			t.Fatal("Sum256")
		}
		if cut < 0 || cut > len(b) {
			cut = len(b) / 2
		}
		if sum512(b[:cut], b[cut:]) != sha512.Sum512(b) {
			t.Fatal("Sum512")
		}
	})
}
