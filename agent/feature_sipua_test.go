package agent

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/config"
)

func TestSIPUATargets(t *testing.T) {
	for _, tt := range []struct{ tpl, want string }{
		{tpl: "sip:{number}@trunk.example.com", want: "sip:trunk.example.com"},
		{tpl: "sip:{number}@10.0.0.1:5080;transport=tcp", want: "sip:10.0.0.1:5080;transport=tcp"},
		{tpl: "sips:+{number}@t", want: "sips:t"},
	} {
		if got := trunkTarget(tt.tpl); got != tt.want {
			t.Errorf("trunkTarget(%q) = %q, want %q", tt.tpl, got, tt.want)
		}
	}
	for _, tt := range []struct{ registrar, want string }{
		{registrar: "sip:pbx.example.com", want: "sip:u@pbx.example.com"},
		{registrar: "sip:pbx.example.com:5061;transport=tcp", want: "sip:u@pbx.example.com"},
		{registrar: "sip:[2001:db8::1]:5060", want: "sip:u@[2001:db8::1]"},
		{registrar: "sip:reg@pbx.example.com", want: "sip:u@pbx.example.com"},
	} {
		if got := defaultAOR("u", tt.registrar); got != tt.want {
			t.Errorf("defaultAOR(%q) = %q, want %q", tt.registrar, got, tt.want)
		}
	}
}

func TestUAConfig(t *testing.T) {
	c := config.SIPUA{Addr: "127.0.0.1:0", RTPPorts: "30000-30010", Allow: []string{"10.0.0.1", "192.0.2.0/24"},
		Username: "trunkuser", Password: "pw", PhonesRealm: "pbxagent", Phones: []string{"101:s3cret"}}
	got, err := uaConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	if got.Ports == nil || got.Ports.Size() != 5 {
		t.Errorf("ports %v", got.Ports)
	}
	if len(got.Allow) != 2 || got.Allow[0].String() != "10.0.0.1/32" || got.Allow[1].String() != "192.0.2.0/24" {
		t.Errorf("allow %v", got.Allow)
	}
	if u, p, ok := got.Credentials("any"); !ok || u != "trunkuser" || p != "pw" {
		t.Errorf("credentials %q %q %v", u, p, ok)
	}
	if got.Registrar == nil {
		t.Error("no registrar for the phones")
	}
	c.RTPPorts = "3-1"
	if _, err := uaConfig(c); err == nil {
		t.Error("bad rtp_ports accepted")
	}
}

func FuzzSIPUATargets(f *testing.F) {
	for _, s := range []string{"sip:{number}@t", "sips:[::1]:5061;transport=tls", "sip:", "x", "sip:a@b@c:1;x?y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := trunkTarget(s); strings.Contains(s, ":") && !strings.HasPrefix(got, s[:strings.Index(s, ":")+1]) {
			t.Fatalf("trunkTarget(%q) = %q lost the scheme", s, got)
		}
		if got := defaultAOR("u", s); !strings.HasPrefix(got, "sip:u@") {
			t.Fatalf("defaultAOR(%q) = %q", s, got)
		}
	})
}

// TestSIPUAAddressTaken: a taken sip_ua.addr fails the start, naming the
// key and how to turn the user agent off.
func TestSIPUAAddressTaken(t *testing.T) {
	taken, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := testConfig(t)
	cfg.SIPUA = config.SIPUA{Addr: taken.LocalAddr().String(), RTPPorts: "53300-53399"}
	d, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	err = d.Start(context.Background())
	_ = d.Stop(context.Background())
	if err == nil {
		t.Fatal("started on a taken address")
	}
	for _, w := range []string{"SIP user agent", "sip_ua.addr", "PBXAGENT_SIP_UA_ADDR", "turn it off"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q: %v", w, err)
		}
	}
}
