package callerid

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestHTTPHandler(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		remote     string
		header     map[string]string
		wantStatus int
		wantBody   string
		wantMatch  string
	}{
		{"hit", "GET", "/cid?number=061111111", "127.0.0.1:5555", nil, 200, "Ana Anić", "e164"},
		{"hit path form", "GET", "/cid/061111111", "127.0.0.1:5555", nil, 200, "Ana Anić", "e164"},
		{"hit path form plus encoded", "GET", "/cid/%2B38761111111", "127.0.0.1:5555", nil, 200, "Ana Anić", "exact"},
		{"hit query plus encoded", "GET", "/cid?number=%2B38761111111", "[::1]:5555", nil, 200, "Ana Anić", "exact"},
		{"hit query plus not encoded", "GET", "/cid?number=+38761111111", "[::1]:5555", nil, 200, "Ana Anić", "exact"},
		{"hit path form, space for plus", "GET", "/cid/%2038761111111", "127.0.0.1:5555", nil, 200, "Ana Anić", "exact"},
		{"hit path form plus", "GET", "/cid/+38761111111", "127.0.0.1:5555", nil, 200, "Ana Anić", "exact"},
		{"miss", "GET", "/cid?number=069999999", "127.0.0.1:5555", nil, 200, "", "none"},
		{"ambiguous", "GET", "/cid?number=064444444", "127.0.0.1:5555", nil, 200, "", "ambiguous"},
		{"restricted pres", "GET", "/cid?number=061111111&pres=32", "127.0.0.1:5555", nil, 200, "", "skipped"},
		{"restricted name pres", "GET", "/cid?number=061111111&pres=prohib", "127.0.0.1:5555", nil, 200, "", "skipped"},
		{"anonymous", "GET", "/cid?number=anonymous", "127.0.0.1:5555", nil, 200, "", "skipped"},
		{"empty number", "GET", "/cid?number=", "127.0.0.1:5555", nil, 200, "", "skipped"},
		{"no number", "GET", "/cid", "127.0.0.1:5555", nil, 200, "", "skipped"},
		{"hash", "GET", "/cid?number=061111111&format=hash", "127.0.0.1:5555", nil, 200, "name=Ana%20Ani%C4%87&match=e164&source=csv", "e164"},
		{"hash miss", "GET", "/cid?number=069999999&format=hash", "127.0.0.1:5555", nil, 200, "name=&match=none&source=", "none"},
		{"cnam", "GET", "/cid?number=065555555&cnam=1", "127.0.0.1:5555", nil, 200, "Djuric Seco", "national"},
		{"head", "HEAD", "/cid?number=061111111", "127.0.0.1:5555", nil, 200, "", "e164"},
		{"too long", "GET", "/cid?number=0123456789012345678901234567890123456789012345678901234567890123456789", "127.0.0.1:1", nil, 400, "", ""},
		{"control char", "GET", "/cid?number=061%0A111", "127.0.0.1:1", nil, 400, "", ""},
		{"bad utf8", "GET", "/cid?number=%ff", "127.0.0.1:1", nil, 400, "", ""},
		{"bad query", "GET", "/cid?number=%zz", "127.0.0.1:1", nil, 400, "", ""},
		{"post", "POST", "/cid?number=061111111", "127.0.0.1:1", nil, 405, "", ""},
		{"foreign ip", "GET", "/cid?number=061111111", "192.0.2.7:5060", nil, 403, "", ""},
		{"foreign ip wrong token", "GET", "/cid?number=061111111&token=nope", "192.0.2.7:5060", nil, 403, "", ""},
		{"foreign ip token", "GET", "/cid?number=061111111&token=s3cret", "192.0.2.7:5060", nil, 200, "Ana Anić", "e164"},
		{"foreign ip token header", "GET", "/cid?number=061111111", "192.0.2.7:5060", map[string]string{"X-Pbxagent-Token": "s3cret"}, 200, "Ana Anić", "e164"},
		{"token twice, second bogus", "GET", "/cid?number=061111111&token=s3cret&token=bogus", "192.0.2.7:5060", nil, 403, "", ""},
		{"token twice, first bogus", "GET", "/cid?number=061111111&token=bogus&token=s3cret", "192.0.2.7:5060", nil, 403, "", ""},
		{"header right, query bogus", "GET", "/cid?number=061111111&token=bogus", "192.0.2.7:5060", map[string]string{"X-Pbxagent-Token": "s3cret"}, 403, "", ""},
		{"same token twice", "GET", "/cid?number=061111111&token=s3cret", "192.0.2.7:5060", map[string]string{"X-Pbxagent-Token": "s3cret"}, 200, "Ana Anić", "e164"},
		{"allowed net, wrong token", "GET", "/cid?number=061111111&token=bogus", "10.1.2.3:5060", nil, 403, "", ""},
		{"allowed net", "GET", "/cid?number=061111111", "10.1.2.3:5060", nil, 200, "Ana Anić", "e164"},
		{"mapped v4", "GET", "/cid?number=061111111", "[::ffff:10.1.2.3]:5060", nil, 200, "Ana Anić", "e164"},
	}
	s := newTestService(t, testDir(), WithHTTPToken("s3cret"), WithHTTPAllow(
		netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("10.0.0.0/8")))
	h := s.HTTPHandler()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, nil)
			req.RemoteAddr = tt.remote
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || rec.Body.String() != tt.wantBody {
				t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.target, rec.Code, rec.Body.String(), tt.wantStatus, tt.wantBody)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if got := rec.Header().Get("X-Pbxagent-Match"); got != tt.wantMatch {
				t.Errorf("X-Pbxagent-Match = %q, want %q", got, tt.wantMatch)
			}
		})
	}
}

func TestHTTPDefaultsLoopbackOnly(t *testing.T) {
	s := newTestService(t, testDir())
	for remote, want := range map[string]int{"127.0.0.1:1": 200, "[::1]:1": 200, "10.1.2.3:1": 403, "garbage": 403} {
		req := httptest.NewRequest("GET", "/cid?number=061111111&token=", nil)
		req.RemoteAddr = remote
		rec := httptest.NewRecorder()
		s.HTTPHandler().ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("remote %s: status %d, want %d", remote, rec.Code, want)
		}
	}
}

// TestHTTPLoopback runs the handler behind a real server: keep-alive reuse and one connection
// per request both answer.
func TestHTTPLoopback(t *testing.T) {
	s := newTestService(t, testDir())
	mux := http.NewServeMux()
	mux.Handle("/cid", s.HTTPHandler())
	mux.Handle("/cid/", s.HTTPHandler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for _, keepAlive := range []bool{true, false} {
		tr := &http.Transport{DisableKeepAlives: !keepAlive}
		c := &http.Client{Transport: tr}
		for i := 0; i < 5; i++ {
			resp, err := c.Get(srv.URL + "/cid/061111111")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != "Ana Anić" {
				t.Fatalf("keepAlive=%v: %d %q", keepAlive, resp.StatusCode, b)
			}
		}
		tr.CloseIdleConnections()
	}
}
