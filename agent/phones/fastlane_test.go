package phones_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/fastlane"
	"github.com/pbxagent/pbxagent/agent/phones"
)

const laneAddr = "10.1.2.3:40000"

// rawGet is a request head as a phone sends it.
func rawGet(method, target string, headers ...string) string {
	var b strings.Builder
	b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: pbx.example.com\r\n")
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// full serves head through the full handler from addr.
func (e *env) full(head, addr string) *http.Response {
	e.t.Helper()
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(head)))
	if err != nil {
		e.t.Fatal(err)
	}
	req.RemoteAddr = addr
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	resp := rec.Result()
	if req.Method == http.MethodHead {
		resp.Body = io.NopCloser(bytes.NewReader(nil))
	}
	return resp
}

// lane serves head through ServeFast from addr: the response, or nil when
// the lane declines.
func (e *env) lane(head, addr string) *http.Response {
	e.t.Helper()
	r, err := fastlane.ParseRequest([]byte(head), addr)
	if err != nil {
		e.t.Fatalf("the lane does not parse %q: %v", head, err)
	}
	h, body, ok := e.svc.ServeFast(nil, r)
	if !ok {
		return nil
	}
	resp, err := http.ReadResponse(bufio.NewReader(io.MultiReader(bytes.NewReader(h), bytes.NewReader(body))), &http.Request{Method: string(r.Method)})
	if err != nil {
		e.t.Fatalf("lane response: %v\n%s", err, h)
	}
	return resp
}

// sameResponse compares status, body and the header fields a phone reads.
func sameResponse(t *testing.T, what string, lane, full *http.Response) {
	t.Helper()
	lb, _ := io.ReadAll(lane.Body)
	fb, _ := io.ReadAll(full.Body)
	if lane.StatusCode != full.StatusCode || !bytes.Equal(lb, fb) {
		t.Errorf("%s: lane %d (%d bytes), full handler %d (%d bytes)", what, lane.StatusCode, len(lb), full.StatusCode, len(fb))
	}
	for _, k := range []string{"Etag", "Content-Type", "Content-Length", "Content-Encoding", "Last-Modified", "Cache-Control", "Vary"} {
		if !slices.Equal(lane.Header[k], full.Header[k]) {
			t.Errorf("%s: %s lane %q, full handler %q", what, k, lane.Header[k], full.Header[k])
		}
	}
	if lane.Header.Get("Date") == "" {
		t.Errorf("%s: no Date", what)
	}
}

// TestFastLaneMatchesHandler: after the full handler has served a phone's
// request, the lane answers the same request exactly as the handler does:
// 304 revalidations, cached bodies, HEAD, gzip, each vendor's book and a
// provisioning file.
func TestFastLaneMatchesHandler(t *testing.T) {
	e := newEnv(t)
	basicHdr := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("alice-phone:"+alicePass))
	for _, tc := range []struct {
		name    string
		target  string
		headers []string
	}{
		{"yealink token", "/phonebook/yealink.xml?token=" + e.aliceTk, []string{"User-Agent: Yealink SIP-T46U 108.86.0.20 00:15:65:4a:a9:37"}},
		{"yealink basic gzip", "/phonebook/yealink.xml", []string{basicHdr, "Accept-Encoding: gzip"}},
		{"cisco latin-1", "/phonebook/cisco.xml?token=" + e.bobTk, []string{"Accept-Charset: iso-8859-1", "x-CiscoIPPhoneModelName: CP-8841"}},
		{"cisco search", "/phonebook/cisco.xml?q=Al&token=" + e.bobTk, nil},
		{"grandstream path token", "/phonebook/tok/" + e.bobTk + "/grandstream.xml", nil},
		{"yealink provisioning", "/provisioning/0015654aa937.cfg", []string{basicHdr}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			get := rawGet("GET", tc.target, tc.headers...)
			if r := e.lane(get, laneAddr); r != nil {
				t.Fatal("the lane answered a request the handler never saw")
			}
			first := e.full(get, laneAddr)
			if first.StatusCode != 200 {
				t.Fatalf("full handler: %d", first.StatusCode)
			}
			etag := first.Header.Get("ETag")
			for _, v := range []struct {
				what, head string
			}{
				{"GET", get},
				{"HEAD", rawGet("HEAD", tc.target, tc.headers...)},
				{"304", rawGet("GET", tc.target, append(tc.headers, "If-None-Match: "+etag)...)},
				{"304 weak list", rawGet("GET", tc.target, append(tc.headers, `If-None-Match: "x", `+etag)...)},
				{"stale ETag", rawGet("GET", tc.target, append(tc.headers, `If-None-Match: W/"old"`)...)},
			} {
				lane := e.lane(v.head, laneAddr)
				if lane == nil {
					t.Errorf("%s: the lane declined", v.what)
					continue
				}
				sameResponse(t, v.what, lane, e.full(v.head, laneAddr))
			}
		})
	}
}

