package ldapsrc_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/ldapsrc"
	"github.com/pbxagent/pbxagent/testlab/slapd"
)

const suffix = "dc=example,dc=com"

// fixtureTime stamps the fixture's entries well before any run, so deltas tell the test's
// changes from the load.
var fixtureTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// readerLDIF is a non-admin account the source binds as (subject to the size limit).
const readerLDIF = "dn: cn=reader," + suffix + "\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: reader\nuserPassword: reader-pw\n\n"

// startSlapd runs a slapd holding n people (and the reader account), unpaged searches capped at
// sizeLimit entries (0: unlimited).
func startSlapd(t *testing.T, n, sizeLimit int, tlsCert, tlsKey []byte, extra ...string) *slapd.Server {
	t.Helper()
	slapd.Require(t)
	ldif, err := slapd.FixtureAt(suffix, n, 42, fixtureTime)
	if err != nil {
		t.Fatal(err)
	}
	ldif = append(ldif, readerLDIF...)
	return slapd.Start(t, slapd.Config{Suffix: suffix, LDIF: ldif, SizeLimit: sizeLimit, TLSCertPEM: tlsCert, TLSKeyPEM: tlsKey, Extra: extra})
}

func settings(url string, mod func(m map[string]any)) map[string]json.RawMessage {
	m := map[string]any{"url": url, "bind_dn": "cn=reader," + suffix, "password": "reader-pw",
		"base_dn": "ou=people," + suffix, "page_size": 40}
	if mod != nil {
		mod(m)
	}
	out := map[string]json.RawMessage{}
	for k, v := range m {
		out[k], _ = json.Marshal(v)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// engine runs a dirsync engine over an in-memory store until the test ends.
func engine(t *testing.T) (*dirsync.Engine, *syncfake.MemStore) {
	t.Helper()
	store := syncfake.NewMemStore()
	eng, err := dirsync.NewEngine(store, dirsync.WithDataDir(t.TempDir()), dirsync.WithTypes(ldapsrc.Type),
		dirsync.WithLogger(quietLog()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for errors.Is(eng.Trigger("x", dirsync.SyncOptions{}), dirsync.ErrNotRunning) {
		if time.Now().After(deadline) {
			t.Fatal("engine did not start")
		}
		time.Sleep(time.Millisecond) // polling with a deadline for the engine's start
	}
	return eng, store
}

// admin connects to s as its rootdn, for the test's changes.
func admin(t *testing.T, s *slapd.Server) *ldap.Conn {
	t.Helper()
	l, err := ldap.DialURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if err := l.Bind(s.AdminDN, s.AdminPassword); err != nil {
		t.Fatal(err)
	}
	return l
}

// byDN finds the stored contact of the entry with that uid (via its mail or name is fragile, so
// through the entryUUID read from the server).
func entryUUID(t *testing.T, l *ldap.Conn, dn string) string {
	t.Helper()
	res, err := l.Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"entryUUID"}, nil))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("read %s: %v", dn, err)
	}
	return res.Entries[0].GetAttributeValue("entryUUID")
}

