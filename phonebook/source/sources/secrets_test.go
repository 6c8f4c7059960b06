package sources_test

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/sources"
)

// typeCase is a valid configuration of one source type, with its
// destination settings and a change of each.
type typeCase struct {
	typ      string
	settings map[string]any
	// moves changes each destination setting to another place.
	moves map[string]any
	// harmless changes a setting that does not decide where secrets go.
	harmless map[string]any
	// urls are the settings holding a URL.
	urls []string
	// newSecret is a valid new value of the secret (default "new-secret").
	newSecret string
}

func typeCases() []typeCase {
	return []typeCase{
		{typ: "custom",
			settings: map[string]any{"url": "http://contacts.example.com:5555", "client_id": "id", "client_secret": "s3cr3t-xyz"},
			moves:    map[string]any{"url": "http://attacker.example"},
			harmless: map[string]any{"page_size": 100},
			urls:     []string{"url"}},
		{typ: "m365",
			settings: map[string]any{"tenant_id": "contoso.onmicrosoft.com", "client_id": "id", "client_secret": "s3cr3t-xyz"},
			moves: map[string]any{"tenant_id": "attacker.onmicrosoft.com", "token_url": "https://attacker.example/token",
				"graph_url": "https://attacker.example/v1.0"},
			harmless: map[string]any{"include_guests": true},
			urls:     []string{"graph_url", "token_url"}},
		{typ: "sql",
			settings: map[string]any{"driver": "postgres", "host": "db.example.com", "user": "pbx", "password": "s3cr3t-xyz",
				"database": "crm", "query": "SELECT ${MAP} FROM people", "map": map[string]any{"id": "id", "display_name": "name"}},
			moves: map[string]any{"driver": "mysql", "host": "attacker.example", "port": 5433, "instance": "X",
				"params": map[string]string{"host": "attacker.example"}},
			harmless: map[string]any{"timeout_seconds": 30}},
		{typ: "csv-url",
			settings: map[string]any{"url": "https://files.example.com/book.csv", "username": "u", "password": "s3cr3t-xyz"},
			moves:    map[string]any{"url": "https://attacker.example/book.csv"},
			harmless: map[string]any{"format": "google"},
			urls:     []string{"url"}},
		{typ: "carddav",
			settings: map[string]any{"url": "https://dav.example.com/", "username": "u", "password": "s3cr3t-xyz"},
			moves:    map[string]any{"url": "https://attacker.example/", "insecure_skip_verify": true},
			harmless: map[string]any{"address_book": "Company"},
			urls:     []string{"url"}},
		googleCase(),
		// ldap: start_tls false is refused for a remote host unless allow_plaintext (a destination).
		{typ: "ldap",
			settings: map[string]any{"url": "ldap://dc1.example.com", "start_tls": true, "bind_dn": "cn=pbx,dc=example,dc=com",
				"password": "s3cr3t-xyz", "base_dn": "dc=example,dc=com"},
			moves: map[string]any{"url": "ldap://attacker.example", "insecure_skip_verify": true, "allow_plaintext": true,
				"ca_pem": testCAPEM()},
			harmless: map[string]any{"page_size": 200}},
	}
}

