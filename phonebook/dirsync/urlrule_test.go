package dirsync_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

func TestSecretLooking(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{name: "client_secret", want: true}, {name: "password", want: true}, {name: "PWD", want: true},
		{name: "access_token", want: true}, {name: "api-key", want: true}, {name: "apiKey", want: true},
		{name: "AWSAccessKeyId", want: true}, {name: "sig", want: true}, {name: "key", want: true},
		{name: "X-Amz-Signature", want: true}, {name: "auth", want: true}, {name: "code", want: true},
		{name: "sslpassword", want: true}, {name: "private_key", want: true},
		{name: "page", want: false}, {name: "format", want: false}, {name: "sslmode", want: false},
		{name: "tenant", want: false}, {name: "author", want: false}, {name: "keyword", want: false},
		{name: "database", want: false}, {name: "encrypt", want: false},
	} {
		if got := dirsync.SecretLooking(tc.name); got != tc.want {
			t.Errorf("SecretLooking(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// FuzzCheckURL: an accepted URL is http(s) with a host, no user
// information and no secret-looking query parameter; a refusal names the
// setting.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://h.example/x", "http://u:p@h", "http://h/?client_secret=1", "http://h/?a=1;token=2",
		"http://h/?%70assword=1", "ftp://h", "http://h/?Sig=1", "https://h/a?b#c?token=1", "http://@h/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := dirsync.CheckURL("url", raw)
		if err != nil {
			var fe *dirsync.FieldError
			if !errors.As(err, &fe) || fe.Field != "settings.url" {
				t.Fatalf("CheckURL(%q) = %v, want a field error on settings.url", raw, err)
			}
			return
		}
		again, perr := url.Parse(raw)
		if perr != nil || again.User != nil || (again.Scheme != "http" && again.Scheme != "https") || again.Host == "" {
			t.Fatalf("CheckURL accepted %q", raw)
		}
		q, qerr := url.ParseQuery(again.RawQuery)
		if qerr != nil {
			t.Fatalf("CheckURL accepted %q with an invalid query", raw)
		}
		for name := range q {
			if dirsync.SecretLooking(name) {
				t.Fatalf("CheckURL accepted %q with parameter %q", raw, name)
			}
		}
		if u.String() != again.String() {
			t.Fatalf("CheckURL(%q) parsed as %q", raw, u)
		}
	})
}
