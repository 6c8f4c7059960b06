package provisioning

import (
	"strings"
	"testing"
)

func TestConfigFiles(t *testing.T) {
	c := PhoneConfig{
		MAC: "0015654aa937", BookName: "Company & Co", Username: "ph1", Password: "s3&cret",
		BookURL: "https://pbx.example.com/phonebook/yealink.xml?token=abc&q=#SEARCH", RefreshSeconds: 100,
	}
	y := string(YealinkConfig(c))
	for _, want := range []string{
		"remote_phonebook.data.1.url = https://pbx.example.com/phonebook/yealink.xml?token=abc&q=#SEARCH\n",
		"remote_phonebook.data.1.name = Company & Co\n",
		"remote_phonebook.data.1.username = ph1\n",
		"remote_phonebook.data.1.password = s3&cret\n",
		"features.remote_phonebook.enable = 1\n",
		"features.remote_phonebook.flash_time = 3600\n",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("yealink cfg lacks %q:\n%s", want, y)
		}
	}

	xmlCases := []struct {
		name string
		b    []byte
		path string
		want string
	}{
		{"cisco-sep", marshal(t, CiscoSEPConfig(c), UTF8), "/device/directoryURL", c.BookURL},
		{"cisco-mpp-url", marshal(t, CiscoMPPConfig(c), UTF8), "/flat-profile/XML_Directory_Service_URL", c.BookURL},
		{"cisco-mpp-user", marshal(t, CiscoMPPConfig(c), UTF8), "/flat-profile/XML_User_Name", "ph1"},
		{"cisco-mpp-pass", marshal(t, CiscoMPPConfig(c), UTF8), "/flat-profile/XML_Password", "s3&cret"},
		{"grandstream-mode", marshal(t, GrandstreamConfig(c), UTF8), "//P330", "3"},
		{"grandstream-server", marshal(t, GrandstreamConfig(c), UTF8), "//P331", strings.TrimPrefix(c.BookURL, "https://")},
		{"grandstream-interval", marshal(t, GrandstreamConfig(c), UTF8), "//P332", "120"},
		{"grandstream-user", marshal(t, GrandstreamConfig(c), UTF8), "//P6713", "ph1"},
		{"grandstream-pass", marshal(t, GrandstreamConfig(c), UTF8), "//P6714", "s3&cret"},
		{"snom", marshal(t, SnomConfig(c), UTF8), "//dkey_directory", "url " + c.BookURL},
		{"fanvil", marshal(t, FanvilConfig(c), UTF8), "//xmlContact/Addr", c.BookURL},
		{"fanvil-pass", marshal(t, FanvilConfig(c), UTF8), "//xmlContact/PassWd", "s3&cret"},
	}
	for _, tc := range xmlCases {
		doc := parse(t, tc.b)
		e := doc.FindElement(tc.path)
		if e == nil || e.Text() != tc.want {
			t.Errorf("%s: %s = %v, want %q\n%s", tc.name, tc.path, e, tc.want, tc.b)
		}
	}
	p := parse(t, marshal(t, PolycomConfig(c), UTF8))
	if v := p.FindElement("//mb").SelectAttrValue("mb.main.home", ""); v != c.BookURL {
		t.Errorf("polycom mb.main.home = %q", v)
	}
	if got := RefreshInterval("0015654aa937", 3600, 600); got < 3600 || got >= 4200 {
		t.Errorf("refresh %d", got)
	}
	if RefreshInterval("a", 3600, 600) == RefreshInterval("b", 3600, 600) && RefreshInterval("c", 3600, 600) == RefreshInterval("d", 3600, 600) {
		t.Error("refresh not spread")
	}
}

// TestCTIKeys: with pbxagent's address the Yealink file lets it send
// action URIs without the phone's prompt and the MPP profile has
// CGI/Execute checked with the XML credentials; without it neither file
// says anything of remote control.
func TestCTIKeys(t *testing.T) {
	c := PhoneConfig{MAC: "0015654aa937", BookURL: "https://pbx.example.com/x", Username: "ph1", Password: "pw", CTIAllow: "192.0.2.10"}
	y := string(YealinkConfig(c))
	for _, want := range []string{
		"features.action_uri.enable = 1\n", "features.action_uri_limit_ip = 192.0.2.10\n", "features.show_action_uri_option = 0\n",
	} {
		if !strings.Contains(y, want) {
			t.Errorf("yealink cfg lacks %q:\n%s", want, y)
		}
	}
	mpp := marshal(t, CiscoMPPConfig(c), UTF8)
	if !strings.Contains(string(mpp), "<CISCO_XML_EXE_Auth_Mode>Remote Credential</CISCO_XML_EXE_Auth_Mode>") {
		t.Errorf("mpp lacks the Execute auth mode:\n%s", mpp)
	}
	c.CTIAllow = ""
	if y := string(YealinkConfig(c)); strings.Contains(y, "action_uri") {
		t.Errorf("yealink cfg without an address has action URI keys:\n%s", y)
	}
	if mpp := marshal(t, CiscoMPPConfig(c), UTF8); strings.Contains(string(mpp), "CISCO_XML_EXE") {
		t.Errorf("mpp without an address has Execute keys:\n%s", mpp)
	}
}
