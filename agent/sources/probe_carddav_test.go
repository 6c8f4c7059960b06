package sources_test

import (
	"fmt"
	"testing"

	"github.com/pbxagent/pbxagent/testlab/faultnet"
	"github.com/pbxagent/pbxagent/testlab/radicale"
)

// TestSourceTestCardDAV: the test call of a CardDAV source against a real
// Radicale (skipped without it, failed when CI=true).
func TestSourceTestCardDAV(t *testing.T) {
	srv := radicale.Start(t, radicale.Options{Users: map[string]string{"alice": "secret"}})
	srv.MakeAddressBook(t, "alice", "/alice/book/", "Company")
	for i := range 3 {
		srv.Put(t, "alice", fmt.Sprintf("/alice/book/%d.vcf", i),
			fmt.Sprintf("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:u%d\r\nFN:Person %d\r\nTEL;VALUE=uri;TYPE=work:tel:+387-33-%d\r\nEND:VCARD\r\n", i, i, i))
	}
	api := probeAPI(t)
	closed := faultnet.ClosedPort(t)
	for _, tc := range []probeCase{
		{name: "carddav rows", typ: "carddav", settings: map[string]any{"url": srv.URL, "username": "alice", "password": "secret"}, status: 200, rows: 3},
		{name: "carddav wrong password", typ: "carddav", settings: map[string]any{"url": srv.URL, "username": "alice", "password": "wrong"},
			status: 422, code: "credentials_refused", field: "settings.password", inMsg: "HTTP 401"},
		{name: "carddav closed port", typ: "carddav", settings: map[string]any{"url": "http://" + closed, "username": "alice", "password": "secret"},
			status: 502, code: "unreachable", field: "settings.url", inMsg: closed + ": connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) { checkProbe(t, api, tc) })
	}
}
