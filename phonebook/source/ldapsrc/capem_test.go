package ldapsrc_test

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/source/ldapsrc"
	"github.com/pbxagent/pbxagent/testlab/slapd"
)

// TestCAPEMProblemNamed: a ca_pem Go cannot use is refused with the reason, not only "no PEM
// certificate": a certificate with a negative serial number (Samba's self-generated CA has one
// about half the time) names the serial and what to do.
func TestCAPEMProblemNamed(t *testing.T) {
	good, _ := slapd.SelfSigned(t) // serial 1: DER "02 01 01"
	block, _ := pem.Decode(good)
	der := bytes.Replace(block.Bytes, []byte{0x02, 0x01, 0x01}, []byte{0x02, 0x01, 0x81}, 1) // serial -127
	negative := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	for _, tc := range []struct {
		name, caPEM, want string
	}{
		{name: "not PEM", caPEM: "hello", want: "no PEM certificate found"},
		{name: "negative serial", caPEM: string(negative), want: "certificate 1: x509: negative serial number (RFC 5280"},
		{name: "a key, no certificate", caPEM: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", want: "no PEM certificate found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := json.Marshal(map[string]any{"url": "ldaps://dc1.example.com", "base_dn": "dc=example,dc=com", "ca_pem": tc.caPEM})
			_, err := ldapsrc.New(raw, dirsync.Env{})
			if err == nil || !strings.Contains(err.Error(), "settings.ca_pem") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want settings.ca_pem with %q", err, tc.want)
			}
		})
	}
	raw, _ := json.Marshal(map[string]any{"url": "ldaps://dc1.example.com", "base_dn": "dc=example,dc=com", "ca_pem": string(good)})
	if _, err := ldapsrc.New(raw, dirsync.Env{}); err != nil {
		t.Fatalf("a good CA refused: %v", err)
	}
}

// FuzzCAPEM: any ca_pem is either accepted or refused with an error naming settings.ca_pem.
func FuzzCAPEM(f *testing.F) {
	good, _ := slapd.SelfSigned(f)
	f.Add(string(good))
	f.Add("hello")
	f.Add("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	f.Add(string(good) + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
	f.Fuzz(func(t *testing.T, caPEM string) {
		raw, _ := json.Marshal(map[string]any{"url": "ldaps://dc1.example.com", "base_dn": "dc=example,dc=com", "ca_pem": caPEM})
		if _, err := ldapsrc.New(raw, dirsync.Env{}); err != nil && !strings.Contains(err.Error(), "settings.ca_pem") {
			t.Fatalf("ca_pem %q: %v", caPEM, err)
		}
	})
}
