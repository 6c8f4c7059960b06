package sip

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// fakeResolver knows a few numbers; gate, when set, holds the first call until closed.
type fakeResolver struct {
	calls   atomic.Int64
	numbers atomic.Value // last number asked
	entered chan struct{}
	gate    chan struct{}
	hang    bool // wait for ctx.Done (a directory that never answers)
}

var known = map[string]Identity{
	"061111111":    {Name: "Ana Anić", E164: "+38761111111", Match: "e164"},
	"+38761111111": {Name: "Ana Anić", E164: "+38761111111", Match: "exact"},
	"1805":         {Name: "Reception", Match: "extension"},
	"062222222":    {Name: `Say "Hi" \ Bye`, E164: "+38762222222", Match: "e164"},
	"063333333":    {Name: "Evil\r\nX-Injected: 1", E164: "+38763333333", Match: "e164"},
}

func (f *fakeResolver) Resolve(ctx context.Context, n string, _ *sipmsg.Request) (Identity, bool) {
	if f.calls.Add(1) == 1 && f.gate != nil {
		close(f.entered)
		<-f.gate
	}
	f.numbers.Store(n)
	if f.hang {
		<-ctx.Done()
		return Identity{Match: "timeout"}, false
	}
	if n == AnonymousNumber {
		return Identity{Match: "skipped"}, false
	}
	id, ok := known[n]
	if !ok {
		return Identity{Match: "none"}, false
	}
	return id, true
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startServer serves on loopback UDP and TCP until the test ends; it returns both addresses.
func startServer(t testing.TB, r Resolver, opts ...Option) (udp, tcp string) {
	t.Helper()
	s, err := NewRedirectServer(r, append([]Option{WithLogger(quiet())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, pc, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return pc.LocalAddr().String(), ln.Addr().String()
}

// udpPeer is a raw SIP UDP endpoint, like SIPp: it writes exact bytes and reads packets.
type udpPeer struct {
	t    testing.TB
	conn *net.UDPConn
	srv  *net.UDPAddr
}

func newUDPPeer(t testing.TB, srv string) *udpPeer {
	t.Helper()
	ra, err := net.ResolveUDPAddr("udp", srv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpPeer{t: t, conn: c, srv: ra}
}

func (p *udpPeer) port() int { return p.conn.LocalAddr().(*net.UDPAddr).Port }

func (p *udpPeer) send(msg string) {
	p.t.Helper()
	if _, err := p.conn.WriteToUDP([]byte(strings.ReplaceAll(msg, "\n", "\r\n")), p.srv); err != nil {
		p.t.Fatal(err)
	}
}

// recv reads one packet (raw) within d.
func (p *udpPeer) recv(d time.Duration) (string, *sipmsg.Response) {
	p.t.Helper()
	buf := make([]byte, 65535)
	_ = p.conn.SetReadDeadline(time.Now().Add(d))
	n, _, err := p.conn.ReadFromUDP(buf)
	if err != nil {
		p.t.Fatalf("no response: %v", err)
	}
	msg, err := sipmsg.ParseMessage(buf[:n])
	if err != nil {
		p.t.Fatalf("unparsable response %q: %v", buf[:n], err)
	}
	res, ok := msg.(*sipmsg.Response)
	if !ok {
		p.t.Fatalf("got a request: %q", buf[:n])
	}
	return string(buf[:n]), res
}

func invite(p *udpPeer, branch, from, callID string, extra ...string) string {
	return fmt.Sprintf(`INVITE sip:033222111@%s SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s
From: <sip:%s@127.0.0.1:%d>;tag=t-%s
To: <sip:033222111@%s>
Call-ID: %s
CSeq: 1 INVITE
Contact: <sip:sipp@127.0.0.1:%d>
Max-Forwards: 70
%sContent-Length: 0

`, p.srv, p.port(), branch, from, p.port(), callID, p.srv, callID, p.port(), strings.Join(extra, ""))
}

func ack(p *udpPeer, branch, from, callID, toTag string) string {
	return fmt.Sprintf(`ACK sip:033222111@%s SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:%d;branch=%s
From: <sip:%s@127.0.0.1:%d>;tag=t-%s
To: <sip:033222111@%s>;tag=%s
Call-ID: %s
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

`, p.srv, p.port(), branch, from, p.port(), callID, p.srv, toTag, callID)
}

func hdr(res *sipmsg.Response, name string) string {
	if h := res.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

func toTag(res *sipmsg.Response) string {
	tag, _ := res.To().Params.Get("tag")
	return tag
}

func TestRedirectHitUDP(t *testing.T) {
	r := &fakeResolver{}
	udp, _ := startServer(t, r)
	p := newUDPPeer(t, udp)
	p.send(invite(p, "z9hG4bK-hit", "061111111", "hit@test"))
	_, res := p.recv(2 * time.Second)
	if res.StatusCode != 302 {
		t.Fatalf("first response %d %s, want 302 (no 100 Trying)", res.StatusCode, res.Reason)
	}
	if got, want := hdr(res, "Contact"), `"Ana Anić" <sip:033222111@`+udp+`>`; got != want {
		t.Errorf("Contact = %q, want %q", got, want)
	}
	if got, want := hdr(res, "P-Asserted-Identity"), `"Ana Anić" <sip:+38761111111@127.0.0.1>`; got != want {
		t.Errorf("P-Asserted-Identity = %q, want %q", got, want)
	}
	if got := hdr(res, "X-CNAM-Match"); got != "e164" {
		t.Errorf("X-CNAM-Match = %q", got)
	}
	if toTag(res) == "" {
		t.Error("302 without To tag")
	}
	p.send(ack(p, "z9hG4bK-hit", "061111111", "hit@test", toTag(res)))
	// The ACK is absorbed: the next packet is the answer to OPTIONS, not a 302 retransmission
	// nor an answer to the ACK.
	p.send(fmt.Sprintf("OPTIONS sip:%s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-o1\nFrom: <sip:probe@127.0.0.1>;tag=o\nTo: <sip:%s>\nCall-ID: o1@test\nCSeq: 1 OPTIONS\nMax-Forwards: 70\nContent-Length: 0\n\n", udp, p.port(), udp))
	if _, res := p.recv(2 * time.Second); res.StatusCode != 200 || res.CSeq().MethodName != sipmsg.OPTIONS {
		t.Fatalf("after ACK got %d %s", res.StatusCode, res.CSeq().MethodName)
	}
}

// TestRedirectRetransmissions: INVITE retransmissions during the lookup are absorbed, those after
// the 302 get the very same 302 (same To tag) from the transaction layer, the resolver runs once,
// and without an ACK the 302 is retransmitted on Timer G.
func TestRedirectRetransmissions(t *testing.T) {
	r := &fakeResolver{entered: make(chan struct{}), gate: make(chan struct{})}
	udp, _ := startServer(t, r)
	p := newUDPPeer(t, udp)
	inv := invite(p, "z9hG4bK-rtx", "061111111", "rtx@test")
	p.send(inv)
	<-r.entered
	p.send(inv) // retransmission while the lookup runs
	close(r.gate)
	raw1, res1 := p.recv(2 * time.Second)
	if res1.StatusCode != 302 {
		t.Fatalf("status %d", res1.StatusCode)
	}
	p.send(inv) // retransmission after the 302
	raw2, _ := p.recv(2 * time.Second)
	if raw1 != raw2 {
		t.Errorf("retransmitted answer differs:\n%s\n---\n%s", raw1, raw2)
	}
	// No ACK: Timer G (T1 = 500 ms) retransmits the same 302. (The INVITE sent during the lookup
	// may or may not have been answered by the transaction too; every copy must be identical.)
	first := time.Now()
	for i := 0; ; i++ {
		raw, _ := p.recv(3 * time.Second)
		if raw != raw1 {
			t.Fatalf("retransmission %d differs", i)
		}
		if time.Since(first) >= 400*time.Millisecond {
			break
		}
		if i > 2 {
			t.Fatal("too many copies of the 302 before Timer G")
		}
	}
	if n := r.calls.Load(); n != 1 {
		t.Errorf("resolver called %d times, want 1", n)
	}
	p.send(ack(p, "z9hG4bK-rtx", "061111111", "rtx@test", toTag(res1)))
}

func TestRedirectSlowResolverNo100Trying(t *testing.T) {
	r := &fakeResolver{hang: true}
	udp, _ := startServer(t, r, WithResolveTimeout(maxResolveTimeout))
	p := newUDPPeer(t, udp)
	p.send(invite(p, "z9hG4bK-slow", "061111111", "slow@test"))
	_, res := p.recv(2 * time.Second)
	if res.StatusCode != 404 || hdr(res, "X-CNAM-Match") != "timeout" {
		t.Fatalf("got %d (match %q), want 404 timeout before any 100 Trying", res.StatusCode, hdr(res, "X-CNAM-Match"))
	}
}

func TestRedirectResponses(t *testing.T) {
	tests := []struct {
		name      string
		opts      []Option
		from      string
		extra     string
		status    int
		contact   string // "" = header must be absent
		pai       string
		match     string
		askedWith string
	}{
		{name: "extension without e164", from: "1805", status: 302, contact: `"Reception" <sip:033222111@SRV>`,
			pai: `"Reception" <sip:1805@127.0.0.1>`, match: "extension", askedWith: "1805"},
		{name: "escaped display name", from: "062222222", status: 302, contact: `"Say \"Hi\" \\ Bye" <sip:033222111@SRV>`,
			pai: `"Say \"Hi\" \\ Bye" <sip:+38762222222@127.0.0.1>`, match: "e164"},
		{name: "control characters dropped", from: "063333333", status: 302, contact: `"EvilX-Injected: 1" <sip:033222111@SRV>`,
			pai: `"EvilX-Injected: 1" <sip:+38763333333@127.0.0.1>`, match: "e164"},
		{name: "identity host", opts: []Option{WithIdentityHost("cnam.example.net")}, from: "061111111", status: 302,
			contact: `"Ana Anić" <sip:033222111@SRV>`, pai: `"Ana Anić" <sip:+38761111111@cnam.example.net>`, match: "e164"},
		{name: "miss 404", from: "069999999", status: 404, match: "none"},
		{name: "miss redirect", opts: []Option{WithMissMode(MissRedirect)}, from: "069999999", status: 302,
			contact: `<sip:033222111@SRV>`, match: "none"},
		{name: "PAI wins over From", from: "069999999", extra: "P-Asserted-Identity: <sip:+38761111111@carrier>\n",
			status: 302, contact: `"Ana Anić" <sip:033222111@SRV>`, pai: `"Ana Anić" <sip:+38761111111@127.0.0.1>`,
			match: "exact", askedWith: "+38761111111"},
		{name: "tel PAI", from: "069999999", extra: "P-Asserted-Identity: \"X\" <tel:+38761111111;npdi>, <sip:1@x>\n",
			status: 302, match: "exact", askedWith: "+38761111111",
			contact: `"Ana Anić" <sip:033222111@SRV>`, pai: `"Ana Anić" <sip:+38761111111@127.0.0.1>`},
		{name: "privacy id", from: "061111111", extra: "Privacy: id\n", status: 404, match: "skipped", askedWith: "anonymous"},
		{name: "anonymous from", from: "anonymous", status: 404, match: "skipped", askedWith: "anonymous"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fakeResolver{}
			udp, _ := startServer(t, r, tt.opts...)
			p := newUDPPeer(t, udp)
			br := fmt.Sprintf("z9hG4bK-r%d", i)
			p.send(invite(p, br, tt.from, br+"@test", tt.extra))
			_, res := p.recv(2 * time.Second)
			if res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.status)
			}
			if got, want := hdr(res, "Contact"), strings.ReplaceAll(tt.contact, "SRV", udp); got != want {
				t.Errorf("Contact = %q, want %q", got, want)
			}
			if got := hdr(res, "P-Asserted-Identity"); got != tt.pai {
				t.Errorf("P-Asserted-Identity = %q, want %q", got, tt.pai)
			}
			if got := hdr(res, "X-CNAM-Match"); got != tt.match {
				t.Errorf("X-CNAM-Match = %q, want %q", got, tt.match)
			}
			if tt.askedWith != "" && r.numbers.Load() != tt.askedWith {
				t.Errorf("resolver asked for %v, want %q", r.numbers.Load(), tt.askedWith)
			}
			if tt.pai != "" {
				var u sipmsg.Uri
				name, err := sipmsg.ParseAddressValue(hdr(res, "P-Asserted-Identity"), &u, nil)
				if err != nil || !strings.Contains(tt.contact, name) {
					t.Errorf("PAI display name parses back as %q (%v)", name, err)
				}
			}
			p.send(ack(p, br, tt.from, br+"@test", toTag(res)))
		})
	}
}

func TestRedirectOtherMethods(t *testing.T) {
	udp, tcp := startServer(t, &fakeResolver{})
	ua, err := sipgo.NewUA(sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(quiet())),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(quiet())))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	c, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method    sipmsg.RequestMethod
		transport string
		addr      string
		status    int
	}{
		{sipmsg.OPTIONS, "udp", udp, 200},
		{sipmsg.OPTIONS, "tcp", tcp, 200},
		{sipmsg.MESSAGE, "udp", udp, 405},
		{sipmsg.BYE, "tcp", tcp, 405},
		{sipmsg.REGISTER, "udp", udp, 405},
		{sipmsg.CANCEL, "udp", udp, 481},
	}
	for _, tt := range tests {
		t.Run(string(tt.method)+"/"+tt.transport, func(t *testing.T) {
			var uri sipmsg.Uri
			if err := sipmsg.ParseUri("sip:033222111@"+tt.addr+";transport="+tt.transport, &uri); err != nil {
				t.Fatal(err)
			}
			req := sipmsg.NewRequest(tt.method, uri)
			req.SetTransport(strings.ToUpper(tt.transport))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res, err := c.Do(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.status {
				t.Fatalf("%s → %d, want %d", tt.method, res.StatusCode, tt.status)
			}
			if tt.status != 481 && hdr(res, "Allow") != allowed {
				t.Errorf("Allow = %q", hdr(res, "Allow"))
			}
		})
	}
}

// TestRedirectTCPClient: a sipgo client over TCP gets the 302 and its transaction ACKs it.
func TestRedirectTCPClient(t *testing.T) {
	r := &fakeResolver{}
	_, tcp := startServer(t, r)
	ua, _ := sipgo.NewUA(sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(quiet())),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(quiet())))
	defer ua.Close()
	c, _ := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(quiet()))
	for i, from := range []string{"061111111", "069999999"} {
		var uri sipmsg.Uri
		_ = sipmsg.ParseUri("sip:033222111@"+tcp+";transport=tcp", &uri)
		req := sipmsg.NewRequest(sipmsg.INVITE, uri)
		req.SetTransport("TCP")
		req.AppendHeader(sipmsg.NewHeader("From", fmt.Sprintf("<sip:%s@127.0.0.1>;tag=f%d", from, i)))
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := c.Do(ctx, req)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		want := 302
		if i == 1 {
			want = 404
		}
		if res.StatusCode != want {
			t.Fatalf("INVITE from %s over TCP: %d, want %d", from, res.StatusCode, want)
		}
	}
}

