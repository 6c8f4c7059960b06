package ldapdir_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/pbxagent/pbxagent/agent/ldapdir"
	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

const (
	testBase  = "ou=contacts,dc=pbxagent,dc=test"
	alicePass = "alice-s3cret"
	bobPass   = "bob-s3cret!"
)

// env is a phone book (a real store) with a phones service holding two
// phones: alice-phone (owner alice) and bob-phone (owner bob).
type env struct {
	t     testing.TB
	store *phonebook.Store
	svc   *phones.Service
}

// fixture contacts: global ones, and one personal contact each for alice
// and bob.
func fixture() []*phonebook.Contact {
	num := func(t phonebook.NumberType, v string) phonebook.Number { return phonebook.Number{Type: t, Value: v} }
	cs := []*phonebook.Contact{
		{FirstName: "Alice", LastName: "Martin", Company: "Acme", Department: "Sales", JobTitle: "CTO",
			Emails:  []phonebook.Email{{Address: "alice@acme.example"}},
			Numbers: []phonebook.Number{num(phonebook.NumberWork, "1001"), num(phonebook.NumberMobile, "+33 6 12 34 56 78")}},
		{FirstName: "Bob", LastName: "Builder", Company: "Builders Ltd",
			Numbers: []phonebook.Number{num(phonebook.NumberWork, "020 7946 0018"), num(phonebook.NumberFax, "020 7946 0019")}},
		{FirstName: "Zoë", LastName: "Müller", Numbers: []phonebook.Number{num(phonebook.NumberHome, "+49 30 1234567")}},
		{FirstName: "John", LastName: "Smith", Company: "Acme", Numbers: []phonebook.Number{num(phonebook.NumberWork, "1002")}},
		{FirstName: "Anna", LastName: "Smithson", Numbers: []phonebook.Number{num(phonebook.NumberMobile, "07700 900123")}},
		{Scope: phonebook.ScopePersonal, Owner: "alice", FirstName: "Alice's", LastName: "Mum",
			Numbers: []phonebook.Number{num(phonebook.NumberMobile, "07700 900555")}},
		{Scope: phonebook.ScopePersonal, Owner: "bob", FirstName: "Bob's", LastName: "Secret",
			Numbers: []phonebook.Number{num(phonebook.NumberMobile, "07700 900666")}},
	}
	for i := range 30 {
		cs = append(cs, &phonebook.Contact{FirstName: "Page", LastName: fmt.Sprintf("Person%02d", i),
			Numbers: []phonebook.Number{num(phonebook.NumberWork, fmt.Sprintf("3%03d", i))}})
	}
	return cs
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	n, err := number.New(number.Config{DefaultRegion: "GB", TrunkPrefixes: []string{"0"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := phonebook.Open(ctx, phonebook.Options{InMemory: true, Numbering: n.Numbering(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, c := range fixture() {
		if c.Scope == "" {
			c.Scope = phonebook.ScopeGlobal
		}
		c.Source = phonebook.SourceLocal
		if _, err := st.Create(ctx, c); err != nil {
			t.Fatalf("create %s %s: %v", c.FirstName, c.LastName, err)
		}
	}
	svc, err := phones.New(ctx, st, st.Meta("phones"), phones.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: st, svc: svc}
	e.register(`{"mac":"001565000001","vendor":"yealink","model":"T46U","owner":"alice","username":"alice-phone","password":"` + alicePass + `"}`)
	e.register(`{"mac":"001565000002","vendor":"yealink","model":"T46U","owner":"bob","username":"bob-phone","password":"` + bobPass + `"}`)
	return e
}

func (e *env) register(body string) {
	e.t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/phones", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	e.svc.AdminHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		e.t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
}

// serve starts a server with cfg (BaseDN filled in) on a loopback port;
// it is stopped, and its goroutines checked gone, at the test's end.
func (e *env) serve(cfg ldapdir.Config) (*ldapdir.Server, string) {
	e.t.Helper()
	if cfg.BaseDN == "" {
		cfg.BaseDN = testBase
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := ldapdir.New(cfg, e.svc)
	if err != nil {
		e.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	e.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			e.t.Error("Serve did not return after its context ended")
		}
		if n := srv.Stats().Conns; n != 0 {
			e.t.Errorf("%d connections left after Serve returned", n)
		}
	})
	return srv, ln.Addr().String()
}

// allowLoopback is the allow-list letting the tests' loopback clients in.
var allowLoopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// dial connects a go-ldap client.
func dial(t testing.TB, addr string) *ldap.Conn {
	t.Helper()
	c, err := ldap.DialURL("ldap://" + addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetTimeout(10 * time.Second)
	t.Cleanup(func() { c.Close() })
	return c
}

// code is an LDAP error's result code (0 for nil, -1 for another error).
func code(err error) int {
	if err == nil {
		return 0
	}
	var le *ldap.Error
	if errors.As(err, &le) {
		return int(le.ResultCode)
	}
	return -1
}

// names are the cn values of a search's entries, in order.
func names(res *ldap.SearchResult) []string {
	if res == nil {
		return nil
	}
	out := make([]string, 0, len(res.Entries))
	for _, e := range res.Entries {
		out = append(out, e.GetAttributeValue("cn"))
	}
	return out
}
