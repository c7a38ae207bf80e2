package dap

import (
	"io"

	"github.com/cloudflare/circl/hpke"
)

// The one HPKE suite privrec implements, the draft's mandatory-to-implement
// choice (Section 7 of draft-ietf-ppm-dap-15): base mode, RFC 9180 ids.
const (
	KEMX25519HKDFSHA256 uint16 = 0x0020
	KDFHKDFSHA256       uint16 = 0x0001
	AEADAES128GCM       uint16 = 0x0001
)

// x25519Size is the size of an X25519 public key, private key, enc and
// encapsulation seed.
const x25519Size = 32

var suite = hpke.NewSuite(hpke.KEM_X25519_HKDF_SHA256, hpke.KDF_HKDF_SHA256, hpke.AEAD_AES128GCM)

// Supported reports whether c uses the suite this package implements with
// a public key of the right size.
func (c *HpkeConfig) Supported() bool {
	return c.KEM == KEMX25519HKDFSHA256 && c.KDF == KDFHKDFSHA256 && c.AEAD == AEADAES128GCM &&
		len(c.PublicKey) == x25519Size
}

// SelectConfig returns the first config of l this package supports (the
// list is in the aggregator's order of preference), or ErrUnsupported
// when there is none, as the draft requires the client to abort then.
func (l HpkeConfigList) SelectConfig() (HpkeConfig, error) {
	if len(l) == 0 {
		return HpkeConfig{}, errorf(ErrUnsupported, "the HPKE config list is empty")
	}
	for _, c := range l {
		if c.Supported() {
			return c, nil
		}
	}
	return HpkeConfig{}, errorf(ErrUnsupported, "none of the %d HPKE configs uses X25519/HKDF-SHA256/AES-128-GCM with a 32-byte key (first: kem %#04x kdf %#04x aead %#04x)",
		len(l), l[0].KEM, l[0].KDF, l[0].AEAD)
}

// HpkeKeyPair is an aggregator's or collector's HPKE config with its
// private key. The private key never leaves the server that made it.
type HpkeKeyPair struct {
	Config     HpkeConfig
	PrivateKey []byte // the X25519 private key, RFC 9180 SerializePrivateKey
}

// GenerateHpkeKeyPair makes a key pair for config id from 32 bytes of
// rand (DeriveKeyPair of RFC 9180 over them).
func GenerateHpkeKeyPair(id uint8, rand io.Reader) (HpkeKeyPair, error) {
	seed := make([]byte, x25519Size)
	if _, err := io.ReadFull(rand, seed); err != nil {
		return HpkeKeyPair{}, errorf(ErrBadRequest, "generate HPKE key: read randomness: %v", err)
	}
	pk, sk := hpke.KEM_X25519_HKDF_SHA256.Scheme().DeriveKeyPair(seed)
	pkb, err := pk.MarshalBinary()
	if err != nil {
		return HpkeKeyPair{}, errorf(ErrBadRequest, "generate HPKE key: %v", err)
	}
	skb, err := sk.MarshalBinary()
	if err != nil {
		return HpkeKeyPair{}, errorf(ErrBadRequest, "generate HPKE key: %v", err)
	}
	return HpkeKeyPair{
		Config:     HpkeConfig{ID: id, KEM: KEMX25519HKDFSHA256, KDF: KDFHKDFSHA256, AEAD: AEADAES128GCM, PublicKey: pkb},
		PrivateKey: skb,
	}, nil
}

// InputShareInfo is the HPKE info of an input share sealed for server
// (Section 4.5.2): "dap-15 input share" || 0x01 (the client) || server.
func InputShareInfo(server Role) []byte {
	return append([]byte(Draft+" input share"), byte(RoleClient), byte(server))
}

// AggregateShareInfo is the HPKE info of an aggregate share sealed by
// server for the collector (Section 4.7.6): "dap-15 aggregate share" ||
// server || 0x00 (the collector).
func AggregateShareInfo(server Role) []byte {
	return append([]byte(Draft+" aggregate share"), byte(server), byte(RoleCollector))
}

// seal is SealBase(pk, info, aad, pt) with the encapsulation seed read
// from rand, for config cfg.
func seal(cfg *HpkeConfig, info, aad, pt []byte, rand io.Reader) (HpkeCiphertext, error) {
	if !cfg.Supported() {
		return HpkeCiphertext{}, errorf(ErrUnsupported, "HPKE config %d: kem %#04x kdf %#04x aead %#04x with a %d-byte key",
			int(cfg.ID), cfg.KEM, cfg.KDF, cfg.AEAD, len(cfg.PublicKey))
	}
	pk, err := hpke.KEM_X25519_HKDF_SHA256.Scheme().UnmarshalBinaryPublicKey(cfg.PublicKey)
	if err != nil {
		return HpkeCiphertext{}, errorf(ErrUnsupported, "HPKE config %d: public key: %v", int(cfg.ID), err)
	}
	sender, err := suite.NewSender(pk, info)
	if err != nil {
		return HpkeCiphertext{}, errorf(ErrUnsupported, "HPKE config %d: %v", int(cfg.ID), err)
	}
	enc, sealer, err := sender.Setup(rand)
	if err != nil {
		return HpkeCiphertext{}, errorf(ErrBadRequest, "HPKE seal: %v", err)
	}
	ct, err := sealer.Seal(pt, aad)
	if err != nil {
		return HpkeCiphertext{}, errorf(ErrBadRequest, "HPKE seal: %v", err)
	}
	return HpkeCiphertext{ConfigID: cfg.ID, Enc: enc, Payload: ct}, nil
}

