package fastlane

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// lab runs a lane whose fast handler answers paths under /fast/ (holding
// /fast/busy until block closes, when hold is set) and whose http.Server
// answers everything with "slow <method> <path> <body>".
type lab struct {
	addr  string
	srv   *Server
	fast  chan string // paths the lane answered
	block chan struct{}
	errc  chan error
}

func startLab(t *testing.T, hold bool) *lab {
	t.Helper()
	l := &lab{fast: make(chan string, 64), errc: make(chan error, 1)}
	if hold {
		l.block = make(chan struct{})
	}
	fast := HandlerFunc(func(dst []byte, r *Request) ([]byte, []byte, bool) {
		if !strings.HasPrefix(string(r.Path()), "/fast/") {
			return nil, nil, false
		}
		if l.block != nil && string(r.Path()) == "/fast/busy" {
			l.fast <- "held"
			<-l.block
		}
		l.fast <- string(r.Path())
		body := []byte("fast " + string(r.Path()))
		dst = append(dst, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "...)
		dst = append(dst, strconv.Itoa(len(body))...)
		dst = append(dst, "\r\n\r\n"...)
		if string(r.Method) == http.MethodHead {
			body = nil
		}
		return dst, body, true
	})
	slow := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, "slow "+r.Method+" "+r.URL.Path+" "+string(b))
	}), ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.addr = ln.Addr().String()
	l.srv = New(fast, slow, WithLogger(slog.New(slog.DiscardHandler)))
	go func() { l.errc <- l.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		l.srv.Shutdown(ctx)
	})
	return l
}

// readBodies reads n responses and returns their bodies.
func readBodies(t *testing.T, br *bufio.Reader, n int) []string {
	t.Helper()
	var out []string
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		out = append(out, string(b))
	}
	return out
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

const host = "Host: lab\r\n"

// TestLaneAndHandOff: lane requests are answered in the lane, pipelined or
// not; the first request the lane does not take goes, with everything
// sent after it, to net/http, which keeps the connection.
func TestLaneAndHandOff(t *testing.T) {
	l := startLab(t, false)
	c, br := dial(t, l.addr)
	io.WriteString(c, "GET /fast/a HTTP/1.1\r\n"+host+"\r\n")
	if got := readBodies(t, br, 1); got[0] != "fast /fast/a" {
		t.Fatalf("got %q", got)
	}
	// Two pipelined lane requests in one write.
	io.WriteString(c, "GET /fast/b HTTP/1.1\r\n"+host+"\r\nHEAD /fast/c HTTP/1.1\r\n"+host+"\r\n")
	if got := readBodies(t, br, 1); got[0] != "fast /fast/b" {
		t.Fatalf("got %q", got)
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: "HEAD"})
	if err != nil || resp.ContentLength != int64(len("fast /fast/c")) {
		t.Fatalf("HEAD: %v %v", resp, err)
	}
	// A POST with a body, pipelined with a lane request: both go to
	// net/http, the body intact.
	io.WriteString(c, "POST /fast/d HTTP/1.1\r\n"+host+"Content-Length: 5\r\n\r\nhelloGET /fast/e HTTP/1.1\r\n"+host+"\r\n")
	if got := readBodies(t, br, 2); got[0] != "slow POST /fast/d hello" || got[1] != "slow GET /fast/e " {
		t.Fatalf("got %q", got)
	}
	var lane []string
	for len(l.fast) > 0 {
		lane = append(lane, <-l.fast)
	}
	if strings.Join(lane, ",") != "/fast/a,/fast/b,/fast/c" {
		t.Errorf("the lane answered %v", lane)
	}
}

// TestLaneLeavesOddRequests: requests outside the lane's plain form reach
// net/http as sent, which answers or refuses them by its own rules.
func TestLaneLeavesOddRequests(t *testing.T) {
	l := startLab(t, false)
	for _, tc := range []struct{ req, want string }{
		{"GET /fast/x HTTP/1.0\r\n\r\n", "slow GET /fast/x "},
		{"GET /other HTTP/1.1\r\n" + host + "\r\n", "slow GET /other "},
		{"GET /fast/y HTTP/1.1\r\n" + host + "X-Long: " + strings.Repeat("a", 9000) + "\r\n\r\n", "slow GET /fast/y "},
	} {
		c, br := dial(t, l.addr)
		io.WriteString(c, tc.req)
		if got := readBodies(t, br, 1); got[0] != tc.want {
			t.Errorf("%.40q: got %q, want %q", tc.req, got[0], tc.want)
		}
	}
	// A head net/http refuses: its 400, not the lane's answer.
	c, br := dial(t, l.addr)
	io.WriteString(c, "GET /fast/z HTTP/1.1\r\n\r\n") // no Host
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("no Host: %v %v", resp, err)
	}
	if len(l.fast) != 0 {
		t.Errorf("the lane answered %q", <-l.fast)
	}
}

// TestLaneLeavesIncompleteOddHeads: a head the lane cannot serve goes to
// net/http as soon as a complete line shows it, not when a CRLF CRLF comes
// (which such a request may never send): net/http answers at once, where
// the lane would have waited for the read-header timeout and closed.
func TestLaneLeavesIncompleteOddHeads(t *testing.T) {
	l := startLab(t, false)
	for _, tc := range []struct {
		name, req string
		code      int
		body      string
	}{
		{name: "bare LF", req: "GET /fast/x HTTP/1.1\nHost: lab\n\n", code: 200, body: "slow GET /fast/x "},
		{name: "bare LF after CRLF lines", req: "GET /fast/y HTTP/1.1\r\nHost: lab\n\n", code: 200, body: "slow GET /fast/y "},
		{name: "CRLF then bare LF end", req: "GET /fast/z HTTP/1.1\r\nHost: lab\r\n\n", code: 200, body: "slow GET /fast/z "},
		{name: "malformed request line", req: "XYZ\r\n", code: 400},
		{name: "field without colon", req: "GET /fast/w HTTP/1.1\r\nHost lab\r\n", code: 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, br := dial(t, l.addr)
			// Bounded well below the lab's 5 s read-header timeout.
			c.SetReadDeadline(time.Now().Add(3 * time.Second))
			io.WriteString(c, tc.req)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code || tc.body != "" && string(b) != tc.body {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, b, tc.code, tc.body)
			}
		})
	}
	if len(l.fast) != 0 {
		t.Errorf("the lane answered %q", <-l.fast)
	}
}

// TestShutdown: Shutdown lets the request in flight finish, closes idle
// lane connections and stops Serve.
func TestShutdown(t *testing.T) {
	l := startLab(t, true)
	idle, idleBR := dial(t, l.addr)
	io.WriteString(idle, "GET /fast/idle HTTP/1.1\r\n"+host+"\r\n")
	readBodies(t, idleBR, 1)
	<-l.fast
	busy, busyBR := dial(t, l.addr)
	io.WriteString(busy, "GET /fast/busy HTTP/1.1\r\n"+host+"\r\n")
	<-l.fast // held: in flight
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- l.srv.Shutdown(ctx)
	}()
	// The idle connection is closed.
	if _, err := idleBR.ReadByte(); err == nil {
		t.Fatal("idle connection still open")
	}
	close(l.block)
	if got := readBodies(t, busyBR, 1); got[0] != "fast /fast/busy" {
		t.Fatalf("in flight: %q", got)
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-l.errc; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := net.Dial("tcp", l.addr); err == nil {
		t.Error("still accepting")
	}
}
