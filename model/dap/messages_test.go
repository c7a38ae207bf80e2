package dap

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// unhex reads a hand-written layout: on each line, the hex tokens up to
// the first word that is not hex (the rest of the line is a comment).
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	var out []byte
	for _, line := range strings.Split(s, "\n") {
		for _, f := range strings.Fields(line) {
			b, err := hex.DecodeString(f)
			if err != nil {
				break
			}
			out = append(out, b...)
		}
	}
	return out
}

func rep(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

// TestReportLayout checks a Report's bytes against the layout worked out
// by hand from Section 4.5.2 of draft-ietf-ppm-dap-15: report_id[16],
// time u64, public_extensions<0..2^16-1> (u16 byte length), public_share
// <0..2^32-1> (u32 length), then two HpkeCiphertexts (config_id u8,
// enc<0..2^16-1>, payload<0..2^32-1>).
func TestReportLayout(t *testing.T) {
	r := Report{
		Metadata: ReportMetadata{
			ID:               ReportID(rep(0xaa, 16)),
			Time:             1741986000,
			PublicExtensions: []Extension{{Type: 0x0102, Data: []byte{7, 8, 9}}},
		},
		PublicShare: []byte{0x0a, 0x0b},
		LeaderShare: HpkeCiphertext{ConfigID: 1, Enc: []byte{0xe1, 0xe2}, Payload: []byte{0xf1, 0xf2, 0xf3}},
		HelperShare: HpkeCiphertext{ConfigID: 2, Enc: nil, Payload: []byte{0xf4}},
	}
	want := unhex(t, `
		aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa  report_id
		0000000067d498d0                  time 1741986000
		0007 0102 0003 070809             public_extensions: 7 bytes: type, data<3>
		00000002 0a0b                     public_share
		01 0002 e1e2 00000003 f1f2f3      leader: config 1, enc<2>, payload<3>
		02 0000 00000001 f4               helper: config 2, empty enc, payload<1>
	`)
	got, err := r.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Report encoding\n got %x\nwant %x", got, want)
	}
	var back Report
	if err := back.UnmarshalBinary(want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Fatalf("round trip: got %+v, want %+v", back, r)
	}
}

// TestHpkeConfigListLayout checks Section 4.5.1's layout: a u16 byte
// length, then per config id u8, kem/kdf/aead u16, public_key<0..2^16-1>.
func TestHpkeConfigListLayout(t *testing.T) {
	l := HpkeConfigList{
		{ID: 194, KEM: 0x0020, KDF: 0x0001, AEAD: 0x0001, PublicKey: []byte{1, 2, 3, 4}},
		{ID: 17, KEM: 0x0010, KDF: 0x0001, AEAD: 0x0003, PublicKey: []byte{4, 3}},
	}
	want := unhex(t, `
		0018                        list: 24 bytes (13 + 11)
		c2 0020 0001 0001 0004 01020304   id 194, X25519, HKDF-SHA256, AES-128-GCM, key<4>
		11 0010 0001 0003 0002 0403       id 17, P-256, HKDF-SHA256, ChaCha20Poly1305, key<2>
	`)
	got, err := l.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("HpkeConfigList encoding\n got %x\nwant %x", got, want)
	}
	cfg, err := l.SelectConfig()
	if err == nil {
		t.Fatalf("SelectConfig picked %+v from configs whose X25519 key is 4 bytes", cfg)
	}
}

