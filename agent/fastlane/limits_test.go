package fastlane

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/faultnet"
)

// serveLane runs a lane over ln with opts, answering /fast/… in the lane
// with body and everything else through net/http with slowBody, until the
// test ends; it returns the server and Serve's result.
func serveLane(t *testing.T, ln net.Listener, body []byte, slow http.Handler, opts ...Option) (*Server, chan error) {
	t.Helper()
	fast := HandlerFunc(func(dst []byte, r *Request) ([]byte, []byte, bool) {
		if !strings.HasPrefix(string(r.Path()), "/fast/") {
			return nil, nil, false
		}
		dst = append(dst, "HTTP/1.1 200 OK\r\nContent-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(body)), 10)
		return append(dst, "\r\n\r\n"...), body, true
	})
	srv := New(fast, &http.Server{Handler: slow, ReadHeaderTimeout: 5 * time.Second},
		append([]Option{WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv, errc
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// waitFor polls cond until it holds, failing the test after 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestAcceptErrorsRetried: accept errors such as "too many open files"
// do not stop the lane (it once returned from Serve, and the port went on
// listening with nobody answering): it backs off, counts them and serves
// the connections that come next.
func TestAcceptErrorsRetried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		errno syscall.Errno
	}{
		{name: "EMFILE", errno: syscall.EMFILE},
		{name: "ENFILE", errno: syscall.ENFILE},
		{name: "ECONNABORTED", errno: syscall.ECONNABORTED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inner := listen(t)
			ln := &faultnet.Listener{Listener: inner, Fails: 4, Err: faultnet.Errno(tc.errno)}
			srv, errc := serveLane(t, ln, []byte("lane"), http.NotFoundHandler())
			c, br := dial(t, inner.Addr().String())
			io.WriteString(c, "GET /fast/a HTTP/1.1\r\n"+host+"\r\n")
			if got := readBodies(t, br, 1); got[0] != "lane" {
				t.Fatalf("got %q", got)
			}
			select {
			case err := <-errc:
				t.Fatalf("Serve returned: %v", err)
			default:
			}
			if st := srv.Stats(); st.AcceptErrors != 4 || st.LastAcceptError.IsZero() {
				t.Errorf("stats %+v, want 4 accept errors", st)
			}
		})
	}
}

// dialFrom connects to addr from the loopback address local, sending
// nothing.
func dialFrom(t *testing.T, local, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

// refusedConn checks that the connection got the 503 of a connection over a
// limit and was closed.
func refusedConn(t *testing.T, br *bufio.Reader) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no refusal: %v", err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !resp.Close {
		t.Fatalf("got %d close=%v, want 503 and close", resp.StatusCode, resp.Close)
	}
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("refused connection still open")
	}
}

// TestConnLimits: connections over MaxConnsPerPeer from one address, and
// over MaxConns in all, are answered 503 and closed at once; the
// connections already open (in the lane or handed to net/http) are
// served; a closed connection frees its place.
func TestConnLimits(t *testing.T) {
	ln := listen(t)
	addr := ln.Addr().String()
	srv, _ := serveLane(t, ln, []byte("lane"), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "slow")
	}), WithLimits(Limits{MaxConns: 3, MaxConnsPerPeer: 2}))

	a1, a1r := dialFrom(t, "127.0.0.1", addr)
	a2, a2r := dialFrom(t, "127.0.0.1", addr)
	io.WriteString(a2, "GET /other HTTP/1.1\r\n"+host+"\r\n") // a2 now belongs to net/http
	if got := readBodies(t, a2r, 1); got[0] != "slow" {
		t.Fatalf("a2: %q", got)
	}
	_, a3r := dialFrom(t, "127.0.0.1", addr) // a third from 127.0.0.1
	refusedConn(t, a3r)
	_, b1r := dialFrom(t, "127.0.0.2", addr) // another peer: admitted, the third in all
	_, c1r := dialFrom(t, "127.0.0.3", addr) // a fourth in all
	refusedConn(t, c1r)

	io.WriteString(a1, "GET /fast/a HTTP/1.1\r\n"+host+"\r\n")
	if got := readBodies(t, a1r, 1); got[0] != "lane" {
		t.Fatalf("a1: %q", got)
	}
	if st := srv.Stats(); st.Open != 3 || st.RefusedPeer != 1 || st.RefusedMax != 1 || st.LastRefusedMax.IsZero() {
		t.Fatalf("stats %+v", st)
	}
	_ = b1r

	// Closing the net/http connection frees a place.
	a2.Close()
	waitFor(t, "net/http closes its connection", func() bool { return srv.Stats().Open == 2 })
	c2, c2r := dialFrom(t, "127.0.0.3", addr)
	io.WriteString(c2, "GET /fast/b HTTP/1.1\r\n"+host+"\r\n")
	if got := readBodies(t, c2r, 1); got[0] != "lane" {
		t.Fatalf("c2: %q", got)
	}
}

// stalledClient connects with a small receive buffer, asks for path and
// never reads.
func stalledClient(t *testing.T, addr, path string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.(*net.TCPConn).SetReadBuffer(16 << 10)
	io.WriteString(c, "GET "+path+" HTTP/1.1\r\n"+host+"\r\n")
}

// TestWritePace: a client that asks for a large answer and never reads it
// is cut off once a write has waited its paced time, in the lane and
// through net/http alike (300 such clients once held their connections
// for good); a client that reads gets the whole answer.
func TestWritePace(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20)    // 16 MiB: more than the socket buffers hold
	pace := WritePace{Timeout: time.Second, MinRate: 1 << 20} // generous for the reader on a busy host
	slow := pace.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(big)
	}))
	for _, tc := range []struct{ name, path string }{
		{name: "lane", path: "/fast/big"},
		{name: "nethttp", path: "/slow/big"},
	} {
		path := tc.path
		t.Run(tc.name, func(t *testing.T) {
			ln := listen(t)
			srv, _ := serveLane(t, ln, big, slow, WithWritePace(pace))
			// A reader gets it all.
			c, br := dial(t, ln.Addr().String())
			io.WriteString(c, "GET "+path+" HTTP/1.1\r\n"+host+"\r\n")
			if got := readBodies(t, br, 1); len(got[0]) != len(big) {
				t.Fatalf("reader got %d bytes, want %d", len(got[0]), len(big))
			}
			c.Close()
			waitFor(t, "the reader's connection is closed", func() bool { return srv.Stats().Open == 0 })
			// Stalled clients are cut off.
			for i := 0; i < 3; i++ {
				stalledClient(t, ln.Addr().String(), path)
			}
			waitFor(t, "the stalled connections are cut off", func() bool { return srv.Stats().Open == 0 })
		})
	}
}
