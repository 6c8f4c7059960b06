package sip

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"
)

func TestPinTopVia(t *testing.T) {
	src := netip.MustParseAddrPort("192.0.2.7:40123")
	pin := ";received=192.0.2.7;rport=40123"
	tests := []struct {
		name, via, want string
		ok              bool
	}{
		{name: "plain", via: "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1", want: "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1" + pin, ok: true},
		{name: "rport flag", via: "Via: SIP/2.0/UDP h;rport;branch=z9hG4bK1", want: "Via: SIP/2.0/UDP h;branch=z9hG4bK1" + pin, ok: true},
		{name: "forged", via: "v: SIP/2.0/UDP h:1;RPORT=9;Received=6.6.6.6;branch=z9hG4bK1", want: "v: SIP/2.0/UDP h:1;branch=z9hG4bK1" + pin, ok: true},
		{name: "two hops", via: "Via: SIP/2.0/UDP a:1;branch=z9hG4bK1, SIP/2.0/UDP b:2;branch=z9hG4bK2;rport=3",
			want: "Via: SIP/2.0/UDP a:1;branch=z9hG4bK1" + pin + ", SIP/2.0/UDP b:2;branch=z9hG4bK2;rport=3", ok: true},
		{name: "folded", via: "Via: SIP/2.0/UDP a:1\r\n ;branch=z9hG4bK1", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := "INVITE sip:x@h SIP/2.0\r\nFrom: <sip:1@h>;tag=1\r\n" + tt.via + "\r\nVia: SIP/2.0/UDP second:5;branch=z9hG4bK9\r\nContent-Length: 0\r\n\r\n"
			out, ok := pinTopVia([]byte(msg), src)
			if ok != tt.ok {
				t.Fatalf("ok = %v", ok)
			}
			if !ok {
				return
			}
			want := strings.Replace(msg, tt.via, tt.want, 1)
			if string(out) != want {
				t.Errorf("got\n%s\nwant\n%s", out, want)
			}
		})
	}
	res := "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n"
	if out, ok := pinTopVia([]byte(res), src); !ok || string(out) != res {
		t.Errorf("a response was changed: %q", out)
	}
}

// FuzzPinTopVia: whatever the packet, the rewrite never panics; a request that sipgo still parses
// after it has the same headers but for the top Via, whose received and rport, as sipgo reads
// them, name the source (so sipgo answers nowhere else), and whose sent-by and branch are kept.
func FuzzPinTopVia(f *testing.F) {
	seeds := []string{
		"INVITE sip:033222111@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5071;branch=z9hG4bK1\r\nFrom: <sip:061111111@127.0.0.1>;tag=a\r\nTo: <sip:033222111@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS sip:h SIP/2.0\r\nv: SIP/2.0/UDP [::1]:5060;rport=7;received=::2;branch=z9hG4bK2,SIP/2.0/TCP x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		"INVITE sip:h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=\"a;b,c\";rport\r\nCall-ID: q\r\nCSeq: 1 INVITE\r\n\r\n",
		"SIP/2.0 302 Moved\r\nVia: SIP/2.0/UDP h\r\n\r\n",
		"INVITE sip:h SIP/2.0\nVia: SIP/2.0/UDP h\n\n",
		"INVITE sip:h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n ;branch=x\r\n\r\n",
		"garbage",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	src := netip.MustParseAddrPort("198.51.100.9:5999")
	f.Fuzz(func(t *testing.T, data []byte) {
		out, ok := pinTopVia(data, src)
		if !ok {
			return
		}
		before, err := sipmsg.ParseMessage(data)
		if err != nil {
			return
		}
		req, isReq := before.(*sipmsg.Request)
		if !isReq {
			if !bytes.Equal(out, data) {
				t.Fatalf("response changed")
			}
			return
		}
		if req.Via() == nil {
			return
		}
		after, err := sipmsg.ParseMessage(out)
		if err != nil {
			return // sipgo drops it: nothing is answered
		}
		via := after.(*sipmsg.Request).Via()
		if via == nil {
			t.Fatalf("Via lost: %q", out)
		}
		if r, _ := via.Params.Get("received"); r != "198.51.100.9" {
			t.Fatalf("received=%q in %q", r, out)
		}
		if p, _ := via.Params.Get("rport"); p != "5999" {
			t.Fatalf("rport=%q in %q", p, out)
		}
		old := req.Via()
		if !strings.EqualFold(old.ProtocolName, "SIP") || old.Host == "" {
			return // a Via sipgo takes in without protocol or sent-by: nothing to keep
		}
		if via.Host != old.Host || via.Port != old.Port || via.Transport != old.Transport {
			t.Fatalf("sent-by changed: %v → %v", old, via)
		}
		if b, _ := old.Params.Get("branch"); b != "" {
			if nb, _ := via.Params.Get("branch"); nb != b {
				t.Fatalf("branch %q → %q", b, nb)
			}
		}
		if got, want := len(after.(*sipmsg.Request).Headers()), len(req.Headers()); got != want {
			t.Fatalf("%d headers, was %d", got, want)
		}
	})
}
