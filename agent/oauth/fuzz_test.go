package oauth

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
)

func FuzzRedirectURI(f *testing.F) {
	for _, s := range []string{"https://crm.example.com/cb", "http://127.0.0.1:8080/cb", "http://localhost/cb", "http://[::1]/cb",
		"http://crm.example.com/cb", "https://a/cb#frag", "https://user:pw@a/cb", "javascript:alert(1)", "/cb", "HTTPS://a/cb",
		"https://a/cb?x=1", "https:///cb", "https://a/c b", "http://127.0.0.1.evil.example/cb", "http://localhost.evil.example/"} {
		f.Add(s, s)
		f.Add(s, s+"/")
	}
	f.Fuzz(func(t *testing.T, registered, got string) {
		err := ValidateRedirectURI(registered)
		if err == nil {
			u, perr := url.Parse(registered)
			if perr != nil || u.Fragment != "" || u.User != nil || u.Host == "" || strings.ContainsAny(registered, " \t\r\n#") {
				t.Fatalf("accepted %q", registered)
			}
			if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
				t.Fatalf("accepted %q: scheme %q host %q", registered, u.Scheme, u.Hostname())
			}
		}
		// Exact match: nothing but the same string.
		if matchRedirectURI([]string{registered}, got) != (registered == got) {
			t.Fatalf("match(%q, %q)", registered, got)
		}
	})
}

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"", "calls", "calls presence", "calls  calls", " admin ", "contacts:read contacts:write", "root",
		"calls\tpresence", "CALLS", strings.Repeat("calls ", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseScope(s)
		if err != nil {
			if got != nil {
				t.Fatal("a list with an error")
			}
			return
		}
		seen := map[platform.Scope]bool{}
		for _, sc := range got {
			if !slices.Contains(platform.AppScopes, sc) || seen[sc] {
				t.Fatalf("%q gave %v", s, got)
			}
			seen[sc] = true
			if !slices.Contains(strings.Split(s, " "), string(sc)) {
				t.Fatalf("%q gave %s, not in it", s, sc)
			}
		}
		again, err := ParseScope(FormatScope(got))
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("round trip of %q: %v %v", s, again, err)
		}
	})
}

func FuzzNormalizeOrigin(f *testing.F) {
	for _, s := range []string{"https://crm.example.com", "https://CRM.example.com:443", "http://localhost:8080", "http://[::1]:80",
		"https://a.example/", "*", "null", "ftp://a", "https://a:0", "https://a:99999", "https://u@a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeOrigin(s)
		if err != nil {
			return
		}
		// Idempotent, and in the form a browser sends.
		n2, err := NormalizeOrigin(n)
		if err != nil || n2 != n {
			t.Fatalf("%q -> %q -> %q %v", s, n, n2, err)
		}
		u, err := url.Parse(n)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" || u.RawQuery != "" || n != strings.ToLower(n) {
			t.Fatalf("%q -> %q", s, n)
		}
	})
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		key  string
	}{
		{name: "defaults", cfg: Config{}},
		{name: "https issuer", cfg: Config{Issuer: "https://pbx.example.com/base"}},
		{name: "http issuer", cfg: Config{Issuer: "http://pbx.example.com"}, key: "oauth.issuer"},
		{name: "issuer with query", cfg: Config{Issuer: "https://pbx.example.com/?a=1"}, key: "oauth.issuer"},
		{name: "long code", cfg: Config{CodeTTL: 11 * 60e9}, key: "oauth.code_ttl"},
		{name: "negative", cfg: Config{AccessTTL: -1}, key: "oauth.access_ttl"},
		{name: "access beyond refresh", cfg: Config{AccessTTL: 2 * 60e9, RefreshTTL: 60e9}, key: "oauth.access_ttl"},
		{name: "max tokens", cfg: Config{MaxTokens: -1}, key: "oauth.max_tokens"},
	}
	for _, tt := range tests {
		err := tt.cfg.WithDefaults().Validate()
		if (err == nil) != (tt.key == "") || (err != nil && !strings.Contains(err.Error(), tt.key)) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.key)
		}
	}
}
