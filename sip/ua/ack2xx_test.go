package ua

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// rawUAS is a test-side UAS on a bare UDP socket: it sends exactly what a
// test tells it to, so it can lose an ACK (by not reading it as one) and
// retransmit its 2xx as a UAS without the ACK does (RFC 3261 section
// 13.3.1.4).
type rawUAS struct {
	t     testing.TB
	conn  *net.UDPConn
	media *net.UDPConn // the SDP answer's RTP port; what comes is ignored
	msgs  chan sip.Message
}

func newRawUAS(t testing.TB) *rawUAS {
	t.Helper()
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	u := &rawUAS{t: t, conn: listen(), media: listen(), msgs: make(chan sip.Message, 64)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			n, _, err := u.conn.ReadFromUDP(buf)
			if err != nil {
				return // closed by Cleanup
			}
			m, err := sip.ParseMessage(append([]byte(nil), buf[:n]...))
			if err != nil {
				t.Errorf("raw UAS: unreadable datagram: %v", err)
				continue
			}
			select {
			case u.msgs <- m:
			default:
				t.Errorf("raw UAS: message queue full")
			}
		}
	}()
	t.Cleanup(func() {
		u.conn.Close()
		u.media.Close()
		<-done
	})
	return u
}

func (u *rawUAS) addr() string { return u.conn.LocalAddr().String() }

// next returns the next request of method (responses and other requests
// are failures).
func (u *rawUAS) next(method sip.RequestMethod) *sip.Request {
	u.t.Helper()
	select {
	case m := <-u.msgs:
		req, ok := m.(*sip.Request)
		if !ok || req.Method != method {
			u.t.Fatalf("raw UAS: got %q, want a %s", m.String(), method)
		}
		return req
	case <-time.After(testWait):
		u.t.Fatalf("raw UAS: no %s within %v", method, testWait)
	}
	return nil
}

// send writes m to the Agent at to.
func (u *rawUAS) send(m sip.Message, to net.Addr) {
	u.t.Helper()
	if _, err := u.conn.WriteTo([]byte(m.String()), to); err != nil {
		u.t.Fatal(err)
	}
}

// ok200 is the 2xx answer to invite, with a To tag, our Contact and an SDP
// answer.
func (u *rawUAS) ok200(invite *sip.Request) *sip.Response {
	res := sip.NewResponseFromRequest(invite, sip.StatusOK, "OK", nil)
	res.To().Params.Add("tag", "rawuas1")
	res.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "uas", Host: "127.0.0.1", Port: u.conn.LocalAddr().(*net.UDPAddr).Port}})
	res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	port := u.media.LocalAddr().(*net.UDPAddr).Port
	res.SetBody([]byte(fmt.Sprintf("v=0\r\no=uas 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", port)))
	return res
}

// TestAckRetransmitted2xx: a UAS whose ACK was lost retransmits its 2xx;
// the Agent must ACK every retransmission (RFC 3261 section 13.2.2.4),
// while the call is up and also after its BYE has ended the INVITE
// transaction (before the fix the latter went unanswered, and a UAS like
// SIPp then saw our BYE while still waiting for an ACK).
func TestAckRetransmitted2xx(t *testing.T) {
	tests := []struct {
		name string
		// afterBye retransmits the 2xx once our BYE was answered, else
		// while the call is up.
		afterBye bool
	}{
		{name: "while up", afterBye: false},
		{name: "after BYE", afterBye: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ports := testPorts(t)
			a := startAgent(t, ports, func(c *Config) { c.Transports = []string{"udp"} })
			uas := newRawUAS(t)
			agentAddr := a.Addr("udp")

			type dialed struct {
				c   *Call
				err error
			}
			dialc := make(chan dialed, 1)
			go func() {
				c, err := a.Dial(ctxWait(t), DialRequest{To: "sip:uas@" + uas.addr(), From: "100"})
				dialc <- dialed{c, err}
			}()
			invite := uas.next(sip.INVITE)
			ok := uas.ok200(invite)
			uas.send(ok, agentAddr)
			first := uas.next(sip.ACK) // the ACK "lost": the UAS does not take it
			var d dialed
			select {
			case d = <-dialc:
			case <-time.After(testWait):
				t.Fatal("Dial did not return")
			}
			if d.err != nil {
				t.Fatalf("Dial: %v", d.err)
			}

			hung := make(chan error, 1)
			if tt.afterBye {
				go func() { hung <- d.c.Hangup(ctxWait(t), 0) }()
				bye := uas.next(sip.BYE)
				uas.send(sip.NewResponseFromRequest(bye, sip.StatusOK, "OK", nil), agentAddr)
				select {
				case err := <-hung:
					if err != nil {
						t.Fatalf("Hangup: %v", err)
					}
				case <-time.After(testWait):
					t.Fatal("Hangup did not return")
				}
			}

			uas.send(ok, agentAddr) // the retransmission (RFC 3261 section 13.3.1.4)
			ack := uas.next(sip.ACK)
			if got, want := ack.CallID().Value(), invite.CallID().Value(); got != want {
				t.Errorf("ACK Call-ID %q, want %q", got, want)
			}
			if got, want := ack.CSeq().SeqNo, invite.CSeq().SeqNo; got != want {
				t.Errorf("ACK CSeq %d, want the INVITE's %d", got, want)
			}
			if tag, _ := ack.To().Params.Get("tag"); tag != "rawuas1" {
				t.Errorf("ACK To tag %q, want rawuas1", tag)
			}
			if got, want := ack.Recipient.String(), ok.Contact().Address.String(); got != want {
				t.Errorf("ACK Request-URI %s, want the 2xx's Contact %s", got, want)
			}
			if got, want := ack.From().Value(), first.From().Value(); got != want {
				t.Errorf("ACK From %q, want %q (the first ACK's)", got, want)
			}

			if !tt.afterBye {
				go func() { hung <- d.c.Hangup(ctxWait(t), 0) }()
				bye := uas.next(sip.BYE)
				uas.send(sip.NewResponseFromRequest(bye, sip.StatusOK, "OK", nil), agentAddr)
				select {
				case err := <-hung:
					if err != nil {
						t.Fatalf("Hangup: %v", err)
					}
				case <-time.After(testWait):
					t.Fatal("Hangup did not return")
				}
			}
			idle(t, ports, a)
		})
	}
}

// TestUDPReceiveBuffer: the SIP UDP socket's receive buffer is enlarged
// beyond the kernel's default, up to what net.core.rmem_max allows.
func TestUDPReceiveBuffer(t *testing.T) {
	a := startAgent(t, testPorts(t), func(c *Config) { c.Transports = []string{"udp"} })
	a.mu.Lock()
	got := a.udpRcvBuf
	a.mu.Unlock()
	// Linux reports twice the size asked for, capped at rmem_max.
	want := min(2*udpSocketBuffer, 2*sysctlInt(t, "/proc/sys/net/core/rmem_max"))
	if got < want {
		t.Errorf("SO_RCVBUF %d, want at least %d", got, want)
	}
}

// sysctlInt reads an integer from /proc/sys (skips where there is none).
func sysctlInt(t testing.TB, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no %s: %v", path, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return n
}
