package phones_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/phones"
	lab "github.com/pbxagent/pbxagent/testlab/phones"
)

// provValue reads key from a provisioning file: "key = value" lines for
// Yealink (.cfg text), else an element path or "path@attr".
func provValue(t *testing.T, body []byte, text bool, key string) (string, bool) {
	t.Helper()
	if text {
		for line := range strings.SplitSeq(string(body), "\n") {
			if k, v, ok := strings.Cut(line, " = "); ok && k == key {
				return v, true
			}
		}
		return "", false
	}
	el, attr, _ := strings.Cut(key, "@")
	e := parseXML(t, body).FindElement(el)
	if e == nil {
		return "", false
	}
	if attr == "" {
		return e.Text(), true
	}
	a := e.SelectAttr(attr)
	if a == nil {
		return "", false
	}
	return a.Value, true
}

func TestProvisioningLDAP(t *testing.T) {
	link := phones.LDAPLink{Port: 10389, BaseDN: "ou=contacts,dc=pbxagent", SizeLimit: 150}
	tests := []struct {
		name     string
		phone    string // registration JSON
		file     string
		user     string
		pass     string
		text     bool
		host     string            // LDAP host key
		port     string            // LDAP port key ("" when in host)
		portWant string            // expected port value
		want     map[string]string // further keys
	}{
		{name: "yealink", phone: `{"mac":"805ec0000001","vendor":"yealink","username":"y1","password":"y1-pass"}`,
			file: "805ec0000001.cfg", user: "y1", pass: "y1-pass", text: true, host: "ldap.host", port: "ldap.port", portWant: "10389",
			want: map[string]string{"ldap.user": "y1", "ldap.password": "y1-pass", "ldap.base": "ou=contacts,dc=pbxagent", "ldap.max_hits": "150", "ldap.enable": "1"}},
		{name: "grandstream", phone: `{"mac":"c074ad000001","vendor":"grandstream","username":"g1","password":"g1-pass"}`,
			file: "cfgc074ad000001.xml", user: "g1", pass: "g1-pass", host: "//P8020", port: "//P8021", portWant: "10389",
			want: map[string]string{"//P8023": "g1", "//P8024": "g1-pass", "//P8022": "ou=contacts,dc=pbxagent", "//P8031": "150"}},
		{name: "snom", phone: `{"mac":"000413000001","vendor":"snom","username":"s1","password":"s1-pass"}`,
			file: "000413000001.xml", user: "s1", pass: "s1-pass", host: "//ldap_server", port: "//ldap_port", portWant: "10389",
			want: map[string]string{"//ldap_username": "s1", "//ldap_password": "s1-pass", "//ldap_base": "ou=contacts,dc=pbxagent", "//ldap_max_hits": "150"}},
		{name: "fanvil", phone: `{"mac":"0c3830000001","vendor":"fanvil","username":"f1","password":"f1-pass"}`,
			file: "0c3830000001.cfg", user: "f1", pass: "f1-pass", host: "//ldap/Server", port: "//ldap/port", portWant: "10389",
			want: map[string]string{"//ldap/Username": "f1", "//ldap/Password": "f1-pass", "//ldap/Base": "ou=contacts,dc=pbxagent", "//ldap/MaxHits": "150"}},
		{name: "cisco mpp", phone: `{"mac":"0002fd000001","vendor":"cisco","username":"c1","password":"c1-pass"}`,
			file: "0002fd000001.xml", user: "c1", pass: "c1-pass", host: "//LDAP_Server",
			want: map[string]string{"//LDAP_Client_DN": "c1", "//LDAP_Password": "c1-pass", "//LDAP_Search_Base": "ou=contacts,dc=pbxagent", "//LDAP_Dir_Enable": "Yes"}},
		{name: "polycom", phone: `{"mac":"0004f2000001","vendor":"polycom","username":"p1","password":"p1-pass"}`,
			file: "0004f2000001-phonebook.cfg", user: "p1", pass: "p1-pass", host: "//dir@dir.corp.address", port: "//dir@dir.corp.port", portWant: "10389",
			want: map[string]string{"//dir@dir.corp.user": "p1", "//dir@dir.corp.password": "p1-pass", "//dir@dir.corp.baseDN": "ou=contacts,dc=pbxagent", "//feature@feature.corporateDirectory.enabled": "1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []struct {
				name     string
				opts     []phones.Option
				wantHost string
			}{
				{name: "public URL", opts: []phones.Option{phones.WithLDAP(link)}, wantHost: "pbx.example.com"},
				{name: "off"},
			} {
				e := newEnv(t, mode.opts...)
				e.register(tc.phone)
				r := e.get("/provisioning/"+tc.file, basic(tc.user, tc.pass))
				if r.Code != http.StatusOK {
					t.Fatalf("%s: %d %s", mode.name, r.Code, r.Body)
				}
				body := r.Body.Bytes()
				host, ok := provValue(t, body, tc.text, tc.host)
				if mode.wantHost == "" {
					if ok {
						t.Errorf("ldap off: %s = %q written", tc.host, host)
					}
					for k := range tc.want {
						if v, ok := provValue(t, body, tc.text, k); ok {
							t.Errorf("ldap off: %s = %q written", k, v)
						}
					}
					continue
				}
				wantHost := mode.wantHost
				if tc.port == "" {
					wantHost += ":10389"
				} else if got, _ := provValue(t, body, tc.text, tc.port); got != tc.portWant {
					t.Errorf("%s = %q, want %q", tc.port, got, tc.portWant)
				}
				if host != wantHost {
					t.Errorf("%s = %q, want %q", tc.host, host, wantHost)
				}
				for k, want := range tc.want {
					if got, ok := provValue(t, body, tc.text, k); got != want {
						t.Errorf("%s = %q (present %v), want %q", k, got, ok, want)
					}
				}
			}
		})
	}
}

