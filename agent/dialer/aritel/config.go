package aritel

import (
	"errors"
	"strings"
	"time"
)

// ConnConfig connects to Asterisk's REST Interface.
type ConnConfig struct {
	// URL of Asterisk's HTTP server, e.g. "http://127.0.0.1:8088"; empty
	// disables ARI.
	URL string `yaml:"url"`
	// User and Pass are an ari.conf user.
	User string `yaml:"user"`
	Pass string `yaml:"pass"`
	// CallerIDApp is the Stasis application for caller-ID lookups.
	// Default "pbxagent-cid".
	CallerIDApp string `yaml:"callerid_app"`
	// DialerApp is the Stasis application the dialer originates customer
	// and agent legs into. Default "pbxagent-dialer".
	DialerApp string `yaml:"dialer_app"`
	// CallsApp is the Stasis application of users' calls (click-to-call
	// and call control). Default "pbxagent-calls".
	CallsApp string `yaml:"calls_app"`
	// CallsDial is the dial string of a click-to-call's destination;
	// "{to}" stands for the number. Default "PJSIP/{to}".
	CallsDial string `yaml:"calls_dial"`
	// CallsParkTimeout is how long a parked call waits for a pickup
	// before it rings its owner's devices again; 0 waits until picked up
	// or hung up. Default 45s.
	CallsParkTimeout time.Duration `yaml:"calls_park_timeout"`
	// AMDContext, when set, is a dialplan context running AMD() that the
	// dialer sends answered customer legs through for machine detection.
	AMDContext string `yaml:"amd_context"`
	// IdleTimeout is how long an idle HTTP connection to Asterisk is kept
	// for the next request. Keep it below Asterisk's http.conf
	// session_keep_alive (15 s by default), or requests race Asterisk
	// closing the connection. Default 10s.
	IdleTimeout time.Duration `yaml:"idle_timeout"`
}

// Validate checks the ARI settings; errors name the ari.* key.
func (c ConnConfig) Validate() error {
	if c.CallsDial != "" && (!strings.Contains(c.CallsDial, "{to}") || !strings.Contains(c.CallsDial, "/")) {
		return errors.New("ari.calls_dial: must be an Asterisk dial string holding {to}, e.g. PJSIP/{to} or Local/{to}@from-internal")
	}
	if c.CallsParkTimeout < 0 {
		return errors.New("ari.calls_park_timeout: must not be negative (0: a parked call waits until picked up)")
	}
	if c.IdleTimeout <= 0 {
		return errors.New("ari.idle_timeout: must be positive (and below Asterisk's http.conf session_keep_alive, 15s by default)")
	}
	return nil
}
