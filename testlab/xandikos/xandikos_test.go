package xandikos_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/testlab/xandikos"
)

// A seeded book and a PUT show in sync-collection.
func TestSeedPutSync(t *testing.T) {
	s := xandikos.Start(t)
	s.Seed(t, func(yield func(name, card string) bool) {
		yield("a.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:a\r\nFN:Ana\r\nEND:VCARD\r\n")
	})
	s.Put(t, xandikos.Book+"b.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:b\r\nFN:Bo\r\nEND:VCARD\r\n")
	req, _ := http.NewRequestWithContext(context.Background(), "REPORT", s.URL+xandikos.Book,
		strings.NewReader(`<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>`))
	req.Header.Set("Depth", "0")
	req.Header.Set("Content-Type", "application/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusMultiStatus || !strings.Contains(string(body), xandikos.Book+"a.vcf") ||
		!strings.Contains(string(body), xandikos.Book+"b.vcf") || !strings.Contains(string(body), "sync-token>") {
		t.Fatalf("sync-collection: HTTP %d %s", resp.StatusCode, body)
	}
}
