package config

import (
	"strings"
	"testing"
)

func TestCallsBackend(t *testing.T) {
	tests := []struct {
		name    string
		backend string
		ua      SIPUA
		wantErr string // a part of the error; "" for none
	}{
		{name: "default ari", backend: "ari"},
		{name: "ari ignores sip_ua", backend: "ari", ua: SIPUA{Addr: "127.0.0.1:5070"}},
		{name: "sip", backend: "sip", ua: SIPUA{Addr: "127.0.0.1:5070", Trunk: "sip:{number}@10.0.0.1"}},
		{name: "unknown", backend: "asterisk", wantErr: `calls.backend "asterisk": want ari or sip`},
		{name: "empty", backend: "", wantErr: `calls.backend "": want ari or sip`},
		{name: "sip without the user agent", backend: "sip", ua: SIPUA{Trunk: "sip:{number}@10.0.0.1"}, wantErr: "needs sip_ua.addr"},
		{name: "sip without a trunk", backend: "sip", ua: SIPUA{Addr: "127.0.0.1:5070"}, wantErr: "sip_ua.trunk"},
		{name: "sip with a trunk without the number", backend: "sip", ua: SIPUA{Addr: "127.0.0.1:5070", Trunk: "sip:10.0.0.1"}, wantErr: "must hold {number}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Default()
			cfg.Calls.Backend, cfg.SIPUA = tt.backend, tt.ua
			err := cfg.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Validate: %v, want an error with %q", err, tt.wantErr)
			}
		})
	}
	if Default().Calls.Backend != CallsBackendARI {
		t.Errorf("default calls.backend %q", Default().Calls.Backend)
	}
}
