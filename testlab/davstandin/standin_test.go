package davstandin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func card(i int, title string) string {
	return fmt.Sprintf("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:uid-%d\r\nFN:Person %d\r\nTITLE:%s\r\nEND:VCARD\r\n", i, i, title)
}

func report(t *testing.T, s *Server, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "REPORT", s.URL+s.Book, strings.NewReader(body))
	req.SetBasicAuth("alice", "secret")
	req.Header.Set("Depth", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func syncBody(tok string) string {
	return `<D:sync-collection xmlns:D="DAV:"><D:sync-token>` + tok + `</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`
}

var tokenRE = regexp.MustCompile(`<D:sync-token>([^<]*)</D:sync-token></D:multistatus>`)

// The change log answers only what changed since a token: a changed card
// with its new ETag, a removed one with 404; a bogus token gets 403
// valid-sync-token (RFC 6578 §3.2).
func TestSyncCollection(t *testing.T) {
	s := Start(t, Options{})
	s.Seed(t, func(yield func(name, card string) bool) {
		for i := range 3 {
			if !yield(fmt.Sprintf("c%d.vcf", i), card(i, "Engineer")) {
				return
			}
		}
	})
	code, all := report(t, s, syncBody(""))
	if code != http.StatusMultiStatus || strings.Count(all, "<D:response>") != 3 {
		t.Fatalf("initial: HTTP %d %s", code, all)
	}
	tok := tokenRE.FindStringSubmatch(all)[1]
	s.Put(t, s.Book+"c1.vcf", card(1, "Changed"))
	s.Delete(t, s.Book+"c2.vcf")
	code, ch := report(t, s, syncBody(tok))
	if code != http.StatusMultiStatus || strings.Count(ch, "<D:response>") != 2 ||
		!strings.Contains(ch, "<D:href>/alice/contacts/book/c1.vcf</D:href><D:propstat>") ||
		!strings.Contains(ch, "<D:href>/alice/contacts/book/c2.vcf</D:href><D:status>HTTP/1.1 404 Not Found") {
		t.Fatalf("changes: HTTP %d %s", code, ch)
	}
	for _, bad := range []string{"urn:x-pbxagent-standin:sync:99", "http://example.com/x"} {
		if code, body := report(t, s, syncBody(bad)); code != http.StatusForbidden || !strings.Contains(body, "valid-sync-token") {
			t.Fatalf("token %q: HTTP %d %s", bad, code, body)
		}
	}
	req, _ := http.NewRequest("PROPFIND", s.URL+s.Book, nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no credentials: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

// Any REPORT body: an answer, never a panic.
func FuzzSyncCollection(f *testing.F) {
	for _, s := range []string{syncBody(""), syncBody("urn:x-pbxagent-standin:sync:1"), "<a/>", "<D:sync-collection xmlns:D='DAV:'>"} {
		f.Add(s)
	}
	b := &backend{principal: "/alice/", home: "/alice/contacts/", book: "/alice/contacts/book/", objs: map[string]*object{}, log: []string{"/alice/contacts/book/x.vcf"}}
	f.Fuzz(func(t *testing.T, body string) {
		if isSyncCollection([]byte(body)) {
			w := httptest.NewRecorder()
			b.serveSync(w, b.book, []byte(body))
			if w.Code == 0 {
				t.Fatal("no status")
			}
		}
	})
}
