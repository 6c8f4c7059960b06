package agent

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/phones"
)

func TestLDAPLink(t *testing.T) {
	tests := []struct {
		name     string
		addr     string
		want     phones.LDAPLink
		wantOK   bool
		wantWarn bool
	}{
		{name: "off", addr: ""},
		{name: "fixed port", addr: "0.0.0.0:389", want: phones.LDAPLink{Port: 389, BaseDN: "ou=contacts,dc=pbxagent", SizeLimit: 200}, wantOK: true},
		{name: "other port", addr: "[::]:10389", want: phones.LDAPLink{Port: 10389, BaseDN: "ou=contacts,dc=pbxagent", SizeLimit: 200}, wantOK: true},
		{name: "ephemeral port", addr: "127.0.0.1:0", wantWarn: true},
		{name: "named port", addr: "127.0.0.1:ldap", wantWarn: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			cfg := config.Config{LDAP: config.DefaultLDAP()}
			cfg.LDAP.Addr = tc.addr
			b := &build{cfg: cfg, d: &Daemon{log: slog.New(slog.NewTextHandler(&logs, nil))}}
			got, ok := ldapLink(b)
			if ok != tc.wantOK || got != tc.want {
				t.Errorf("ldapLink = %+v, %v; want %+v, %v", got, ok, tc.want, tc.wantOK)
			}
			if warned := strings.Contains(logs.String(), "no fixed port"); warned != tc.wantWarn {
				t.Errorf("warned %v, want %v: %s", warned, tc.wantWarn, logs.String())
			}
		})
	}
}
