package agent

import (
	"fmt"
	"strings"
)

// listener names one of the daemon's listeners for the error a failed
// bind returns: which configuration key holds its address, its flags and
// environment variable, and whether an empty address turns it off.
type listener struct {
	what       string // "the FastAGI listener"
	key        string // "agi.addr"
	short      string // its short flag ("--agi"), or ""
	canDisable bool
	// disableKeys, when set, are the keys to empty to turn it off (the
	// HTTPS listener: its address, certificate and key together).
	disableKeys []string
}

// Every listener the daemon binds.
var (
	httpListener  = listener{what: "the HTTP listener (API, phones, /cid)", key: "http.addr", short: "--http"}
	httpsListener = listener{what: "the HTTPS listener", key: "http.tls_addr", canDisable: true,
		disableKeys: []string{"http.tls_addr", "http.tls_cert", "http.tls_key"}}
	agiListener = listener{what: "the FastAGI listener", key: "agi.addr", short: "--agi", canDisable: true}
	sipListener = listener{what: "the SIP redirect listener (UDP and TCP)", key: "sip_redirect.addr", short: "--sip-redirect", canDisable: true}
)

// envName is the environment variable of a configuration key.
func envName(key string) string {
	return "PBXAGENT_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// bindError wraps a failed bind of l on addr with how to move the listener
// (its key, flags and environment variable) and, when it can be, how to
// turn it off: the daemon does not start without every configured listener.
func (l listener) bindError(addr string, err error) error {
	flags := "--" + l.key + " HOST:PORT"
	if l.short != "" {
		flags += " (or " + l.short + ")"
	}
	hint := fmt.Sprintf("%s is %s: move it with %s, %s or the %s key of the configuration file",
		l.what, l.key, flags, envName(l.key), l.key)
	switch {
	case len(l.disableKeys) > 0:
		hint += fmt.Sprintf(", or turn it off by leaving %s empty", strings.Join(l.disableKeys, ", "))
	case l.canDisable:
		hint += fmt.Sprintf(", or turn it off with an empty address (--%s= or %s=)", l.key, envName(l.key))
	default:
		hint += "; it cannot be turned off"
	}
	return fmt.Errorf("listen on %s: %w; %s", addr, err, hint)
}
