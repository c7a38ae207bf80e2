package dap

import (
	"bytes"
	crand0 "crypto/rand"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cloudflare/circl/vdaf/prio3/sumvec"
)

// TestChunkLengthIsOptimal follows the VDAF draft's advice for
// chunk_length (find the best by trial): no other value gives a shorter
// proof for the layout's 88 encoded bits, and ProofLength is circl's.
func TestChunkLengthIsOptimal(t *testing.T) {
	proof := func(c uint) uint {
		v, err := sumvec.New(2, MeasurementLength, MeasurementBits, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := v.Params()
		return p.ProofLength()
	}
	best := proof(ChunkLength)
	if best != ProofLength {
		t.Fatalf("proof length at chunk %d is %d, ProofLength says %d", ChunkLength, best, ProofLength)
	}
	for c := uint(1); c <= MeasurementLength*MeasurementBits; c++ {
		if p := proof(c); p < best {
			t.Fatalf("chunk length %d gives a %d-element proof, shorter than ChunkLength %d's %d", c, p, ChunkLength, best)
		}
	}
}

func TestPrepareMeasurement(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []uint64
		want []uint64
		err  string
	}{
		{"full, personal", []uint64{0, 1, 0, 0, 12, 3, 1, 0, 0, 0, 4}, []uint64{0, 1, 0, 0, 12, 3, 1, 0, 0, 0, 4}, ""},
		{"clips counters", []uint64{1, 0, 0, 1, 0, 0, 0, 300, 256, 1 << 40, 255}, []uint64{1, 0, 0, 1, 0, 0, 0, 255, 255, 255, 255}, ""},
		{"short", []uint64{1, 0, 0}, nil, "3 entries, layout v1 has 11"},
		{"no consent", []uint64{0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1}, nil, "0 consent entries set"},
		{"two consents", []uint64{1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1}, nil, "2 consent entries set"},
		{"consent not a bit", []uint64{2, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1}, nil, "entry 0 (consent_session) is 2"},
		{"arm not a bit", []uint64{1, 0, 0, 5, 1, 1, 1, 0, 0, 0, 1}, nil, "entry 3 (arm_control) is 5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := PrepareMeasurement(tc.in)
			if tc.err != "" {
				if !errors.Is(err, ErrBadMeasurement) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want ErrBadMeasurement containing %q", err, tc.err)
				}
				return
			}
			if err != nil || !equalU64(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// testTask is a task with fresh leader, helper and collector keys.
type testTask struct {
	id                        TaskID
	leader, helper, collector HpkeKeyPair
	leaderList, helperList    []byte
}

func newTestTask(t testing.TB, seed uint64) *testTask {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	var tt testTask
	for i := range tt.id {
		tt.id[i] = byte(r.Uint32())
	}
	var err error
	for i, kp := range []*HpkeKeyPair{&tt.leader, &tt.helper, &tt.collector} {
		if *kp, err = GenerateHpkeKeyPair(uint8(10+i), chacha(r)); err != nil {
			t.Fatal(err)
		}
	}
	// The leader also serves an unsupported config first: the client
	// must skip it.
	l := HpkeConfigList{{ID: 1, KEM: 0x0010, KDF: 1, AEAD: 1, PublicKey: bytes.Repeat([]byte{4}, 65)}, tt.leader.Config}
	if tt.leaderList, err = l.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	h := HpkeConfigList{tt.helper.Config}
	if tt.helperList, err = h.MarshalBinary(); err != nil {
		t.Fatal(err)
	}
	return &tt
}

// chacha is a deterministic io.Reader drawn from r.
func chacha(r *rand.Rand) *bytes.Reader {
	b := make([]byte, 64)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return bytes.NewReader(b)
}

func (tt *testTask) params(t testing.TB, now int64) *ReportParams {
	p := &ReportParams{TaskID: tt.id, Now: now, TimePrecision: 3600}
	if err := p.Leader.UnmarshalBinary(tt.leaderList); err != nil {
		t.Fatal(err)
	}
	if err := p.Helper.UnmarshalBinary(tt.helperList); err != nil {
		t.Fatal(err)
	}
	return p
}

// aggregate opens every report's shares with the aggregators' keys,
// prepares them with circl and returns the unsharded sum: what the
// leader, the helper and the collector do together.
func (tt *testTask) aggregate(t testing.TB, reports []Report) []uint64 {
	t.Helper()
	vdaf, err := NewVDAF(tt.id)
	if err != nil {
		t.Fatal(err)
	}
	var verifyKey sumvec.VerifyKey
	if _, err := crand(verifyKey[:]); err != nil {
		t.Fatal(err)
	}
	aggs := []sumvec.AggShare{vdaf.AggregateInit(), vdaf.AggregateInit()}
	for _, r := range reports {
		pub, err := DecodePublicShare(vdaf, r.PublicShare)
		if err != nil {
			t.Fatal(err)
		}
		nonce := sumvec.Nonce(r.Metadata.ID)
		var states [2]*sumvec.PrepState
		var shares [2]sumvec.PrepShare
		for i, side := range []struct {
			kp   HpkeKeyPair
			role Role
			ct   HpkeCiphertext
		}{{tt.leader, RoleLeader, r.LeaderShare}, {tt.helper, RoleHelper, r.HelperShare}} {
			pt, err := OpenInputShare(side.kp, side.role, tt.id, r.Metadata, r.PublicShare, side.ct)
			if err != nil {
				t.Fatalf("aggregator %d: %v", i, err)
			}
			if len(pt.PrivateExtensions) != 0 {
				t.Fatalf("aggregator %d: private extensions %v", i, pt.PrivateExtensions)
			}
			in, err := DecodeInputShare(vdaf, uint8(i), pt.Payload)
			if err != nil {
				t.Fatal(err)
			}
			st, sh, err := vdaf.PrepInit(&verifyKey, &nonce, uint8(i), pub, in)
			if err != nil {
				t.Fatal(err)
			}
			states[i], shares[i] = st, *sh
		}
		msg, err := vdaf.PrepSharesToPrep(shares[:])
		if err != nil {
			t.Fatalf("report %x does not verify: %v", r.Metadata.ID, err)
		}
		for i := range states {
			out, err := vdaf.PrepNext(states[i], msg)
			if err != nil {
				t.Fatal(err)
			}
			vdaf.AggregateUpdate(&aggs[i], out)
		}
	}
	sum, err := vdaf.Unshard(aggs, uint(len(reports)))
	if err != nil {
		t.Fatal(err)
	}
	return *sum
}

var crand = crand0.Read

// TestNewReport: reports built by the client open with the aggregators'
// keys, verify, and add up to the (clipped) measurements; the sizes are
// the layout's; the time is rounded down; the report id is the entropy's
// first 16 bytes.
func TestNewReport(t *testing.T) {
	tt := newTestTask(t, 1)
	meas := [][]uint64{
		{0, 1, 0, 0, 20, 3, 1, 0, 0, 0, 5},
		{1, 0, 0, 1, 0, 0, 0, 400, 9, 2, 7}, // 400 clips to 255
		{0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 1},
	}
	want := make([]uint64, MeasurementLength)
	var reports []Report
	for n, m := range meas {
		entropy := make([]byte, EntropySize)
		crand(entropy)
		r, err := NewReport(tt.params(t, 1700003599+int64(n)), m, entropy)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.Metadata.ID[:], entropy[:16]) {
			t.Fatal("report id is not the entropy's first 16 bytes")
		}
		if wantTime := uint64(1700003599+n) / 3600 * 3600; r.Metadata.Time != wantTime {
			t.Fatalf("time %d, want %d", r.Metadata.Time, wantTime)
		}
		if len(r.PublicShare) != PublicShareSize || len(r.LeaderShare.Payload) != LeaderCiphertextSize ||
			len(r.HelperShare.Payload) != HelperCiphertextSize || len(r.LeaderShare.Enc) != EncSize || len(r.HelperShare.Enc) != EncSize {
			t.Fatalf("sizes: public %d leader %d helper %d enc %d/%d; want %d %d %d %d",
				len(r.PublicShare), len(r.LeaderShare.Payload), len(r.HelperShare.Payload), len(r.LeaderShare.Enc), len(r.HelperShare.Enc),
				PublicShareSize, LeaderCiphertextSize, HelperCiphertextSize, EncSize)
		}
		if r.LeaderShare.ConfigID != tt.leader.Config.ID || r.HelperShare.ConfigID != tt.helper.Config.ID {
			t.Fatalf("config ids %d/%d: the client did not skip the unsupported leader config", r.LeaderShare.ConfigID, r.HelperShare.ConfigID)
		}
		for i, v := range m {
			want[i] += min(v, MaxEntry)
		}
		reports = append(reports, r)
	}
	if got := tt.aggregate(t, reports); !equalU64(got, want) {
		t.Fatalf("aggregate %v, want %v", got, want)
	}
}

// TestOpenBindsReport: an input share opens only for its own role, key,
// task and metadata (the info string and AAD bind them).
func TestOpenBindsReport(t *testing.T) {
	tt := newTestTask(t, 2)
	r, err := GenerateReport(tt.params(t, 1700000000), []uint64{0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1}, crand0.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenInputShare(tt.leader, RoleLeader, tt.id, r.Metadata, r.PublicShare, r.LeaderShare); err != nil {
		t.Fatal(err)
	}
	other := tt.id
	other[0] ^= 1
	later := r.Metadata
	later.Time += 3600
	flipped := append([]byte{}, r.PublicShare...)
	flipped[0] ^= 1
	helperKeyAsLeader := tt.helper
	helperKeyAsLeader.Config.ID = tt.leader.Config.ID
	for _, tc := range []struct {
		name string
		kp   HpkeKeyPair
		role Role
		task TaskID
		meta ReportMetadata
		pub  []byte
	}{
		{"helper role", tt.leader, RoleHelper, tt.id, r.Metadata, r.PublicShare},
		{"other task", tt.leader, RoleLeader, other, r.Metadata, r.PublicShare},
		{"other time", tt.leader, RoleLeader, tt.id, later, r.PublicShare},
		{"other public share", tt.leader, RoleLeader, tt.id, r.Metadata, flipped},
		{"other key", helperKeyAsLeader, RoleLeader, tt.id, r.Metadata, r.PublicShare},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenInputShare(tc.kp, tc.role, tc.task, tc.meta, tc.pub, r.LeaderShare)
			if !errors.Is(err, ErrDecrypt) {
				t.Fatalf("err = %v, want ErrDecrypt", err)
			}
		})
	}
}

func TestNewReportRefuses(t *testing.T) {
	tt := newTestTask(t, 3)
	good := []uint64{0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1}
	entropy := make([]byte, EntropySize)
	for _, tc := range []struct {
		name     string
		edit     func(p *ReportParams) ([]uint64, []byte)
		sentinel error
		want     string
	}{
		{"short entropy", func(p *ReportParams) ([]uint64, []byte) { return good, entropy[:10] }, ErrBadRequest, "entropy is 10 bytes"},
		{"zero precision", func(p *ReportParams) ([]uint64, []byte) { p.TimePrecision = 0; return good, entropy }, ErrBadRequest, "time precision is 0"},
		{"negative time", func(p *ReportParams) ([]uint64, []byte) { p.Now = -5; return good, entropy }, ErrBadRequest, "before 1970"},
		{"no helper config", func(p *ReportParams) ([]uint64, []byte) { p.Helper = nil; return good, entropy }, ErrUnsupported, "helper: "},
		{"only unsupported leader config", func(p *ReportParams) ([]uint64, []byte) { p.Leader = p.Leader[:1]; return good, entropy }, ErrUnsupported, "leader: "},
		{"bad measurement", func(p *ReportParams) ([]uint64, []byte) { return good[:4], entropy }, ErrBadMeasurement, "4 entries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tt.params(t, 1700000000)
			m, e := tc.edit(p)
			_, err := NewReport(p, m, e)
			if !errors.Is(err, tc.sentinel) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %v containing %q", err, tc.sentinel, tc.want)
			}
		})
	}
}

