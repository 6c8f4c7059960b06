package ldapdir_test

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/ldapdir"
)

// readToEOF reads what the server sends until it closes the connection
// (within a deadline) and returns it.
func readToEOF(t *testing.T, c net.Conn) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("the server did not close the connection: %v", err)
	}
	return b
}

func rawDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// noticeOID is the Notice of Disconnection's name (RFC 4511 §4.4.1).
var noticeOID = []byte("1.3.6.1.4.1.1466.20036")

func TestBadMessagesCloseTheConnection(t *testing.T) {
	e := newEnv(t)
	_, addr := e.serve(ldapdir.Config{Allow: allowLoopback, MaxMessage: 1024})
	// nested is a search whose filter nests 40 nots.
	nested := func() []byte {
		f := []byte{0x87, 0x02, 'c', 'n'}
		for range 40 {
			f = append([]byte{0xa2, byte(len(f))}, f...)
		}
		body := append([]byte{0x04, 0x00, 0x0a, 0x01, 0x02, 0x0a, 0x01, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x01, 0x01, 0x00}, f...)
		body = append(body, 0x30, 0x00)
		op := append([]byte{0x63, byte(len(body))}, body...)
		msg := append([]byte{0x02, 0x01, 0x01}, op...)
		return append([]byte{0x30, byte(len(msg))}, msg...)
	}
	tests := []struct {
		name   string
		send   []byte
		notice bool
	}{
		{name: "over the size bound", send: []byte{0x30, 0x84, 0x00, 0x10, 0x00, 0x00}, notice: true},
		{name: "not a sequence", send: []byte{0x04, 0x01, 'x'}, notice: true},
		{name: "indefinite length", send: []byte{0x30, 0x80, 0x00, 0x00}, notice: true},
		{name: "filter nested too deep", send: nested(), notice: true},
		{name: "a response sent as a request", send: []byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x61, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00}, notice: true},
		{name: "unbind", send: []byte{0x30, 0x05, 0x02, 0x01, 0x01, 0x42, 0x00}},
		{name: "truncated", send: []byte{0x30, 0x10, 0x02}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := rawDial(t, addr)
			if _, err := c.Write(tc.send); err != nil {
				t.Fatal(err)
			}
			if tc.name == "truncated" {
				c.(*net.TCPConn).CloseWrite()
			}
			got := readToEOF(t, c)
			if has := bytes.Contains(got, noticeOID); has != tc.notice {
				t.Fatalf("notice of disconnection sent: %v, want %v (% x)", has, tc.notice, got)
			}
		})
	}
}

func TestMaxConnsAndIdleTimeout(t *testing.T) {
	e := newEnv(t)
	srv, addr := e.serve(ldapdir.Config{Allow: allowLoopback, MaxConns: 2, IdleTimeout: 300 * time.Millisecond})
	// Two connections held (a bind answered proves each is served) …
	bind := []byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00}
	var held []net.Conn
	for range 2 {
		c := rawDial(t, addr)
		if _, err := c.Write(bind); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 64)
		if _, err := c.Read(buf); err != nil {
			t.Fatalf("bind answer: %v", err)
		}
		held = append(held, c)
	}
	// … a third is closed at once.
	third := rawDial(t, addr)
	if got := readToEOF(t, third); len(got) != 0 {
		t.Fatalf("the third connection got % x", got)
	}
	if n := srv.Stats().Refused; n != 1 {
		t.Fatalf("refused %d, want 1", n)
	}
	// The held ones idle out.
	for _, c := range held {
		readToEOF(t, c)
	}
	deadline := time.Now().Add(10 * time.Second)
	for srv.Stats().Conns != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections open after idling out", srv.Stats().Conns)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
}

// TestStopClosesConnections: Stop closes a connection in use, and Serve
// returns (checked by serve's cleanup) with no connection left.
func TestStopClosesConnections(t *testing.T) {
	e := newEnv(t)
	srv, addr := e.serve(ldapdir.Config{Allow: allowLoopback})
	c := rawDial(t, addr)
	bind := []byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00}
	if _, err := c.Write(bind); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 64)); err != nil {
		t.Fatalf("bind answer: %v", err)
	}
	if n := srv.Stats().Conns; n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
	srv.Stop()
	readToEOF(t, c)
	if _, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
		t.Fatal("the listener still accepts after Stop")
	}
}
