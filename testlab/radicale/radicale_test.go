package radicale_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/testlab/radicale"
)

func TestStartPutDelete(t *testing.T) {
	s := radicale.Start(t, radicale.Options{})
	s.MakeAddressBook(t, "alice", "/alice/book/", "Book")
	card := "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u1\r\nFN:Ana\r\nN:;Ana;;;\r\nEND:VCARD\r\n"
	if etag := s.Put(t, "alice", "/alice/book/u1.vcf", card); etag == "" {
		t.Fatal("PUT returned no ETag")
	}
	code, body, _, err := s.Do(context.Background(), "alice", http.MethodGet, "/alice/book/u1.vcf", "", nil)
	if err != nil || code != http.StatusOK || !strings.Contains(string(body), "FN:Ana") {
		t.Fatalf("GET: %d %v %s", code, err, body)
	}
	s.Delete(t, "alice", "/alice/book/u1.vcf")
	code, _, _, _ = s.Do(context.Background(), "alice", http.MethodGet, "/alice/book/u1.vcf", "", nil)
	if code != http.StatusNotFound {
		t.Fatalf("GET after DELETE: %d, want 404", code)
	}
	code, _, h, _ := s.Do(context.Background(), "alice", "PROPFIND", "/.well-known/carddav", "", nil)
	t.Logf("well-known: %d %v", code, h)
}
