package phones

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// keyKV is where a generated sealing key is kept in the KV namespace.
const keyKV = "meta/seal-key"

// keys holds the sealing AEAD and the Digest nonce key (derived from it).
type keys struct {
	aead  cipher.AEAD
	nonce []byte
}

// loadKeys uses the configured key, else the one kept in kv, else generates
// and keeps a new one.
func loadKeys(ctx context.Context, kv KV, key []byte) (*keys, error) {
	if key == nil {
		b, err := kv.Get(ctx, keyKV)
		switch {
		case err == nil:
			key = b
		case errors.Is(err, ErrNotFound):
			key = make([]byte, 32)
			if _, err := rand.Read(key); err != nil {
				return nil, fmt.Errorf("generate secret key: %w", err)
			}
			if err := kv.Put(ctx, keyKV, key); err != nil {
				return nil, fmt.Errorf("store secret key: %w", err)
			}
		default:
			return nil, fmt.Errorf("read secret key: %w", err)
		}
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("secret key: %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("pbxagent phones digest nonce"))
	return &keys{aead: aead, nonce: m.Sum(nil)}, nil
}

// seal encrypts a secret; ad binds it to its phone and purpose.
func (k *keys) seal(plain, ad string) []byte {
	n := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(n); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on supported platforms
	}
	return k.aead.Seal(n, n, []byte(plain), []byte(ad))
}

// open decrypts what seal made.
func (k *keys) open(sealed []byte, ad string) (string, error) {
	ns := k.aead.NonceSize()
	if len(sealed) < ns {
		return "", errors.New("sealed secret too short")
	}
	p, err := k.aead.Open(nil, sealed[:ns], sealed[ns:], []byte(ad))
	if err != nil {
		return "", errors.New("sealed secret does not open with this key")
	}
	return string(p), nil
}

// newToken returns a random 22-character URL-safe token (128 bits): short
// enough for the 256-byte URL limits of Cisco and Grandstream (Grandstream
// P331, 256 characters: fusionpbx
// resources/templates/provision/grandstream/dp750/{$mac}.xml; Cisco 256: an
// old SDK figure, unverified).
func newToken() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// tokenHash is how tokens are indexed.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// passHash is the salted SHA-256 used for Basic.
func passHash(salt []byte, pass string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(pass))
	return h.Sum(nil)
}

func checkPass(salt, want []byte, pass string) bool {
	return subtle.ConstantTimeCompare(passHash(salt, pass), want) == 1
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// ha1 is the Digest HA1 for MD5.
func ha1(user, realm, pass string) string { return md5hex(user + ":" + realm + ":" + pass) }

// Digest nonces: issue time (Unix nanoseconds), 8 random bytes, and an
// HMAC of both; stateless, and unique per challenge so that the nonce-count
// table (noncecount.go) tells phones apart.
const (
	nonceStamp = 8
	nonceRand  = 8
	nonceMAC   = 16
	nonceLen   = nonceStamp + nonceRand + nonceMAC
)

// newNonce makes a Digest nonce issued at now.
func (k *keys) newNonce(now time.Time) string {
	b := make([]byte, nonceStamp+nonceRand, nonceLen)
	binary.BigEndian.PutUint64(b, uint64(now.UnixNano()))
	if _, err := rand.Read(b[nonceStamp:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	m := hmac.New(sha256.New, k.nonce)
	m.Write(b)
	b = append(b, m.Sum(nil)[:nonceMAC]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// checkNonce reports whether nonce is ours (valid), when it was issued,
// and whether it is still fresh at now.
func (k *keys) checkNonce(nonce string, now time.Time, ttl time.Duration) (issued time.Time, valid, fresh bool) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != nonceLen {
		return time.Time{}, false, false
	}
	m := hmac.New(sha256.New, k.nonce)
	m.Write(b[:nonceStamp+nonceRand])
	if !hmac.Equal(m.Sum(nil)[:nonceMAC], b[nonceStamp+nonceRand:]) {
		return time.Time{}, false, false
	}
	issued = time.Unix(0, int64(binary.BigEndian.Uint64(b[:nonceStamp])))
	age := now.Sub(issued)
	return issued, true, age >= -time.Minute && age <= ttl
}
