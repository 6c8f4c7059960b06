package config

import (
	"fmt"
	"strings"
)

// Backends of the Console's click-to-call (calls.backend).
const (
	// CallsBackendARI places click-to-calls through Asterisk
	// (ari.calls_app); the default.
	CallsBackendARI = "ari"
	// CallsBackendSIP places them with pbxagent's own SIP user agent
	// (sip_ua.*), the destination through sip_ua.trunk.
	CallsBackendSIP = "sip"
)

// validateBackend checks calls.backend, and that the SIP user agent it
// needs is configured when it is "sip".
func (c Calls) validateBackend(ua SIPUA) error {
	switch c.Backend {
	case CallsBackendARI:
		return nil
	case CallsBackendSIP:
	default:
		return fmt.Errorf("calls.backend %q: want ari or sip", c.Backend)
	}
	if ua.Addr == "" {
		return fmt.Errorf("calls.backend sip: needs sip_ua.addr (pbxagent's own SIP user agent places the calls)")
	}
	if !strings.Contains(ua.Trunk, "{number}") {
		return fmt.Errorf("calls.backend sip: sip_ua.trunk %q must hold {number}, the dialled destination (sip:{number}@trunk.example.com)", ua.Trunk)
	}
	return nil
}
