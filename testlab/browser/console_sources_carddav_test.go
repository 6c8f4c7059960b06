package browser

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/testlab/radicale"
)

// TestConsoleSourcesCardDAV: the CardDAV tab in Chromium against a real
// Radicale: a refused test, the preview, create and sync.
func TestConsoleSourcesCardDAV(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	dav := radicale.Start(t, radicale.Options{Users: map[string]string{"alice": "dav-secret-1"}})
	dav.MakeAddressBook(t, "alice", "/alice/contacts/", "Contacts")
	for i, name := range []string{"Hana;Dav", "Ivo;Dav", "Jana;Dav"} {
		dav.Put(t, "alice", fmt.Sprintf("/alice/contacts/%d.vcf", i),
			fmt.Sprintf("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:d%d\r\nN:%s;;;\r\nFN:%s\r\nTEL;TYPE=CELL:+3876130040%d\r\nEND:VCARD\r\n",
				i, strings.Split(name, ";")[1]+";"+strings.Split(name, ";")[0], strings.Split(name, ";")[0]+" Dav", i))
	}
	t.Setenv("SRC_DAV_URL", dav.URL)
	t.Setenv("SRC_DAV_USER", "alice")
	t.Setenv("SRC_DAV_PASSWORD", "dav-secret-1")
	var res struct {
		Fields    []string `json:"fields"`
		TestError string   `json:"test_error"`
		Preview   []string `json:"preview"`
		Status    string   `json:"status"`
		A11y      []string `json:"a11y_checked"`
	}
	l.run(t, "sources_carddav", &res)
	t.Logf("carddav: %+v", res)
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{name: "the CardDAV fields", ok: containsAll(strings.Join(res.Fields, "|"), "URL", "User name", "Password", "Address book")},
		{name: "a refused password is shown with its field", ok: strings.Contains(res.TestError, "Test failed") && strings.Contains(res.TestError, "settings.password") && strings.Contains(res.TestError, "401")},
		{name: "the preview", ok: slices.Equal(res.Preview, []string{"Hana Dav", "Ivo Dav", "Jana Dav"})},
		{name: "synced", ok: strings.HasSuffix(res.Status, "Contacts synced: 3, deleted: 0.")},
		{name: "axe ran in every state", ok: len(res.A11y) >= 3},
	} {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, res)
		}
	}
}