func TestSyncFullDeltaSweepAgainstSlapd(t *testing.T) {
	const n = 250
	// Unpaged searches stop at 100 entries: only paging (page_size 40) reads all 250.
	s := startSlapd(t, n, 100, nil, nil)
	eng, store := engine(t)
	ctx := context.Background()
	v, err := eng.Create(ctx, dirsync.Input{Type: ptr("ldap"), Name: ptr("corp"), Enabled: ptr(false),
		Settings: settings(s.URL, func(m map[string]any) { m["overlap_seconds"] = 5 })})
	if err != nil {
		t.Fatal(err)
	}
	run, err := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{})
	if err != nil || run.Result != dirsync.ResultOK || run.Mode != "full" || run.Synced != n {
		t.Fatalf("first sync: %+v, %v", run, err)
	}
	got := store.Contacts("corp")
	if len(got) != n {
		t.Fatalf("%d contacts stored, want %d", len(got), n)
	}
	l := admin(t, s)
	dn7 := slapd.PersonDN(suffix, 7)
	id7 := entryUUID(t, l, dn7)
	c7 := got[id7]
	if c7 == nil {
		t.Fatalf("no contact keyed by entryUUID %s", id7)
	}
	if c7.LastName == "" || c7.FirstName == "" || c7.DisplayName == "" || len(c7.Numbers) == 0 || c7.Department == "" || c7.JobTitle == "" {
		t.Fatalf("contact 7 not fully mapped: %+v", c7)
	}

	// A modify: the delta run reads that entry only.
	mod := ldap.NewModifyRequest(dn7, nil)
	mod.Replace("title", []string{"Chief Listener"})
	mod.Replace("mobile", []string{"+387 61 999 888"})
	if err := l.Modify(mod); err != nil {
		t.Fatal(err)
	}
	run, err = eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{})
	if err != nil || run.Result != dirsync.ResultOK || run.Mode != "delta" || run.Synced != 1 || run.Changed != 1 {
		t.Fatalf("delta after a modify: %+v, %v", run, err)
	}
	c7 = store.Contacts("corp")[id7]
	if c7.JobTitle != "Chief Listener" || !hasNumber(c7, phonebook.NumberMobile, "+387 61 999 888") {
		t.Fatalf("modify not applied: %+v", c7)
	}

	// A delete: deltas cannot see it; the next full sweep removes the contact.
	dn9 := slapd.PersonDN(suffix, 9)
	id9 := entryUUID(t, l, dn9)
	if err := l.Del(ldap.NewDelRequest(dn9, nil)); err != nil {
		t.Fatal(err)
	}
	run, err = eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{})
	if err != nil || run.Mode != "delta" || run.Deleted != 0 {
		t.Fatalf("delta after a delete: %+v, %v", run, err)
	}
	if store.Contacts("corp")[id9] == nil {
		t.Fatal("a delta removed the deleted entry's contact: it cannot know")
	}
	run, err = eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{Full: true})
	if err != nil || run.Result != dirsync.ResultOK || run.Mode != "full" || run.Deleted != 1 || run.Synced != n-1 {
		t.Fatalf("full sweep after a delete: %+v, %v", run, err)
	}
	if store.Contacts("corp")[id9] != nil || len(store.Contacts("corp")) != n-1 {
		t.Fatalf("sweep left the deleted entry: %d contacts", len(store.Contacts("corp")))
	}

	// An add is seen by the next delta.
	add := ldap.NewAddRequest("uid=new1,ou=people,"+suffix, nil)
	add.Attribute("objectClass", []string{"inetOrgPerson"})
	add.Attribute("cn", []string{"Nova Osoba"})
	add.Attribute("sn", []string{"Osoba"})
	add.Attribute("telephoneNumber", []string{"+387 33 111 222"})
	if err := l.Add(add); err != nil {
		t.Fatal(err)
	}
	run, err = eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{})
	// The overlap re-reads the entry modified seconds ago (unchanged: not written again).
	if err != nil || run.Mode != "delta" || run.Synced > 2 || run.Changed != 1 {
		t.Fatalf("delta after an add: %+v, %v", run, err)
	}
	if c := store.Contacts("corp")[entryUUID(t, l, "uid=new1,ou=people,"+suffix)]; c == nil || c.DisplayName != "Nova Osoba" {
		t.Fatalf("added entry: %+v", c)
	}
}

func hasNumber(c *phonebook.Contact, typ phonebook.NumberType, v string) bool {
	for _, n := range c.Numbers {
		if n.Type == typ && n.Value == v {
			return true
		}
	}
	return false
}