// TestNewReportDeterministic: the same entropy gives the same bytes, and
// one bit of entropy changes the report (no hidden randomness either way).
func TestNewReportDeterministic(t *testing.T) {
	tt := newTestTask(t, 4)
	m := []uint64{0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1}
	entropy := make([]byte, EntropySize)
	crand(entropy)
	enc := func(e []byte) []byte {
		r, err := NewReport(tt.params(t, 1700000000), m, e)
		if err != nil {
			t.Fatal(err)
		}
		b, err := r.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := enc(entropy), enc(entropy)
	if !bytes.Equal(a, b) {
		t.Fatal("same entropy, different reports")
	}
	for _, at := range []int{0, reportIDSize, reportIDSize + vdafRandSize, EntropySize - 1} {
		e := append([]byte{}, entropy...)
		e[at] ^= 1
		if bytes.Equal(enc(e), a) {
			t.Fatalf("flipping entropy byte %d left the report unchanged", at)
		}
	}
}

// TestAggregateShareSeal: the collector opens what an aggregator sealed
// for its own role and AAD, and nothing else.
func TestAggregateShareSeal(t *testing.T) {
	tt := newTestTask(t, 10)
	aad := AggregateShareAad{TaskID: tt.id, BatchSelector: TimeIntervalSelector(Interval{Start: 1699920000, Duration: 86400})}
	share := []byte("an aggregate share")
	ct, err := SealAggregateShare(tt.collector.Config, RoleHelper, &aad, share, crand0.Reader)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenAggregateShare(tt.collector, RoleHelper, &aad, ct)
	if err != nil || !bytes.Equal(got, share) {
		t.Fatalf("open: %q, %v", got, err)
	}
	if _, err := OpenAggregateShare(tt.collector, RoleLeader, &aad, ct); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("as the leader's: err = %v, want ErrDecrypt", err)
	}
	other := aad
	other.BatchSelector = TimeIntervalSelector(Interval{Start: 1699920000 + 86400, Duration: 86400})
	if _, err := OpenAggregateShare(tt.collector, RoleHelper, &other, ct); !errors.Is(err, ErrDecrypt) {
		t.Fatalf("another batch: err = %v, want ErrDecrypt", err)
	}
	if _, err := SealAggregateShare(tt.collector.Config, RoleClient, &aad, share, crand0.Reader); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("client role: err = %v, want ErrBadRequest", err)
	}
}