// TestSmallLayouts pins the other messages' layouts, field by field, as
// read from the draft's struct definitions.
func TestSmallLayouts(t *testing.T) {
	id := ReportID(rep(0x11, 16))
	tid := TaskID(rep(0x22, 32))
	for _, tc := range []struct {
		name string
		m    interface{ MarshalBinary() ([]byte, error) }
		want string
	}{
		{"PlaintextInputShare", &PlaintextInputShare{Payload: []byte{9, 9}},
			"0000 00000002 0909"},
		{"InputShareAad", &InputShareAad{TaskID: tid, Metadata: ReportMetadata{ID: id, Time: 86400}, PublicShare: []byte{5}},
			strings.Repeat("22", 32) + strings.Repeat("11", 16) + "0000000000015180 0000 00000001 05"},
		{"Interval", &Interval{Start: 1, Duration: 2}, "0000000000000001 0000000000000002"},
		{"TimeIntervalSelector", ptr(TimeIntervalSelector(Interval{Start: 3600, Duration: 86400})),
			"01 0010 0000000000000e10 0000000000015180"},
		{"PrepareResp continue", &PrepareResp{ReportID: id, State: PrepareContinued, Payload: []byte{1}},
			strings.Repeat("11", 16) + "00 00000001 01"},
		{"PrepareResp finished", &PrepareResp{ReportID: id, State: PrepareFinished},
			strings.Repeat("11", 16) + "01"},
		{"PrepareResp reject", &PrepareResp{ReportID: id, State: PrepareRejected, Error: ReportErrorVdafPrepError},
			strings.Repeat("11", 16) + "02 06"},
		{"AggregationJobResp", &AggregationJobResp{PrepareResps: []PrepareResp{{ReportID: id, State: PrepareFinished}}},
			"00000011" + strings.Repeat("11", 16) + "01"},
		{"AggregationJobContinueReq", &AggregationJobContinueReq{Step: 1, PrepareContinues: []PrepareContinue{{ReportID: id}}},
			"0001 00000014" + strings.Repeat("11", 16) + "00000000"},
		{"CollectionJobReq", &CollectionJobReq{Query: Query{Mode: BatchModeLeaderSelected}},
			"02 0000 00000000"},
		{"AggregateShareReq", &AggregateShareReq{BatchSelector: BatchSelector{Mode: 1}, ReportCount: 5, Checksum: Checksum(rep(0x33, 32))},
			"01 0000 00000000 0000000000000005" + strings.Repeat("33", 32)},
		{"AggregateShareAad", &AggregateShareAad{TaskID: tid, AggParam: []byte{}, BatchSelector: BatchSelector{Mode: 1, Config: []byte{7}}},
			strings.Repeat("22", 32) + "00000000 01 0001 07"},
		{"PingPong initialize", &PingPongMessage{Type: PingPongInitialize, PrepShare: []byte{1, 2}}, "00 00000002 0102"},
		{"PingPong continue", &PingPongMessage{Type: PingPongContinue, PrepMsg: []byte{3}, PrepShare: []byte{4}}, "01 00000001 03 00000001 04"},
		{"PingPong finish", &PingPongMessage{Type: PingPongFinish, PrepMsg: []byte{3}}, "02 00000001 03"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.m.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if want := unhex(t, tc.want); !bytes.Equal(got, want) {
				t.Fatalf("\n got %x\nwant %x", got, want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// codec is what the round-trip and strictness tests need of a message.
type codec interface {
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}

// samples holds one filled-in value of every message, and a constructor
// of an empty one of the same type.
func samples() []struct {
	name  string
	value codec
	empty func() codec
} {
	id := ReportID(rep(0x11, 16))
	tid := TaskID(rep(0x22, 32))
	ct := HpkeCiphertext{ConfigID: 3, Enc: rep(0xe0, 32), Payload: rep(0xf0, 40)}
	meta := ReportMetadata{ID: id, Time: 1700000000, PublicExtensions: []Extension{{Type: 9, Data: []byte{1}}, {Type: 10}}}
	sel := TimeIntervalSelector(Interval{Start: 1699920000, Duration: 86400})
	rs := ReportShare{Metadata: meta, PublicShare: rep(0x50, 64), EncryptedInputShare: ct}
	type s = struct {
		name  string
		value codec
		empty func() codec
	}
	return []s{
		{"HpkeConfig", &HpkeConfig{ID: 1, KEM: 0x20, KDF: 1, AEAD: 1, PublicKey: rep(0x44, 32)}, func() codec { return new(HpkeConfig) }},
		{"HpkeConfigList", &HpkeConfigList{{ID: 1, KEM: 0x20, KDF: 1, AEAD: 1, PublicKey: rep(0x44, 32)}, {ID: 2, KEM: 0x10, KDF: 1, AEAD: 1, PublicKey: rep(0x45, 65)}}, func() codec { return new(HpkeConfigList) }},
		{"HpkeCiphertext", &ct, func() codec { return new(HpkeCiphertext) }},
		{"ReportMetadata", &meta, func() codec { return new(ReportMetadata) }},
		{"Report", &Report{Metadata: meta, PublicShare: rep(0x50, 64), LeaderShare: ct, HelperShare: ct}, func() codec { return new(Report) }},
		{"PlaintextInputShare", &PlaintextInputShare{PrivateExtensions: []Extension{{Type: 1, Data: []byte{2}}}, Payload: rep(0x60, 100)}, func() codec { return new(PlaintextInputShare) }},
		{"InputShareAad", &InputShareAad{TaskID: tid, Metadata: meta, PublicShare: rep(0x50, 64)}, func() codec { return new(InputShareAad) }},
		{"Interval", &Interval{Start: 5, Duration: 6}, func() codec { return new(Interval) }},
		{"BatchSelector", &sel, func() codec { return new(BatchSelector) }},
		{"ReportShare", &rs, func() codec { return new(ReportShare) }},
		{"PrepareInit", &PrepareInit{ReportShare: rs, Payload: []byte{0, 0, 0, 0, 1, 7}}, func() codec { return new(PrepareInit) }},
		{"AggregationJobInitReq", &AggregationJobInitReq{PartBatchSelector: PartialBatchSelector{Mode: 1}, PrepareInits: []PrepareInit{{ReportShare: rs, Payload: []byte{1}}, {ReportShare: rs}}}, func() codec { return new(AggregationJobInitReq) }},
		{"PrepareResp", &PrepareResp{ReportID: id, State: PrepareContinued, Payload: []byte{2, 0, 0, 0, 1, 9}}, func() codec { return new(PrepareResp) }},
		{"AggregationJobResp", &AggregationJobResp{PrepareResps: []PrepareResp{{ReportID: id, State: PrepareFinished}, {ReportID: id, State: PrepareRejected, Error: ReportErrorReportReplayed}}}, func() codec { return new(AggregationJobResp) }},
		{"PrepareContinue", &PrepareContinue{ReportID: id, Payload: []byte{1}}, func() codec { return new(PrepareContinue) }},
		{"AggregationJobContinueReq", &AggregationJobContinueReq{Step: 2, PrepareContinues: []PrepareContinue{{ReportID: id, Payload: []byte{1}}}}, func() codec { return new(AggregationJobContinueReq) }},
		{"CollectionJobReq", &CollectionJobReq{Query: sel, AggParam: []byte{}}, func() codec { return new(CollectionJobReq) }},
		{"CollectionJobResp", &CollectionJobResp{PartBatchSelector: PartialBatchSelector{Mode: 1}, ReportCount: 2000, Interval: Interval{Start: 1, Duration: 2}, LeaderShare: ct, HelperShare: ct}, func() codec { return new(CollectionJobResp) }},
		{"AggregateShareReq", &AggregateShareReq{BatchSelector: sel, ReportCount: 7, Checksum: Checksum(rep(9, 32))}, func() codec { return new(AggregateShareReq) }},
		{"AggregateShare", &AggregateShare{EncryptedAggregateShare: ct}, func() codec { return new(AggregateShare) }},
		{"AggregateShareAad", &AggregateShareAad{TaskID: tid, AggParam: []byte{1}, BatchSelector: sel}, func() codec { return new(AggregateShareAad) }},
		{"PingPongMessage", &PingPongMessage{Type: PingPongContinue, PrepMsg: []byte{1}, PrepShare: []byte{2, 3}}, func() codec { return new(PingPongMessage) }},
	}
}

// TestRoundTrip encodes each sample, decodes it, and encodes it again:
// the bytes must be equal (empty and nil byte strings both decode as nil,
// so the comparison is on bytes, not values).
func TestRoundTrip(t *testing.T) {
	for _, tc := range samples() {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.value.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			back := tc.empty()
			if err := back.UnmarshalBinary(b); err != nil {
				t.Fatalf("decode own encoding: %v", err)
			}
			again, err := back.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, again) {
				t.Fatalf("re-encoding differs\n got %x\nwant %x", again, b)
			}
		})
	}
}

// TestStrict: every proper prefix of a valid encoding and the encoding
// with a trailing byte are refused with ErrMalformed.
func TestStrict(t *testing.T) {
	for _, tc := range samples() {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.value.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			for n := 0; n < len(b); n++ {
				err := tc.empty().UnmarshalBinary(b[:n])
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("%d of %d bytes: err = %v, want ErrMalformed", n, len(b), err)
				}
			}
			err = tc.empty().UnmarshalBinary(append(b, 0))
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "trailing") {
				t.Fatalf("a trailing byte: err = %v, want ErrMalformed naming trailing bytes", err)
			}
		})
	}
}

