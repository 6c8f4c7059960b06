package m365_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/m365"
	"github.com/pbxagent/pbxagent/testlab/graphfake"
)

type fixture struct {
	g     *graphfake.Server
	srv   *httptest.Server
	clock *syncfake.Clock
	src   dirsync.Source
}

func newFixture(t *testing.T, users, contacts int, extra map[string]any) *fixture {
	t.Helper()
	g := graphfake.New("contoso", "app-id", "app-secret")
	for i := 0; i < users; i++ {
		g.PutUser(graphfake.User(i))
	}
	for i := 0; i < contacts; i++ {
		g.PutContact(graphfake.Contact(i))
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	clk := syncfake.NewInstantClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	settings := map[string]any{"tenant_id": "contoso", "client_id": "app-id", "client_secret": "app-secret",
		"graph_url": srv.URL + "/v1.0", "token_url": srv.URL + g.TokenPath()}
	for k, v := range extra {
		settings[k] = v
	}
	raw, _ := json.Marshal(settings)
	src, err := m365.New(raw, dirsync.Env{HTTPClient: srv.Client(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{g: g, srv: srv, clock: clk, src: src}
}

func ids(m map[string]*phonebook.Contact) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func want(users []int, contacts []int) []string {
	var out []string
	for _, i := range users {
		out = append(out, fmt.Sprintf("u-%06d", i))
	}
	for _, i := range contacts {
		out = append(out, fmt.Sprintf("c-%06d", i))
	}
	slices.Sort(out)
	return out
}

func rng(from, to int, skip ...int) []int {
	var out []int
	for i := from; i < to; i++ {
		if !slices.Contains(skip, i) {
			out = append(out, i)
		}
	}
	return out
}

func TestFullThenDelta(t *testing.T) {
	f := newFixture(t, 250, 12, nil)
	f.g.PageSize = 40
	// Disabled accounts and guests are skipped.
	u := graphfake.User(3)
	u["accountEnabled"] = false
	f.g.PutUser(u)
	u = graphfake.User(4)
	u["userType"] = "Guest"
	f.g.PutUser(u)
	ctx := context.Background()
	sink := syncfake.NewSink()
	res, err := f.src.Sync(ctx, dirsync.Request{Full: true}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(sink.Set); !slices.Equal(got, want(rng(0, 250, 3, 4), rng(0, 12))) {
		t.Fatalf("full: %d contacts", len(got))
	}
	sel := f.g.Select("users")
	for _, p := range []string{"department", "accountEnabled", "userType", "businessPhones", "userPrincipalName"} {
		if !strings.Contains(sel, p) {
			t.Fatalf("$select %q lacks %s", sel, p)
		}
	}
	c := sink.Set["u-000007"]
	if c.FirstName != "Given7" || c.LastName != "Sur7" || c.DisplayName != "User 7" || c.Department != "R&D" ||
		c.UserPrincipalName != "user7@contoso.com" || len(c.Numbers) != 2 || c.Numbers[0].Type != "work" ||
		c.Numbers[1].Type != "mobile" || c.Emails[0].Address != "user7@contoso.com" || c.PreferredLanguage != "bs-BA" {
		t.Fatalf("user mapped: %+v", c)
	}
	oc := sink.Set["c-000002"]
	if oc.Company != "Fabrikam" || len(oc.Numbers) != 2 || oc.Numbers[0].Value != "+4930000002" || oc.Numbers[1].Type != "mobile" {
		t.Fatalf("org contact (phones read per contact): %+v", oc)
	}
	if n := f.g.Requests("/v1.0/contacts/c-000002"); n != 1 {
		t.Fatalf("phones GET %d times", n)
	}

	// Changes: update, delete, disable, guest; contact added and removed.
	u = graphfake.User(5)
	u["mobilePhone"] = "+38761999999"
	f.g.PutUser(u)
	f.g.DeleteUser("u-000006")
	u = graphfake.User(7)
	u["accountEnabled"] = false
	f.g.PutUser(u)
	f.g.PutUser(graphfake.User(300))
	f.g.DeleteContact("c-000003")
	f.g.PutContact(graphfake.Contact(40))
	res2, err := f.src.Sync(ctx, dirsync.Request{State: res.State}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(sink.Set); !slices.Equal(got, want(append(rng(0, 250, 3, 4, 6, 7), 300), append(rng(0, 12, 3), 40))) {
		t.Fatalf("delta: %v", got)
	}
	if sink.Set["u-000005"].Numbers[1].Value != "+38761999999" {
		t.Fatal("update not applied")
	}
	// A quiet delta round: nothing but the deltaLink.
	before := len(sink.Upserts)
	if _, err := f.src.Sync(ctx, dirsync.Request{State: res2.State}, sink); err != nil || len(sink.Upserts) != before {
		t.Fatalf("quiet delta: %v, %d upserts", err, len(sink.Upserts)-before)
	}
}

func TestDeltaTokenRejected(t *testing.T) {
	for _, mode := range []string{"gone", "syncStateNotFound"} {
		t.Run(mode, func(t *testing.T) {
			f := newFixture(t, 5, 1, nil)
			res, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink())
			if err != nil {
				t.Fatal(err)
			}
			f.g.ExpireDeltaTokens(mode)
			_, err = f.src.Sync(context.Background(), dirsync.Request{State: res.State}, syncfake.NewSink())
			if !errors.Is(err, dirsync.ErrResync) {
				t.Fatalf("err %v, want ErrResync", err)
			}
			// The full sync that follows works.
			if _, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestThrottleTokenExpiryEmptyPages(t *testing.T) {
	f := newFixture(t, 120, 0, map[string]any{"org_contacts": false})
	f.g.PageSize = 50
	f.g.EmptyPages = true
	n := 0
	f.g.Inject(func(r *http.Request) (int, string, bool) {
		if strings.Contains(r.URL.RawQuery, "skiptoken") {
			n++
			switch n {
			case 2, 3:
				return http.StatusTooManyRequests, "11", true
			case 5:
				f.g.RevokeTokens() // the token dies mid-sync
			}
		}
		return 0, "", false
	})
	sink := syncfake.NewSink()
	if _, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Set) != 120 {
		t.Fatalf("%d users", len(sink.Set))
	}
	if w := f.clock.Waits(); len(w) != 2 || w[0] != 11*time.Second || w[1] != 11*time.Second {
		t.Fatalf("waits %v, want Retry-After 11 s twice", w)
	}
	if f.g.TokensIssued() != 2 {
		t.Fatalf("%d tokens, want 2", f.g.TokensIssued())
	}
	if f.g.Requests("/v1.0/contacts/delta") != 0 {
		t.Fatal("org contacts read though disabled")
	}
}

func TestBadCredentialsAndSettings(t *testing.T) {
	f := newFixture(t, 1, 0, map[string]any{"client_secret": "wrong"})
	_, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink())
	if err == nil || !strings.Contains(err.Error(), "invalid_client") || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("err %v", err)
	}
	tests := []struct{ json, field string }{
		{`{"client_id":"a","client_secret":"b"}`, "settings.tenant_id"},
		{`{"tenant_id":"t","client_secret":"b"}`, "settings.client_id"},
		{`{"tenant_id":"t","client_id":"a"}`, "settings.client_secret"},
		{`{"tenant_id":"t","client_id":"a","client_secret":"b","field_map":{"mail":"nope"}}`, "settings.field_map"},
		{`{"tenant_id":"t","client_id":"a","client_secret":"b","field_map":{"a,b":"email"}}`, "settings.field_map"},
	}
	for _, tc := range tests {
		_, err := m365.New(json.RawMessage(tc.json), dirsync.Env{})
		var fe *dirsync.FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v, want %s", tc.json, err, tc.field)
		}
	}
}

func TestCustomFieldMap(t *testing.T) {
	f := newFixture(t, 2, 0, map[string]any{"org_contacts": false,
		"field_map": map[string]string{"displayName": "display_name", "mobilePhone": "mobile", "officeLocation": "custom.office"}})
	sink := syncfake.NewSink()
	if _, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, sink); err != nil {
		t.Fatal(err)
	}
	c := sink.Set["u-000001"]
	if c.FirstName != "" || len(c.Numbers) != 1 || c.Custom["office"] != "Sarajevo" {
		t.Fatalf("%+v", c)
	}
	if sel := f.g.Select("users"); sel != "id,accountEnabled,userType,displayName,mobilePhone,officeLocation" {
		t.Fatalf("$select %s", sel)
	}
}

func FuzzDecodePage(f *testing.F) {
	f.Add([]byte(`{"value":[{"id":"1","displayName":"A"},{"id":"2","@removed":{"reason":"deleted"}}],"@odata.nextLink":"https://graph.microsoft.com/v1.0/users/delta?$skiptoken=x"}`))
	f.Add([]byte(`{"value":[],"@odata.deltaLink":"https://graph.microsoft.com/v1.0/users/delta?$deltatoken=y"}`))
	f.Add([]byte(`{"value":null,"@odata.nextLink":"a","@odata.deltaLink":"b"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := m365.DecodePage(b)
		if err == nil && p.NextLink != "" && p.DeltaLink != "" {
			t.Fatal("both links accepted")
		}
	})
}

func TestGraphScope(t *testing.T) {
	tests := []struct {
		name, graphURL, want string
	}{
		{name: "global", graphURL: "https://graph.microsoft.com/v1.0", want: "https://graph.microsoft.com/.default"},
		{name: "US Government L4", graphURL: "https://graph.microsoft.us/v1.0", want: "https://graph.microsoft.us/.default"},
		{name: "US Government L5 (DOD)", graphURL: "https://dod-graph.microsoft.us/beta", want: "https://dod-graph.microsoft.us/.default"},
		{name: "China (21Vianet)", graphURL: "https://microsoftgraph.chinacloudapi.cn/v1.0/", want: "https://microsoftgraph.chinacloudapi.cn/.default"},
		{name: "case and port", graphURL: "HTTPS://Graph.Example.com:8443/v1.0", want: "https://graph.example.com:8443/.default"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m365.GraphScope(tc.graphURL)
			if err != nil || got != tc.want {
				t.Errorf("GraphScope(%q) = %q, %v; want %q", tc.graphURL, got, err, tc.want)
			}
		})
	}
	if _, err := m365.GraphScope("/v1.0"); err == nil {
		t.Error("GraphScope of a relative URL: no error")
	}
}

// TestTokenScope: the token is asked for the scope of the Graph at
// graph_url (the fake accepts only its own origin's), or for token_scope
// when it is set (a proxy in front of another Graph).
func TestTokenScope(t *testing.T) {
	tests := []struct {
		name      string
		fakeScope string // what the fake's Graph accepts; empty: its own origin
		extra     map[string]any
		wantErr   string
	}{
		{name: "derived from graph_url", extra: nil},
		{name: "the global Graph's scope is refused by another Graph", fakeScope: "https://graph.microsoft.us/.default", wantErr: "invalid_scope"},
		{name: "token_scope for a proxy", fakeScope: "https://graph.microsoft.us/.default",
			extra: map[string]any{"token_scope": "https://graph.microsoft.us/.default"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 2, 0, tc.extra)
			f.g.Scope = tc.fakeScope
			sink := syncfake.NewSink()
			_, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, sink)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("sync: %v", err)
			case tc.wantErr == "" && len(sink.Set) != 2:
				t.Fatalf("sync: %d contacts, want 2", len(sink.Set))
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("sync: %v, want %s", err, tc.wantErr)
			}
		})
	}
	_, err := m365.New(json.RawMessage(`{"tenant_id":"t","client_id":"a","client_secret":"b","token_scope":"graph"}`), dirsync.Env{})
	var fe *dirsync.FieldError
	if !errors.As(err, &fe) || fe.Field != "settings.token_scope" {
		t.Errorf("a bad token_scope: %v", err)
	}
}