// open is OpenBase(enc, sk, info, aad, ct) with kp, which must be the key
// pair ct names.
func open(kp *HpkeKeyPair, info, aad []byte, ct *HpkeCiphertext) ([]byte, error) {
	if ct.ConfigID != kp.Config.ID {
		return nil, errorf(ErrDecrypt, "ciphertext for HPKE config %d, key is for config %d", int(ct.ConfigID), int(kp.Config.ID))
	}
	if !kp.Config.Supported() {
		return nil, errorf(ErrUnsupported, "HPKE config %d is not X25519/HKDF-SHA256/AES-128-GCM", int(kp.Config.ID))
	}
	if len(ct.Enc) != x25519Size {
		return nil, errorf(ErrDecrypt, "enc is %d bytes, X25519 needs %d", len(ct.Enc), x25519Size)
	}
	sk, err := hpke.KEM_X25519_HKDF_SHA256.Scheme().UnmarshalBinaryPrivateKey(kp.PrivateKey)
	if err != nil {
		return nil, errorf(ErrUnsupported, "HPKE private key: %v", err)
	}
	receiver, err := suite.NewReceiver(sk, info)
	if err != nil {
		return nil, errorf(ErrUnsupported, "HPKE receiver: %v", err)
	}
	opener, err := receiver.Setup(ct.Enc)
	if err != nil {
		return nil, errorf(ErrDecrypt, "HPKE setup: %v", err)
	}
	pt, err := opener.Open(ct.Payload, aad)
	if err != nil {
		return nil, errorf(ErrDecrypt, "HPKE open: %v", err)
	}
	return pt, nil
}

// SealInputShare seals an input share for server (RoleLeader or
// RoleHelper) under cfg, bound to the report by aad, reading the
// encapsulation seed (32 bytes) from rand.
func SealInputShare(cfg HpkeConfig, server Role, aad *InputShareAad, share *PlaintextInputShare, rand io.Reader) (HpkeCiphertext, error) {
	if server != RoleLeader && server != RoleHelper {
		return HpkeCiphertext{}, errorf(ErrBadRequest, "seal input share: role %d is not the leader (2) or the helper (3)", int(server))
	}
	a, err := aad.MarshalBinary()
	if err != nil {
		return HpkeCiphertext{}, err
	}
	pt, err := share.MarshalBinary()
	if err != nil {
		return HpkeCiphertext{}, err
	}
	return seal(&cfg, InputShareInfo(server), a, pt, rand)
}

// OpenInputShare is what an aggregator in role server does to the
// ciphertext ct of the report (taskID, metadata, publicShare): it decrypts
// with kp (Section 4.6.2.3) and decodes the PlaintextInputShare. Errors
// wrap ErrDecrypt (wrong key, role or report: the AAD binds all three) or
// ErrMalformed.
func OpenInputShare(kp HpkeKeyPair, server Role, taskID TaskID, metadata ReportMetadata, publicShare []byte, ct HpkeCiphertext) (PlaintextInputShare, error) {
	aad := InputShareAad{TaskID: taskID, Metadata: metadata, PublicShare: publicShare}
	a, err := aad.MarshalBinary()
	if err != nil {
		return PlaintextInputShare{}, err
	}
	pt, err := open(&kp, InputShareInfo(server), a, &ct)
	if err != nil {
		return PlaintextInputShare{}, err
	}
	var share PlaintextInputShare
	if err := share.UnmarshalBinary(pt); err != nil {
		return PlaintextInputShare{}, err
	}
	return share, nil
}

// SealAggregateShare seals an aggregator's aggregate share for the
// collector (Section 4.7.6), reading 32 bytes of rand.
func SealAggregateShare(collector HpkeConfig, server Role, aad *AggregateShareAad, aggShare []byte, rand io.Reader) (HpkeCiphertext, error) {
	if server != RoleLeader && server != RoleHelper {
		return HpkeCiphertext{}, errorf(ErrBadRequest, "seal aggregate share: role %d is not the leader (2) or the helper (3)", int(server))
	}
	a, err := aad.MarshalBinary()
	if err != nil {
		return HpkeCiphertext{}, err
	}
	return seal(&collector, AggregateShareInfo(server), a, aggShare, rand)
}

// OpenAggregateShare is the collector's decryption of the aggregate share
// server sealed (Section 4.7.6).
func OpenAggregateShare(collector HpkeKeyPair, server Role, aad *AggregateShareAad, ct HpkeCiphertext) ([]byte, error) {
	a, err := aad.MarshalBinary()
	if err != nil {
		return nil, err
	}
	return open(&collector, AggregateShareInfo(server), a, &ct)
}
