package ldapsrc_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/source/ldapsrc"
)

func TestSettingsValidation(t *testing.T) {
	base := func(mod func(m map[string]any)) json.RawMessage {
		m := map[string]any{"url": "ldaps://dc1.example.com", "bind_dn": "cn=pbx,dc=example,dc=com", "password": "pw",
			"base_dn": "ou=people,dc=example,dc=com"}
		mod(m)
		b, _ := json.Marshal(m)
		return b
	}
	tests := []struct {
		name  string
		mod   func(m map[string]any)
		field string
	}{
		{name: "ok", mod: func(m map[string]any) {}},
		{name: "ok ldap with StartTLS", mod: func(m map[string]any) { m["url"] = "ldap://dc1.example.com:389"; m["start_tls"] = true }},
		{name: "ok plaintext on loopback", mod: func(m map[string]any) { m["url"] = "ldap://127.0.0.1:3890" }},
		{name: "ok plaintext allowed", mod: func(m map[string]any) { m["url"] = "ldap://dc1"; m["allow_plaintext"] = true }},
		{name: "ok anonymous", mod: func(m map[string]any) { delete(m, "bind_dn"); delete(m, "password") }},
		{name: "ok attribute override", mod: func(m map[string]any) {
			m["attributes"] = map[string]any{"work": []string{"telephoneNumber", "ipPhone"}, "other": "", "custom.room": "roomNumber"}
		}},
		{name: "url missing", mod: func(m map[string]any) { delete(m, "url") }, field: "settings.url"},
		{name: "url http", mod: func(m map[string]any) { m["url"] = "http://dc1" }, field: "settings.url"},
		{name: "url with base DN", mod: func(m map[string]any) { m["url"] = "ldap://dc1/dc=example,dc=com" }, field: "settings.url"},
		{name: "url user info", mod: func(m map[string]any) { m["url"] = "ldaps://u:p@dc1" }, field: "settings.url"},
		{name: "plaintext password to a remote host", mod: func(m map[string]any) { m["url"] = "ldap://dc1.example.com" }, field: "settings.url"},
		{name: "start_tls on ldaps", mod: func(m map[string]any) { m["start_tls"] = true }, field: "settings.start_tls"},
		{name: "ca_pem not PEM", mod: func(m map[string]any) { m["ca_pem"] = "hello" }, field: "settings.ca_pem"},
		{name: "password without bind_dn", mod: func(m map[string]any) { delete(m, "bind_dn") }, field: "settings.bind_dn"},
		{name: "bind_dn without password", mod: func(m map[string]any) { delete(m, "password") }, field: "settings.password"},
		{name: "bind_dn not a DN", mod: func(m map[string]any) { m["bind_dn"] = "pbx" }, field: "settings.bind_dn"},
		{name: "bind_dn broken DN", mod: func(m map[string]any) { m["bind_dn"] = "cn=pbx,=x" }, field: "settings.bind_dn"},
		{name: "ok AD user principal name", mod: func(m map[string]any) { m["bind_dn"] = "pbx@example.com" }},
		{name: "ok AD down-level name", mod: func(m map[string]any) { m["bind_dn"] = `EXAMPLE\pbx` }},
		{name: "base_dn missing", mod: func(m map[string]any) { delete(m, "base_dn") }, field: "settings.base_dn"},
		{name: "base_dn not a DN", mod: func(m map[string]any) { m["base_dn"] = "people" }, field: "settings.base_dn"},
		{name: "filter broken", mod: func(m map[string]any) { m["filter"] = "(&(cn=a)" }, field: "settings.filter"},
		{name: "scope", mod: func(m map[string]any) { m["scope"] = "deep" }, field: "settings.scope"},
		{name: "page_size", mod: func(m map[string]any) { m["page_size"] = -1 }, field: "settings.page_size"},
		{name: "flavor", mod: func(m map[string]any) { m["flavor"] = "novell" }, field: "settings.flavor"},
		{name: "overlap", mod: func(m map[string]any) { m["overlap_seconds"] = -5 }, field: "settings.overlap_seconds"},
		{name: "timeout", mod: func(m map[string]any) { m["timeout_seconds"] = 99999 }, field: "settings.timeout_seconds"},
		{name: "max_entries", mod: func(m map[string]any) { m["max_entries"] = -1 }, field: "settings.max_entries"},
		{name: "unknown field in map", mod: func(m map[string]any) { m["attributes"] = map[string]any{"shoe": "size"} }, field: "settings.attributes.shoe"},
		{name: "bad attribute", mod: func(m map[string]any) { m["attributes"] = map[string]any{"work": "tel)(cn=*"} }, field: "settings.attributes.work"},
		{name: "no name left", mod: func(m map[string]any) {
			m["attributes"] = map[string]any{"display_name": "", "first_name": "", "last_name": "", "company": []string{}}
		}, field: "settings.attributes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ldapsrc.New(base(tc.mod), dirsync.Env{})
			var fe *dirsync.FieldError
			switch {
			case tc.field == "" && err != nil:
				t.Fatal(err)
			case tc.field != "" && (!errors.As(err, &fe) || fe.Field != tc.field):
				t.Fatalf("err %v, want field %s", err, tc.field)
			}
		})
	}
}

func TestDeltaFilter(t *testing.T) {
	for _, tc := range []struct {
		name, filter string
		state        string
		want         string
	}{
		{name: "openldap", filter: "(objectClass=inetOrgPerson)", state: `{"flavor":"openldap","since":"20261207101500Z"}`,
			want: "(&(objectClass=inetOrgPerson)(modifyTimestamp>=20261207101500Z))"},
		{name: "ad", filter: "(objectClass=user)", state: `{"flavor":"ad","usn":41007}`,
			want: "(&(objectClass=user)(uSNChanged>=41008))"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ldapsrc.DeltaFilterForState(tc.filter, []byte(tc.state)); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func FuzzParseAttributes(f *testing.F) {
	f.Add(`{"work":["telephoneNumber","ipPhone"],"other":""}`)
	f.Add(`{"display_name":"cn;lang-de"}`)
	f.Add(`{"custom.room":"2.5.4.20"}`)
	f.Add(`{"email":["mail","mail"]}`)
	f.Fuzz(func(t *testing.T, in string) {
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(in), &m) != nil {
			return
		}
		maps, err := ldapsrc.ParseAttributes(m)
		if err != nil {
			var fe *dirsync.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error without a field: %v", err)
			}
			return
		}
		if len(maps) == 0 {
			t.Fatal("accepted an empty map")
		}
		for _, m := range maps {
			if dirsync.CanonicalField(m.Field) != m.Field || len(m.Attrs) == 0 {
				t.Fatalf("accepted %+v", m)
			}
		}
	})
}
