package agent

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/agent/phones"
)

func TestLDAPLink(t *testing.T) {
	tests := []struct {
		name     string
		addr     string
		want     phones.LDAPLink
		wantOK   bool
		wantWarn bool
	}{
		{name: "off", addr: ""},
		{name: "fixed port", addr: "0.0.0.0:389", want: phones.LDAPLink{Port: 389, BaseDN: "ou=contacts,dc=pbxagent", SizeLimit: 200}, wantOK: true},
		{name: "other port", addr: "[::]:10389", want: phones.LDAPLink{Port: 10389, BaseDN: "ou=contacts,dc=pbxagent", SizeLimit: 200}, wantOK: true},
		{name: "ephemeral port", addr: "127.0.0.1:0", wantWarn: true},
		{name: "named port", addr: "127.0.0.1:ldap", wantWarn: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs bytes.Buffer
			cfg := config.Config{LDAP: config.DefaultLDAP()}
			cfg.LDAP.Addr = tc.addr
			b := &build{cfg: cfg, d: &Daemon{log: slog.New(slog.NewTextHandler(&logs, nil))}}
			got, ok := ldapLink(b)
			if ok != tc.wantOK || got != tc.want {
				t.Errorf("ldapLink = %+v, %v; want %+v, %v", got, ok, tc.want, tc.wantOK)
			}
			if warned := strings.Contains(logs.String(), "no fixed port"); warned != tc.wantWarn {
				t.Errorf("warned %v, want %v: %s", warned, tc.wantWarn, logs.String())
			}
		})
	}
}

// freePort is a loopback TCP port free a moment ago (the provisioning files
// need ldap.addr's own port, not ":0").
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	return p
}

// TestProvisionedLDAPKeysWork: a phone configured by its provisioning
// file alone reaches the daemon's LDAP directory: it binds with the
// file's user and password at the file's host and port and finds a contact
// with the file's name and number filters under the file's base.
func TestProvisionedLDAPKeysWork(t *testing.T) {
	port := freePort(t)
	d, base := testDaemon(t, func(c *config.Config) {
		c.LDAP.Addr = "127.0.0.1:" + port
		c.LDAP.BaseDN = "ou=contacts,dc=example"
	})
	if d.LDAPAddr() == "" {
		t.Fatal("the LDAP directory is not listening")
	}
	api := client{t: t, base: base, token: "test-admin-token"}
	if code, body := api.do("POST", "/api/v1/contacts", "application/json", []byte(`{"first_name":"Ada","last_name":"Lovelace","numbers":[{"type":"work","value":"1815"}]}`)); code != 201 {
		t.Fatalf("create contact: %d %s", code, body)
	}
	keys := func(t *testing.T, body []byte, text bool, names ...string) []string {
		t.Helper()
		out := make([]string, len(names))
		for i, n := range names {
			if text {
				for line := range strings.SplitSeq(string(body), "\n") {
					if k, v, ok := strings.Cut(line, " = "); ok && k == n {
						out[i] = v
					}
				}
				continue
			}
			doc := etree.NewDocument()
			if err := doc.ReadFromBytes(body); err != nil {
				t.Fatalf("not XML: %v\n%s", err, body)
			}
			if e := doc.FindElement("//" + n); e != nil {
				out[i] = e.Text()
			}
		}
		return out
	}
	tests := []struct {
		name  string
		phone string
		file  string
		user  string
		pass  string
		text  bool
		// host, port, base, user, password, name filter, number filter
		keys []string
	}{
		{name: "yealink", phone: `{"mac":"805EC0AABB01","vendor":"yealink","username":"desk1","password":"desk1-secret"}`,
			file: "805ec0aabb01.cfg", user: "desk1", pass: "desk1-secret", text: true,
			keys: []string{"ldap.host", "ldap.port", "ldap.base", "ldap.user", "ldap.password", "ldap.name_filter", "ldap.number_filter"}},
		{name: "grandstream", phone: `{"mac":"C074ADAABB01","vendor":"grandstream","username":"desk2","password":"desk2-secret"}`,
			file: "cfgc074adaabb01.xml", user: "desk2", pass: "desk2-secret",
			keys: []string{"P8020", "P8021", "P8022", "P8023", "P8024", "P8026", "P8025"}},
		{name: "fanvil", phone: `{"mac":"0C383EAABB01","vendor":"fanvil","username":"desk3","password":"desk3-secret"}`,
			file: "0c383eaabb01.cfg", user: "desk3", pass: "desk3-secret",
			keys: []string{"ldap/Server", "ldap/port", "ldap/Base", "ldap/Username", "ldap/Password", "ldap/NameFilter", "ldap/NumberFilter"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := api.do("POST", "/api/v1/phones", "application/json", []byte(tc.phone)); code != 201 {
				t.Fatalf("register phone: %d %s", code, body)
			}
			req, _ := http.NewRequest("GET", base+"/provisioning/"+tc.file, nil)
			req.SetBasicAuth(tc.user, tc.pass)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("provisioning file: %d %s", resp.StatusCode, body)
			}
			v := keys(t, body, tc.text, tc.keys...)
			if v[0] != "127.0.0.1" || v[1] != port || v[3] != tc.user || v[4] != tc.pass {
				t.Fatalf("LDAP keys %q in\n%s", v, body)
			}
			c, err := ldap.DialURL("ldap://" + net.JoinHostPort(v[0], v[1]))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Bind(v[3], v[4]); err != nil {
				t.Fatalf("bind with the file's credentials: %v", err)
			}
			for _, s := range []struct{ filter, typed string }{{v[5], "lov*"}, {v[6], "1815"}} {
				f := strings.ReplaceAll(s.filter, "%", s.typed)
				res, err := c.Search(ldap.NewSearchRequest(v[2], ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
					f, []string{"cn", "telephoneNumber"}, nil))
				if err != nil {
					t.Fatalf("search %s: %v", f, err)
				}
				if len(res.Entries) != 1 || res.Entries[0].GetAttributeValue("telephoneNumber") != "1815" {
					t.Errorf("search %s: entries %+v", f, res.Entries)
				}
			}
		})
	}
}
