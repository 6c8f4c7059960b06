package callerid

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Config configures the caller-ID front ends shared by HTTP, AGI, SIP
// and the Stasis app.
type Config struct {
	// Allow lists the CIDRs that may call /cid without a token. Default
	// loopback only.
	Allow []string `yaml:"allow"`
	// Token, when set, also admits /cid?token=… from anywhere.
	Token string `yaml:"token"`
	// Deadline bounds one lookup; past it the call goes on without a name.
	// Default 100ms.
	Deadline time.Duration `yaml:"deadline"`
	// Overwrite says when a found name replaces the name a call already
	// has: "weak" (default: only an empty name, "unknown" or the number
	// itself), "always" or "never".
	Overwrite string `yaml:"overwrite"`
}

// AGIConfig is the FastAGI listener (agi://host/cid).
type AGIConfig struct {
	// Addr is the listen address; empty disables. Default "127.0.0.1:4573".
	Addr string `yaml:"addr"`
	// MaxSessions bounds the sessions served at once; a session over it is
	// closed at once (Asterisk goes on with the name untouched) and
	// counted in pbxagent_callerid_agi_sessions_total{outcome="overload"}.
	// Only a connection that has sent its first agi_ line takes a place.
	// Default 4096.
	MaxSessions int `yaml:"max_sessions"`
	// FirstLineTimeout is how long a new connection may take to send its
	// first agi_ line (Asterisk sends the whole block at once); one that
	// does not is closed (outcome "silent") without having taken a
	// session's place. Default 200ms.
	FirstLineTimeout time.Duration `yaml:"first_line_timeout"`
	// MaxWaiting bounds the connections waiting for their first line; a
	// new one over it closes the one that has waited longest (outcome
	// "evicted"), so a flood of silent connections cannot keep Asterisk
	// out. Default 4096.
	MaxWaiting int `yaml:"max_waiting"`
}

// SIPConfig is the SIP redirect (CNAM dip) server.
type SIPConfig struct {
	// Addr listens on UDP and TCP; empty (the default) disables.
	Addr string `yaml:"addr"`
	// MissStatus answers a miss: 404 (default) or 302 (redirect without a name).
	MissStatus int `yaml:"miss_status"`
	// CNAM limits names to 15 printable ASCII characters, transliterated.
	CNAM bool `yaml:"cnam"`
	// TrustedProxies lists the addresses or CIDRs (e.g. the Kamailio
	// host) whose UDP requests are answered to the port their Via names
	// (RFC 3261 §18.2.2). Anyone else is answered to the source address
	// and port of the request, whatever its Via says. Default none.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// TCPMaxConns caps the TCP connections held at once; one more is
	// closed as soon as it is accepted. Default 1024.
	TCPMaxConns int `yaml:"tcp_max_conns"`
	// TCPMaxConnsPerIP caps the TCP connections held at once from one
	// address. Default 64.
	TCPMaxConnsPerIP int `yaml:"tcp_max_conns_per_ip"`
	// TCPMessageTimeout bounds the time from the first byte of a TCP
	// message to its last, and the write of one response; past it the
	// connection is closed. Default 5s.
	TCPMessageTimeout time.Duration `yaml:"tcp_message_timeout"`
	// TCPIdleTimeout closes a TCP connection that completed no message
	// for this long. Default 2m.
	TCPIdleTimeout time.Duration `yaml:"tcp_idle_timeout"`
	// UnackedPerIP is how many INVITE answers over UDP one address may
	// leave un-ACKed at once; they are retransmitted until the ACK (up to
	// 11 times in 32 s). Past it an answer is sent once. Default 64.
	UnackedPerIP int `yaml:"unacked_per_ip"`
	// LogBurst log lines of one kind per LogInterval, at most, above
	// debug; the rest are counted in one line. Defaults 10 and 1m.
	LogBurst    int           `yaml:"log_burst"`
	LogInterval time.Duration `yaml:"log_interval"`
}

// Validate checks the caller-ID settings; errors name the callerid.* key.
func (c Config) Validate() error {
	for _, s := range c.Allow {
		if _, err := netip.ParsePrefix(s); err != nil {
			return fmt.Errorf("callerid.allow: %q is not a CIDR", s)
		}
	}
	switch c.Overwrite {
	case "", "weak", "always", "never":
	default:
		return fmt.Errorf("callerid.overwrite %q: want weak, always or never", c.Overwrite)
	}
	if c.Deadline <= 0 {
		return errors.New("callerid.deadline: must be positive")
	}
	return nil
}

// Validate checks the FastAGI settings; errors name the agi.* key.
func (c AGIConfig) Validate() error {
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			return fmt.Errorf("agi.addr %q: %w", c.Addr, err)
		}
	}
	for _, n := range []struct {
		key string
		v   int64
	}{{"agi.max_sessions", int64(c.MaxSessions)}, {"agi.first_line_timeout", int64(c.FirstLineTimeout)}, {"agi.max_waiting", int64(c.MaxWaiting)}} {
		if n.v <= 0 {
			return fmt.Errorf("%s: must be positive", n.key)
		}
	}
	return nil
}

// Validate checks the SIP redirect settings; errors name the
// sip_redirect.* key.
func (c SIPConfig) Validate() error {
	if c.Addr != "" {
		if _, _, err := net.SplitHostPort(c.Addr); err != nil {
			return fmt.Errorf("sip_redirect.addr %q: %w", c.Addr, err)
		}
	}
	if c.MissStatus != 404 && c.MissStatus != 302 {
		return fmt.Errorf("sip_redirect.miss_status: %d, want 404 or 302", c.MissStatus)
	}
	for _, s := range c.TrustedProxies {
		if _, err := netip.ParsePrefix(s); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(s); err != nil {
			return fmt.Errorf("sip_redirect.trusted_proxies: %q is neither an address nor a CIDR", s)
		}
	}
	for _, n := range []struct {
		key string
		v   int
	}{{"sip_redirect.tcp_max_conns", c.TCPMaxConns}, {"sip_redirect.tcp_max_conns_per_ip", c.TCPMaxConnsPerIP},
		{"sip_redirect.unacked_per_ip", c.UnackedPerIP}, {"sip_redirect.log_burst", c.LogBurst}} {
		if n.v < 1 {
			return fmt.Errorf("%s: %d, want at least 1", n.key, n.v)
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"sip_redirect.tcp_message_timeout", c.TCPMessageTimeout}, {"sip_redirect.tcp_idle_timeout", c.TCPIdleTimeout},
		{"sip_redirect.log_interval", c.LogInterval}} {
		if d.v <= 0 {
			return fmt.Errorf("%s: %v, want a positive duration", d.key, d.v)
		}
	}
	return nil
}
