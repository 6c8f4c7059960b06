package google_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/google"
	"github.com/pbxagent/pbxagent/testlab/googlefake"
)

const (
	saEmail = "pbx-sync@pbx-test.iam.gserviceaccount.com"
	admin   = "admin@example.com"
)

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
	other   *rsa.PrivateKey
)

// keys returns the test key pair and a second, unrelated one.
func keys() (*rsa.PrivateKey, *rsa.PrivateKey) {
	keyOnce.Do(func() { key, other = googlefake.NewKey(), googlefake.NewKey() })
	return key, other
}

type fixture struct {
	g     *googlefake.Server
	srv   *httptest.Server
	clock *syncfake.Clock
	src   dirsync.Source
	coll  string
}

// settings returns the settings of a source of mode against srv.
func settings(mode, srvURL string, extra map[string]any) json.RawMessage {
	k, _ := keys()
	s := map[string]any{"mode": mode, "api_url": srvURL, "token_url": srvURL + googlefake.TokenPath}
	if mode == google.ModeDirectory {
		s["service_account_key"], s["subject"] = googlefake.KeyFile(saEmail, k, srvURL+googlefake.TokenPath), admin
	} else {
		s["client_id"], s["client_secret"], s["refresh_token"] = "client-1", "secret-1", "refresh-1"
	}
	for k, v := range extra {
		if v == nil {
			delete(s, k)
		} else {
			s[k] = v
		}
	}
	b, _ := json.Marshal(s)
	return b
}

