package aritel_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer/aritel"
)

func TestConnConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     aritel.ConnConfig
		wantErr string
	}{
		{name: "defaults", cfg: aritel.ConnConfig{CallsDial: "PJSIP/{to}", IdleTimeout: 10 * time.Second}},
		{name: "local channel", cfg: aritel.ConnConfig{CallsDial: "Local/{to}@from-internal", IdleTimeout: time.Second}},
		{name: "dial without {to}", cfg: aritel.ConnConfig{CallsDial: "PJSIP/100", IdleTimeout: time.Second}, wantErr: "ari.calls_dial"},
		{name: "dial without technology", cfg: aritel.ConnConfig{CallsDial: "{to}", IdleTimeout: time.Second}, wantErr: "ari.calls_dial"},
		{name: "idle timeout", cfg: aritel.ConnConfig{}, wantErr: "ari.idle_timeout"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if (err != nil) != (tt.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: %v, want error naming %q", tt.name, err, tt.wantErr)
		}
	}
}
