package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// SIPUA configures pbxagent's own SIP user agent (sip/ua,
// docs/sip-ua.md): calls over a plain SIP trunk without Asterisk, for
// the dialer's campaigns whose backend is "sip" and for click-to-call
// when calls.backend is "sip". Off while Addr is empty.
type SIPUA struct {
	// Addr is the host:port listened on for SIP (UDP and TCP); empty
	// turns the user agent off.
	Addr string `yaml:"addr"`
	// Transports are "udp" and/or "tcp"; empty means both.
	Transports []string `yaml:"transports"`
	// ContactHost is the address peers reach us on when it is not Addr's
	// host (behind NAT).
	ContactHost string `yaml:"contact_host"`
	// MediaHost is the address RTP binds to; empty: Addr's host.
	MediaHost string `yaml:"media_host"`
	// RTPPorts is the media port range, "min-max" (even start).
	RTPPorts string `yaml:"rtp_ports"`
	// OutboundProxy receives every out-of-dialog request when set.
	OutboundProxy string `yaml:"outbound_proxy"`
	// Trunk is the Request-URI template of calls to the outside world;
	// {number} is replaced by the dialled number
	// ("sip:{number}@trunk.example.com").
	Trunk string `yaml:"trunk"`
	// Username and Password answer the trunk's (or PBX's) digest
	// challenges. Set the password through PBXAGENT_SIP_UA_PASSWORD.
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// Registrar, when set, is registered to (a registration-based trunk);
	// AOR is the address of record (default sip:Username@registrar host).
	Registrar string        `yaml:"registrar"`
	AOR       string        `yaml:"aor"`
	Expires   time.Duration `yaml:"expires"`
	// Allow are the trunk's signalling addresses (IPs or CIDRs) whose
	// INVITEs are taken.
	Allow []string `yaml:"allow"`
	// KeepAlive is the OPTIONS interval towards the trunk; 0 turns it off.
	KeepAlive time.Duration `yaml:"keepalive"`
	// PhonesRealm, when set, turns on the registrar for agents' phones
	// (digest realm); phones register with the credentials in Phones.
	PhonesRealm string `yaml:"phones_realm"`
	// SoundsDir holds the WAV prompts (8 kHz mono, 16-bit or G.711) that
	// media names refer to: "sound:name" plays <sounds_dir>/name.wav.
	SoundsDir string `yaml:"sounds_dir"`
	// HoldMusic is the WAV (a name in SoundsDir) played to waiting
	// customers; empty: a built-in tone.
	HoldMusic string `yaml:"hold_music"`
	// RecordingsDir is where campaigns on the sip backend with record on
	// write their recordings (dialer-<call id>.wav, stereo: customer left,
	// agent right), and click-to-calls over SIP theirs (<call id>-<n>.wav,
	// user left, destination right); empty: such calls are not recorded.
	RecordingsDir string `yaml:"recordings_dir"`
	// Phones are the agents' phones that may register when PhonesRealm
	// is set, as "user:password" entries (pbxagent keeps no SIP
	// credentials of its own users; digest needs the password itself).
	// Set them through PBXAGENT_SIP_UA_PHONES, comma-separated.
	Phones []string `yaml:"phones"`
}

// DefaultRTPPorts is the media port range when rtp_ports is empty.
const DefaultRTPPorts = "10000-20000"

// RTPPortRange parses rtp_ports ("min-max"; empty: DefaultRTPPorts).
func (c SIPUA) RTPPortRange() (min, max int, err error) {
	s := c.RTPPorts
	if s == "" {
		s = DefaultRTPPorts
	}
	return ParseRTPPorts(s)
}

// ParseRTPPorts parses a port range "min-max": 1024 <= min < max <=
// 65535, at least one even/odd (RTP/RTCP) pair inside.
func ParseRTPPorts(s string) (min, max int, err error) {
	lo, hi, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return 0, 0, fmt.Errorf("sip_ua.rtp_ports: %q is not min-max (e.g. 10000-20000)", s)
	}
	min, err1 := strconv.Atoi(strings.TrimSpace(lo))
	max, err2 := strconv.Atoi(strings.TrimSpace(hi))
	switch {
	case err1 != nil || err2 != nil:
		return 0, 0, fmt.Errorf("sip_ua.rtp_ports: %q is not min-max with two port numbers", s)
	case min < 1024 || max > 65535:
		return 0, 0, fmt.Errorf("sip_ua.rtp_ports: %q: ports must be within 1024-65535", s)
	case max < min+1 || (min%2 == 1 && max < min+2):
		return 0, 0, fmt.Errorf("sip_ua.rtp_ports: %q holds no RTP/RTCP pair (an even port and the next)", s)
	}
	return min, max, nil
}

