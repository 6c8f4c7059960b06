package console

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pbxagent/pbxagent/agent/platform"
)

func testConsole(t *testing.T) (*Console, http.Handler) {
	t.Helper()
	big := strings.Repeat("export const x = 'console';\n", 100)
	c, err := New(fstest.MapFS{
		IndexFile:            {Data: []byte("<!doctype html><html lang=en><title>t</title>" + strings.Repeat("<p>console</p>", 50) + "</html>")},
		"console/app.js":     {Data: []byte(big)},
		"pbxagent.d.ts":      {Data: []byte("export declare class PbxAgent {}\n")},
		"console/style.css":  {Data: []byte(strings.Repeat("body { color: #000 }\n", 40))},
		"console/logo.png":   {Data: bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 200)},
		"console/data.bin.x": {Data: []byte("x")},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, r := range c.Routes() {
		if r.Scope != platform.ScopePublic {
			t.Fatalf("%s: scope %s, want public", r.Pattern(), r.Scope)
		}
		mux.Handle(r.Pattern(), r.Handler)
	}
	return c, mux
}

func TestConsoleServesFiles(t *testing.T) {
	_, h := testConsole(t)
	tests := []struct {
		name, method, path, accept string
		header                     map[string]string
		wantCode                   int
		wantType, wantEncoding     string
		wantBody                   string // a part of the decoded body
	}{
		{name: "index at /", method: "GET", path: "/", wantCode: 200, wantType: "text/html; charset=utf-8", wantBody: "<title>t</title>"},
		{name: "index gzipped", method: "GET", path: "/", accept: "gzip, deflate, br", wantCode: 200, wantType: "text/html; charset=utf-8", wantEncoding: "gzip", wantBody: "<p>console</p>"},
		{name: "module", method: "GET", path: "/public/console/app.js", accept: "gzip", wantCode: 200, wantType: "text/javascript; charset=utf-8", wantEncoding: "gzip", wantBody: "export const x"},
		{name: "gzip refused by q=0", method: "GET", path: "/public/console/app.js", accept: "gzip;q=0, br", wantCode: 200, wantType: "text/javascript; charset=utf-8", wantBody: "export const x"},
		{name: "gzip by star", method: "GET", path: "/public/console/app.js", accept: "*", wantCode: 200, wantType: "text/javascript; charset=utf-8", wantEncoding: "gzip", wantBody: "export const x"},
		{name: "style sheet", method: "GET", path: "/public/console/style.css", wantCode: 200, wantType: "text/css; charset=utf-8", wantBody: "body {"},
		{name: "typescript declarations", method: "GET", path: "/public/pbxagent.d.ts", accept: "gzip", wantCode: 200, wantType: "application/typescript; charset=utf-8", wantBody: "PbxAgent"},
		{name: "png not compressed", method: "GET", path: "/public/console/logo.png", accept: "gzip", wantCode: 200, wantType: "image/png", wantBody: "PNG"},
		{name: "unknown extension", method: "GET", path: "/public/console/data.bin.x", wantCode: 200, wantType: "application/octet-stream", wantBody: "x"},
		{name: "HEAD", method: "HEAD", path: "/public/console/app.js", wantCode: 200, wantType: "text/javascript; charset=utf-8"},
		{name: "missing file", method: "GET", path: "/public/nope.js", wantCode: 404, wantType: "application/json", wantBody: `"code":"not_found"`},
		{name: "index only at /public/console/index.html", method: "GET", path: "/public/console/index.html", wantCode: 200, wantType: "text/html; charset=utf-8", wantBody: "<title>t</title>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, nil)
			if tc.accept != "" {
				req.Header.Set("Accept-Encoding", tc.accept)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			res := w.Result()
			if res.StatusCode != tc.wantCode {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.wantCode)
			}
			if got := res.Header.Get("Content-Type"); !strings.HasPrefix(got, tc.wantType) {
				t.Errorf("Content-Type %q, want %q", got, tc.wantType)
			}
			if got := res.Header.Get("Content-Encoding"); got != tc.wantEncoding {
				t.Errorf("Content-Encoding %q, want %q", got, tc.wantEncoding)
			}
			body, _ := io.ReadAll(res.Body)
			if tc.method == "HEAD" {
				if len(body) != 0 {
					t.Errorf("HEAD answered a body of %d bytes", len(body))
				}
				return
			}
			if tc.wantEncoding == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if !strings.Contains(string(body), tc.wantBody) {
				t.Errorf("body %.80q does not hold %q", body, tc.wantBody)
			}
			if tc.wantCode == 200 {
				if res.Header.Get("ETag") == "" || res.Header.Get("Cache-Control") != "no-cache" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("caching headers: ETag %q, Cache-Control %q, nosniff %q", res.Header.Get("ETag"), res.Header.Get("Cache-Control"), res.Header.Get("X-Content-Type-Options"))
				}
			}
		})
	}
}

