package bundledir

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/privrec/privrec/model"
)

// Key files are two lines of text: a version line and the key in standard
// base64. The private key file holds the 32-byte Ed25519 seed.
const (
	PublicKeyHeader  = "privrec-ed25519-public-v1"
	PrivateKeyHeader = "privrec-ed25519-private-v1"

	// PublicKeyFile and PrivateKeyFile are the names WriteKeyPair uses.
	PublicKeyFile  = "privrec.pub"
	PrivateKeyFile = "privrec.key"
)

const maxKeyFile = 1 << 10

// MarshalPublicKey returns the text of a public key file.
func MarshalPublicKey(pub ed25519.PublicKey) []byte {
	return []byte(PublicKeyHeader + "\n" + base64.StdEncoding.EncodeToString(pub) + "\n")
}

// ParsePublicKey parses the text of a public key file. Errors wrap
// model.ErrBadRequest.
func ParsePublicKey(text []byte) (ed25519.PublicKey, error) {
	b, err := parseKey(text, PublicKeyHeader, ed25519.PublicKeySize)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	return ed25519.PublicKey(b), nil
}

func marshalPrivateKey(priv ed25519.PrivateKey) []byte {
	return []byte(PrivateKeyHeader + "\n" + base64.StdEncoding.EncodeToString(priv.Seed()) + "\n")
}

func parsePrivateKey(text []byte) (ed25519.PrivateKey, error) {
	seed, err := parseKey(text, PrivateKeyHeader, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("parse private key: %w", err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// parseKey accepts exactly "header\nbase64\n" (the final newline optional).
// Its errors never quote the key material.
func parseKey(text []byte, header string, size int) ([]byte, error) {
	text = bytes.TrimSuffix(text, []byte("\n"))
	lines := bytes.Split(text, []byte("\n"))
	if len(lines) != 2 || string(bytes.TrimSuffix(lines[0], []byte("\r"))) != header {
		first := lines[0]
		if len(first) > 40 {
			first = first[:40]
		}
		if bytes.HasPrefix(first, []byte("privrec-ed25519-")) {
			return nil, fmt.Errorf("%w: a %q file, want %q", model.ErrBadRequest, first, header)
		}
		return nil, fmt.Errorf("%w: not a %s file", model.ErrBadRequest, header)
	}
	b, err := base64.StdEncoding.Strict().DecodeString(string(bytes.TrimSuffix(lines[1], []byte("\r"))))
	if err != nil || len(b) != size {
		return nil, fmt.Errorf("%w: the key line is not %d bytes of base64", model.ErrBadRequest, size)
	}
	return b, nil
}

// ReadPublicKey reads a public key file.
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	text, err := readKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	pub, err := ParsePublicKey(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pub, nil
}

// ErrKeyPermissions is returned (wrapped) when a private key file can be read
// by its group or others: like ssh, privrec refuses to use such a key.
var ErrKeyPermissions = errors.New("private key file is readable by others")

// ReadPrivateKey reads a private key file. On Unix it refuses a file that its
// group or others can access (fix with chmod 600).
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	if runtime.GOOS != "windows" {
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("read private key: %w", err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("read private key: %w: %s has mode %04o; run chmod 600 %s", ErrKeyPermissions, path, st.Mode().Perm(), path)
		}
	}
	text, err := readKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	priv, err := parsePrivateKey(text)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return priv, nil
}

func readKeyFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := io.ReadAll(io.LimitReader(fh, maxKeyFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("%w: %s is above %d bytes: not a key file", model.ErrTooLarge, path, maxKeyFile)
	}
	return b, nil
}

// WriteKeyPair generates an Ed25519 key pair and writes PrivateKeyFile (mode
// 0600) and PublicKeyFile (mode 0644) into dir, creating dir (mode 0700) if
// needed. It never overwrites an existing key: the error then wraps
// fs.ErrExist.
func WriteKeyPair(dir string) (ed25519.PublicKey, error) {
	return writeKeyPair(dir, rand.Reader)
}

func writeKeyPair(dir string, random io.Reader) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(random)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("write key pair: %w", err)
	}
	privPath, pubPath := filepath.Join(dir, PrivateKeyFile), filepath.Join(dir, PublicKeyFile)
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return nil, fmt.Errorf("write key pair: %w: %s; choose another --out or move it away", fs.ErrExist, p)
		}
	}
	if err := createExclusive(privPath, marshalPrivateKey(priv), 0o600); err != nil {
		return nil, fmt.Errorf("write key pair: %w", err)
	}
	if err := createExclusive(pubPath, MarshalPublicKey(pub), 0o644); err != nil {
		os.Remove(privPath)
		return nil, fmt.Errorf("write key pair: %w", err)
	}
	return pub, nil
}

// createExclusive creates path with perm (never widened by the umask's
// absence: the mode is set at creation) and fails if it exists.
func createExclusive(path string, data []byte, perm os.FileMode) error {
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = fh.Write(data)
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