// TestRedirectSurvivesGarbage: malformed datagrams do not stop the server.
func TestRedirectSurvivesGarbage(t *testing.T) {
	udp, _ := startServer(t, &fakeResolver{})
	p := newUDPPeer(t, udp)
	for _, g := range []string{
		"\x00\x01\x02", "INVITE\n\n", "INVITE sip:x SIP/2.0\nVia: garbage\n\n",
		"SIP/2.0 200 OK\nCSeq: 1 INVITE\n\n", strings.Repeat("A", 4000),
		"INVITE sip:1@h SIP/2.0\nContent-Length: 99999\n\nabc",
		"INVITE sip:1@h SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKx\nCSeq: x\n\n",
	} {
		p.send(g)
	}
	p.send(fmt.Sprintf("OPTIONS sip:%s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=z9hG4bK-g\nFrom: <sip:p@127.0.0.1>;tag=g\nTo: <sip:%s>\nCall-ID: g@test\nCSeq: 7 OPTIONS\nMax-Forwards: 70\nContent-Length: 0\n\n", udp, p.port(), udp))
	for {
		_, res := p.recv(2 * time.Second)
		if res.CSeq() != nil && res.CSeq().MethodName == sipmsg.OPTIONS {
			if res.StatusCode != 200 {
				t.Fatalf("OPTIONS → %d", res.StatusCode)
			}
			return
		}
		// stateless 400s for malformed requests may come first
	}
}