func newFixture(t *testing.T, mode string, n int, extra map[string]any) *fixture {
	t.Helper()
	k, _ := keys()
	g := googlefake.New(saEmail, &k.PublicKey, admin, "client-1", "secret-1", "refresh-1")
	coll := "directory"
	person := googlefake.DirectoryPerson
	if mode == google.ModeContacts {
		coll, person = "contacts", googlefake.ContactPerson
	}
	for i := range n {
		g.Put(coll, person(i))
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	clk := syncfake.NewInstantClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	src, err := google.New(settings(mode, srv.URL, extra), dirsync.Env{HTTPClient: srv.Client(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{g: g, srv: srv, clock: clk, src: src, coll: coll}
}

func (f *fixture) path() string {
	if f.coll == "directory" {
		return googlefake.DirectoryPath
	}
	return googlefake.ConnectionsPath
}

func (f *fixture) person(i int) googlefake.Person {
	if f.coll == "directory" {
		return googlefake.DirectoryPerson(i)
	}
	return googlefake.ContactPerson(i)
}

func (f *fixture) id(i int) string {
	return f.person(i)["resourceName"].(string)
}

func ids(m map[string]*phonebook.Contact) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (f *fixture) want(from, to int, skip ...int) []string {
	var out []string
	for i := from; i < to; i++ {
		if !slices.Contains(skip, i) {
			out = append(out, f.id(i))
		}
	}
	return out
}

func TestFullThenDelta(t *testing.T) {
	for _, tc := range []struct {
		mode, grant string
		params      []string
	}{
		{mode: google.ModeDirectory, grant: googlefake.JWTBearerGrant,
			params: []string{"readMask", "sources=DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE", "sources=DIRECTORY_SOURCE_TYPE_DOMAIN_CONTACT"}},
		{mode: google.ModeContacts, grant: "refresh_token", params: []string{"personFields"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			f := newFixture(t, tc.mode, 25, map[string]any{"page_size": 10})
			ctx := context.Background()
			sink := syncfake.NewSink()
			res, err := f.src.Sync(ctx, dirsync.Request{Full: true}, sink)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(sink.Set); !slices.Equal(got, f.want(0, 25)) {
				t.Fatalf("full: %v", got)
			}
			qs := f.g.Queries(f.path())
			if len(qs) != 3 {
				t.Fatalf("full in %d pages, want 3 of 10", len(qs))
			}
			for _, p := range append(tc.params, "requestSyncToken=true", "pageSize=10") {
				if !strings.Contains(qs[0], p) {
					t.Fatalf("first query %q lacks %s", qs[0], p)
				}
			}
			if g := f.g.Grants(); !slices.Equal(g, []string{tc.grant}) {
				t.Fatalf("grants %v (the token is reused across pages)", g)
			}
			c := sink.Set[f.id(7)]
			if c.FirstName != "Given7" || c.LastName != "Family7" || c.DisplayName != "Given7 Family7" ||
				c.Company != "Example GmbH" || c.Department != "Sales" || c.JobTitle != "Engineer" ||
				len(c.Emails) != 1 || c.Emails[0].Address != "user7@example.com" || c.Emails[0].Label != "work" ||
				len(c.Numbers) != 2 || c.Numbers[0] != (phonebook.Number{Type: "work", Value: "+4930000007"}) ||
				c.Numbers[1] != (phonebook.Number{Type: "mobile", Value: "0171 000007"}) {
				t.Fatalf("mapped: %+v", c)
			}

			// Changes: one edited, one deleted, one added.
			p := f.person(3)
			p["names"] = []any{map[string]any{"givenName": "Renamed", "familyName": "Family3"}}
			f.g.Put(f.coll, p)
			f.g.Delete(f.coll, f.id(5))
			f.g.Put(f.coll, f.person(30))
			delta := syncfake.NewSink()
			res2, err := f.src.Sync(ctx, dirsync.Request{State: res.State}, delta)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(delta.Upserts, []string{f.id(3), f.id(30)}) || !slices.Equal(delta.Deletes, []string{f.id(5)}) {
				t.Fatalf("delta: upserts %v deletes %v", delta.Upserts, delta.Deletes)
			}
			if c := delta.Set[f.id(3)]; c.FirstName != "Renamed" || c.DisplayName != "Renamed Family3" {
				t.Fatalf("edited: %+v", c)
			}
			qs = f.g.Queries(f.path())
			last, _ := url.ParseQuery(qs[len(qs)-1])
			if last.Get("syncToken") == "" || last.Get("requestSyncToken") != "true" {
				t.Fatalf("delta query %v", last)
			}
			// Nothing changed: an empty delta, a new token.
			empty := syncfake.NewSink()
			if _, err := f.src.Sync(ctx, dirsync.Request{State: res2.State}, empty); err != nil {
				t.Fatal(err)
			}
			if len(empty.Upserts)+len(empty.Deletes) != 0 {
				t.Fatalf("empty delta: %v %v", empty.Upserts, empty.Deletes)
			}
		})
	}
}

func TestDomainContactsOff(t *testing.T) {
	f := newFixture(t, google.ModeDirectory, 2, map[string]any{"domain_contacts": false})
	if _, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink()); err != nil {
		t.Fatal(err)
	}
	q, _ := url.ParseQuery(f.g.Queries(googlefake.DirectoryPath)[0])
	if !slices.Equal(q["sources"], []string{"DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE"}) {
		t.Fatalf("sources %v", q["sources"])
	}
}

func TestExpiredSyncToken(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mode   string
		status int
	}{
		{name: "directory 400", mode: google.ModeDirectory, status: http.StatusBadRequest},
		{name: "directory 410", mode: google.ModeDirectory, status: http.StatusGone},
		{name: "contacts 400", mode: google.ModeContacts, status: http.StatusBadRequest},
		{name: "contacts 410", mode: google.ModeContacts, status: http.StatusGone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.mode, 3, nil)
			f.g.ExpiredStatus = tc.status
			ctx := context.Background()
			res, err := f.src.Sync(ctx, dirsync.Request{Full: true}, syncfake.NewSink())
			if err != nil {
				t.Fatal(err)
			}
			f.g.ExpireSyncTokens(f.coll)
			_, err = f.src.Sync(ctx, dirsync.Request{State: res.State}, syncfake.NewSink())
			if !errors.Is(err, dirsync.ErrResync) || !strings.Contains(err.Error(), "EXPIRED_SYNC_TOKEN") {
				t.Fatalf("want ErrResync naming EXPIRED_SYNC_TOKEN, got %v", err)
			}
		})
	}
}

func TestNoStateIsResync(t *testing.T) {
	f := newFixture(t, google.ModeContacts, 1, nil)
	for _, st := range []string{"", "{}", `{"mode":"directory","sync_token":"x"}`, "garbage",
		`{"mode":"contacts","params":"pageSize=10","sync_token":"contacts-1"}`} {
		_, err := f.src.Sync(context.Background(), dirsync.Request{State: []byte(st)}, syncfake.NewSink())
		if !errors.Is(err, dirsync.ErrResync) {
			t.Fatalf("state %q: %v", st, err)
		}
	}
}

