package sip

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/faultnet"
)

// halfInvite is an INVITE whose last header line and body never come.
const halfInvite = "INVITE sip:033222111@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK-half\r\n" +
	"From: <sip:600115@127.0.0.1>;tag=h\r\nTo: <sip:033222111@127.0.0.1>\r\nCall-ID: half@test\r\nCSeq: 1 INVITE\r\n" +
	"Content-Length: 100\r\n\r\nv=0\r\n"

// waitClosed waits until the server closes c (a read returns EOF or a reset); it fails the test
// after d. It may run in any goroutine.
func waitClosed(t *testing.T, c net.Conn, d time.Duration) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 4096)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Errorf("connection %s still open after %v", c.LocalAddr(), d)
		}
		return // EOF or reset: closed by the server
	}
}

// tcpOptions answers one OPTIONS over a new TCP connection, or fails.
func tcpOptions(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := c.LocalAddr().(*net.TCPAddr).Port
	fmt.Fprintf(c, "OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:%d;branch=z9hG4bK-opt%d\r\nFrom: <sip:probe@127.0.0.1>;tag=o\r\n"+
		"To: <sip:%s>\r\nCall-ID: opt%d@test\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", addr, port, port, addr, port)
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200 ") {
		t.Fatalf("OPTIONS over TCP: %q, %v", buf[:n], err)
	}
}

// TestTCPHalfSentMessagesBounded: 50 connections each holding a half-sent INVITE. With a cap of
// 10 connections, 40 are closed at once; the 10 held are closed when the message deadline
// passes; the server then serves TCP as before. Without the fix all 50 stay open for good.
func TestTCPHalfSentMessagesBounded(t *testing.T) {
	const conns, limit = 50, 10
	msgTimeout := 700 * time.Millisecond
	srv, _, tcp := startServerS(t, &fakeResolver{}, WithTCPConnLimits(limit, limit), WithTCPTimeouts(msgTimeout, time.Minute))
	start := time.Now()
	cs := make([]net.Conn, conns)
	for i := range cs {
		c, err := net.DialTimeout("tcp", tcp, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := io.WriteString(c, halfInvite); err != nil {
			t.Fatal(err)
		}
		cs[i] = c
	}
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() { defer wg.Done(); waitClosed(t, c, 5*time.Second) }()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if el := time.Since(start); el > msgTimeout+3*time.Second {
		t.Errorf("half-sent messages held for %v", el)
	}
	st := srv.Stats()
	if st.TCPRefused == 0 || st.TCPRefused > conns-limit {
		t.Errorf("refused %d connections, want 1..%d", st.TCPRefused, conns-limit)
	}
	if st.TCPTimeouts == 0 {
		t.Error("no message timeout counted")
	}
	eventually(t, func() bool { return srv.Stats().TCPConns == 0 }, "TCP connections still counted")
	tcpOptions(t, tcp)
}

// TestTCPTrickledMessageBounded: a peer sending one byte of a message every 50 ms is still
// cut off at the message deadline (a per-read timeout would never fire).
func TestTCPTrickledMessageBounded(t *testing.T) {
	msgTimeout := 500 * time.Millisecond
	_, _, tcp := startServerS(t, &fakeResolver{}, WithTCPTimeouts(msgTimeout, time.Minute))
	c, err := net.Dial("tcp", tcp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	closed := false
	for i := 0; i < len(halfInvite) && !closed; i++ {
		if _, err := c.Write([]byte{halfInvite[i]}); err != nil {
			closed = true
			break
		}
		_ = c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil {
			var ne net.Error
			closed = !(errors.As(err, &ne) && ne.Timeout())
		}
		if time.Since(start) > msgTimeout+3*time.Second {
			break
		}
	}
	if !closed {
		t.Fatalf("trickling peer still connected after %v", time.Since(start))
	}
}

// TestTCPPerAddressCap: from one address at most the per-address cap is held.
func TestTCPPerAddressCap(t *testing.T) {
	srv, _, tcp := startServerS(t, &fakeResolver{}, WithTCPConnLimits(100, 3), WithTCPTimeouts(5*time.Second, time.Minute))
	var cs []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", tcp)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		cs = append(cs, c)
	}
	eventually(t, func() bool { return srv.Stats().TCPConns == 3 }, "3 connections not held")
	extra, err := net.Dial("tcp", tcp)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	waitClosed(t, extra, 3*time.Second)
	if t.Failed() {
		t.FailNow()
	}
	if got := srv.Stats().TCPRefused; got != 1 {
		t.Errorf("refused %d, want 1", got)
	}
	cs[0].Close()
	eventually(t, func() bool { return srv.Stats().TCPConns == 2 }, "closed connection still counted")
	tcpOptions(t, tcp) // a slot is free again
}

// TestTCPAcceptErrorsRetried: "too many open files" on accept is retried; TCP and UDP keep
// serving. Without the fix the first such error stopped the whole server.
func TestTCPAcceptErrorsRetried(t *testing.T) {
	s, err := NewRedirectServer(&fakeResolver{}, WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &faultnet.Listener{Listener: inner, Fails: 5}
	serve(t, s, pc, ln)
	tcpOptions(t, inner.Addr().String())
	if got := s.Stats().AcceptErrors; got != 5 {
		t.Errorf("accept errors counted %d, want 5", got)
	}
	if err := s.Ready(); err != nil {
		t.Errorf("Ready: %v", err)
	}
}

// TestUDPServesWhenTCPDies: the TCP listener closed under the server stops TCP only: UDP keeps
// answering, Ready and Stats say TCP is down. Without the fix the whole server stopped.
func TestUDPServesWhenTCPDies(t *testing.T) {
	s, err := NewRedirectServer(&fakeResolver{}, WithLogger(quiet()))
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
	eventually(t, func() bool { return s.Ready() == nil }, "not ready")
	ln.Close()
	eventually(t, func() bool { return !s.Stats().TCPUp }, "TCP still reported up")
	if err := s.Ready(); err == nil || !strings.Contains(err.Error(), "TCP") {
		t.Errorf("Ready = %v, want the TCP transport named", err)
	}
	p := newUDPPeer(t, pc.LocalAddr().String())
	p.send(invite(p, "z9hG4bK-after-tcp", "061111111", "after-tcp@test"))
	if _, res := p.recv(2 * time.Second); res.StatusCode != 302 {
		t.Fatalf("UDP after TCP died: %d", res.StatusCode)
	}
	if !s.Stats().UDPUp {
		t.Error("UDP reported down")
	}
}