// TestDecodeRefuses covers what a prefix cut cannot: lengths that claim
// more than is there, unknown enum values that select the encoding,
// duplicate config ids, and a vector whose elements overrun it.
func TestDecodeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    codec
		in   string
		want string
	}{
		{"huge payload length", new(HpkeCiphertext), "01 0000 ffffffff 00", "needs 4294967295 bytes"},
		{"config list longer than message", new(HpkeConfigList), "0100 01", "needs 256 bytes"},
		{"element overruns its vector", new(HpkeConfigList), "0003 010020", "HpkeConfig.kdf_id"},
		{"duplicate config id", new(HpkeConfigList), "0012 07 0020 0001 0001 0000 07 0020 0001 0001 0000", "appears twice"},
		{"unknown prepare state", new(PrepareResp), strings.Repeat("00", 16) + "03", "unknown state 3"},
		{"unknown ping-pong type", new(PingPongMessage), "05", "unknown type 5"},
		{"trailing bytes inside a vector", new(AggregationJobResp), "00000012" + strings.Repeat("00", 16) + "01 00", "PrepareResp"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.m.UnmarshalBinary(unhex(t, tc.in))
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrMalformed containing %q", err, tc.want)
			}
		})
	}
}

// TestEncodeRefuses: a field longer than its prefix is an error, not a
// truncated length.
func TestEncodeRefuses(t *testing.T) {
	_, err := (&HpkeCiphertext{Enc: make([]byte, 1<<16)}).MarshalBinary()
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "HpkeCiphertext.enc") {
		t.Fatalf("enc of 65536 bytes: err = %v, want ErrTooLarge naming the field", err)
	}
	exts := make([]Extension, 1<<14) // 4 bytes each: 65536 bytes of vector
	_, err = (&ReportMetadata{PublicExtensions: exts}).MarshalBinary()
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "public_extensions") {
		t.Fatalf("65536 bytes of extensions: err = %v, want ErrTooLarge", err)
	}
	_, err = (&PrepareResp{State: 9}).MarshalBinary()
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("state 9: err = %v, want ErrMalformed", err)
	}
}

