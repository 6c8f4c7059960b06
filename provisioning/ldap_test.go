package provisioning

import (
	"bufio"
	"bytes"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// yealinkKeys parses a Yealink key = value file.
func yealinkKeys(t *testing.T, b []byte) map[string]string {
	t.Helper()
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, " = ")
		if !ok {
			t.Fatalf("line %q is not key = value", line)
		}
		if _, dup := m[k]; dup {
			t.Fatalf("key %s written twice", k)
		}
		m[k] = v
	}
	return m
}

// xmlValue reads path: an element's text, or "elementpath@attr" an
// attribute; ok false when absent.
func xmlValue(doc *etree.Document, path string) (string, bool) {
	el, attr, _ := strings.Cut(path, "@")
	e := doc.FindElement(el)
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

func TestLDAPKeys(t *testing.T) {
	ld := &LDAP{Host: "pbx.example.com", Port: 10389, BaseDN: "ou=contacts,dc=pbxagent",
		User: "alice-phone", Password: "s3cret&<pw>", MaxHits: 200}
	base := PhoneConfig{MAC: "0015654aa937", BookName: "Company", BookURL: "https://pbx.example.com/phonebook/x",
		Username: "alice-phone", Password: "s3cret&<pw>", RefreshSeconds: 3600}
	xmlOf := func(f func(PhoneConfig) *etree.Document) func(*testing.T, PhoneConfig) func(string) (string, bool) {
		return func(t *testing.T, c PhoneConfig) func(string) (string, bool) {
			b, err := Marshal(f(c), UTF8)
			if err != nil {
				t.Fatal(err)
			}
			doc := parse(t, b)
			return func(p string) (string, bool) { return xmlValue(doc, p) }
		}
	}
	tests := []struct {
		name   string
		render func(*testing.T, PhoneConfig) func(string) (string, bool)
		want   map[string]string
		// book are keys of the XML book that stay either way.
		book []string
	}{
		{
			name: "yealink",
			render: func(t *testing.T, c PhoneConfig) func(string) (string, bool) {
				m := yealinkKeys(t, YealinkConfig(c))
				return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
			},
			want: map[string]string{
				"ldap.enable": "1", "ldap.host": "pbx.example.com", "ldap.port": "10389",
				"ldap.base": "ou=contacts,dc=pbxagent", "ldap.user": "alice-phone", "ldap.password": "s3cret&<pw>",
				"ldap.version": "3", "ldap.tls_mode": "0",
				"ldap.name_filter": "(|(cn=%)(sn=%))", "ldap.number_filter": "(|(telephoneNumber=%)(mobile=%)(ipPhone=%))",
				"ldap.name_attr": "cn sn", "ldap.numb_attr": "telephoneNumber mobile homePhone",
				"ldap.display_name": "%cn", "ldap.max_hits": "200", "ldap.call_in_lookup": "0",
			},
			book: []string{"remote_phonebook.data.1.url", "features.remote_phonebook.enable"},
		},
		{
			name:   "grandstream",
			render: xmlOf(GrandstreamConfig),
			want: map[string]string{
				"//P8037": "0", "//P8020": "pbx.example.com", "//P8021": "10389", "//P8022": "ou=contacts,dc=pbxagent",
				"//P8023": "alice-phone", "//P8024": "s3cret&<pw>",
				"//P8025": "(|(telephoneNumber=%)(Mobile=%))", "//P8026": "(|(cn=%)(sn=%))",
				"//P8027": "3", "//P8028": "cn sn", "//P8029": "telephoneNumber mobile homePhone",
				"//P8030": "%cn", "//P8031": "200", "//P8034": "0", "//P8035": "0",
			},
			book: []string{"//P331", "//P6714"},
		},
		{
			name:   "snom",
			render: xmlOf(SnomConfig),
			want: map[string]string{
				"//ldap_server": "pbx.example.com", "//ldap_port": "10389", "//ldap_base": "ou=contacts,dc=pbxagent",
				"//ldap_username": "alice-phone", "//ldap_password": "s3cret&<pw>", "//ldap_over_tls": "off",
				"//ldap_search_filter": "(|(sn=%*)(cn=%*))", "//ldap_number_filter": "(&(telephoneNumber=%)(sn=*))",
				"//ldap_name_attributes": "cn sn", "//ldap_number_attributes": "telephoneNumber mobile homePhone",
				"//ldap_display_name": "%cn", "//ldap_max_hits": "200", "//ldap_server@perm": "R",
			},
			book: []string{"//dkey_directory"},
		},
		{
			name:   "fanvil",
			render: xmlOf(FanvilConfig),
			want: map[string]string{
				"/sysConf/phone/ldap@index": "1", "/sysConf/phone/ldap/Title": "Company",
				"//ldap/Server": "pbx.example.com", "//ldap/port": "10389", "//ldap/Base": "ou=contacts,dc=pbxagent",
				"//ldap/UseSSL": "0", "//ldap/Version": "3", "//ldap/InCallSearch": "1",
				"//ldap/Username": "alice-phone", "//ldap/Password": "s3cret&<pw>",
				"//ldap/TelAttr": "telephoneNumber", "//ldap/MobileAttr": "mobile", "//ldap/OtherAttr": "homePhone",
				"//ldap/NameAttr": "cn sn", "//ldap/Displayname": "cn",
				"//ldap/NumberFilter": "(|(telephoneNumber=%)(mobile=%)(homePhone=%))", "//ldap/NameFilter": "(|(cn=%)(sn=%))",
				"//ldap/MaxHits": "200",
			},
			book: []string{"//xmlContact/Addr"},
		},
		{
			name:   "cisco mpp",
			render: xmlOf(CiscoMPPConfig),
			want: map[string]string{
				"//LDAP_Dir_Enable": "Yes", "//LDAP_Corp_Dir_Name": "Company", "//LDAP_Server": "pbx.example.com:10389",
				"//LDAP_Search_Base": "ou=contacts,dc=pbxagent", "//LDAP_Auth_Method": "Simple",
				"//LDAP_Client_DN": "alice-phone", "//LDAP_Password": "s3cret&<pw>",
				"//LDAP_Last_Name_Filter": "sn:(sn=$VALUE)", "//LDAP_First_Name_Filter": "cn:(cn=$VALUE)",
				"//LDAP_Display_Attrs": "a=givenName,n=firstname;a=sn,n=lastname;a=cn,n=cn;a=telephoneNumber,n=tele,t=p",
			},
			book: []string{"//XML_Directory_Service_URL", "//XML_Password"},
		},
		{
			name:   "polycom",
			render: xmlOf(PolycomConfig),
			want: map[string]string{
				"//feature@feature.corporateDirectory.enabled": "1",
				"//dir@dir.corp.address":                       "pbx.example.com", "//dir@dir.corp.port": "10389",
				"//dir@dir.corp.transport": "TCP", "//dir@dir.corp.baseDN": "ou=contacts,dc=pbxagent",
				"//dir@dir.corp.scope": "sub", "//dir@dir.corp.filterPrefix": "(objectclass=person)",
				"//dir@dir.corp.user": "alice-phone", "//dir@dir.corp.password": "s3cret&<pw>",
				"//dir@dir.corp.attribute.1.name": "sn", "//dir@dir.corp.attribute.1.type": "last_name",
				"//dir@dir.corp.attribute.2.name": "givenName", "//dir@dir.corp.attribute.3.name": "telephoneNumber",
				"//dir@dir.corp.attribute.3.searchable": "1",
			},
			book: []string{"//mb@mb.main.home", "//dir@dir.local.readonly"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			on := base
			on.LDAP = ld
			get := tc.render(t, on)
			for k, want := range tc.want {
				if got, ok := get(k); !ok || got != want {
					t.Errorf("LDAP on: %s = %q (present %v), want %q", k, got, ok, want)
				}
			}
			off := tc.render(t, base)
			for k := range tc.want {
				if _, ok := off(k); ok {
					t.Errorf("LDAP off: %s written", k)
				}
			}
			for _, k := range tc.book {
				if _, ok := get(k); !ok {
					t.Errorf("LDAP on: XML book key %s missing", k)
				}
				if _, ok := off(k); !ok {
					t.Errorf("LDAP off: XML book key %s missing", k)
				}
			}
		})
	}
}

func TestLDAPPortAndHits(t *testing.T) {
	tests := []struct {
		name       string
		ldap       LDAP
		wantServer string
		wantHits   string
	}{
		{name: "default port, host only", ldap: LDAP{Host: "10.0.0.5", Port: 389, MaxHits: 50}, wantServer: "10.0.0.5", wantHits: "50"},
		{name: "ipv6 with port", ldap: LDAP{Host: "2001:db8::1", Port: 1389, MaxHits: 0}, wantServer: "[2001:db8::1]:1389", wantHits: "1"},
		{name: "hits capped", ldap: LDAP{Host: "pbx", Port: 389, MaxHits: 50000}, wantServer: "pbx", wantHits: "32000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := PhoneConfig{MAC: "0015654aa937", LDAP: &tc.ldap}
			doc := CiscoMPPConfig(c)
			if got, _ := xmlValue(doc, "//LDAP_Server"); got != tc.wantServer {
				t.Errorf("LDAP_Server %q, want %q", got, tc.wantServer)
			}
			if got := yealinkKeys(t, YealinkConfig(c))["ldap.max_hits"]; got != tc.wantHits {
				t.Errorf("ldap.max_hits %q, want %q", got, tc.wantHits)
			}
		})
	}
}
