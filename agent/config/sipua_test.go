package config

import (
	"strings"
	"testing"
	"time"
)

func TestSIPUAValidate(t *testing.T) {
	ok := SIPUA{Addr: "127.0.0.1:5070", RTPPorts: "20000-20100", Trunk: "sip:{number}@trunk.example.com",
		Username: "u", Password: "p", Allow: []string{"10.0.0.1", "192.0.2.0/24"}, KeepAlive: 30 * time.Second,
		PhonesRealm: "pbxagent", Phones: []string{"101:secret", "102:pa:ss"}}
	with := func(f func(*SIPUA)) SIPUA { c := ok; f(&c); return c }
	tests := []struct {
		name string
		cfg  SIPUA
		want string // "" when valid
	}{
		{name: "off", cfg: SIPUA{RTPPorts: "nonsense"}},
		{name: "complete", cfg: ok},
		{name: "defaults", cfg: SIPUA{Addr: "0.0.0.0:5060"}},
		{name: "addr", cfg: with(func(c *SIPUA) { c.Addr = "5060" }), want: "sip_ua.addr"},
		{name: "transport", cfg: with(func(c *SIPUA) { c.Transports = []string{"udp", "tls"} }), want: "sip_ua.transports[1]"},
		{name: "ports not a range", cfg: with(func(c *SIPUA) { c.RTPPorts = "20000" }), want: "sip_ua.rtp_ports"},
		{name: "ports reversed", cfg: with(func(c *SIPUA) { c.RTPPorts = "20000-10000" }), want: "sip_ua.rtp_ports"},
		{name: "ports low", cfg: with(func(c *SIPUA) { c.RTPPorts = "80-2000" }), want: "sip_ua.rtp_ports"},
		{name: "ports no pair", cfg: with(func(c *SIPUA) { c.RTPPorts = "20001-20002" }), want: "sip_ua.rtp_ports"},
		{name: "trunk without number", cfg: with(func(c *SIPUA) { c.Trunk = "sip:trunk.example.com" }), want: "sip_ua.trunk"},
		{name: "trunk not sip", cfg: with(func(c *SIPUA) { c.Trunk = "PJSIP/{number}@trunk" }), want: "sip_ua.trunk"},
		{name: "proxy", cfg: with(func(c *SIPUA) { c.OutboundProxy = "proxy.example.com" }), want: "sip_ua.outbound_proxy"},
		{name: "registrar without user", cfg: with(func(c *SIPUA) { c.Registrar = "sip:reg"; c.Username = ""; c.Password = "" }), want: "sip_ua.registrar"},
		{name: "password alone", cfg: with(func(c *SIPUA) { c.Username = "" }), want: "sip_ua.password"},
		{name: "allow", cfg: with(func(c *SIPUA) { c.Allow = []string{"10.0.0.300"} }), want: "sip_ua.allow[0]"},
		{name: "keepalive without trunk", cfg: with(func(c *SIPUA) { c.Trunk = "" }), want: "sip_ua.keepalive"},
		{name: "keepalive too fast", cfg: with(func(c *SIPUA) { c.KeepAlive = time.Millisecond }), want: "sip_ua.keepalive"},
		{name: "expires", cfg: with(func(c *SIPUA) { c.Expires = time.Second }), want: "sip_ua.expires"},
		{name: "phone entry", cfg: with(func(c *SIPUA) { c.Phones = []string{"101"} }), want: "sip_ua.phones[0]"},
		{name: "phone twice", cfg: with(func(c *SIPUA) { c.Phones = []string{"101:a", "101:b"} }), want: "sip_ua.phones[1]"},
		{name: "phones without realm", cfg: with(func(c *SIPUA) { c.PhonesRealm = "" }), want: "sip_ua.phones"},
		{name: "hold music without sounds", cfg: with(func(c *SIPUA) { c.HoldMusic = "moh" }), want: "sip_ua.hold_music"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate = %v, want an error naming %s", err, tt.want)
			}
		})
	}
	pw, err := ok.PhonePasswords()
	if err != nil || pw["101"] != "secret" || pw["102"] != "pa:ss" {
		t.Errorf("PhonePasswords = %v, %v", pw, err)
	}
	c := Default()
	c.SIPUA = with(func(c *SIPUA) { c.RTPPorts = "x" })
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "sip_ua.rtp_ports") {
		t.Errorf("Config.Validate does not check sip_ua: %v", err)
	}
}

func TestParseRTPPorts(t *testing.T) {
	tests := []struct {
		in       string
		min, max int
		ok       bool
	}{
		{in: "10000-20000", min: 10000, max: 20000, ok: true},
		{in: " 10001 - 10003 ", min: 10001, max: 10003, ok: true},
		{in: "1024-1025", min: 1024, max: 1025, ok: true},
		{in: "10001-10002"},
		{in: "1023-2000"},
		{in: "10000-65536"},
		{in: "a-b"},
		{in: "-"},
		{in: ""},
	}
	for _, tt := range tests {
		min, max, err := ParseRTPPorts(tt.in)
		if (err == nil) != tt.ok || min != tt.min || max != tt.max {
			t.Errorf("ParseRTPPorts(%q) = %d, %d, %v", tt.in, min, max, err)
		}
		if err != nil && !strings.Contains(err.Error(), "sip_ua.rtp_ports") {
			t.Errorf("error %v does not name the key", err)
		}
	}
}

func FuzzParseRTPPorts(f *testing.F) {
	for _, s := range []string{"10000-20000", "1-2", "65534-65535", "x", "10001-10002", "-5-7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		min, max, err := ParseRTPPorts(s)
		if err != nil {
			return
		}
		if min < 1024 || max > 65535 || min >= max {
			t.Fatalf("%q accepted as %d-%d", s, min, max)
		}
		lo := min + min%2
		if lo+1 > max {
			t.Fatalf("%q accepted without an RTP/RTCP pair", s)
		}
	})
}

func FuzzPhonePasswords(f *testing.F) {
	for _, s := range []string{"101:pw", "101", ":x", "a b:c", "101:a:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, e string) {
		pw, err := SIPUA{Phones: []string{e}}.PhonePasswords()
		if err != nil {
			return
		}
		for u, p := range pw {
			if u == "" || p == "" || strings.ContainsAny(u, " @;<>\"\t") {
				t.Fatalf("%q accepted as %q:%q", e, u, p)
			}
		}
	})
}
