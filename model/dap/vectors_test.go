package dap

import (
	"bytes"
	"compress/gzip"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudflare/circl/vdaf/prio3/sumvec"
)

// circlDir is circl's module directory in the module cache, where its
// copies of the drafts' test vectors live (they are read there, never
// copied into this repository). The test skips, saying why, when it is
// absent (e.g. a vendored build with no module cache).
func circlDir(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/cloudflare/circl").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Skipf("circl's module directory is not available (go list -m: %v); run `go mod download github.com/cloudflare/circl` to get its test vectors", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("circl's module directory %s is missing (%v); run `go mod download github.com/cloudflare/circl`", dir, err)
	}
	return dir
}

func readGzipJSON(t *testing.T, path string, v any) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("test vectors: %v", err)
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := json.NewDecoder(z).Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	*h = v
	return err
}

// sumVecVector is the shape of draft-irtf-cfrg-vdaf-14's Prio3SumVec test
// vectors.
type sumVecVector struct {
	Ctx       hexBytes `json:"ctx"`
	Shares    uint8    `json:"shares"`
	Length    uint     `json:"length"`
	Bits      uint     `json:"bits"`
	ChunkLen  uint     `json:"chunk_length"`
	VerifyKey hexBytes `json:"verify_key"`
	AggResult []uint64 `json:"agg_result"`
	Prep      []struct {
		Measurement []uint64   `json:"measurement"`
		Nonce       hexBytes   `json:"nonce"`
		Rand        hexBytes   `json:"rand"`
		PublicShare hexBytes   `json:"public_share"`
		InputShares []hexBytes `json:"input_shares"`
	} `json:"prep"`
}