func TestTimeInterval(t *testing.T) {
	iv := Interval{Start: 1700006400, Duration: 86400}
	got, err := TimeIntervalSelector(iv).TimeInterval()
	if err != nil || got != iv {
		t.Fatalf("TimeInterval() = %+v, %v; want %+v", got, err, iv)
	}
	if _, err := (BatchSelector{Mode: BatchModeLeaderSelected, Config: rep(0, 32)}).TimeInterval(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("leader-selected: err = %v, want ErrMalformed", err)
	}
	if _, err := (BatchSelector{Mode: BatchModeTimeInterval, Config: rep(0, 17)}).TimeInterval(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("17-byte config: err = %v, want ErrMalformed", err)
	}
}

func TestChecksum(t *testing.T) {
	a, b := ReportID(rep(1, 16)), ReportID(rep(2, 16))
	var c1, c2, both Checksum
	c1.Add(a)
	c2.Add(b)
	both.Add(b)
	both.Add(a)
	c1.Merge(c2)
	if c1 != both {
		t.Fatal("Merge of two one-report checksums differs from adding both ids")
	}
	both.Add(a)
	if both != c2 {
		t.Fatal("adding an id twice does not cancel (XOR)")
	}
	if c2 == (Checksum{}) {
		t.Fatal("checksum of one report is zero")
	}
}

// TestInfoStrings pins the HPKE info strings to the draft's text
// (Sections 4.5.2 and 4.7.6) and the VDAF context.
func TestInfoStrings(t *testing.T) {
	for _, tc := range []struct {
		name      string
		got, want []byte
	}{
		{"leader input share", InputShareInfo(RoleLeader), []byte("dap-15 input share\x01\x02")},
		{"helper input share", InputShareInfo(RoleHelper), []byte("dap-15 input share\x01\x03")},
		{"leader aggregate share", AggregateShareInfo(RoleLeader), []byte("dap-15 aggregate share\x02\x00")},
		{"helper aggregate share", AggregateShareInfo(RoleHelper), []byte("dap-15 aggregate share\x03\x00")},
		{"vdaf context", Context(TaskID(rep(0x5a, 32))), append([]byte("dap-15"), rep(0x5a, 32)...)},
	} {
		if !bytes.Equal(tc.got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// TestErrorMessages: a wrapped error names its kind once.
func TestErrorMessages(t *testing.T) {
	tt := newTestTask(t, 11)
	req := goodRequest(tt)
	req.LeaderConfig = []byte{0, 9}
	_, err := Measure(&req, make([]byte, EntropySize))
	if !errors.Is(err, ErrMalformed) || strings.Count(err.Error(), "malformed") != 1 || !strings.HasPrefix(err.Error(), "dap: malformed message: leader_config") {
		t.Fatalf("err = %q", err)
	}
	p := tt.params(t, 1700000000)
	p.Helper = nil
	_, err = NewReport(p, []uint64{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1}, make([]byte, EntropySize))
	if !errors.Is(err, ErrUnsupported) || err.Error() != "dap: unsupported configuration: helper: the HPKE config list is empty" {
		t.Fatalf("err = %q", err)
	}
}