func TestThrottled(t *testing.T) {
	f := newFixture(t, google.ModeDirectory, 5, nil)
	f.g.Throttle(2)
	sink := syncfake.NewSink()
	if _, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Set) != 5 {
		t.Fatalf("%d contacts", len(sink.Set))
	}
	if w := f.clock.Waits(); !slices.Equal(w, []time.Duration{2 * time.Second, 2 * time.Second}) {
		t.Fatalf("waits %v, want the Retry-After twice", w)
	}
	// Throttled for good: the run fails after a bounded number of tries.
	f.g.Throttle(1000)
	before := f.g.Requests(googlefake.DirectoryPath)
	_, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink())
	if !errors.Is(err, dirsync.ErrThrottled) {
		t.Fatalf("want ErrThrottled, got %v", err)
	}
	if n := f.g.Requests(googlefake.DirectoryPath) - before; n != 6 {
		t.Fatalf("%d tries, want 6", n)
	}
}

func TestExpiredAccessToken(t *testing.T) {
	f := newFixture(t, google.ModeContacts, 3, nil)
	ctx := context.Background()
	res, err := f.src.Sync(ctx, dirsync.Request{Full: true}, syncfake.NewSink())
	if err != nil {
		t.Fatal(err)
	}
	f.g.RevokeTokens()
	if _, err := f.src.Sync(ctx, dirsync.Request{State: res.State}, syncfake.NewSink()); err != nil {
		t.Fatal(err)
	}
	if g := f.g.Grants(); len(g) != 2 {
		t.Fatalf("grants %v: a 401 fetches one new token", g)
	}
}

func TestTest(t *testing.T) {
	f := newFixture(t, google.ModeDirectory, 30, map[string]any{"page_size": 10})
	cs, err := f.src.(dirsync.Tester).Test(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 3 || cs[0].ExternalID != f.id(0) {
		t.Fatalf("test: %d contacts", len(cs))
	}
	if n := f.g.Requests(googlefake.DirectoryPath); n != 1 {
		t.Fatalf("%d pages read for 3 contacts", n)
	}
	if q := f.g.Queries(googlefake.DirectoryPath)[0]; strings.Contains(q, "requestSyncToken") {
		t.Fatalf("a dry run asks for no sync token: %s", q)
	}
}

func TestInvalidSettings(t *testing.T) {
	k, _ := keys()
	good := googlefake.KeyFile(saEmail, k, "")
	var noKey map[string]string
	_ = json.Unmarshal([]byte(good), &noKey)
	noKey["private_key"] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
	badPEM, _ := json.Marshal(noKey)
	noKey["private_key"] = "not pem"
	notPEM, _ := json.Marshal(noKey)
	noKey["type"] = "authorized_user"
	wrongType, _ := json.Marshal(noKey)
	for _, tc := range []struct {
		name  string
		mode  string
		extra map[string]any
		field string
	}{
		{name: "no mode", mode: "", field: "settings.mode"},
		{name: "unknown mode", mode: "ldap", field: "settings.mode"},
		{name: "no key", mode: google.ModeDirectory, extra: map[string]any{"service_account_key": nil}, field: "settings.service_account_key"},
		{name: "key not JSON", mode: google.ModeDirectory, extra: map[string]any{"service_account_key": "{"}, field: "settings.service_account_key"},
		{name: "key not PEM", mode: google.ModeDirectory, extra: map[string]any{"service_account_key": string(notPEM)}, field: "settings.service_account_key"},
		{name: "key bad DER", mode: google.ModeDirectory, extra: map[string]any{"service_account_key": string(badPEM)}, field: "settings.service_account_key"},
		{name: "key of a user", mode: google.ModeDirectory, extra: map[string]any{"service_account_key": string(wrongType)}, field: "settings.service_account_key"},
		{name: "no subject", mode: google.ModeDirectory, extra: map[string]any{"subject": nil}, field: "settings.subject"},
		{name: "no client id", mode: google.ModeContacts, extra: map[string]any{"client_id": nil}, field: "settings.client_id"},
		{name: "no client secret", mode: google.ModeContacts, extra: map[string]any{"client_secret": nil}, field: "settings.client_secret"},
		{name: "no refresh token", mode: google.ModeContacts, extra: map[string]any{"refresh_token": nil}, field: "settings.refresh_token"},
		{name: "page size", mode: google.ModeContacts, extra: map[string]any{"page_size": 1001}, field: "settings.page_size"},
		{name: "api url", mode: google.ModeContacts, extra: map[string]any{"api_url": "ftp://x"}, field: "settings.api_url"},
		{name: "token url", mode: google.ModeContacts, extra: map[string]any{"token_url": "https://u:p@x/"}, field: "settings.token_url"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := google.New(settings(tc.mode, "https://people.example", tc.extra), dirsync.Env{})
			var fe *dirsync.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("want a field error on %s, got %v", tc.field, err)
			}
		})
	}
}

