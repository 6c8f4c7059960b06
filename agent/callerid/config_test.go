package callerid

import (
	"strings"
	"testing"
	"time"
)

// Each section names its own key in its errors: the daemon's loader only
// prefixes "config ".
func TestConfigsValidateTheirOwnKeys(t *testing.T) {
	good := SIPConfig{MissStatus: 404, TCPMaxConns: 1, TCPMaxConnsPerIP: 1, UnackedPerIP: 1, LogBurst: 1,
		TCPMessageTimeout: time.Second, TCPIdleTimeout: time.Second, LogInterval: time.Second}
	tests := []struct {
		name string
		err  error
		key  string
	}{
		{name: "callerid overwrite", err: Config{Overwrite: "maybe", Deadline: time.Second}.Validate(), key: "callerid.overwrite"},
		{name: "callerid deadline", err: Config{}.Validate(), key: "callerid.deadline"},
		{name: "callerid allow", err: Config{Allow: []string{"x"}, Deadline: time.Second}.Validate(), key: "callerid.allow"},
		{name: "agi addr", err: AGIConfig{Addr: "4573", MaxSessions: 1, FirstLineTimeout: time.Second, MaxWaiting: 1}.Validate(), key: "agi.addr"},
		{name: "agi sessions", err: AGIConfig{FirstLineTimeout: time.Second, MaxWaiting: 1}.Validate(), key: "agi.max_sessions"},
		{name: "sip miss status", err: func() error { c := good; c.MissStatus = 500; return c.Validate() }(), key: "sip_redirect.miss_status"},
		{name: "sip proxies", err: func() error { c := good; c.TrustedProxies = []string{"kamailio"}; return c.Validate() }(), key: "sip_redirect.trusted_proxies"},
		{name: "sip fine", err: good.Validate()},
	}
	for _, tt := range tests {
		switch {
		case tt.key == "" && tt.err != nil:
			t.Errorf("%s: %v", tt.name, tt.err)
		case tt.key != "" && (tt.err == nil || !strings.HasPrefix(tt.err.Error(), tt.key)):
			t.Errorf("%s: %v, want an error naming %s", tt.name, tt.err, tt.key)
		}
	}
}