func TestPagingReadsPastTheSizeLimit(t *testing.T) {
	s := startSlapd(t, 130, 50, nil, nil)
	// Unpaged, the reader gets 50 entries and sizeLimitExceeded.
	l, err := ldap.DialURL(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Bind("cn=reader,"+suffix, "reader-pw"); err != nil {
		t.Fatal(err)
	}
	_, err = l.Search(ldap.NewSearchRequest("ou=people,"+suffix, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=inetOrgPerson)", []string{"cn"}, nil))
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		t.Fatalf("unpaged search: err = %v, want sizeLimitExceeded (the fixture must need paging)", err)
	}
	t.Run("max_entries", func(t *testing.T) {
		src := newSource(t, s.URL, func(m map[string]any) { m["page_size"] = 20; m["max_entries"] = 100 })
		_, err := src.Sync(context.Background(), dirsync.Request{Full: true}, &recordSink{})
		if err == nil || !strings.Contains(err.Error(), "more than max_entries (100) entries") {
			t.Fatalf("130 entries with max_entries 100: err = %v", err)
		}
	})
	for _, pageSize := range []int{1, 20, 49} {
		t.Run(fmt.Sprint("page_size=", pageSize), func(t *testing.T) {
			src := newSource(t, s.URL, func(m map[string]any) { m["page_size"] = pageSize })
			sink := syncfake.NewSink()
			if _, err := src.Sync(context.Background(), dirsync.Request{Full: true}, sink); err != nil || len(sink.Set) != 130 {
				t.Fatalf("read %d of 130: %v", len(sink.Set), err)
			}
		})
	}
}

func newSource(t *testing.T, url string, mod func(m map[string]any)) dirsync.Source {
	t.Helper()
	raw, _ := json.Marshal(settings(url, mod))
	src, err := ldapsrc.New(raw, dirsync.Env{})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestCredentialsAndBaseErrors(t *testing.T) {
	s := startSlapd(t, 5, 0, nil, nil)
	for _, tc := range []struct {
		name      string
		mod       func(m map[string]any)
		wantField string // a *dirsync.CredentialsError's field
		wantText  string
	}{
		{name: "wrong password", mod: func(m map[string]any) { m["password"] = "nope" }, wantField: "settings.password", wantText: "invalidCredentials"},
		{name: "unknown bind DN", mod: func(m map[string]any) { m["bind_dn"] = "cn=ghost," + suffix }, wantField: "settings.password", wantText: "cn=ghost"},
		{name: "missing base", mod: func(m map[string]any) { m["base_dn"] = "ou=nobody," + suffix }, wantText: `base_dn "ou=nobody,dc=example,dc=com" does not exist`},
		{name: "anonymous", mod: func(m map[string]any) { delete(m, "bind_dn"); delete(m, "password") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := newSource(t, s.URL, tc.mod)
			cs, err := src.(dirsync.Tester).Test(context.Background(), 3)
			if tc.wantText == "" {
				if err != nil || len(cs) != 3 {
					t.Fatalf("test: %d contacts, %v", len(cs), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantText) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.wantText)
			}
			var ce *dirsync.CredentialsError
			if tc.wantField != "" && (!errors.As(err, &ce) || ce.Field != tc.wantField) {
				t.Fatalf("err = %#v, want a CredentialsError on %s", err, tc.wantField)
			}
			if strings.Contains(err.Error(), "reader-pw") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

func TestEngineTestReportsUnreachable(t *testing.T) {
	slapd.Require(t)
	s := startSlapd(t, 1, 0, nil, nil)
	url := s.URL
	addr := s.Addr
	if err := s.Stop(); err != nil { // nothing listens there any more
		t.Fatal(err)
	}
	eng, _ := engine(t)
	_, err := eng.TestInput(context.Background(), dirsync.Input{Type: ptr("ldap"), Settings: settings(url, nil)}, 3)
	var ue *dirsync.UnreachableError
	if !errors.As(err, &ue) || ue.Cause != dirsync.CauseRefused || ue.Field != "settings.url" {
		t.Fatalf("err = %#v (%v), want unreachable (refused) on settings.url at %s", err, err, addr)
	}
}

func TestContextCancelStopsARun(t *testing.T) {
	s := startSlapd(t, 300, 0, nil, nil)
	src := newSource(t, s.URL, func(m map[string]any) { m["page_size"] = 10 })
	ctx, cancel := context.WithCancel(context.Background())
	sink := &cancelSink{after: 25, cancel: cancel}
	_, err := src.Sync(ctx, dirsync.Request{Full: true}, sink)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if sink.n >= 300 {
		t.Fatalf("read everything (%d) despite the cancel", sink.n)
	}
}

type cancelSink struct {
	n      int
	after  int
	cancel func()
}

func (c *cancelSink) Upsert(ctx context.Context, _ *phonebook.Contact) error {
	c.n++
	if c.n == c.after {
		c.cancel()
	}
	return ctx.Err()
}

func (c *cancelSink) Delete(context.Context, string) error { return nil }

// recordSink keeps the upserts in order.
type recordSink struct {
	ids  []string
	byID map[string]*phonebook.Contact
}

func (r *recordSink) Upsert(_ context.Context, c *phonebook.Contact) error {
	if r.byID == nil {
		r.byID = map[string]*phonebook.Contact{}
	}
	r.ids = append(r.ids, c.ExternalID)
	r.byID[c.ExternalID] = c
	return nil
}

func (r *recordSink) Delete(context.Context, string) error { return nil }

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestNoGoroutineLeft: runs that succeed, fail on the bind, are cancelled, or stop early (a
// test's preview) leave no goroutine behind (go-ldap's reader and the context watch end with
// the connection).
func TestNoGoroutineLeft(t *testing.T) {
	s := startSlapd(t, 60, 0, nil, nil)
	before := runtime.NumGoroutine()
	ok := newSource(t, s.URL, func(m map[string]any) { m["page_size"] = 7 })
	bad := newSource(t, s.URL, func(m map[string]any) { m["password"] = "nope" })
	for range 3 {
		if _, err := ok.Sync(context.Background(), dirsync.Request{Full: true}, &recordSink{}); err != nil {
			t.Fatal(err)
		}
		if _, err := ok.(dirsync.Tester).Test(context.Background(), 5); err != nil {
			t.Fatal(err)
		}
		if _, err := bad.Sync(context.Background(), dirsync.Request{Full: true}, &recordSink{}); err == nil {
			t.Fatal("wrong password accepted")
		}
		ctx, cancel := context.WithCancel(context.Background())
		ok.Sync(ctx, dirsync.Request{Full: true}, &cancelSink{after: 10, cancel: cancel})
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline for goroutines to end
	}
}
