package model

import (
	"errors"

	"github.com/privrec/privrec/model/internal/wire"
)

// Code is the numeric form of an error as it crosses the wasm boundary. The
// JS SDK's PrivrecError.code and the harness use the same numbers; they are
// part of the ABI and never change meaning once released.
type Code uint16

// Error codes. Zero means success.
const (
	CodeOK              Code = 0
	CodeBadRequest      Code = 1  // a request the module cannot serve as given
	CodeCorrupt         Code = 2  // an artifact that does not decode
	CodeBadSignature    Code = 3  // the manifest signature does not verify
	CodeUnknownKey      Code = 4  // the manifest names a key that is not trusted
	CodeExpired         Code = 5  // the manifest has expired (freeze attack)
	CodeRollback        Code = 6  // the model version is below the minimum accepted
	CodeDigestMismatch  Code = 7  // an artifact's length or SHA-256 differs from the manifest
	CodeMixAndMatch     Code = 8  // artifacts from two different bundles
	CodeUnsupported     Code = 9  // unknown format version
	CodeTooLarge        Code = 10 // a length above a documented cap
	CodeNotLoaded       Code = 11 // recommend before a model was loaded
	CodeInternal        Code = 12 // a bug: please report it
	CodeUnknownItem     Code = 13 // reserved: an item id that is not in the catalog, where it matters
	CodeNotYetValid     Code = 14 // the manifest was created in the future of the host's clock
	CodeMissingArtifact Code = 15 // the manifest lacks a required artifact
)

// Sentinel errors. Every error returned by this package and its subpackages
// wraps exactly one of them, so callers test with errors.Is.
var (
	ErrBadRequest      = errors.New("bad request")
	ErrCorrupt         = errors.New("corrupt artifact")
	ErrBadSignature    = errors.New("bad signature")
	ErrUnknownKey      = errors.New("unknown signing key")
	ErrExpired         = errors.New("manifest expired")
	ErrRollback        = errors.New("model version rolled back")
	ErrDigestMismatch  = errors.New("artifact digest mismatch")
	ErrMixAndMatch     = errors.New("artifacts from different bundles")
	ErrUnsupported     = errors.New("unsupported format version")
	ErrTooLarge        = errors.New("too large")
	ErrNotLoaded       = errors.New("no model loaded")
	ErrInternal        = errors.New("internal error")
	ErrUnknownItem     = errors.New("unknown item")
	ErrNotYetValid     = errors.New("manifest not yet valid")
	ErrMissingArtifact = errors.New("missing artifact")
)

var codeToErr = map[Code]error{
	CodeBadRequest:      ErrBadRequest,
	CodeCorrupt:         ErrCorrupt,
	CodeBadSignature:    ErrBadSignature,
	CodeUnknownKey:      ErrUnknownKey,
	CodeExpired:         ErrExpired,
	CodeRollback:        ErrRollback,
	CodeDigestMismatch:  ErrDigestMismatch,
	CodeMixAndMatch:     ErrMixAndMatch,
	CodeUnsupported:     ErrUnsupported,
	CodeTooLarge:        ErrTooLarge,
	CodeNotLoaded:       ErrNotLoaded,
	CodeInternal:        ErrInternal,
	CodeUnknownItem:     ErrUnknownItem,
	CodeNotYetValid:     ErrNotYetValid,
	CodeMissingArtifact: ErrMissingArtifact,
}

// CodeOf returns the boundary code of err: the code of the first sentinel it
// wraps, CodeOK for nil and CodeInternal for anything else.
func CodeOf(err error) Code {
	if err == nil {
		return CodeOK
	}
	for c := Code(1); c <= CodeMissingArtifact; c++ {
		if s, ok := codeToErr[c]; ok && errors.Is(err, s) {
			return c
		}
	}
	return CodeInternal
}

// CodeName is the stable, lower-case name of a code ("bad_signature"), used by
// the JS SDK and in CLI output.
func (c Code) String() string {
	switch c {
	case CodeOK:
		return "ok"
	case CodeBadRequest:
		return "bad_request"
	case CodeCorrupt:
		return "corrupt"
	case CodeBadSignature:
		return "bad_signature"
	case CodeUnknownKey:
		return "unknown_key"
	case CodeExpired:
		return "expired"
	case CodeRollback:
		return "rollback"
	case CodeDigestMismatch:
		return "digest_mismatch"
	case CodeMixAndMatch:
		return "mix_and_match"
	case CodeUnsupported:
		return "unsupported_version"
	case CodeTooLarge:
		return "too_large"
	case CodeNotLoaded:
		return "not_loaded"
	case CodeInternal:
		return "internal"
	case CodeUnknownItem:
		return "unknown_item"
	case CodeNotYetValid:
		return "not_yet_valid"
	case CodeMissingArtifact:
		return "missing_artifact"
	}
	return wire.Sprintf("code_%d", uint16(c))
}

// Error is an error that crossed the wasm boundary: a code and the module's
// message. It unwraps to the matching sentinel, so errors.Is works on both
// sides of the boundary.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the sentinel for e.Code.
func (e *Error) Unwrap() error {
	if s, ok := codeToErr[e.Code]; ok {
		return s
	}
	return ErrInternal
}

// ErrorFromCode rebuilds an error received across the boundary. It returns
// nil for CodeOK.
func ErrorFromCode(c Code, msg string) error {
	if c == CodeOK {
		return nil
	}
	if msg == "" {
		msg = c.String()
	}
	return &Error{Code: c, Message: msg}
}

// errorf wraps a sentinel with a "verb noun:" style message. It formats
// with wire.Sprintf, not fmt, so that the module links neither fmt nor
// reflect: the verbs %v %d %s %q %x and %%, on the operands error
// messages use (strings, byte slices and arrays, integers, floats, errors).
func errorf(sentinel error, format string, args ...any) error {
	return &sentinelError{msg: sentinel.Error() + ": " + wire.Sprintf(format, args...), sentinel: sentinel}
}

type sentinelError struct {
	msg      string
	sentinel error
}

func (e *sentinelError) Error() string { return e.msg }
func (e *sentinelError) Unwrap() error { return e.sentinel }

// wrapf is fmt.Errorf for code the module links: the verbs of errorf, and
// %w, which formats like %v and wraps its operand for errors.Is.
func wrapf(format string, args ...any) error { return wire.Errorf(format, args...) }
