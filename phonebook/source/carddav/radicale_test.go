package carddav_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/carddav"
	"github.com/pbxagent/pbxagent/testlab/radicale"
)

// card returns vCard number i: even ones in 3.0, odd ones in 4.0.
func card(i int, title string) string {
	if i%2 == 0 {
		return fmt.Sprintf("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:uid-%03d\r\nFN:Person %03d\r\nN:Last%03d;First%03d;;;\r\n"+
			"ORG:Acme;Sales\r\nTITLE:%s\r\nEMAIL;TYPE=INTERNET,WORK:p%03d@example.com\r\n"+
			"TEL;TYPE=WORK,VOICE:+387 33 000 %03d\r\nTEL;TYPE=CELL:+387 61 000 %03d\r\nEND:VCARD\r\n", i, i, i, i, title, i, i, i)
	}
	return fmt.Sprintf("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:00000000-0000-0000-0000-000000000%03d\r\nFN:Person %03d\r\n"+
		"N:Last%03d;First%03d;;;\r\nORG:Acme;Support\r\nTITLE:%s\r\nEMAIL;TYPE=home:p%03d@example.org\r\n"+
		"TEL;VALUE=uri;TYPE=\"cell,voice\":tel:+387-62-000-%03d\r\nTEL;VALUE=uri;TYPE=fax:tel:+387-33-999-%03d;ext=1\r\nEND:VCARD\r\n", i, i, i, i, title, i, i, i)
}

func uid(i int) string {
	if i%2 == 0 {
		return fmt.Sprintf("uid-%03d", i)
	}
	return fmt.Sprintf("urn:uuid:00000000-0000-0000-0000-000000000%03d", i)
}

type lab struct {
	srv *radicale.Server
	src dirsync.Source
}

// newLab starts Radicale with alice's book of n cards.
func newLab(t *testing.T, n int, settings map[string]any) *lab {
	t.Helper()
	srv := radicale.Start(t, radicale.Options{Users: map[string]string{"alice": "secret"}})
	srv.MakeAddressBook(t, "alice", "/alice/book/", "Company")
	for i := range n {
		srv.Put(t, "alice", fmt.Sprintf("/alice/book/c%03d.vcf", i), card(i, "Engineer"))
	}
	set := map[string]any{"url": srv.URL, "username": "alice", "password": "secret"}
	for k, v := range settings {
		set[k] = v
	}
	raw, _ := json.Marshal(set)
	src, err := carddav.New(raw, dirsync.Env{})
	if err != nil {
		t.Fatal(err)
	}
	return &lab{srv: srv, src: src}
}

func (l *lab) sync(t *testing.T, full bool, st []byte) (*syncfake.Sink, []byte) {
	t.Helper()
	sink := syncfake.NewSink()
	res, err := l.src.Sync(context.Background(), dirsync.Request{Full: full, State: st}, sink)
	if err != nil {
		t.Fatalf("sync (full=%v): %v", full, err)
	}
	return sink, res.State
}

func TestFullSyncMapsV3AndV4(t *testing.T) {
	l := newLab(t, 12, nil)
	sink, st := l.sync(t, true, nil)
	if len(sink.Set) != 12 || len(sink.Deletes) != 0 {
		t.Fatalf("full: %d contacts, deletes %v", len(sink.Set), sink.Deletes)
	}
	v3, v4 := sink.Set[uid(4)], sink.Set[uid(5)]
	if v3 == nil || v4 == nil {
		t.Fatalf("missing UIDs: %v", slices.Sorted(func(y func(string) bool) {
			for k := range sink.Set {
				if !y(k) {
					return
				}
			}
		}))
	}
	want3 := phonebook.Contact{ExternalID: uid(4), DisplayName: "Person 004", FirstName: "First004", LastName: "Last004",
		Company: "Acme", Department: "Sales", JobTitle: "Engineer",
		Emails:  []phonebook.Email{{Label: "work", Address: "p004@example.com"}},
		Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: "+387 33 000 004"}, {Type: phonebook.NumberMobile, Value: "+387 61 000 004"}}}
	want4 := phonebook.Contact{ExternalID: uid(5), DisplayName: "Person 005", FirstName: "First005", LastName: "Last005",
		Company: "Acme", Department: "Support", JobTitle: "Engineer",
		Emails:  []phonebook.Email{{Label: "home", Address: "p005@example.org"}},
		Numbers: []phonebook.Number{{Type: phonebook.NumberMobile, Value: "+387-62-000-005"}, {Type: phonebook.NumberFax, Value: "+387-33-999-005"}}}
	for _, tc := range []struct {
		got, want *phonebook.Contact
	}{{got: v3, want: &want3}, {got: v4, want: &want4}} {
		g, _ := json.Marshal(tc.got)
		w, _ := json.Marshal(tc.want)
		if string(g) != string(w) {
			t.Errorf("mapped\n got %s\nwant %s", g, w)
		}
	}
	if len(st) == 0 || !strings.Contains(string(st), "/alice/book/") {
		t.Fatalf("state %s", st)
	}
}

