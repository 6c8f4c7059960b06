package carddav_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/source/carddav"
)

// syncAnswer is RFC 6578 §3.8's example answer, shortened.
const syncAnswer = `<?xml version="1.0" encoding="utf-8" ?>
<D:multistatus xmlns:D="DAV:">
  <D:response><D:href>http://example.com/home/cyrusdaboo/calendar/test.ics</D:href>
    <D:propstat><D:prop><D:getetag>"00001-abcd1"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>
  </D:response>
  <D:response><D:href>/home/cyrusdaboo/calendar/old.ics</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>
  <D:sync-token>http://example.com/ns/sync/1234</D:sync-token>
</D:multistatus>`

func TestReadMultistatus(t *testing.T) {
	for _, tc := range []struct {
		name    string
		body    string
		want    string
		token   string
		wantErr string
	}{
		{name: "RFC 6578 example", body: syncAnswer, token: "http://example.com/ns/sync/1234",
			want: `http://example.com/home/cyrusdaboo/calendar/test.ics 0 "00001-abcd1";/home/cyrusdaboo/calendar/old.ics 404 ;`},
		{name: "default namespace and card data", body: `<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><response><href>/a/b.vcf</href>` +
			`<propstat><prop><getetag>"e"</getetag><C:address-data>BEGIN:VCARD&#13;
END:VCARD</C:address-data></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`,
			want: `/a/b.vcf 0 "e" BEGIN:VCARD` + "\r\nEND:VCARD;"},
		{name: "not a multistatus", body: `<D:error xmlns:D="DAV:"/>`, wantErr: "root element is <error>"},
		{name: "empty", body: ``, wantErr: "no <D:multistatus>"},
		{name: "response without href", body: `<multistatus xmlns="DAV:"><response><status>HTTP/1.1 200 OK</status></response></multistatus>`, wantErr: "response 1 has no href"},
		{name: "truncated", body: `<multistatus xmlns="DAV:"><response><href>/x`, wantErr: "multistatus: response 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got strings.Builder
			tok, err := carddav.ReadMultistatus(strings.NewReader(tc.body), func(r *carddav.Response) error {
				etag, data, _, _ := r.OK()
				fmt.Fprintf(&got, "%s %d %s", r.Href, r.Code(), etag)
				if data != "" {
					got.WriteString(" " + data)
				}
				got.WriteString(";")
				return nil
			})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got.String() != tc.want || tok != tc.token {
				t.Fatalf("err %v\n got %q token %q\nwant %q token %q", err, got.String(), tok, tc.want, tc.token)
			}
		})
	}
	stop := errors.New("stop")
	if _, err := carddav.ReadMultistatus(strings.NewReader(syncAnswer), func(*carddav.Response) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("callback error: %v", err)
	}
}

func TestParseDAVError(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		cond string
		want bool
	}{
		{name: "valid-sync-token", body: `<?xml version="1.0"?><D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>`, cond: "valid-sync-token", want: true},
		{name: "other precondition", body: `<error xmlns="DAV:"><supported-report/></error>`, cond: "valid-sync-token"},
		{name: "not DAV", body: `<error><valid-sync-token/></error>`, cond: "valid-sync-token"},
		{name: "text", body: `Forbidden`, cond: "valid-sync-token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := carddav.ParseDAVError([]byte(tc.body)).Has(tc.cond); got != tc.want {
				t.Fatalf("Has(%q) = %v", tc.cond, got)
			}
		})
	}
}

func FuzzMultistatus(f *testing.F) {
	f.Add(syncAnswer)
	f.Add(`<multistatus xmlns="DAV:"><response><href>/a</href><propstat><prop><resourcetype><collection/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`)
	f.Add(`<D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>`)
	f.Fuzz(func(t *testing.T, s string) {
		n := 0
		_, err := carddav.ReadMultistatus(strings.NewReader(s), func(r *carddav.Response) error {
			n++
			if r.Href == "" {
				t.Fatal("response without href handed on")
			}
			r.OK()
			r.Code()
			return nil
		})
		if err == nil && n > len(s) {
			t.Fatalf("%d responses from %d bytes", n, len(s))
		}
		carddav.ParseDAVError([]byte(s)).Has("valid-sync-token")
	})
}

func TestCanonHref(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{in: "/alice/book/a%40b.vcf", want: "/alice/book/a@b.vcf"},
		{in: "https://dav.example.com/alice/book/a@b.vcf", want: "/alice/book/a@b.vcf"},
		{in: "/alice/book/with space.vcf", want: "/alice/book/with%20space.vcf"},
		{in: "/alice/book/with%20space.vcf", want: "/alice/book/with%20space.vcf"},
	} {
		if got := carddav.CanonHref(tc.in); got != tc.want {
			t.Errorf("canonHref(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
