package ua

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/pbxagent/pbxagent/sip/sdp"
)

// fakeTrunk is a small sipgo UAS standing for a trunk or PBX: it may
// challenge INVITEs with digest (401 or 407), then answers them 200 with
// an SDP answer (or rejects them), and answers BYE. It records the
// INVITEs it got.
type fakeTrunk struct {
	realm, user, pass string
	proxyAuth         bool
	reject            int

	addr    string
	invites chan *sip.Request
	byes    chan *sip.Request
}

const fakeNonce = "4f7c0a1b2c3d4e5f"

func startFakeTrunk(t *testing.T, f *fakeTrunk) *fakeTrunk {
	t.Helper()
	f.invites = make(chan *sip.Request, 16)
	f.byes = make(chan *sip.Request, 16)
	ua, err := sipgo.NewUA(sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(testLogger(t))),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(testLogger(t))))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(testLogger(t)))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = pc.LocalAddr().String()
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		f.invites <- req.Clone()
		if f.realm != "" && !f.authorized(req) {
			chal := &digest.Challenge{Realm: f.realm, Nonce: fakeNonce, Algorithm: "MD5"}
			status, reason, hdr := 401, "Unauthorized", "WWW-Authenticate"
			if f.proxyAuth {
				status, reason, hdr = 407, "Proxy Authentication Required", "Proxy-Authenticate"
			}
			res := sip.NewResponseFromRequest(req, status, reason, nil)
			res.AppendHeader(sip.NewHeader(hdr, chal.String()))
			_ = tx.Respond(res)
			return
		}
		if f.reject != 0 {
			_ = tx.Respond(sip.NewResponseFromRequest(req, f.reject, "Rejected", nil))
			return
		}
		offer, err := sdp.Parse(req.Body())
		if err != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 400, "Bad SDP", nil))
			return
		}
		ans, _, err := sdp.Answer(offer, sdp.Local{Addr: netip.MustParseAddr("127.0.0.1"), Port: 9})
		if err != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 488, "Not Acceptable Here", nil))
			return
		}
		res := sip.NewResponseFromRequest(req, 200, "OK", ans.Marshal())
		res.AppendHeader(sip.NewHeader("Contact", "<sip:trunk@"+f.addr+">"))
		res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		_ = tx.Respond(res)
	})
	srv.OnAck(func(*sip.Request, sip.ServerTransaction) {})
	srv.OnBye(func(req *sip.Request, tx sip.ServerTransaction) {
		f.byes <- req.Clone()
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	go func() { _ = srv.ServeUDP(pc) }()
	t.Cleanup(func() {
		pc.Close()
		ua.Close()
	})
	return f
}

// authorized checks an INVITE's digest credentials (RFC 2617 without
// qop, as challenged).
func (f *fakeTrunk) authorized(req *sip.Request) bool {
	name := "Authorization"
	if f.proxyAuth {
		name = "Proxy-Authorization"
	}
	h := req.GetHeader(name)
	if h == nil {
		return false
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Username != f.user || cred.Realm != f.realm || cred.Nonce != fakeNonce {
		return false
	}
	want, err := digest.Digest(&digest.Challenge{Realm: f.realm, Nonce: fakeNonce, Algorithm: "MD5"},
		digest.Options{Method: "INVITE", URI: cred.URI, Username: f.user, Password: f.pass})
	return err == nil && want.Response == cred.Response
}

func (f *fakeTrunk) nextInvite(t *testing.T) *sip.Request {
	t.Helper()
	select {
	case r := <-f.invites:
		return r
	case <-time.After(testWait):
		t.Fatal("the trunk got no INVITE")
	}
	return nil
}

func TestDigestAuth(t *testing.T) {
	tests := []struct {
		name      string
		proxyAuth bool
		password  string
		noCreds   bool
		status    int // 0: answered
	}{
		{name: "401", password: "secret"},
		{name: "407", proxyAuth: true, password: "secret"},
		{name: "401 wrong password", password: "wrong", status: 401},
		{name: "407 wrong password", proxyAuth: true, password: "wrong", status: 407},
		{name: "no credentials for the realm", noCreds: true, status: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ports := testPorts(t)
			trunk := startFakeTrunk(t, &fakeTrunk{realm: "trunk.example", user: "pbx", pass: "secret", proxyAuth: tt.proxyAuth})
			var realms []string
			a := startAgent(t, ports, func(c *Config) {
				c.Credentials = func(realm string) (string, string, bool) {
					realms = append(realms, realm)
					return "pbx", tt.password, !tt.noCreds
				}
			})
			c, err := a.Dial(ctxWait(t), DialRequest{To: "sip:+15551234@" + trunk.addr, From: "100"})
			if len(realms) == 0 || realms[0] != "trunk.example" {
				t.Errorf("Credentials asked for realms %q, want trunk.example", realms)
			}
			first := trunk.nextInvite(t)
			if tt.status != 0 {
				if de := dialError(t, err); de.Status != tt.status || de.Cause != 21 {
					t.Errorf("DialError %+v, want %d cause 21", de, tt.status)
				}
				idle(t, ports, a)
				return
			}
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			second := trunk.nextInvite(t)
			if first.CallID().Value() != second.CallID().Value() || second.CSeq().SeqNo != first.CSeq().SeqNo+1 {
				t.Errorf("authenticated INVITE: Call-ID %q CSeq %d after %q %d; want the same call, CSeq + 1",
					second.CallID().Value(), second.CSeq().SeqNo, first.CallID().Value(), first.CSeq().SeqNo)
			}
			if err := c.Hangup(ctxWait(t), 16); err != nil {
				t.Fatalf("Hangup: %v", err)
			}
			idle(t, ports, a)
		})
	}
}

func TestOutboundProxy(t *testing.T) {
	ports := testPorts(t)
	proxy := startFakeTrunk(t, &fakeTrunk{})
	a := startAgent(t, ports, func(c *Config) { c.OutboundProxy = "sip:" + proxy.addr })
	c, err := a.Dial(ctxWait(t), DialRequest{To: "sip:+15551234@192.0.2.1:5060"})
	if err != nil {
		t.Fatalf("Dial through the proxy: %v", err)
	}
	inv := proxy.nextInvite(t)
	if inv.Recipient.Host != "192.0.2.1" {
		t.Errorf("Request-URI %s, want the target's (192.0.2.1)", inv.Recipient.String())
	}
	route := inv.Route()
	if route == nil || route.Address.HostPort() != proxy.addr || !route.Address.UriParams.Has("lr") {
		t.Errorf("Route %v, want <sip:%s;lr>", route, proxy.addr)
	}
	if via := inv.Via(); via == nil || !via.Params.Has("rport") {
		t.Errorf("Via %v has no rport (RFC 3581)", via)
	}
	if err := c.Hangup(ctxWait(t), 16); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	select {
	case <-proxy.byes:
	case <-time.After(testWait):
		t.Fatal("no BYE at the proxy's Contact")
	}
	idle(t, ports, a)
}

func TestContactHost(t *testing.T) {
	ports := testPorts(t)
	trunk := startFakeTrunk(t, &fakeTrunk{reject: 486})
	a := startAgent(t, ports, func(c *Config) { c.ContactHost = "192.0.2.10" })
	_, err := a.Dial(ctxWait(t), DialRequest{To: "sip:100@" + trunk.addr})
	if de := dialError(t, err); de.Status != 486 {
		t.Fatalf("DialError %+v", de)
	}
	inv := trunk.nextInvite(t)
	if h := inv.Contact(); h == nil || h.Address.Host != "192.0.2.10" {
		t.Errorf("Contact %v, want host 192.0.2.10", h)
	}
	if h := inv.Via(); h == nil || h.Host != "192.0.2.10" {
		t.Errorf("Via %v, want host 192.0.2.10", h)
	}
	s, err := sdp.Parse(inv.Body())
	if err != nil {
		t.Fatal(err)
	}
	if m, ok := s.Audio(); !ok || (m.Addr.IsValid() && m.Addr.String() != "192.0.2.10") || (!m.Addr.IsValid() && s.Addr.String() != "192.0.2.10") {
		t.Errorf("SDP connection address is not 192.0.2.10:\n%s", inv.Body())
	}
	idle(t, ports, a)
}

// TestRportAnswered sends an INVITE whose Via names a port it does not
// listen on, with rport: the answer must come back to the packet's source
// port with received and rport filled in (RFC 3581 section 4).
func TestRportAnswered(t *testing.T) {
	ports := testPorts(t)
	a := startAgent(t, ports, func(c *Config) {
		c.OnInvite = func(in *Incoming) { _ = in.Reject(486, "Busy Here") }
	})
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	src := conn.LocalAddr().(*net.UDPAddr).Port
	body := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	head := func(method, cseqMethod, toTag string) string {
		return fmt.Sprintf("%s sip:100@%s SIP/2.0\r\n"+
			"Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKrport1;rport\r\n"+
			"Max-Forwards: 70\r\nFrom: <sip:nat@127.0.0.1>;tag=natfrom\r\nTo: <sip:100@%s>%s\r\n"+
			"Call-ID: rport-test@127.0.0.1\r\nCSeq: 1 %s\r\nContact: <sip:nat@127.0.0.1:9>\r\n",
			method, a.Addr("udp"), a.Addr("udp"), toTag, cseqMethod)
	}
	invite := head("INVITE", "INVITE", "") + "Content-Type: application/sdp\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body)
	if _, err := conn.WriteTo([]byte(invite), a.Addr("udp")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(testWait))
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			t.Fatalf("no answer at the source port: %v", err)
		}
		msg, err := sip.ParseMessage(buf[:n])
		if err != nil {
			t.Fatal(err)
		}
		res, ok := msg.(*sip.Response)
		if !ok || res.StatusCode < 200 {
			continue
		}
		via := res.Via()
		if rp, _ := via.Params.Get("rport"); rp != fmt.Sprint(src) {
			t.Errorf("Via rport=%q, want %d", rp, src)
		}
		if rc, _ := via.Params.Get("received"); rc != "127.0.0.1" {
			t.Errorf("Via received=%q, want 127.0.0.1", rc)
		}
		toTag, _ := res.To().Params.Get("tag")
		ack := head("ACK", "ACK", ";tag="+toTag) + "Content-Length: 0\r\n\r\n"
		if _, err := conn.WriteTo([]byte(ack), a.Addr("udp")); err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 486 {
			t.Errorf("status %d, want 486", res.StatusCode)
		}
		break
	}
	if !strings.Contains(string(buf), "Server: pbxagent") {
		t.Errorf("no Server header in the answer")
	}
	idle(t, ports, a)
}