// TestFastLaneDeclines: the lane answers nothing but the exact request a
// phone was served at the current registry version; a changed input, a
// revoked phone, a new directory generation, Digest or a Range send it to
// the full handler.
func TestFastLaneDeclines(t *testing.T) {
	e := newEnv(t, phones.WithAllowList(netip.MustParsePrefix("10.0.0.0/8")))
	target := "/phonebook/yealink.xml?token=" + e.aliceTk
	get := rawGet("GET", target)
	first := e.full(get, laneAddr)
	etag := first.Header.Get("ETag")
	reval := rawGet("GET", target, "If-None-Match: "+etag)
	if r := e.lane(reval, laneAddr); r == nil || r.StatusCode != 304 {
		t.Fatalf("the lane does not revalidate: %v", r)
	}
	for _, tc := range []struct{ name, head, addr string }{
		{"other address", reval, "192.168.1.9:5060"},
		{"other token", rawGet("GET", "/phonebook/yealink.xml?token="+e.bobTk, "If-None-Match: "+etag), laneAddr},
		{"wrong token", rawGet("GET", "/phonebook/yealink.xml?token="+otherFirst(e.aliceTk), "If-None-Match: "+etag), laneAddr},
		{"credentials added", rawGet("GET", target, "If-None-Match: "+etag, "Authorization: Basic Ym9iOnBhc3M="), laneAddr},
		{"other charset", rawGet("GET", target, "If-None-Match: "+etag, "Accept-Charset: iso-8859-1"), laneAddr},
		{"other host", strings.Replace(reval, "pbx.example.com", "evil.example.com", 1), laneAddr},
		{"range", rawGet("GET", target, "Range: bytes=0-9"), laneAddr},
		{"two If-None-Match", rawGet("GET", target, "If-None-Match: "+etag, "If-None-Match: "+etag), laneAddr},
	} {
		if r := e.lane(tc.head, tc.addr); r != nil {
			t.Errorf("%s: the lane answered %d", tc.name, r.StatusCode)
		}
	}
	// The full handler refuses the other address, whatever the lane saw.
	if r := e.full(reval, "192.168.1.9:5060"); r.StatusCode != http.StatusForbidden {
		t.Errorf("other address through the handler: %d", r.StatusCode)
	}

	// Digest requests leave no ticket (each carries a new nonce count).
	dg := e.digest("/phonebook/yealink.xml", "alice-phone", alicePass, from(laneAddr))
	if dg.Code != 200 {
		t.Fatalf("digest: %d", dg.Code)
	}

	// A new directory generation: the old ETag no longer revalidates, and
	// the new book is not in the cache yet.
	e.dir.Put(contact("9", "New Person", "1009"))
	if r := e.lane(reval, laneAddr); r != nil {
		t.Errorf("after a directory change the lane answered %d", r.StatusCode)
	}
	if r := e.full(reval, laneAddr); r.StatusCode != 200 {
		t.Fatalf("after a directory change: %d", r.StatusCode)
	}
	if r := e.lane(get, laneAddr); r == nil || r.StatusCode != 200 {
		t.Fatalf("the lane does not serve the new book: %v", r)
	}

	// The failed-login throttle holds only usernames, not tokens: a failed
	// login leaves this token's ticket alone (TestFastLaneThrottle).
	if r := e.full(rawGet("GET", "/phonebook/yealink.xml", "Authorization: Basic "+base64.StdEncoding.EncodeToString([]byte("alice-phone:wrong"))), laneAddr); r.StatusCode != 401 {
		t.Fatalf("wrong password: %d", r.StatusCode)
	}
	if r := e.lane(get, laneAddr); r == nil || r.StatusCode != 200 {
		t.Errorf("after a failed login the lane declined a token request: %v", r)
	}

	// A revoked phone: its ticket is dead at once.
	e2 := newEnv(t)
	t2 := "/phonebook/yealink.xml?token=" + e2.bobTk
	e2.full(rawGet("GET", t2), laneAddr)
	if r := e2.lane(rawGet("GET", t2), laneAddr); r == nil {
		t.Fatal("the lane does not serve bob")
	}
	if rec := e2.adminDo("DELETE", "/api/v1/phones/"+bobMAC, ""); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d", rec.Code)
	}
	if r := e2.lane(rawGet("GET", t2), laneAddr); r != nil {
		t.Errorf("the lane served a deleted phone: %d", r.StatusCode)
	}
	if r := e2.full(rawGet("GET", t2), laneAddr); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("deleted phone through the handler: %d", r.StatusCode)
	}
}

// otherFirst is tk with its first character changed (a token that starts
// with 'x' must not come out the same).
func otherFirst(tk string) string {
	if strings.HasPrefix(tk, "x") {
		return "y" + tk[1:]
	}
	return "x" + tk[1:]
}
