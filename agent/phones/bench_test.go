package phones_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pbxagent/pbxagent/agent/phones"
	lab "github.com/pbxagent/pbxagent/testlab/phones"
)

// nopWriter is a ResponseWriter that keeps nothing, so benchmarks measure
// the handler.
type nopWriter struct{ h http.Header }

func (w *nopWriter) Header() http.Header         { return w.h }
func (w *nopWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *nopWriter) WriteHeader(int)             {}

func benchService(b *testing.B, n int) (http.Handler, string, string) {
	svc, err := phones.New(context.Background(), lab.Synthetic{N: n}, lab.NewMemKV(), phones.WithLogger(discardLog()))
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	svc.AdminHandler().ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/phones", stringsReader(`{"mac":"0015654aa937","vendor":"yealink"}`)))
	var p phones.Phone
	decode(rec.Body.Bytes(), &p)
	h := svc.PhoneHandler()
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/phonebook/yealink.xml?token="+p.Token, nil))
	return h, p.Token, rec.Header().Get("ETag")
}

// BenchmarkHandler304 is the revalidation path a refreshing fleet hits.
func BenchmarkHandler304(b *testing.B) {
	h, tok, etag := benchService(b, 10000)
	req := httptest.NewRequest("GET", "/phonebook/yealink.xml?token="+tok, nil)
	req.Header.Set("If-None-Match", etag)
	req.Header.Set("User-Agent", "Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37")
	w := &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}

// BenchmarkHandlerCachedFull is a cached full book (10 000 contacts).
func BenchmarkHandlerCachedFull(b *testing.B) {
	h, tok, _ := benchService(b, 10000)
	req := httptest.NewRequest("GET", "/phonebook/yealink.xml?token="+tok, nil)
	w := &nopWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
}