// testCAPEM is a throwaway self-signed certificate in PEM.
func testCAPEM() string {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func raw(t testing.TB, m map[string]any) map[string]json.RawMessage {
	t.Helper()
	out := map[string]json.RawMessage{}
	for k, v := range m {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = b
	}
	return out
}

func newEngine(t testing.TB) *dirsync.Engine {
	t.Helper()
	eng, err := dirsync.NewEngine(syncfake.NewMemStore(), dirsync.WithDataDir(t.TempDir()), dirsync.WithTypes(sources.All()...))
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func ptr[T any](v T) *T { return &v }

// TestEveryTypeNamesItsDestinations: a type with secrets says which
// settings decide where they go, and each is a setting the cases move.
func TestEveryTypeNamesItsDestinations(t *testing.T) {
	cases := map[string]typeCase{}
	for _, tc := range typeCases() {
		cases[tc.typ] = tc
	}
	for _, typ := range sources.All() {
		if len(typ.Secrets) > 0 && len(typ.Destinations) == 0 {
			t.Errorf("type %s has secrets %v but no destinations", typ.Name, typ.Secrets)
		}
		tc, ok := cases[typ.Name]
		if !ok {
			t.Errorf("type %s has no test case", typ.Name)
			continue
		}
		for _, d := range typ.Destinations {
			if _, ok := tc.moves[d]; !ok {
				t.Errorf("type %s: destination %s is not tested", typ.Name, d)
			}
		}
	}
}

// TestChangingWhereSecretsGoNeedsThemAgain: for every source type and
// every setting that decides where its secret is sent, a PATCH changing it
// without the secret is refused naming the secret, and changes nothing; the
// same PATCH with the secret (or with "" to drop it) is accepted; other
// changes keep the stored secret.
func TestChangingWhereSecretsGoNeedsThemAgain(t *testing.T) {
	ctx := context.Background()
	for _, tc := range typeCases() {
		secret := map[string]string{"custom": "client_secret", "m365": "client_secret", "sql": "password", "csv-url": "password",
			"google": "service_account_key", "ldap": "password", "carddav": "password"}[tc.typ]
		newSecret := cmp.Or(tc.newSecret, "new-secret")
		for key, val := range tc.moves {
			t.Run(tc.typ+"/"+key, func(t *testing.T) {
				eng := newEngine(t)
				v, err := eng.Create(ctx, dirsync.Input{Type: ptr(tc.typ), Name: ptr("src"), Enabled: ptr(false), Settings: raw(t, tc.settings)})
				if err != nil {
					t.Fatal(err)
				}
				_, err = eng.Update(ctx, v.ID, dirsync.Input{Settings: raw(t, map[string]any{key: val})})
				var fe *dirsync.FieldError
				if !errors.As(err, &fe) || fe.Field != "settings."+secret || !strings.Contains(fe.Message, "settings."+key) {
					t.Fatalf("PATCH %s without %s: %v, want a field error on settings.%s", key, secret, err, secret)
				}
				after, _ := eng.Get(v.ID)
				if string(after.Settings[key]) != string(v.Settings[key]) || len(after.SecretsSet) != 1 {
					t.Fatalf("a refused PATCH changed the source: %s=%s, secrets %v", key, after.Settings[key], after.SecretsSet)
				}
				if _, err := eng.Update(ctx, v.ID, dirsync.Input{Settings: raw(t, tc.harmless)}); err != nil {
					t.Fatalf("PATCH %v: %v", tc.harmless, err)
				}
				if got, _ := eng.Get(v.ID); len(got.SecretsSet) != 1 {
					t.Fatalf("a harmless PATCH dropped the secret: %v", got.SecretsSet)
				}
				if _, err := eng.Update(ctx, v.ID, dirsync.Input{Settings: raw(t, map[string]any{key: val, secret: newSecret})}); err != nil {
					t.Fatalf("PATCH %s with %s: %v", key, secret, err)
				}
				if tc.typ == "csv-url" { // a secret can be dropped with the move
					if _, err := eng.Update(ctx, v.ID, dirsync.Input{Settings: raw(t, map[string]any{key: "https://third.example/b.csv", secret: ""})}); err != nil {
						t.Fatalf("PATCH %s dropping %s: %v", key, secret, err)
					}
					if got, _ := eng.Get(v.ID); len(got.SecretsSet) != 0 {
						t.Fatalf("secret not dropped: %v", got.SecretsSet)
					}
				}
			})
		}
	}
}

// TestSourceURLsCarryNoCredentials: one rule for every source type — a
// URL setting with user information or a secret-looking query parameter,
// and a SQL source's parameters or host carrying credentials, are refused
// naming the setting.
func TestSourceURLsCarryNoCredentials(t *testing.T) {
	types := map[string]dirsync.Type{}
	for _, typ := range sources.All() {
		types[typ.Name] = typ
	}
	type bad struct {
		name, field string
		value       any
	}
	for _, tc := range typeCases() {
		var bads []bad
		for _, f := range tc.urls {
			bads = append(bads,
				bad{name: f + " with user:password", field: f, value: "https://user:pw@host.example/x"},
				bad{name: f + " with a user", field: f, value: "https://user@host.example/x"},
				bad{name: f + " with client_secret", field: f, value: "https://host.example/x?client_secret=abc"},
				bad{name: f + " with access_token", field: f, value: "https://host.example/x?a=1&access_token=abc"},
				bad{name: f + " with Password", field: f, value: "https://host.example/x?Password=abc"},
				bad{name: f + " with api-key", field: f, value: "https://host.example/x?api-key=abc"},
				bad{name: f + " with sig", field: f, value: "https://host.example/x?sv=1&sig=abc"})
		}
		if tc.typ == "sql" {
			bads = append(bads,
				bad{name: "params with password", field: "params", value: map[string]string{"password": "x"}},
				bad{name: "params with sslpassword", field: "params", value: map[string]string{"sslpassword": "x"}},
				bad{name: "host with credentials", field: "host", value: "user:pw@db.example.com"})
		}
		if tc.typ == "ldap" {
			bads = append(bads,
				bad{name: "url with user:password", field: "url", value: "ldap://user:pw@dc1.example.com"},
				bad{name: "url with a query", field: "url", value: "ldap://dc1.example.com/?pw=x"})
		}
		if len(bads) == 0 {
			t.Fatalf("type %s: no case", tc.typ)
		}
		for _, b := range bads {
			t.Run(tc.typ+"/"+b.name, func(t *testing.T) {
				s := map[string]any{}
				for k, v := range tc.settings {
					s[k] = v
				}
				s[b.field] = b.value
				js, _ := json.Marshal(s)
				_, err := types[tc.typ].New(js, dirsync.Env{})
				var fe *dirsync.FieldError
				if !errors.As(err, &fe) || fe.Field != "settings."+b.field {
					t.Fatalf("New = %v, want a field error on settings.%s", err, b.field)
				}
			})
		}
		t.Run(tc.typ+"/clean", func(t *testing.T) {
			js, _ := json.Marshal(tc.settings)
			if _, err := types[tc.typ].New(js, dirsync.Env{}); err != nil {
				t.Fatalf("valid settings refused: %v", err)
			}
		})
	}
}
