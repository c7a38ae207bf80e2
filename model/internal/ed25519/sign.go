package ed25519

import "github.com/privrec/privrec/model/internal/sha2"

// sign signs message with priv (seed || public key, as crypto/ed25519
// keeps it) as RFC 8032 does, deterministically: the signature equals
// crypto/ed25519.Sign's, byte for byte (the tests compare). Sign is it in
// the module, where package bundle must not import crypto/ed25519 (the
// module never signs, so the linker leaves it out), and
// crypto/ed25519.Sign natively (sign_native.go): a publisher's key is only
// ever used by the standard library's signer.
//
// It runs on the module's own field and scalars in constant time: no
// branch or table index depends on the key or the nonce.
func sign(priv, message []byte) []byte {
	if len(priv) != PrivateKeySize {
		panic("ed25519: bad private key length")
	}
	h := sha2.Sum512(priv[:32])
	s := scClamp(h[:32])
	rh := sha2.Sum512(h[32:], message)
	r := scReduce(&rh)
	R := baseMult(&r)
	enc := R.bytes()
	kh := sha2.Sum512(enc[:], priv[32:], message)
	k := scReduce(&kh)
	S := scMulAdd(&k, &s, &r)
	return append(enc[:], S[:]...)
}

// baseMult returns [s]B for s < 2^253, in constant time: double and add
// from the top bit, adding B or the identity as the bit says, picked by
// mask (the formulas are complete, so adding the identity is exact).
func baseMult(s *[32]byte) p2 {
	r := p3{Y: fe{1}, Z: fe{1}}
	id := cached{YplusX: fe{1}, YminusX: fe{1}, Z: fe{1}}
	var t p1p1
	var q cached
	for i := 252; i >= 0; i-- {
		r.double(&t)
		t.toP3(&r)
		bit := int32(s[i>>3]>>(i&7)) & 1
		q.selectFrom(&baseOdd[0], &id, bit)
		add(&t, &r, &q)
		t.toP3(&r)
	}
	return p2{r.X, r.Y, r.Z}
}

// selectFrom sets c to a when bit is 1 and to b when it is 0, without
// branching on bit.
func (c *cached) selectFrom(a, b *cached, bit int32) {
	m := -bit // all ones or zero
	sel := func(h, f, g *fe) {
		for i := range h {
			h[i] = f[i]&m | g[i]&^m
		}
	}
	sel(&c.YplusX, &a.YplusX, &b.YplusX)
	sel(&c.YminusX, &a.YminusX, &b.YminusX)
	sel(&c.Z, &a.Z, &b.Z)
	sel(&c.T2d, &a.T2d, &b.T2d)
}