// The host follows the XML book's: without a public URL it is the host the
// phone asked for its file at.
func TestProvisioningLDAPHostFromRequest(t *testing.T) {
	e := newEnv(t, phones.WithLDAP(phones.LDAPLink{Port: 389, BaseDN: "ou=contacts,dc=pbxagent", SizeLimit: 200}), phones.WithBaseURL(""))
	tests := []struct {
		name     string
		host     string
		wantLDAP string
		wantBook string
	}{
		{name: "name with port", host: "pbx.lan:8080", wantLDAP: "pbx.lan", wantBook: "http://pbx.lan:8080/phonebook/yealink.xml"},
		{name: "ipv4", host: "192.0.2.10", wantLDAP: "192.0.2.10", wantBook: "http://192.0.2.10/phonebook/yealink.xml"},
		{name: "ipv6", host: "[2001:db8::5]:8080", wantLDAP: "2001:db8::5", wantBook: "http://[2001:db8::5]:8080/phonebook/yealink.xml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.get("/provisioning/"+aliceMAC+".cfg", basic("alice-phone", alicePass), func(r *http.Request) { r.Host = tc.host })
			body := r.Body.Bytes()
			if got, _ := provValue(t, body, true, "ldap.host"); got != tc.wantLDAP {
				t.Errorf("ldap.host %q, want %q", got, tc.wantLDAP)
			}
			if got, _ := provValue(t, body, true, "remote_phonebook.data.1.url"); !strings.HasPrefix(got, tc.wantBook) {
				t.Errorf("book URL %q, want prefix %q", got, tc.wantBook)
			}
		})
	}
}

// The bind password is the phone's own and is written only into its own
// file: a phone without a password gets no LDAP keys, another phone's file
// is refused, and no file carries another phone's password.
func TestProvisioningLDAPCredentials(t *testing.T) {
	e := newEnv(t, phones.WithLDAP(phones.LDAPLink{Port: 389, BaseDN: "ou=contacts,dc=pbxagent", SizeLimit: 200}))
	tokOnly := e.register(`{"mac":"805ec0000002","vendor":"yealink"}`).Token
	e.register(`{"mac":"805ec0000003","vendor":"yealink","username":"y3","password":"y3-pass"}`)
	tests := []struct {
		name       string
		target     string
		auth       func(*http.Request)
		wantCode   int
		wantLDAP   bool
		wantAbsent []string
	}{
		{name: "own file", target: "/provisioning/" + aliceMAC + ".cfg", auth: basic("alice-phone", alicePass), wantCode: 200, wantLDAP: true, wantAbsent: []string{"y3-pass"}},
		{name: "token-only phone", target: "/provisioning/805ec0000002.cfg?token=" + tokOnly, auth: func(*http.Request) {}, wantCode: 200, wantAbsent: []string{alicePass, "y3-pass"}},
		{name: "other phone's file", target: "/provisioning/805ec0000003.cfg", auth: basic("alice-phone", alicePass), wantCode: 403, wantAbsent: []string{"y3-pass"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.get(tc.target, tc.auth)
			if r.Code != tc.wantCode {
				t.Fatalf("code %d, want %d", r.Code, tc.wantCode)
			}
			body := r.Body.String()
			if _, ok := provValue(t, r.Body.Bytes(), true, "ldap.enable"); ok != tc.wantLDAP {
				t.Errorf("LDAP keys present %v, want %v:\n%s", ok, tc.wantLDAP, body)
			}
			if tc.wantLDAP {
				if got, _ := provValue(t, r.Body.Bytes(), true, "ldap.password"); got != alicePass {
					t.Errorf("ldap.password %q, want the phone's own", got)
				}
			}
			for _, s := range tc.wantAbsent {
				if strings.Contains(body, s) {
					t.Errorf("file carries %q", s)
				}
			}
		})
	}
}

func TestWithLDAPValidate(t *testing.T) {
	tests := []struct {
		name    string
		link    phones.LDAPLink
		wantErr string
	}{
		{name: "port zero", link: phones.LDAPLink{Port: 0, BaseDN: "ou=c", SizeLimit: 1}, wantErr: "LDAP port 0"},
		{name: "port too high", link: phones.LDAPLink{Port: 70000, BaseDN: "ou=c", SizeLimit: 1}, wantErr: "LDAP port 70000"},
		{name: "base DN", link: phones.LDAPLink{Port: 389, BaseDN: "contacts", SizeLimit: 1}, wantErr: "LDAP base DN"},
		{name: "size limit", link: phones.LDAPLink{Port: 389, BaseDN: "ou=c", SizeLimit: 0}, wantErr: "LDAP size limit 0"},
		{name: "valid", link: phones.LDAPLink{Port: 389, BaseDN: "ou=c", SizeLimit: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := phones.New(t.Context(), lab.NewMemDirectory(), lab.NewMemKV(), phones.WithLDAP(tc.link))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
			}
		})
	}
}