func TestNewRedirectServerOptions(t *testing.T) {
	if _, err := NewRedirectServer(nil); err == nil {
		t.Error("nil resolver accepted")
	}
	if _, err := NewRedirectServer(&fakeResolver{}, WithResolveTimeout(time.Second)); err == nil {
		t.Error("timeout above 150 ms accepted")
	}
	if _, err := NewRedirectServer(&fakeResolver{}, WithMissMode(7)); err == nil {
		t.Error("bad miss mode accepted")
	}
	s, _ := NewRedirectServer(&fakeResolver{})
	if err := s.ListenAndServe(context.Background(), ""); err != nil {
		t.Errorf("empty address: %v", err)
	}
	if err := s.Serve(context.Background(), nil, nil); err == nil {
		t.Error("Serve without listeners succeeded")
	}
}

func TestCallerNumber(t *testing.T) {
	tests := []struct{ headers, want string }{
		{"From: <sip:061111111@gw>;tag=1\r\n", "061111111"},
		{"From: \"Ana\" <sip:+38761111111@gw;user=phone>;tag=1\r\n", "+38761111111"},
		{"From: <tel:+38761111111;phone-context=x>;tag=1\r\n", "+38761111111"},
		{"From: \"Anonymous\" <sip:anonymous@anonymous.invalid>;tag=1\r\n", "anonymous"},
		{"From: <sip:gw.example>;tag=1\r\n", ""},
		{"From: <sip:1@gw>;tag=1\r\nP-Asserted-Identity: <sip:2@gw>\r\n", "2"},
		{"From: <sip:1@gw>;tag=1\r\nP-Asserted-Identity: \"A, B\" <sip:3@gw>, <tel:4>\r\n", "3"},
		{"From: <sip:1@gw>;tag=1\r\nP-Asserted-Identity: garbage<<\r\n", "1"},
		{"From: <sip:1@gw>;tag=1\r\nPrivacy: none\r\n", "1"},
		{"From: <sip:1@gw>;tag=1\r\nPrivacy: header;id\r\n", "anonymous"},
	}
	for _, tt := range tests {
		raw := "INVITE sip:x@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n" + tt.headers +
			"To: <sip:x@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
		msg, err := sipmsg.ParseMessage([]byte(raw))
		if err != nil {
			t.Fatalf("%q: %v", tt.headers, err)
		}
		if got := CallerNumber(msg.(*sipmsg.Request)); got != tt.want {
			t.Errorf("CallerNumber(%q) = %q, want %q", tt.headers, got, tt.want)
		}
	}
}

