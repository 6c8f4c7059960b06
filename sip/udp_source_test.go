package sip

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// inviteVia is an INVITE from p whose top Via names viaPort (and extra Via parameters).
func inviteVia(p *udpPeer, viaPort int, viaParams, branch string) string {
	return fmt.Sprintf("INVITE sip:033222111@%s SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:%d;branch=%s%s\n"+
		"From: <sip:061111111@127.0.0.1>;tag=t-%s\nTo: <sip:033222111@%s>\nCall-ID: %s@test\nCSeq: 1 INVITE\n"+
		"Max-Forwards: 70\nContent-Length: 0\n\n", p.srv, viaPort, branch, viaParams, branch, p.srv, branch)
}

// silent asserts that nothing arrives at p within d.
func (p *udpPeer) silent(d time.Duration) {
	p.t.Helper()
	buf := make([]byte, 65535)
	_ = p.conn.SetReadDeadline(time.Now().Add(d))
	if n, _, err := p.conn.ReadFromUDP(buf); err == nil {
		p.t.Fatalf("unexpected packet at %s: %q", p.conn.LocalAddr(), buf[:n])
	}
}

// TestUDPAnswersTheSource: an INVITE whose Via names another port (plainly, or through forged
// received/rport parameters) is answered, and retransmitted, to the packet's source only.
// Without the fix the 302 and its 10 retransmissions went to the port in Via.
func TestUDPAnswersTheSource(t *testing.T) {
	tests := []struct {
		name      string
		viaParams string
	}{
		{name: "Via port", viaParams: ""},
		{name: "forged rport value", viaParams: ";rport=%d"},
		{name: "forged received and rport", viaParams: ";received=127.0.0.1;rport=%d"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, udp, _ := startServerS(t, &fakeResolver{})
			src := newUDPPeer(t, udp)
			victim := newUDPPeer(t, udp)
			params := tt.viaParams
			if strings.Contains(params, "%d") {
				params = fmt.Sprintf(params, victim.port())
			}
			src.send(inviteVia(src, victim.port(), params, fmt.Sprintf("z9hG4bK-amp%d", i)))
			raw, res := src.recv(2 * time.Second)
			if res.StatusCode != 302 {
				t.Fatalf("status %d", res.StatusCode)
			}
			if v := res.Via(); v == nil || !v.Params.Has("branch") {
				t.Fatalf("response Via %v", res.Via())
			} else if got, _ := v.Params.Get("rport"); got != fmt.Sprint(src.port()) {
				t.Errorf("response Via rport=%q, want the source port %d", got, src.port())
			}
			// Timer G: the retransmission comes to the source too; none ever reaches the victim.
			if again, _ := src.recv(2 * time.Second); again != raw {
				t.Errorf("retransmission differs")
			}
			victim.silent(100 * time.Millisecond)
		})
	}
}

// TestUDPTrustedProxyVia: a request from a trusted proxy is answered to the port its Via names.
func TestUDPTrustedProxyVia(t *testing.T) {
	_, udp, _ := startServerS(t, &fakeResolver{}, WithTrustedProxies(netip.MustParsePrefix("127.0.0.0/8")))
	proxy := newUDPPeer(t, udp)
	other := newUDPPeer(t, udp)
	proxy.send(inviteVia(proxy, other.port(), "", "z9hG4bK-trusted"))
	if _, res := other.recv(2 * time.Second); res.StatusCode != 302 {
		t.Fatalf("status %d", res.StatusCode)
	}
	proxy.silent(100 * time.Millisecond)
}

// TestUDPUnackedBudget: an address that never ACKs gets its responses retransmitted for at most
// the budget's number of transactions; the others are answered once. Without the fix all five
// were retransmitted.
func TestUDPUnackedBudget(t *testing.T) {
	const budget, invites = 2, 5
	srv, udp, _ := startServerS(t, &fakeResolver{}, WithUnackedPerIP(budget))
	p := newUDPPeer(t, udp)
	for i := 0; i < invites; i++ {
		p.send(invite(p, fmt.Sprintf("z9hG4bK-budget%d", i), "061111111", fmt.Sprintf("budget%d@test", i)))
	}
	// Timer G fires at 500 ms, then 1 s later: read until the second round of retransmissions.
	seen := map[string]int{}
	deadline := time.Now().Add(1800 * time.Millisecond)
	buf := make([]byte, 65535)
	for time.Now().Before(deadline) {
		_ = p.conn.SetReadDeadline(deadline)
		n, _, err := p.conn.ReadFromUDP(buf)
		if err != nil {
			break
		}
		msg, err := sipmsg.ParseMessage(buf[:n])
		if err != nil {
			t.Fatal(err)
		}
		seen[msg.(*sipmsg.Response).CallID().Value()]++
	}
	retransmitted := 0
	for id, n := range seen {
		if n > 1 {
			retransmitted++
		}
		if n == 0 {
			t.Errorf("%s never answered", id)
		}
	}
	if len(seen) != invites {
		t.Errorf("answered %d INVITEs, want %d", len(seen), invites)
	}
	if retransmitted != budget {
		t.Errorf("%d transactions retransmitted (%v), want %d", retransmitted, seen, budget)
	}
	if got := srv.Stats().NotRetransmitted; got != invites-budget {
		t.Errorf("NotRetransmitted = %d, want %d", got, invites-budget)
	}
}
