package phones_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/phones"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
	lab "github.com/pbxagent/pbxagent/testlab/phones"
)

// The phonebook store is what the daemon wires in.
var (
	_ phones.Directory = (*phonebook.Store)(nil)
	_ phones.Iterator  = (*phonebook.Store)(nil)
)

func openStore(t *testing.T) *phonebook.Store {
	t.Helper()
	n, err := number.New(number.Config{DefaultRegion: "DE", TrunkPrefixes: []string{"0"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{InMemory: true, Numbering: n.Numbering(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MemoryBudget: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestWithPhonebookStore runs the phone endpoints on the real store: its KV
// namespace keeps the registry, Search pages with its cursors, VisibleTo
// hides other owners' contacts, Lookup finds callers.
func TestWithPhonebookStore(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	var want []string
	_, err := st.Bulk(ctx, func(b *phonebook.Batch) error {
		for i := 0; i < 70; i++ {
			c := &phonebook.Contact{Scope: phonebook.ScopeGlobal, FirstName: "Person", LastName: fmt.Sprintf("%03d", i),
				Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: fmt.Sprintf("+49 30 1234%03d", i)}}, Source: phonebook.SourceLocal}
			if _, err := b.Put(c); err != nil {
				return err
			}
			want = append(want, fmt.Sprintf("Person %03d", i))
		}
		for _, o := range []string{"alice", "bob"} {
			c := &phonebook.Contact{Scope: phonebook.ScopePersonal, Owner: o, FirstName: "Private", LastName: o,
				Numbers: []phonebook.Number{{Type: phonebook.NumberMobile, Value: "+49 170 555000" + map[string]string{"alice": "1", "bob": "2"}[o]}}, Source: phonebook.SourceLocal}
			if _, err := b.Put(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := phones.New(ctx, st, st.Meta("phones"), phones.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	srv := serveService(t, svc)
	tok := srv.register(t, `{"mac":"0002fdff2103","vendor":"cisco","owner":"alice"}`)

	cl := &lab.Client{Profile: lab.Cisco8841, Base: srv.URL}
	var got []string
	next := lab.WithToken("/phonebook/cisco.xml?q=person", tok)
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		r, err := cl.Get(ctx, next)
		if err != nil {
			t.Fatal(err)
		}
		var d lab.CiscoDirectory
		if err := r.Decode("CiscoIPPhoneDirectory", &d); err != nil {
			t.Fatal(err)
		}
		for _, e := range d.Entries {
			got = append(got, e.Name)
		}
		next = ""
		if k, ok := d.Key("Next"); ok {
			u, _ := url.Parse(k.URL)
			next = u.RequestURI()
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("walk over the store: %d names %q…", len(got), first(got))
	}
	// Full book: alice's phone sees her personal contact, not bob's.
	yl := &lab.Client{Profile: lab.YealinkT46G, Base: srv.URL}
	r, err := yl.Get(ctx, lab.WithToken("/phonebook/yealink.xml", tok))
	if err != nil {
		t.Fatal(err)
	}
	if body := string(r.Body); !strings.Contains(body, "Private alice") || strings.Contains(body, "Private bob") || strings.Count(body, "<DirectoryEntry>") != 71 {
		t.Fatalf("visibility over the store:\n%.400s", body)
	}
	// Incoming-call lookup: own personal number found, bob's not.
	for number, want := range map[string]string{"01705550001": "Private alice", "+491705550002": "", "030 1234007": "Person 007"} {
		r, err := yl.Get(ctx, lab.WithToken("/phonebook/yealink.xml?number="+url.QueryEscape(number), tok))
		if err != nil {
			t.Fatal(err)
		}
		var d lab.YealinkDirectory
		r.Decode("YealinkIPPhoneDirectory", &d)
		name := ""
		if len(d.Entries) > 0 {
			name = d.Entries[0].Name
		}
		if name != want {
			t.Errorf("lookup %s = %q, want %q", number, name, want)
		}
	}
	// The registry lives in the store's KV namespace.
	n := 0
	st.Meta("phones").List(ctx, func(k string, v []byte) error {
		if strings.HasPrefix(k, "phone/") {
			n++
		}
		return nil
	})
	if n != 1 {
		t.Errorf("%d phone records in the store", n)
	}
}
