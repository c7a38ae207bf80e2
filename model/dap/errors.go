package dap

import (
	"errors"

	"github.com/privrec/privrec/model/internal/wire"
)

// Sentinel errors. Every error of this package wraps exactly one of them;
// test with errors.Is. Each carries the boundary code it crosses the wasm
// boundary with (CodeOf), the same numbers as model's codes (a test
// compares them) so the SDK reads both modules' errors alike; the package
// does not import model, so the main module's churn never breaks it.
var (
	// ErrMalformed: bytes that are not a valid encoding of the message
	// (truncated, a length past the end, trailing bytes, an unknown enum
	// value where the encoding depends on it).
	ErrMalformed = &sentinel{"dap: malformed message", codeBadRequest}
	// ErrTooLarge: a field longer than its length prefix or cap allows.
	ErrTooLarge = &sentinel{"dap: field too large", codeTooLarge}
	// ErrUnsupported: no HPKE configuration this client implements
	// (X25519, HKDF-SHA256, AES-128-GCM with a 32-byte key).
	ErrUnsupported = &sentinel{"dap: unsupported configuration", codeUnsupported}
	// ErrBadMeasurement: a measurement that does not fit the layout.
	ErrBadMeasurement = &sentinel{"dap: bad measurement", codeBadRequest}
	// ErrBadRequest: a request (task id, time, precision, entropy) the
	// client cannot serve as given.
	ErrBadRequest = &sentinel{"dap: bad request", codeBadRequest}
	// ErrDecrypt: an HPKE ciphertext that does not open with the key,
	// info and AAD given (a wrong key, a wrong role, a tampered report).
	ErrDecrypt = &sentinel{"dap: decryption failed", codeCorrupt}
)

// Boundary codes, equal to model.CodeBadRequest, CodeCorrupt,
// CodeUnsupported, CodeTooLarge and CodeInternal.
const (
	codeOK          = 0
	codeBadRequest  = 1
	codeCorrupt     = 2
	codeUnsupported = 9
	codeTooLarge    = 10
	codeInternal    = 12
)

type sentinel struct {
	msg  string
	code uint16
}

func (s *sentinel) Error() string { return s.msg }

// CodeOf returns the boundary code of err: the code of the sentinel it
// wraps, 0 for nil and model's CodeInternal (12) for anything else.
func CodeOf(err error) uint16 {
	if err == nil {
		return codeOK
	}
	var s *sentinel
	if errors.As(err, &s) {
		return s.code
	}
	return codeInternal
}

// errorf is the one way this package builds an error: kind's message, a
// colon and the formatted detail, unwrapping to kind. wire.Sprintf formats
// without fmt.
func errorf(kind *sentinel, format string, args ...any) error {
	return &detailed{kind.msg + ": " + wire.Sprintf(format, args...), kind}
}

type detailed struct {
	msg  string
	kind *sentinel
}

func (d *detailed) Error() string { return d.msg }
func (d *detailed) Unwrap() error { return d.kind }

// wrapf prefixes err's detail and keeps its kind: "kind: prefix: detail",
// not the kind twice.
func wrapf(err error, prefix string) error {
	if d, ok := err.(*detailed); ok {
		return &detailed{d.kind.msg + ": " + prefix + ": " + d.msg[len(d.kind.msg)+2:], d.kind}
	}
	return errorf(ErrBadRequest, "%s: %v", prefix, err)
}
