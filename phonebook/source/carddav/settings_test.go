package carddav_test

import (
	"errors"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/source/carddav"
)

func TestNewValidatesSettings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		settings string
		field    string
	}{
		{name: "ok", settings: `{"url":"https://dav.example.com/","username":"a","password":"p"}`},
		{name: "ok without credentials", settings: `{"url":"http://127.0.0.1:5232"}`},
		{name: "no url", settings: `{"username":"a"}`, field: "settings.url"},
		{name: "ftp url", settings: `{"url":"ftp://x/"}`, field: "settings.url"},
		{name: "credentials in url", settings: `{"url":"https://a:b@x/"}`, field: "settings.url"},
		{name: "insecure on http", settings: `{"url":"http://x/","insecure_skip_verify":true}`, field: "settings.insecure_skip_verify"},
		{name: "colon in user", settings: `{"url":"https://x/","username":"a:b","password":"p"}`, field: "settings.username"},
		{name: "password without user", settings: `{"url":"https://x/","password":"p"}`, field: "settings.username"},
		{name: "book on two lines", settings: `{"url":"https://x/","address_book":"a\nb"}`, field: "settings.address_book"},
		{name: "not an object", settings: `[1]`, field: "settings."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := carddav.New([]byte(tc.settings), dirsync.Env{})
			if tc.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *dirsync.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err = %v, want a FieldError on %s", err, tc.field)
			}
		})
	}
}
