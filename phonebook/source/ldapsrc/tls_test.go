package ldapsrc_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/testlab/slapd"
)

func TestStartTLSAndLDAPS(t *testing.T) {
	cert, key := slapd.SelfSigned(t)
	// security tls=1: slapd refuses operations without TLS, so a test that passes did use it.
	s := startSlapd(t, 4, 0, cert, key, "security tls=1")
	eng, _ := engine(t)
	for _, tc := range []struct {
		name    string
		mod     func(m map[string]any)
		wantTLS bool // the test fails with an UnreachableError of cause tls
		wantErr string
	}{
		{name: "plain ldap refused by the server", mod: nil, wantErr: "try ldaps:// or start_tls"},
		{name: "StartTLS with the CA", mod: func(m map[string]any) { m["start_tls"] = true; m["ca_pem"] = string(cert) }},
		{name: "LDAPS with the CA", mod: func(m map[string]any) { m["url"] = s.TLSURL; m["ca_pem"] = string(cert) }},
		{name: "StartTLS, unknown CA", mod: func(m map[string]any) { m["start_tls"] = true }, wantTLS: true},
		{name: "LDAPS, unknown CA", mod: func(m map[string]any) { m["url"] = s.TLSURL }, wantTLS: true},
		{name: "LDAPS, verification off", mod: func(m map[string]any) { m["url"] = s.TLSURL; m["insecure_skip_verify"] = true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := eng.TestInput(context.Background(), dirsync.Input{Type: ptr("ldap"), Settings: settings(s.URL, tc.mod)}, 10)
			if tc.wantErr != "" {
				var ce *dirsync.CredentialsError
				if !errors.As(err, &ce) || ce.Field != "settings.password" || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want a refusal naming settings.password with %q", err, tc.wantErr)
				}
				return
			}
			if tc.wantTLS {
				var ue *dirsync.UnreachableError
				if !errors.As(err, &ue) || ue.Cause != dirsync.CauseTLS {
					t.Fatalf("err = %v, want an unreachable error of cause tls", err)
				}
				return
			}
			if err != nil || len(cs) != 4 {
				t.Fatalf("%d contacts, %v", len(cs), err)
			}
		})
	}
}
