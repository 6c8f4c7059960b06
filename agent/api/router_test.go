package api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestRouterCountsAndCaps: requests are counted by route and status, a
// request body beyond the cap is refused, and a GET costs few allocations.
func TestRouterCountsAndCaps(t *testing.T) {
	reg := prometheus.NewRegistry()
	r := NewRouter("tok", 8, reg)
	r.HandlePublic("GET /p/{x}", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.PathValue("x") == "old" {
			w.WriteHeader(http.StatusNotModified)
		}
	}))
	r.HandlePublic("POST /p", http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, err := io.ReadAll(req.Body); err != nil {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		}
	}))
	do := func(method, path, body string) int {
		rec := httptest.NewRecorder()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		r.ServeHTTP(rec, httptest.NewRequest(method, path, rd))
		return rec.Code
	}
	for range 3 {
		do("GET", "/p/old", "")
	}
	do("GET", "/p/new", "")
	if code := do("POST", "/p", "0123456789"); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("POST over the cap = %d", code)
	}
	if code := do("POST", "/p", "0123"); code != http.StatusOK {
		t.Fatalf("POST under the cap = %d", code)
	}
	for _, tc := range []struct {
		route, code string
		want        float64
	}{
		{"GET /p/{x}", "304", 3}, {"GET /p/{x}", "200", 1}, {"POST /p", "413", 1}, {"POST /p", "200", 1},
	} {
		if got := testutil.ToFloat64(r.reqs.WithLabelValues(tc.route, tc.code)); got != tc.want {
			t.Errorf("requests{%s,%s} = %v, want %v", tc.route, tc.code, got, tc.want)
		}
	}
	req := httptest.NewRequest("GET", "/p/old", nil)
	w := discardWriter{h: http.Header{}}
	allocs := testing.AllocsPerRun(200, func() { r.ServeHTTP(w, req) })
	// The status writer and the mux's matching; no label formatting,
	// no body limit on a request without a body.
	if allocs > 2 {
		t.Errorf("%.0f allocations per GET through the router, want at most 2", allocs)
	}
}

type discardWriter struct{ h http.Header }

func (d discardWriter) Header() http.Header         { return d.h }
func (d discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d discardWriter) WriteHeader(int)             {}
