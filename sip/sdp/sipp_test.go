package sdp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requireSIPp returns SIPp's path; without it the test skips, or fails
// when CI=true.
func requireSIPp(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: sipp not found: %v", err)
		}
		t.Skipf("skipping: sipp not found (install sip-tester): %v", err)
	}
	return p
}

// freeUDPPort is a loopback UDP port free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// startSIPp runs SIPp with args in a scratch directory until the test ends.
func startSIPp(t *testing.T, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	cmd := exec.CommandContext(ctx, requireSIPp(t), append([]string{"-nostdin", "-timeout", "20"}, args...)...)
	cmd.Dir = t.TempDir()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("sipp stderr: %s", stderr.String())
		}
	})
}

// body is a SIP message's body (after the blank line).
func body(t *testing.T, msg []byte) []byte {
	t.Helper()
	_, b, ok := bytes.Cut(msg, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("no body in %q", msg)
	}
	return b
}

// TestSIPpOffer answers the offer of SIPp's built-in UAC scenario.
func TestSIPpOffer(t *testing.T) {
	requireSIPp(t)
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	startSIPp(t, "-sn", "uac", "-m", "1", "-i", "127.0.0.1", "-p", strconv.Itoa(freeUDPPort(t)),
		"-mp", strconv.Itoa(freeUDPPort(t)), conn.LocalAddr().String())
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	buf := make([]byte, 65535)
	n, _, err := conn.ReadFromUDP(buf)
	if err != nil {
		t.Fatalf("no INVITE from SIPp: %v", err)
	}
	if !bytes.HasPrefix(buf[:n], []byte("INVITE ")) {
		t.Fatalf("SIPp sent %q, want an INVITE", buf[:n])
	}
	offer, err := Parse(body(t, buf[:n]))
	if err != nil {
		t.Fatalf("SIPp's offer: %v", err)
	}
	ans, neg, err := Answer(offer, Local{Addr: netip.MustParseAddr("127.0.0.1"), Port: 30000, DTMF: true})
	if err != nil {
		t.Fatal(err)
	}
	au, _ := offer.Audio()
	if neg.PayloadType != 0 || neg.Direction != SendRecv || neg.Remote != netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(au.Port)) || neg.EventPayloadType != 0 {
		t.Errorf("negotiated %+v with SIPp's offer", neg)
	}
	if _, err := Parse(ans.Marshal()); err != nil {
		t.Errorf("our answer: %v", err)
	}
}

// TestSIPpAnswer sends our offer to SIPp's built-in UAS scenario and
// accepts its answer.
func TestSIPpAnswer(t *testing.T) {
	requireSIPp(t)
	port := freeUDPPort(t)
	startSIPp(t, "-sn", "uas", "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-mp", strconv.Itoa(freeUDPPort(t)))
	conn, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	l := Local{Addr: netip.MustParseAddr("127.0.0.1"), Port: 30000, DTMF: true, SessionID: 1, Version: 1}
	sdp := NewOffer(l).Marshal()
	me := conn.LocalAddr().String()
	invite := fmt.Sprintf("INVITE sip:service@127.0.0.1:%d SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP %s;branch=z9hG4bK-sdp-test-1\r\n"+
		"From: <sip:test@%s>;tag=sdptest\r\nTo: <sip:service@127.0.0.1:%d>\r\n"+
		"Call-ID: sdp-test-1@127.0.0.1\r\nCSeq: 1 INVITE\r\nContact: <sip:test@%s>\r\nMax-Forwards: 70\r\n"+
		"Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s", port, me, me, port, me, len(sdp), sdp)
	buf := make([]byte, 65535)
	deadline := time.Now().Add(15 * time.Second)
	// SIPp may not listen yet: resend the INVITE (a retransmission, as
	// RFC 3261's timer A would) until a final response comes.
	for {
		if time.Now().After(deadline) {
			t.Fatal("no 200 OK from SIPp before the deadline")
		}
		_, _ = conn.Write([]byte(invite)) // refused while SIPp starts: read on to the deadline

		_ = conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		for !time.Now().After(deadline) {
			n, err := conn.Read(buf)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				break
			}
			if err != nil {
				continue // ICMP port unreachable while SIPp starts; wait out the read deadline
			}
			msg := buf[:n]
			if !bytes.HasPrefix(msg, []byte("SIP/2.0 200")) {
				continue
			}
			if !strings.Contains(string(msg), "application/sdp") {
				t.Fatalf("200 OK without SDP: %q", msg)
			}
			answer, err := Parse(body(t, msg))
			if err != nil {
				t.Fatalf("SIPp's answer: %v", err)
			}
			neg, err := Accept(answer, l)
			if err != nil {
				t.Fatalf("Accept SIPp's answer: %v\n%s", err, msg)
			}
			au, _ := answer.Audio()
			if neg.PayloadType != 0 || neg.Direction != SendRecv || neg.Remote.Port() != uint16(au.Port) || !neg.Remote.Addr().IsLoopback() {
				t.Errorf("negotiated %+v with SIPp's answer", neg)
			}
			return
		}
	}
}