// TestPrio3SumVecVectors runs the VDAF draft's published Prio3SumVec
// vectors through the client's own sharding path (shard, which NewReport
// calls): given the vector's nonce (the report id) and rand, the encoded
// public share and every input share must equal the vector's bytes. The
// shares are then prepared and unsharded with circl to the vector's
// aggregate, so the vectors' parameters are really the ones run.
func TestPrio3SumVecVectors(t *testing.T) {
	dir := circlDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "vdaf", "prio3", "testdata", "Prio3SumVec_*.json.gz"))
	if len(files) == 0 {
		t.Fatalf("no Prio3SumVec vectors under %s/vdaf/prio3/testdata: circl v1.6.5 ships two", dir)
	}
	ran2 := false
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			var v sumVecVector
			readGzipJSON(t, file, &v)
			vdaf, err := sumvec.New(v.Shares, v.Length, v.Bits, v.ChunkLen, v.Ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(v.Prep) == 0 {
				t.Fatal("vector has no prep entries")
			}
			params := vdaf.Params()
			aggs := make([]sumvec.AggShare, v.Shares)
			for i := range aggs {
				aggs[i] = vdaf.AggregateInit()
			}
			var verifyKey sumvec.VerifyKey
			if len(v.VerifyKey) != len(verifyKey) {
				t.Fatalf("verify key is %d bytes", len(v.VerifyKey))
			}
			copy(verifyKey[:], v.VerifyKey)
			for n, p := range v.Prep {
				var id ReportID
				copy(id[:], p.Nonce)
				pub, shares, err := shard(vdaf, p.Measurement, &id, p.Rand)
				if err != nil {
					t.Fatal(err)
				}
				// The comparison can fail: one bit of rand changes the shares.
				flipped := append([]byte{}, p.Rand...)
				flipped[len(flipped)-1] ^= 1
				if _, other, err := shard(vdaf, p.Measurement, &id, flipped); err != nil || bytes.Equal(other[0], p.InputShares[0]) {
					t.Fatalf("prep %d: flipping a bit of rand left the leader's share as the vector's (%v)", n, err)
				}
				if !bytes.Equal(pub, p.PublicShare) {
					t.Fatalf("prep %d: public share\n got %x\nwant %x", n, pub, p.PublicShare)
				}
				if len(shares) != len(p.InputShares) {
					t.Fatalf("prep %d: %d input shares, vector has %d", n, len(shares), len(p.InputShares))
				}
				for i := range shares {
					if !bytes.Equal(shares[i], p.InputShares[i]) {
						t.Fatalf("prep %d: input share %d\n got %x\nwant %x", n, i, shares[i], p.InputShares[i])
					}
				}
				// Prepare from the decoded bytes, as an aggregator would.
				ps, err := DecodePublicShare(vdaf, pub)
				if err != nil {
					t.Fatal(err)
				}
				nonce := sumvec.Nonce(id)
				states := make([]*sumvec.PrepState, v.Shares)
				prepShares := make([]sumvec.PrepShare, v.Shares)
				for i := range shares {
					in, err := DecodeInputShare(vdaf, uint8(i), shares[i])
					if err != nil {
						t.Fatal(err)
					}
					st, sh, err := vdaf.PrepInit(&verifyKey, &nonce, uint8(i), ps, in)
					if err != nil {
						t.Fatal(err)
					}
					states[i], prepShares[i] = st, *sh
				}
				msg, err := vdaf.PrepSharesToPrep(prepShares)
				if err != nil {
					t.Fatal(err)
				}
				for i := range states {
					out, err := vdaf.PrepNext(states[i], msg)
					if err != nil {
						t.Fatal(err)
					}
					vdaf.AggregateUpdate(&aggs[i], out)
				}
			}
			got, err := vdaf.Unshard(aggs, uint(len(v.Prep)))
			if err != nil {
				t.Fatal(err)
			}
			if !equalU64(*got, v.AggResult) {
				t.Fatalf("aggregate %v, vector %v", *got, v.AggResult)
			}
			if v.Shares == 2 {
				ran2 = true
				if int(params.RandSize()) != vdafRandSize {
					t.Fatalf("two-share SumVec rand is %d bytes; the client draws %d", params.RandSize(), vdafRandSize)
				}
			}
		})
	}
	if !ran2 {
		t.Fatal("no two-share vector ran (DAP's case)")
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestHPKEVectors runs RFC 9180's vector for the suite DAP uses (base
// mode, X25519, HKDF-SHA256, AES-128-GCM) through this package's seal,
// open and key generation: the key pair from ikmR, enc and the first
// ciphertexts (sequence numbers 0, 1, ...: one context seals them in
// order) from ikmE.
func TestHPKEVectors(t *testing.T) {
	dir := circlDir(t)
	var all []struct {
		Mode        int      `json:"mode"`
		KEM         uint16   `json:"kem_id"`
		KDF         uint16   `json:"kdf_id"`
		AEAD        uint16   `json:"aead_id"`
		Info        hexBytes `json:"info"`
		IkmR        hexBytes `json:"ikmR"`
		IkmE        hexBytes `json:"ikmE"`
		SkRm        hexBytes `json:"skRm"`
		PkRm        hexBytes `json:"pkRm"`
		Enc         hexBytes `json:"enc"`
		Encryptions []struct {
			Aad hexBytes `json:"aad"`
			Ct  hexBytes `json:"ct"`
			Pt  hexBytes `json:"pt"`
		} `json:"encryptions"`
	}
	readGzipJSON(t, filepath.Join(dir, "hpke", "testdata", "vectors_rfc9180_5f503c5.json.gz"), &all)
	found := 0
	for _, v := range all {
		if v.Mode != 0 || v.KEM != KEMX25519HKDFSHA256 || v.KDF != KDFHKDFSHA256 || v.AEAD != AEADAES128GCM {
			continue
		}
		found++
		kp, err := GenerateHpkeKeyPair(7, bytes.NewReader(v.IkmR))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(kp.Config.PublicKey, v.PkRm) || !bytes.Equal(kp.PrivateKey, v.SkRm) {
			t.Fatalf("key pair from ikmR: pk %x sk %x, want %x %x", kp.Config.PublicKey, kp.PrivateKey, v.PkRm, v.SkRm)
		}
		e := v.Encryptions[0]
		ct, err := seal(&kp.Config, v.Info, e.Aad, e.Pt, bytes.NewReader(v.IkmE))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ct.Enc, v.Enc) || !bytes.Equal(ct.Payload, e.Ct) || ct.ConfigID != 7 {
			t.Fatalf("seal: enc %x ct %x, want %x %x", ct.Enc, ct.Payload, v.Enc, e.Ct)
		}
		pt, err := open(&kp, v.Info, e.Aad, &HpkeCiphertext{ConfigID: 7, Enc: v.Enc, Payload: e.Ct})
		if err != nil || !bytes.Equal(pt, e.Pt) {
			t.Fatalf("open: %x, %v; want %x", pt, err, e.Pt)
		}
		// A flipped AAD bit must not open.
		aad := append([]byte{}, e.Aad...)
		aad[0] ^= 1
		if _, err := open(&kp, v.Info, aad, &HpkeCiphertext{ConfigID: 7, Enc: v.Enc, Payload: e.Ct}); err == nil {
			t.Fatal("open with a changed AAD succeeded")
		}
	}
	if found != 1 {
		t.Fatalf("%d RFC 9180 vectors for base/X25519/HKDF-SHA256/AES-128-GCM, want 1", found)
	}
}
