package dirsync

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// KeyFileName is the secrets key file in the data dir (32 random bytes, mode 0600).
const KeyFileName = "sync-secrets.key"

// sealer encrypts source secrets at rest with AES-256-GCM.
type sealer struct {
	aead cipher.AEAD
}

// loadKey reads the key file in dir, creating it (0600) when missing. A file
// readable by others is tightened to 0600.
func loadKey(dir string) (*sealer, error) {
	path := filepath.Join(dir, KeyFileName)
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("secrets key: %w", err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("secrets key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("secrets key: %w", err)
		}
		if _, err := f.Write(key); err != nil {
			f.Close()
			return nil, fmt.Errorf("secrets key %s: %w", path, err)
		}
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("secrets key %s: %w", path, err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	} else {
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("secrets key: %w", err)
		}
		if st.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(path, 0o600); err != nil {
				return nil, fmt.Errorf("secrets key %s: tighten mode: %w", path, err)
			}
		}
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets key %s: want 32 bytes, have %d", path, len(key))
	}
	return newSealer(key)
}

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets key: %w", err)
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts plain; ad binds the ciphertext to its source and key name.
func (s *sealer) seal(plain, ad string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("seal secret: %w", err)
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte(ad))
	return base64.StdEncoding.EncodeToString(out), nil
}

// open decrypts a sealed secret.
func (s *sealer) open(sealed, ad string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return "", fmt.Errorf("open secret: %w", err)
	}
	n := s.aead.NonceSize()
	if len(raw) < n {
		return "", errors.New("open secret: too short")
	}
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(ad))
	if err != nil {
		return "", fmt.Errorf("open secret (wrong key file?): %w", err)
	}
	return string(plain), nil
}