// The token endpoint's refusals name the setting to fix.
func TestRefusedCredentials(t *testing.T) {
	_, wrong := keys()
	for _, tc := range []struct {
		name  string
		mode  string
		extra func(url string) map[string]any
		field string
	}{
		{name: "key of another account", mode: google.ModeDirectory, field: "settings.service_account_key",
			extra: func(u string) map[string]any {
				return map[string]any{"service_account_key": googlefake.KeyFile(saEmail, wrong, "")}
			}},
		{name: "unknown account", mode: google.ModeDirectory, field: "settings.service_account_key",
			extra: func(u string) map[string]any {
				k, _ := keys()
				return map[string]any{"service_account_key": googlefake.KeyFile("x@y.iam.gserviceaccount.com", k, "")}
			}},
		{name: "subject not delegated", mode: google.ModeDirectory, field: "settings.subject",
			extra: func(u string) map[string]any { return map[string]any{"subject": "nobody@example.com"} }},
		{name: "client secret", mode: google.ModeContacts, field: "settings.client_secret",
			extra: func(u string) map[string]any { return map[string]any{"client_secret": "wrong"} }},
		{name: "refresh token", mode: google.ModeContacts, field: "settings.refresh_token",
			extra: func(u string) map[string]any { return map[string]any{"refresh_token": "revoked"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.mode, 1, nil)
			src, err := google.New(settings(tc.mode, f.srv.URL, tc.extra(f.srv.URL)), dirsync.Env{HTTPClient: f.srv.Client(), Clock: f.clock})
			if err != nil {
				t.Fatal(err)
			}
			_, err = src.(dirsync.Tester).Test(context.Background(), 1)
			var ce *dirsync.CredentialsError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("want credentials refused on %s, got %v", tc.field, err)
			}
		})
	}
}

// A sync token the API calls invalid (not only expired) also ends in a
// full sync; a listing whose parameters changed (domain_contacts) does not
// send the old token.
func TestInvalidSyncTokenAndChangedParameters(t *testing.T) {
	f := newFixture(t, google.ModeDirectory, 3, nil)
	ctx := context.Background()
	res, err := f.src.Sync(ctx, dirsync.Request{Full: true}, syncfake.NewSink())
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]string
	if err := json.Unmarshal(res.State, &st); err != nil {
		t.Fatal(err)
	}
	st["sync_token"] = "bogus"
	bad, _ := json.Marshal(st)
	if _, err := f.src.Sync(ctx, dirsync.Request{State: bad}, syncfake.NewSink()); !errors.Is(err, dirsync.ErrResync) {
		t.Fatalf("invalid sync token: %v", err)
	}
	other, err := google.New(settings(google.ModeDirectory, f.srv.URL, map[string]any{"domain_contacts": false}),
		dirsync.Env{HTTPClient: f.srv.Client(), Clock: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	before := f.g.Requests(googlefake.DirectoryPath)
	if _, err := other.Sync(ctx, dirsync.Request{State: res.State}, syncfake.NewSink()); !errors.Is(err, dirsync.ErrResync) {
		t.Fatalf("changed parameters: %v", err)
	}
	if n := f.g.Requests(googlefake.DirectoryPath) - before; n != 0 {
		t.Fatalf("%d requests with a token of other parameters", n)
	}
}