// FuzzRespond feeds parsed requests of any shape to the server's request handling: it must not
// panic, and whatever it answers must serialise to a response that parses back with the same
// status and Call-ID.
func FuzzRespond(f *testing.F) {
	seeds := []string{
		"INVITE sip:033222111@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5071;branch=z9hG4bK1\r\nFrom: <sip:061111111@127.0.0.1>;tag=a\r\nTo: <sip:033222111@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		"INVITE tel:+1 SIP/2.0\r\nVia: SIP/2.0/TCP h\r\nFrom: <tel:062222222>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nP-Asserted-Identity: \"x\" <sip:063333333@h>\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS sip:h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		"BYE sip:h SIP/2.0\r\nMax-Forwards: 0\r\nContent-Length: 0\r\n\r\n",
		"INVITE sip:h SIP/2.0\r\nMax-Forwards: 0\r\nPrivacy: id\r\nContent-Length: 0\r\n\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	s, _ := NewRedirectServer(&fakeResolver{}, WithLogger(quiet()), WithMissMode(MissRedirect))
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := sipmsg.ParseMessage(data)
		if err != nil {
			return
		}
		req, ok := msg.(*sipmsg.Request)
		if !ok {
			return
		}
		// Only requests the transaction layer would hand over matter for the round trip: with
		// Via and CSeq, and that survive their own serialisation.
		_, reparseErr := sipmsg.ParseMessage([]byte(req.String()))
		valid := req.Via() != nil && req.CSeq() != nil && req.SipVersion == "SIP/2.0" && reparseErr == nil
		res := s.Respond(context.Background(), req)
		if res == nil {
			if req.Method != sipmsg.ACK {
				t.Fatalf("no answer to %s", req.Method)
			}
			return
		}
		if !valid {
			return
		}
		back, err := sipmsg.ParseMessage([]byte(res.String()))
		if err != nil {
			t.Fatalf("response does not parse: %v\n%s", err, res.String())
		}
		bres := back.(*sipmsg.Response)
		if bres.StatusCode != res.StatusCode {
			t.Fatalf("status %d parsed back as %d", res.StatusCode, bres.StatusCode)
		}
		if id := req.CallID(); id != nil && (bres.CallID() == nil || bres.CallID().Value() != id.Value()) {
			t.Fatalf("Call-ID lost")
		}
	})
}

