package fastlane

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	const ok = "GET /phonebook/yealink.xml?token=abc HTTP/1.1\r\nHost: pbx\r\nIf-None-Match: W/\"x\"\r\n\r\n"
	for _, tc := range []struct {
		name, head string
		leave      bool
		close      bool
	}{
		{"plain GET", ok, false, false},
		{"HEAD", "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", false, false},
		{"Connection: close", "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", false, true},
		{"Connection: keep-alive", "GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive\r\n\r\n", false, false},
		{"Content-Length 0", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", false, false},
		{"POST", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", true, false},
		{"HTTP/1.0", "GET / HTTP/1.0\r\nHost: a\r\n\r\n", true, false},
		{"absolute form", "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", true, false},
		{"asterisk", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", true, false},
		{"no Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", true, false},
		{"two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", true, false},
		{"a body", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n", true, false},
		{"chunked", "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", true, false},
		{"Expect", "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", true, false},
		{"Upgrade", "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", true, false},
		{"folded line", "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", true, false},
		{"space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", true, false},
		{"bare LF", "GET / HTTP/1.1\nHost: a\r\n\r\n", true, false},
		{"CR in value", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", true, false},
		{"NUL in value", "GET / HTTP/1.1\r\nHost: a\x00\r\n\r\n", true, false},
		{"space in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", true, false},
		{"fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", true, false},
		{"lower-case method", "get / HTTP/1.1\r\nHost: a\r\n\r\n", true, false},
		{"too many fields", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X: y\r\n", maxHeaders) + "\r\n", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r Request
			err := r.parse([]byte(tc.head))
			if (err != nil) != tc.leave {
				t.Fatalf("parse: %v, want leave=%v", err, tc.leave)
			}
			if err == nil && r.Close != tc.close {
				t.Errorf("Close = %v, want %v", r.Close, tc.close)
			}
		})
	}
	var r Request
	if err := r.parse([]byte(ok)); err != nil {
		t.Fatal(err)
	}
	if string(r.Path()) != "/phonebook/yealink.xml" || string(r.Target) != "/phonebook/yealink.xml?token=abc" {
		t.Errorf("path %q target %q", r.Path(), r.Target)
	}
	if v, n := r.Header("if-none-match"); string(v) != `W/"x"` || n != 1 {
		t.Errorf("If-None-Match = %q ×%d", v, n)
	}
	if _, n := r.Header("Authorization"); n != 0 {
		t.Errorf("Authorization counted %d times", n)
	}
}

// FuzzParse: whatever head the lane accepts, net/http reads alike: same
// method, target, Host, and the same first value and count for every
// header field. So a request served in the lane is one net/http would have
// handed to the same handler with the same inputs.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"HEAD /phonebook/cisco.xml?q=M%C3%BC HTTP/1.1\r\nHost: pbx:8080\r\nAuthorization: Basic dTpw\r\nAccept-Charset: iso-8859-1, utf-8;q=0.8\r\n\r\n",
		"GET /x HTTP/1.1\r\nhost:  a \r\nX-A:\t b \t\r\nx-a: c\r\nConnection: close\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
		"GET /x HTTP/1.1\r\nHost: \r\n\r\n",
		"GET /healthz HTTP/1.1\nHost: x\n\n", // bare LF: net/http's
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, head string) {
		var r Request
		if r.parse([]byte(head)) != nil {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head)))
		if err != nil {
			t.Fatalf("lane accepted what net/http refuses (%v): %q", err, head)
		}
		if req.Method != string(r.Method) || req.RequestURI != string(r.Target) {
			t.Fatalf("method/target %s %s, net/http %s %s", r.Method, r.Target, req.Method, req.RequestURI)
		}
		if hv, _ := r.Header("Host"); req.Host != string(hv) {
			t.Fatalf("Host %q, net/http %q", hv, req.Host)
		}
		if req.Close != r.Close {
			t.Fatalf("Close %v, net/http %v", r.Close, req.Close)
		}
		for i := 0; i < r.n; i++ {
			name := http.CanonicalHeaderKey(string(r.names[i]))
			if name == "Host" {
				continue // net/http moves it to req.Host
			}
			v, n := r.Header(name)
			if got := req.Header.Get(name); got != string(v) || len(req.Header[name]) != n {
				t.Fatalf("%s: %q ×%d, net/http %q ×%d", name, v, n, got, len(req.Header[name]))
			}
		}
		if !bytes.HasPrefix([]byte(head), []byte(req.Method)) {
			t.Fatal("unreachable")
		}
	})
}

// FuzzHeadScan: the lane waits for more of a head only when net/http
// would too: whenever headScanner asks for more bytes, net/http, given the
// complete lines received so far, also finds the request unfinished
// rather than answering it (the bare-LF request the lane once held until
// its timeout). And when it finds a head's end, that is where net/http's
// request ends.
func FuzzHeadScan(f *testing.F) {
	for _, s := range []string{
		"GET /healthz HTTP/1.1\nHost: x\n\n",
		"GET / HTTP/1.1\r\nHost: a\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\r",
		"XYZ\r\n",
		"GET / HTTP/1.1\r\nHost a\r\n",
		"GET / HTTP/1.1\r\nX: a\r\n b\r\n",
		"\r\nGET / HTTP/1.1\r\n",
	} {
		f.Add(s, 1)
	}
	f.Fuzz(func(t *testing.T, head string, step int) {
		if len(head) > 8<<10 {
			return
		}
		// Bytes arrive in pieces of step, as from a slow client.
		step = max(step%64, 1)
		var h headScanner
		for n := min(step, len(head)); ; n = min(n+step, len(head)) {
			end, leave := h.scan([]byte(head[:n]))
			if leave {
				return
			}
			if end >= 0 {
				br := bufio.NewReader(strings.NewReader(head[:end]))
				if _, err := http.ReadRequest(br); err == nil && br.Buffered() != 0 {
					t.Fatalf("head end %d, net/http left %d bytes: %q", end, br.Buffered(), head)
				}
				return
			}
			if n == len(head) {
				break
			}
		}
		complete := head[:strings.LastIndexByte(head, '\n')+1]
		_, err := http.ReadRequest(bufio.NewReader(strings.NewReader(complete)))
		if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("the lane waits for more of %q; net/http: %v", head, err)
		}
	})
}
