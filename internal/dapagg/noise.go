package dapagg

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/cloudflare/circl/vdaf/prio3/arith/fp128"

	"github.com/privrec/privrec/model/dap"
)

// Noise is optional differential-privacy noise that an aggregator adds to
// its aggregate share before sealing it: discrete Laplace (two-sided
// geometric) noise of scale Sensitivity/Epsilon on every coordinate. Each
// aggregator adds its own draw, so the released aggregate is ε-DP (pure, per
// batch, L1 sensitivity Sensitivity) as long as one of them is honest; the
// collector sees the sum of two draws (twice Variance per coordinate). The
// zero Noise adds nothing (Prio3 alone is exact).
type Noise struct {
	Epsilon     float64 `json:"epsilon,omitempty"`
	Sensitivity float64 `json:"sensitivity,omitempty"`
}

func (n Noise) enabled() bool { return n.Epsilon > 0 }

// Validate checks the noise parameters.
func (n Noise) Validate() error {
	if n.Epsilon < 0 || math.IsNaN(n.Epsilon) || math.IsInf(n.Epsilon, 0) {
		return fmt.Errorf("noise: epsilon %v must be a finite number ≥ 0 (0: no noise)", n.Epsilon)
	}
	if n.enabled() && !(n.Sensitivity > 0) {
		return errors.New("noise: sensitivity must be > 0 when epsilon is set")
	}
	return nil
}

// alpha is the discrete Laplace parameter exp(-ε/Δ).
func (n Noise) alpha() float64 { return math.Exp(-n.Epsilon / n.Sensitivity) }

// Variance is the variance of one aggregator's draw on one coordinate:
// 2α/(1-α)² for the discrete Laplace with parameter α.
func (n Noise) Variance() float64 {
	if !n.enabled() {
		return 0
	}
	a := n.alpha()
	return 2 * a / ((1 - a) * (1 - a))
}

// sample draws one discrete Laplace variate as the difference of two
// geometric variates, from crypto/rand (noise drawn from a seeded PRNG
// could be subtracted by whoever knows the seed).
func (n Noise) sample() (int64, error) {
	a := n.alpha()
	geo := func() (int64, error) {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return 0, err
		}
		u := (float64(binary.LittleEndian.Uint64(b[:])>>11) + 0.5) / (1 << 53)
		return int64(math.Floor(math.Log(u) / math.Log(a))), nil
	}
	x, err := geo()
	if err != nil {
		return 0, err
	}
	y, err := geo()
	return x - y, err
}

// apply adds one draw to every Field128 element of an encoded aggregate
// share.
func (n Noise) apply(share []byte) ([]byte, error) {
	v, err := fieldVec(share)
	if err != nil {
		return nil, err
	}
	for i := range v {
		x, err := n.sample()
		if err != nil {
			return nil, err
		}
		var f fp128.Fp
		mag := x
		if x < 0 {
			mag = -x
		}
		if err := f.SetUint64(uint64(mag)); err != nil {
			return nil, err
		}
		if x < 0 {
			v[i].SubAssign(&f)
		} else {
			v[i].AddAssign(&f)
		}
	}
	return v.MarshalBinary()
}

// signedSum adds two encoded aggregate shares and reads each coordinate as a
// signed integer (values above p/2 are negative), which noisy aggregates
// need: a small true count plus negative noise wraps around the field.
func signedSum(a, b []byte) ([]int64, error) {
	va, err := fieldVec(a)
	if err != nil {
		return nil, err
	}
	vb, err := fieldVec(b)
	if err != nil {
		return nil, err
	}
	if len(va) != len(vb) {
		return nil, fmt.Errorf("%w: aggregate shares of %d and %d elements", dap.ErrMalformed, len(va), len(vb))
	}
	var z fp128.Fp
	p := new(big.Int).SetBytes(z.Order()) // big-endian; elements encode little-endian
	half := new(big.Int).Rsh(p, 1)
	out := make([]int64, len(va))
	for i := range va {
		va[i].AddAssign(&vb[i])
		raw, _ := va[i].MarshalBinary()
		x := new(big.Int).SetBytes(reverse(raw))
		if x.Cmp(half) > 0 {
			x.Sub(x, p)
		}
		if !x.IsInt64() {
			return nil, fmt.Errorf("aggregate coordinate %d does not fit in int64", i)
		}
		out[i] = x.Int64()
	}
	return out, nil
}

func reverse(b []byte) []byte {
	r := make([]byte, len(b))
	for i := range b {
		r[len(b)-1-i] = b[i]
	}
	return r
}