// PhonePasswords returns the phones entries as user → password.
func (c SIPUA) PhonePasswords() (map[string]string, error) {
	out := make(map[string]string, len(c.Phones))
	for i, e := range c.Phones {
		user, pass, ok := strings.Cut(e, ":")
		user = strings.TrimSpace(user)
		switch {
		case !ok || user == "" || pass == "":
			return nil, fmt.Errorf("sip_ua.phones[%d]: want user:password", i)
		case strings.ContainsAny(user, " @;<>\"\t"):
			return nil, fmt.Errorf("sip_ua.phones[%d]: user %q: want a SIP user name (no spaces, @, ;, <, >)", i, user)
		}
		if _, dup := out[user]; dup {
			return nil, fmt.Errorf("sip_ua.phones[%d]: user %q twice", i, user)
		}
		out[user] = pass
	}
	return out, nil
}

// AllowPrefixes parses allow (IPs or CIDRs).
func (c SIPUA) AllowPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, a := range c.Allow {
		a = strings.TrimSpace(a)
		if p, err := netip.ParsePrefix(a); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return nil, fmt.Errorf("sip_ua.allow[%d]: %q is not an IP address or CIDR", i, a)
		}
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out, nil
}

func isSIPURI(s string) bool {
	l := strings.ToLower(s)
	return (strings.HasPrefix(l, "sip:") || strings.HasPrefix(l, "sips:")) && !strings.ContainsAny(s, " \t\r\n")
}

// Validate checks the sip_ua keys when the user agent is on (addr set);
// errors name the key.
func (c SIPUA) Validate() error {
	if c.Addr == "" {
		return nil
	}
	if _, port, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("sip_ua.addr %q: want host:port: %w", c.Addr, err)
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("sip_ua.addr %q: bad port", c.Addr)
	}
	for i, t := range c.Transports {
		if t != "udp" && t != "tcp" {
			return fmt.Errorf("sip_ua.transports[%d]: %q is not udp or tcp", i, t)
		}
	}
	if _, _, err := c.RTPPortRange(); err != nil {
		return err
	}
	for _, u := range []struct{ key, v string }{{"outbound_proxy", c.OutboundProxy}, {"registrar", c.Registrar}, {"aor", c.AOR}} {
		if u.v != "" && !isSIPURI(u.v) {
			return fmt.Errorf("sip_ua.%s: %q is not a SIP URI (sip:host[:port][;transport=tcp])", u.key, u.v)
		}
	}
	if c.Trunk != "" && (!isSIPURI(c.Trunk) || !strings.Contains(c.Trunk, "{number}")) {
		return fmt.Errorf("sip_ua.trunk: %q is not a SIP URI holding {number} (e.g. sip:{number}@trunk.example.com)", c.Trunk)
	}
	if c.Password != "" && c.Username == "" {
		return errors.New("sip_ua.password: set sip_ua.username with it")
	}
	if c.Registrar != "" && c.Username == "" {
		return errors.New("sip_ua.registrar: needs sip_ua.username (and password) to register")
	}
	if c.Expires < 0 || (c.Expires > 0 && c.Expires < time.Minute) {
		return fmt.Errorf("sip_ua.expires: %s: want 0 (default 1h) or at least 1m", c.Expires)
	}
	if _, err := c.AllowPrefixes(); err != nil {
		return err
	}
	if c.KeepAlive < 0 || (c.KeepAlive > 0 && c.KeepAlive < time.Second) {
		return fmt.Errorf("sip_ua.keepalive: %s: want 0 (off) or at least 1s", c.KeepAlive)
	}
	if c.KeepAlive > 0 && c.Trunk == "" {
		return errors.New("sip_ua.keepalive: pings the trunk; set sip_ua.trunk")
	}
	if _, err := c.PhonePasswords(); err != nil {
		return err
	}
	if len(c.Phones) > 0 && c.PhonesRealm == "" {
		return errors.New("sip_ua.phones: set sip_ua.phones_realm to turn on the phones' registrar")
	}
	if c.HoldMusic != "" && c.SoundsDir == "" {
		return errors.New("sip_ua.hold_music: a name in sip_ua.sounds_dir; set sounds_dir")
	}
	return nil
}
