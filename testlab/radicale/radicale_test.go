package radicale_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/radicale"
)

func TestStartPutDelete(t *testing.T) {
	s := radicale.Start(t, radicale.Options{LogRequests: true})
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
	// Radicale logs each answer; its output reaches the buffer through a
	// pipe, so look until a deadline.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if slices.ContainsFunc(s.Requests(), func(r radicale.Request) bool {
			return r.Method == "DELETE" && r.Path == "/alice/book/u1.vcf" && r.Seconds >= 0 && strings.HasPrefix(r.Status, "200")
		}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no DELETE in Radicale's log: %q", s.Log())
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
}

func TestParseRequests(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  string
		want []radicale.Request
	}{
		{name: "report with depth", log: "[2026-12-07 22:00:00 +0000] [1/Thread-2] [INFO] REPORT response status for '/alice/book/' with depth '0' in 1.234 seconds: 207 Multi-Status\n",
			want: []radicale.Request{{Method: "REPORT", Path: "/alice/book/", Depth: "0", Seconds: 1.234, Status: "207 Multi-Status"}}},
		{name: "put without depth", log: "x [INFO] PUT response status for '/alice/book/a.vcf' in 0.010 seconds: 201 Created",
			want: []radicale.Request{{Method: "PUT", Path: "/alice/book/a.vcf", Seconds: 0.01, Status: "201 Created"}}},
		{name: "other lines", log: "[INFO] REPORT request for '/alice/book/' with depth '0' received from 127.0.0.1\nSuccessful login: 'alice'\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := radicale.ParseRequests(tc.log); !slices.Equal(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func FuzzParseRequests(f *testing.F) {
	f.Add("REPORT response status for '/a/' with depth '1' in 0.5 seconds: 207 Multi-Status")
	f.Add("GET response status for '' in 1e3 seconds: ")
	f.Fuzz(func(t *testing.T, log string) {
		for _, r := range radicale.ParseRequests(log) {
			if r.Method == "" || !strings.Contains(log, r.Method) {
				t.Fatalf("%+v from %q", r, log)
			}
		}
	})
}
