package tlsconf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writePair writes a self-signed certificate for cn and its key.
func writePair(t *testing.T, dir, cn string) Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{cn}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem")}
	if err := os.WriteFile(cfg.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// servedCN dials the listener and returns the served certificate's CN.
func servedCN(t *testing.T, addr string, max uint16) (string, error) {
	t.Helper()
	c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: max})
	if err != nil {
		return "", err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].Subject.CommonName, nil
}

func serve(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

func TestReloadSwitchesTheServedCertificate(t *testing.T) {
	dir := t.TempDir()
	cfg := writePair(t, dir, "old.example")
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, r.TLSConfig())
	if cn, err := servedCN(t, addr, 0); err != nil || cn != "old.example" {
		t.Fatalf("served %q, %v", cn, err)
	}
	writePair(t, dir, "new.example")
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	if cn, err := servedCN(t, addr, 0); err != nil || cn != "new.example" {
		t.Fatalf("after reload served %q, %v", cn, err)
	}
	if _, err := servedCN(t, addr, tls.VersionTLS11); err == nil {
		t.Fatal("TLS 1.1 accepted")
	}
}

func TestBadReloadKeepsTheOldCertificate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, cfg Config, dir string)
		want  string
	}{
		{name: "garbage certificate", spoil: func(t *testing.T, cfg Config, _ string) {
			os.WriteFile(cfg.CertFile, []byte("not a certificate"), 0o600)
		}, want: "certificate"},
		{name: "missing key", spoil: func(t *testing.T, cfg Config, _ string) { os.Remove(cfg.KeyFile) }, want: "no such file"},
		{name: "key of another certificate", spoil: func(t *testing.T, cfg Config, _ string) {
			other := writePair(t, t.TempDir(), "other.example")
			b, _ := os.ReadFile(other.KeyFile)
			os.WriteFile(cfg.KeyFile, b, 0o600)
		}, want: "private key does not match"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := writePair(t, dir, "good.example")
			r, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			addr := serve(t, r.TLSConfig())
			tc.spoil(t, cfg, dir)
			err = r.Reload()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "still serving the previous one") {
				t.Fatalf("Reload = %v, want an error naming %q", err, tc.want)
			}
			if cn, err := servedCN(t, addr, 0); err != nil || cn != "good.example" {
				t.Fatalf("after a bad reload served %q, %v", cn, err)
			}
			if err := cfg.Validate(); err == nil {
				t.Fatal("Validate accepted the broken pair")
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	good := writePair(t, t.TempDir(), "x.example")
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{name: "disabled", cfg: Config{}},
		{name: "good", cfg: good},
		{name: "cert only", cfg: Config{CertFile: good.CertFile}, want: "http.tls_key: required"},
		{name: "key only", cfg: Config{KeyFile: good.KeyFile}, want: "http.tls_cert: required"},
		{name: "missing", cfg: Config{CertFile: "/nonexistent/c.pem", KeyFile: good.KeyFile}, want: "/nonexistent/c.pem"},
		{name: "swapped", cfg: Config{CertFile: good.KeyFile, KeyFile: good.CertFile}, want: "http.tls_cert"},
	} {
		err := tc.cfg.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: Validate = %v, want %q", tc.name, err, tc.want)
		}
	}
}
