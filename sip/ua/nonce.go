package ua

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// nonceMACLen is how many bytes of the HMAC-SHA256 a nonce carries.
const nonceMACLen = 16

// nonceRandLen is how many random bytes make each nonce unique.
const nonceRandLen = 4

// nonceLen is the decoded length of a nonce: an 8-byte timestamp, the
// random bytes and the MAC.
const nonceLen = 8 + nonceRandLen + nonceMACLen

// nonceKey makes and checks the registrar's digest nonces without keeping
// any state per nonce (RFC 7616 section 3.3 suggests "time-stamp H(time-stamp
// ":" ETag ":" secret-data)"): a nonce is the issue time in Unix
// nanoseconds, 4 random bytes (so no two challenges share a nonce) and an
// HMAC of both and the realm under a key drawn at random when the
// Registrar is made. Nothing is stored per challenge, so failed or
// abandoned authentications cost no memory.
type nonceKey struct {
	key   [32]byte
	realm string
}

func newNonceKey(realm string) (*nonceKey, error) {
	k := &nonceKey{realm: realm}
	if _, err := rand.Read(k.key[:]); err != nil {
		return nil, fmt.Errorf("nonce key: %w", err)
	}
	return k, nil
}

func (k *nonceKey) mac(signed []byte) []byte {
	m := hmac.New(sha256.New, k.key[:])
	m.Write(signed)
	m.Write([]byte{0})
	m.Write([]byte(k.realm))
	return m.Sum(nil)[:nonceMACLen]
}

// make returns a nonce issued at now.
func (k *nonceKey) make(now time.Time) string {
	var b [nonceLen]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixNano()))
	_, _ = rand.Read(b[8 : 8+nonceRandLen]) // crypto/rand.Read never fails (Go 1.24+)
	copy(b[8+nonceRandLen:], k.mac(b[:8+nonceRandLen]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// errNonceForged is a nonce this registrar did not issue.
var errNonceForged = errors.New("nonce not issued by this registrar")

// parseNonce decodes a nonce into its issue time, its signed part
// (time and random bytes) and its MAC.
func parseNonce(s string) (issued time.Time, signed, mac []byte, err error) {
	if base64.RawURLEncoding.DecodedLen(len(s)) != nonceLen {
		return time.Time{}, nil, nil, fmt.Errorf("nonce %q: length %d, want %d characters", s, len(s), base64.RawURLEncoding.EncodedLen(nonceLen))
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return time.Time{}, nil, nil, fmt.Errorf("nonce %q: %w", s, err)
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(b[:8]))), b[:8+nonceRandLen], b[8+nonceRandLen:], nil
}

// check says whether s is a nonce this key issued (err nil) and whether it
// is older than lifetime at now (stale). A nonce from the future (a clock
// stepped back) is stale too.
func (k *nonceKey) check(s string, now time.Time, lifetime time.Duration) (stale bool, err error) {
	issued, signed, mac, err := parseNonce(s)
	if err != nil {
		return false, err
	}
	if !hmac.Equal(mac, k.mac(signed)) {
		return false, errNonceForged
	}
	age := now.Sub(issued)
	return age < 0 || age > lifetime, nil
}
