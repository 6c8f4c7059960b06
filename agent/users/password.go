package users

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters (RFC 9106 §3.1).
type Params struct {
	// Memory in KiB (m).
	Memory uint32
	// Time is the number of passes (t).
	Time uint32
	// Threads is the degree of parallelism (p).
	Threads uint8
}

const (
	saltLen = 16 // bytes; RFC 9106 §3.1 recommends 128 bits
	keyLen  = 32 // bytes; RFC 9106 §4 recommends a 256-bit tag
	// maxMemory bounds m (4 GiB), also when parsing a stored hash.
	maxMemory = 4 << 20
	maxTime   = 64
)

func (p Params) check() error {
	switch {
	case p.Threads < 1:
		return errors.New("argon2 threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads):
		return fmt.Errorf("argon2 memory %d KiB: want at least 8 KiB per thread", p.Memory)
	case p.Memory > maxMemory:
		return fmt.Errorf("argon2 memory %d KiB: want at most %d", p.Memory, maxMemory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("argon2 time %d: want 1 to %d", p.Time, maxTime)
	}
	return nil
}

// b64 is the PHC string format's base64: standard alphabet, no padding.
var b64 = base64.RawStdEncoding

// HashPassword hashes password with argon2id and a fresh salt and returns
// the PHC string "$argon2id$v=19$m=…,t=…,p=…$salt$hash".
func HashPassword(password string, p Params) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// phc is a parsed argon2id PHC string.
type phc struct {
	p         Params
	salt, key []byte
}

// parsePHC parses "$argon2id$v=19$m=…,t=…,p=…$salt$hash".
func parsePHC(s string) (phc, error) {
	var h phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return h, errors.New("not an argon2id PHC string")
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, fmt.Errorf("argon2 version %q not supported", parts[2])
	}
	seen := 0
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return h, fmt.Errorf("argon2 parameter %q: %w", kv, err)
		}
		switch k {
		case "m":
			h.p.Memory, seen = uint32(n), seen|1
		case "t":
			h.p.Time, seen = uint32(n), seen|2
		case "p":
			if n > 255 {
				return h, fmt.Errorf("argon2 parameter %q: too large", kv)
			}
			h.p.Threads, seen = uint8(n), seen|4
		default:
			return h, fmt.Errorf("argon2 parameter %q unknown", kv)
		}
	}
	if seen != 7 {
		return h, errors.New("argon2 parameters m, t and p are required")
	}
	if err := h.p.check(); err != nil {
		return h, err
	}
	var err error
	if h.salt, err = b64.DecodeString(parts[4]); err != nil || len(h.salt) < 8 {
		return h, errors.New("argon2 salt: want at least 8 bytes of base64")
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil || len(h.key) < 16 {
		return h, errors.New("argon2 hash: want at least 16 bytes of base64")
	}
	return h, nil
}

// VerifyPassword reports whether password matches the PHC string encoded
// (compared in constant time), and whether the hash should be recomputed
// because it was made with other parameters than want.
func VerifyPassword(encoded, password string, want Params) (ok, rehash bool, err error) {
	h, err := parsePHC(encoded)
	if err != nil {
		return false, false, err
	}
	key := argon2.IDKey([]byte(password), h.salt, h.p.Time, h.p.Memory, h.p.Threads, uint32(len(h.key)))
	ok = subtle.ConstantTimeCompare(key, h.key) == 1
	return ok, ok && (h.p != want || len(h.key) != keyLen || len(h.salt) != saltLen), nil
}