func TestConsoleRevalidation(t *testing.T) {
	_, h := testConsole(t)
	get := func(path, inm string) *http.Response {
		req := httptest.NewRequest("GET", path, nil)
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Result()
	}
	first := get("/public/console/app.js", "")
	etag := first.Header.Get("ETag")
	other := get("/public/console/style.css", "").Header.Get("ETag")
	if etag == other {
		t.Fatalf("two files share the ETag %s", etag)
	}
	tests := []struct {
		name, inm string
		want      int
	}{
		{name: "same", inm: etag, want: 304},
		{name: "weak form", inm: "W/" + etag, want: 304},
		{name: "in a list", inm: `"x", ` + etag, want: 304},
		{name: "star", inm: "*", want: 304},
		{name: "another file's", inm: other, want: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := get("/public/console/app.js", tc.inm)
			if res.StatusCode != tc.want {
				t.Fatalf("If-None-Match %s: %d, want %d", tc.inm, res.StatusCode, tc.want)
			}
			if b, _ := io.ReadAll(res.Body); tc.want == 304 && len(b) != 0 {
				t.Errorf("a 304 with a body")
			}
		})
	}
}

func TestConsolePageHeaders(t *testing.T) {
	_, h := testConsole(t)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if got := w.Header().Get("Content-Security-Policy"); got != CSP || !strings.Contains(got, "connect-src 'self'") {
		t.Errorf("CSP %q", got)
	}
	if w.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("X-Frame-Options %q", w.Header().Get("X-Frame-Options"))
	}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/public/nope.js", nil))
	var env platform.ErrorBody
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil || !strings.Contains(env.Error.Message, "/public/nope.js") {
		t.Errorf("404 body %s (%v)", w.Body, err)
	}
}

func TestConsoleNeedsIndex(t *testing.T) {
	if _, err := New(fstest.MapFS{"console/app.js": {Data: []byte("x")}}); err == nil || !strings.Contains(err.Error(), IndexFile) {
		t.Fatalf("New without %s: %v", IndexFile, err)
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{header: "", want: false},
		{header: "gzip", want: true},
		{header: "GZIP", want: true},
		{header: "br, gzip;q=0.5", want: true},
		{header: "gzip;q=0", want: false},
		{header: "gzip; q=0.000", want: false},
		{header: "gzip;q=0.001", want: true},
		{header: "*;q=0.1", want: true},
		{header: "*, gzip;q=0", want: false},
		{header: "identity", want: false},
		{header: "x-gzip", want: true},
	}
	for _, tc := range tests {
		if got := acceptsGzip(tc.header); got != tc.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range []string{"gzip", "gzip;q=0", "*;q=1, br", ";;,=,", "gzip;q"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		got := acceptsGzip(h)
		if !strings.Contains(strings.ToLower(h), "gzip") && !strings.Contains(h, "*") && got {
			t.Fatalf("acceptsGzip(%q) without gzip or *", h)
		}
	})
}
