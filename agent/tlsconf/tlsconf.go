// Package tlsconf serves the HTTPS listener's certificate from a
// certificate and key file, reloaded on demand (the daemon calls Reload on
// SIGHUP) so a renewed certificate is served without a restart.
package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Config names the PEM files of the HTTPS listener. Both empty: no HTTPS.
type Config struct {
	// CertFile holds the certificate chain, leaf first (PEM).
	CertFile string
	// KeyFile holds the private key of the leaf (PEM, unencrypted).
	KeyFile string
}

// Enabled reports whether HTTPS is configured.
func (c Config) Enabled() bool { return c.CertFile != "" || c.KeyFile != "" }

// Validate checks that both files are named, exist and hold a matching
// certificate and key. A disabled Config is valid.
func (c Config) Validate() error {
	if !c.Enabled() {
		return nil
	}
	switch {
	case c.CertFile == "":
		return errors.New("http.tls_cert: required when http.tls_key is set")
	case c.KeyFile == "":
		return errors.New("http.tls_key: required when http.tls_cert is set")
	}
	_, err := load(c)
	return err
}

// load reads and checks the pair.
func load(c Config) (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("http.tls_cert %s, http.tls_key %s: %w", c.CertFile, c.KeyFile, err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("http.tls_cert %s: %w", c.CertFile, err)
	}
	cert.Leaf = leaf
	return &cert, nil
}

// Reloader holds the pair being served.
type Reloader struct {
	cfg  Config
	cert atomic.Pointer[tls.Certificate]
}

// New loads the pair; it fails, saying why, when the files are missing,
// unreadable or do not match.
func New(cfg Config) (*Reloader, error) {
	if cfg.CertFile == "" || cfg.KeyFile == "" {
		return nil, errors.New("http.tls_cert and http.tls_key: both are required for HTTPS")
	}
	c, err := load(cfg)
	if err != nil {
		return nil, err
	}
	r := &Reloader{cfg: cfg}
	r.cert.Store(c)
	return r, nil
}

// Reload reads the files again. A pair that does not load (missing,
// broken, key not matching) is not served: the current pair stays and the
// error says why.
func (r *Reloader) Reload() error {
	c, err := load(r.cfg)
	if err != nil {
		return fmt.Errorf("reload TLS certificate (still serving the previous one, expires %s): %w",
			r.Certificate().Leaf.NotAfter.UTC().Format(time.RFC3339), err)
	}
	r.cert.Store(c)
	return nil
}

// Certificate returns the pair being served.
func (r *Reloader) Certificate() *tls.Certificate { return r.cert.Load() }

// TLSConfig returns a server configuration serving the current pair,
// TLS 1.2 or later, offering HTTP/2 and HTTP/1.1.
func (r *Reloader) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return r.cert.Load(), nil
		},
	}
}
