package agent

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/config"
)

// TestProvisioningLinksFollowRequestHost: without http.public_url the
// links in a provisioning file name the host the phone asked for, never
// the listen address; with it, the configured URL.
func TestProvisioningLinksFollowRequestHost(t *testing.T) {
	for name, tc := range map[string]struct {
		publicURL string
		want      string
	}{
		"request host": {want: "http://pbx.example.com:8080/phonebook/yealink.xml"},
		"public url":   {publicURL: "https://dir.example.org", want: "https://dir.example.org/phonebook/yealink.xml"},
	} {
		t.Run(name, func(t *testing.T) {
			_, base := testDaemon(t, func(c *config.Config) { c.HTTP.PublicURL = tc.publicURL })
			adm := client{t, base, "test-admin-token"}
			token := adm.registerPhone("0015654aa937")
			req, _ := http.NewRequest("GET", base+"/provisioning/0015654aa937.cfg?token="+token, nil)
			req.Host = "pbx.example.com:8080"
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("provisioning file: %d %s", resp.StatusCode, b)
			}
			// The listener's address may appear only as the address
			// remote-control commands come from, never in a link.
			links := regexp.MustCompile(`(?m)^features\.action_uri_limit_ip = 127\.0\.0\.1\n`).ReplaceAllString(string(b), "")
			if !strings.Contains(string(b), "remote_phonebook.data.1.url = "+tc.want) || strings.Contains(links, "127.0.0.1") {
				t.Errorf("provisioning file links elsewhere than %s:\n%s", tc.want, b)
			}
		})
	}
}

// TestAllInterfacesWarning: the start warns when the daemon listens on
// every interface and no public URL says which name phones must use.
func TestAllInterfacesWarning(t *testing.T) {
	for name, tc := range map[string]struct {
		http config.HTTP
		warn bool
	}{
		"ipv4 any":        {http: config.HTTP{Addr: "0.0.0.0:8080"}, warn: true},
		"ipv6 any":        {http: config.HTTP{Addr: "[::]:8080"}, warn: true},
		"no host":         {http: config.HTTP{Addr: ":8080"}, warn: true},
		"tls any":         {http: config.HTTP{Addr: "127.0.0.1:8080", TLSAddr: ":8443"}, warn: true},
		"loopback":        {http: config.HTTP{Addr: "127.0.0.1:8080"}},
		"one interface":   {http: config.HTTP{Addr: "192.0.2.10:8080"}},
		"with public url": {http: config.HTTP{Addr: "0.0.0.0:8080", PublicURL: "https://pbx.example.com"}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, got := allInterfacesWithoutPublicURL(tc.http); got != tc.warn {
				t.Errorf("warn = %v, want %v", got, tc.warn)
			}
		})
	}
}