func TestDeltaSeesOnlyChangesAndDeletes(t *testing.T) {
	l := newLab(t, 10, nil)
	_, st := l.sync(t, true, nil)
	l.srv.Put(t, "alice", "/alice/book/c003.vcf", card(3, "Manager"))
	sink, st := l.sync(t, false, st)
	if !slices.Equal(sink.Upserts, []string{uid(3)}) || len(sink.Deletes) != 0 {
		t.Fatalf("change: upserts %v deletes %v", sink.Upserts, sink.Deletes)
	}
	if sink.Set[uid(3)].JobTitle != "Manager" {
		t.Fatalf("changed card: %+v", sink.Set[uid(3)])
	}
	l.srv.Delete(t, "alice", "/alice/book/c006.vcf")
	l.srv.Put(t, "alice", "/alice/book/new.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:new-1\r\nFN:New One\r\nTEL:100\r\nEND:VCARD\r\n")
	sink, st = l.sync(t, false, st)
	if !slices.Equal(sink.Deletes, []string{uid(6)}) || !slices.Equal(sink.Upserts, []string{"new-1"}) {
		t.Fatalf("delete+add: upserts %v deletes %v", sink.Upserts, sink.Deletes)
	}
	sink, _ = l.sync(t, false, st)
	if len(sink.Upserts)+len(sink.Deletes) != 0 {
		t.Fatalf("no change: upserts %v deletes %v", sink.Upserts, sink.Deletes)
	}
}

// A sync-token the server rejects (403 valid-sync-token) falls back to the
// comparison of ETags: still only the change is fetched.
func TestInvalidTokenFallsBackToETags(t *testing.T) {
	l := newLab(t, 8, nil)
	_, st := l.sync(t, true, nil)
	var s map[string]any
	if err := json.Unmarshal(st, &s); err != nil {
		t.Fatal(err)
	}
	s["b"].(map[string]any)["/alice/book/"].(map[string]any)["t"] = "http://radicale.org/ns/sync/0000bogus"
	st, _ = json.Marshal(s)
	l.srv.Put(t, "alice", "/alice/book/c001.vcf", card(1, "Director"))
	l.srv.Delete(t, "alice", "/alice/book/c002.vcf")
	sink, st := l.sync(t, false, st)
	if !slices.Equal(sink.Upserts, []string{uid(1)}) || !slices.Equal(sink.Deletes, []string{uid(2)}) {
		t.Fatalf("fallback: upserts %v deletes %v", sink.Upserts, sink.Deletes)
	}
	if strings.Contains(string(st), "0000bogus") {
		t.Fatalf("the rejected token stayed in the state: %s", st)
	}
	l.srv.Put(t, "alice", "/alice/book/c004.vcf", card(4, "Chief"))
	sink, _ = l.sync(t, false, st)
	if !slices.Equal(sink.Upserts, []string{uid(4)}) {
		t.Fatalf("after fallback, the new token: upserts %v", sink.Upserts)
	}
}

func TestWrongPasswordIsCredentialsError(t *testing.T) {
	l := newLab(t, 1, map[string]any{"password": "wrong"})
	_, err := l.src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink())
	var ce *dirsync.CredentialsError
	if !errors.As(err, &ce) || ce.Field != "settings.password" || !strings.Contains(ce.Message, `"alice"`) {
		t.Fatalf("err = %v", err)
	}
	_, err = l.src.(dirsync.Tester).Test(context.Background(), 5)
	if !errors.As(err, &ce) {
		t.Fatalf("test: err = %v", err)
	}
}

func TestDiscoveryFromServerRoot(t *testing.T) {
	l := newLab(t, 3, nil)
	l.srv.MakeAddressBook(t, "alice", "/alice/suppliers/", "Suppliers")
	l.srv.Put(t, "alice", "/alice/suppliers/s1.vcf", "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:sup-1\r\nFN:Supplier One\r\nORG:Parts Ltd\r\nEND:VCARD\r\n")
	for _, tc := range []struct {
		name    string
		url     string
		book    string
		want    int
		wantErr string
	}{
		{name: "all books from the root", url: l.srv.URL, want: 4},
		{name: "all books from the principal", url: l.srv.URL + "/alice/", want: 4},
		{name: "book by display name", url: l.srv.URL, book: "Suppliers", want: 1},
		{name: "book by segment", url: l.srv.URL, book: "book", want: 3},
		{name: "book by path", url: l.srv.URL, book: "/alice/suppliers/", want: 1},
		{name: "url is a book", url: l.srv.URL + "/alice/book/", want: 3},
		{name: "unknown book", url: l.srv.URL, book: "Nope", wantErr: `settings.address_book: "Nope" is not an address book of /alice/`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := json.Marshal(map[string]any{"url": tc.url, "username": "alice", "password": "secret", "address_book": tc.book})
			src, err := carddav.New(raw, dirsync.Env{})
			if err != nil {
				t.Fatal(err)
			}
			sink := syncfake.NewSink()
			_, err = src.Sync(context.Background(), dirsync.Request{Full: true}, sink)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(sink.Set) != tc.want {
				t.Fatalf("err %v, %d contacts, want %d", err, len(sink.Set), tc.want)
			}
		})
	}
}

func TestDryRun(t *testing.T) {
	l := newLab(t, 6, nil)
	cs, err := l.src.(dirsync.Tester).Test(context.Background(), 4)
	if err != nil || len(cs) != 4 {
		t.Fatalf("test: %d contacts, %v", len(cs), err)
	}
	for _, c := range cs {
		if !strings.HasPrefix(c.DisplayName, "Person ") || len(c.Numbers) != 2 {
			t.Fatalf("test contact %+v", c)
		}
	}
}