// TestListenAndServe: one address serves UDP and TCP, and the server stops with its context.
func TestListenAndServe(t *testing.T) {
	var addr string
	for i := 0; ; i++ { // a port free on both protocols
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr = pc.LocalAddr().String()
		ln, err := net.Listen("tcp", addr)
		pc.Close()
		if err == nil {
			ln.Close()
			break
		}
		if i == 20 {
			t.Fatal(err)
		}
	}
	s, _ := NewRedirectServer(&fakeResolver{}, WithLogger(quiet()))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ListenAndServe(ctx, addr) }()
	ua, _ := sipgo.NewUA(sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(quiet())),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(quiet())))
	defer ua.Close()
	c, _ := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(quiet()))
	for _, tr := range []string{"udp", "tcp"} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			var uri sipmsg.Uri
			_ = sipmsg.ParseUri("sip:ping@"+addr+";transport="+tr, &uri)
			req := sipmsg.NewRequest(sipmsg.OPTIONS, uri)
			req.SetTransport(strings.ToUpper(tr))
			rctx, rcancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			res, err := c.Do(rctx, req)
			rcancel()
			if err == nil && res.StatusCode == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: no 200 to OPTIONS: %v", tr, err)
			}
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ListenAndServe: %v", err)
	}
}

// startServerS is startServer returning the server too.
func startServerS(t testing.TB, r Resolver, opts ...Option) (s *RedirectServer, udp, tcp string) {
	t.Helper()
	s, err := NewRedirectServer(r, append([]Option{WithLogger(quiet())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serve(t, s, pc, ln)
	return s, pc.LocalAddr().String(), ln.Addr().String()
}

// serve runs s.Serve until the test ends; Serve must then return nil.
func serve(t testing.TB, s *RedirectServer, pc net.PacketConn, ln net.Listener) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, pc, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
}

// eventually polls cond until it holds, failing after 5 s.
func eventually(t testing.TB, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
