package custom_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	"github.com/pbxagent/pbxagent/phonebook/source/custom"
	"github.com/pbxagent/pbxagent/testlab/contactsvc"
)

// serverClock is the service's clock, moved by the tests.
type serverClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *serverClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *serverClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

type fixture struct {
	svc    *contactsvc.Server
	srv    *httptest.Server
	sclock *serverClock
	clock  *syncfake.Clock
	src    dirsync.Source
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newFixture(t *testing.T, n, pageSize int, opts contactsvc.Options) *fixture {
	t.Helper()
	sc := &serverClock{now: t0.Add(-24 * time.Hour)} // contacts last changed a day ago
	opts.Now = sc.Now
	svc := contactsvc.New(opts)
	for i := 0; i < n; i++ {
		svc.Put(contactsvc.Synthetic(i, ""))
	}
	sc.Add(24 * time.Hour)
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	clk := syncfake.NewInstantClock(t0)
	raw, _ := json.Marshal(map[string]any{"url": srv.URL, "client_id": "test_id", "client_secret": "test_secret", "page_size": pageSize})
	src, err := custom.New(raw, dirsync.Env{HTTPClient: srv.Client(), Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, srv: srv, sclock: sc, clock: clk, src: src}
}

func keys(m map[string]*phonebook.Contact) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func synthIDs(from, to int, skip ...int) []string {
	var out []string
	for i := from; i < to; i++ {
		if !slices.Contains(skip, i) {
			out = append(out, fmt.Sprint(100000+i))
		}
	}
	slices.Sort(out)
	return out
}

func TestFullSyncPagesAndMapsContacts(t *testing.T) {
	f := newFixture(t, 1234, 100, contactsvc.Options{})
	sink := syncfake.NewSink()
	res, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(sink.Set); !slices.Equal(got, synthIDs(0, 1234)) {
		t.Fatalf("got %d contacts", len(got))
	}
	if n := f.svc.Requests("/contacts"); n != 13 {
		t.Fatalf("%d pages requested, want 13", n)
	}
	if f.svc.TokensIssued() != 1 {
		t.Fatalf("%d tokens", f.svc.TokensIssued())
	}
	c := sink.Set["100003"]
	want := &phonebook.Contact{ExternalID: "100003", FirstName: "First3", LastName: "Last3", DisplayName: "First3 Last3",
		Company: "Company 3", Custom: map[string]string{"type": "lead"},
		Numbers: []phonebook.Number{{Type: "work", Value: "+387610000003"}, {Type: "mobile", Value: "+387620000003"}},
		Emails:  []phonebook.Email{{Label: "business", Address: "user3@example.com"}}}
	gb, _ := json.Marshal(c)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Fatalf("mapped contact\n got %s\nwant %s", gb, wb)
	}
	var st struct{ Since int64 }
	json.Unmarshal(res.State, &st)
	if st.Since != t0.Unix() {
		t.Fatalf("state %s", res.State)
	}
}

func TestTokenExpiresMidSync(t *testing.T) {
	f := newFixture(t, 500, 50, contactsvc.Options{})
	// After page 4 the service's clock jumps past the 2-minute token life.
	var once sync.Once
	f.svc.Inject(func(r *http.Request) (int, string, bool) {
		if r.URL.Path == "/contacts" && r.URL.Query().Get("page") == "5" {
			once.Do(func() { f.sclock.Add(3 * time.Minute) })
		}
		return 0, "", false
	})
	sink := syncfake.NewSink()
	if _, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Set) != 500 {
		t.Fatalf("%d contacts", len(sink.Set))
	}
	if f.svc.TokensIssued() != 2 {
		t.Fatalf("%d tokens issued, want 2 (one refresh on 401)", f.svc.TokensIssued())
	}
	// Tokens revoked outright are refreshed too.
	f.svc.ExpireTokens()
	f.sclock.Add(2 * time.Second)
	if _, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink()); err != nil {
		t.Fatal(err)
	}
}

func TestDeltaSyncTimestampsAndOnceOnlyDeletions(t *testing.T) {
	f := newFixture(t, 50, 4, contactsvc.Options{})
	ctx := context.Background()
	sink := syncfake.NewSink()
	res, err := f.src.Sync(ctx, dirsync.Request{Full: true}, sink)
	if err != nil {
		t.Fatal(err)
	}
	// An hour later: 2 updated, 5 deleted, 1 added. With limit 4 the
	// deletions need two pages while the updates fit one.
	f.sclock.Add(time.Hour)
	f.clock.Advance(time.Hour)
	f.svc.Put(contactsvc.Synthetic(1, "v2"), contactsvc.Synthetic(2, "v2"), contactsvc.Synthetic(60, ""))
	f.svc.Delete("100010", "100011", "100012", "100013", "100014")
	var seen []string
	f.svc.Inject(func(r *http.Request) (int, string, bool) {
		if r.URL.Path == "/contacts/delta" {
			seen = append(seen, r.URL.Query().Get("timestamp")+"/"+r.URL.Query().Get("page"))
		}
		return 0, "", false
	})
	res2, err := f.src.Sync(ctx, dirsync.Request{State: res.State}, sink)
	if err != nil {
		t.Fatal(err)
	}
	wantTS := fmt.Sprint(t0.Unix() - 300)
	// Page 1 twice: the token fetched an hour ago has expired (401, refresh).
	if want := []string{wantTS + "/1", wantTS + "/1", wantTS + "/2"}; !slices.Equal(seen, want) {
		t.Fatalf("delta requests %v, want %v", seen, want)
	}
	if got := keys(sink.Set); !slices.Equal(got, synthIDs(0, 61, append([]int{10, 11, 12, 13, 14}, seq(50, 60)...)...)) {
		t.Fatalf("after delta: %v", got)
	}
	if sink.Set["100001"].FirstName != "First1v2" {
		t.Fatal("update not applied")
	}
	if len(f.svc.PendingDeletions()) != 0 {
		t.Fatal("service kept deletions after they were read")
	}
	// Next delta: deletions are gone from the service, updates re-delivered
	// only when newer than the last start minus the overlap.
	sink.Deletes = nil
	f.sclock.Add(time.Hour)
	f.clock.Advance(time.Hour)
	if _, err := f.src.Sync(ctx, dirsync.Request{State: res2.State}, sink); err != nil {
		t.Fatal(err)
	}
	if len(sink.Deletes) != 0 {
		t.Fatalf("deletions handed out twice: %v", sink.Deletes)
	}
}

func seq(from, to int) []int {
	var out []int
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

func TestThrottlingAndErrors(t *testing.T) {
	t.Run("429 with Retry-After", func(t *testing.T) {
		f := newFixture(t, 30, 10, contactsvc.Options{})
		n := 0
		f.svc.Inject(func(r *http.Request) (int, string, bool) {
			if r.URL.Path == "/contacts" && r.URL.Query().Get("page") == "2" && n < 2 {
				n++
				return http.StatusTooManyRequests, "17", true
			}
			return 0, "", false
		})
		sink := syncfake.NewSink()
		if _, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, sink); err != nil {
			t.Fatal(err)
		}
		if w := f.clock.Waits(); len(w) != 2 || w[0] != 17*time.Second {
			t.Fatalf("waits %v", w)
		}
		if len(sink.Set) != 30 {
			t.Fatalf("%d contacts", len(sink.Set))
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		f := newFixture(t, 1, 10, contactsvc.Options{ClientID: "test_id", ClientSecret: "other"})
		_, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink())
		var ce *dirsync.CredentialsError
		if !errorsAs(err, &ce) || ce.Field != "settings.client_secret" || !strings.Contains(ce.Message, "HTTP 401") {
			t.Fatalf("err %v, want the client secret refused", err)
		}
	})
	t.Run("server error mid-run", func(t *testing.T) {
		f := newFixture(t, 30, 10, contactsvc.Options{})
		f.svc.Inject(func(r *http.Request) (int, string, bool) {
			return 500, "", r.URL.Query().Get("page") == "3"
		})
		_, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink())
		if err == nil || !strings.Contains(err.Error(), "HTTP 500") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("empty service", func(t *testing.T) {
		f := newFixture(t, 0, 10, contactsvc.Options{})
		sink := syncfake.NewSink()
		if _, err := f.src.Sync(context.Background(), dirsync.Request{Full: true}, sink); err != nil || len(sink.Set) != 0 {
			t.Fatalf("%v %d", err, len(sink.Set))
		}
	})
	t.Run("has_more forever", func(t *testing.T) {
		f := newFixture(t, 0, 10, contactsvc.Options{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/token" {
				w.Write([]byte(`{"token":"t"}`))
				return
			}
			w.Write([]byte(`{"contacts":[],"has_more":true}`))
		}))
		defer srv.Close()
		raw, _ := json.Marshal(map[string]any{"url": srv.URL, "client_id": "a", "client_secret": "b"})
		src, _ := custom.New(raw, dirsync.Env{HTTPClient: srv.Client(), Clock: f.clock})
		_, err := src.Sync(context.Background(), dirsync.Request{Full: true}, syncfake.NewSink())
		if err == nil || !strings.Contains(err.Error(), "empty pages") {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("bad delta state resyncs", func(t *testing.T) {
		f := newFixture(t, 1, 10, contactsvc.Options{})
		_, err := f.src.Sync(context.Background(), dirsync.Request{State: []byte("garbage")}, syncfake.NewSink())
		if !errorsIs(err, dirsync.ErrResync) {
			t.Fatalf("err %v", err)
		}
	})
}

func TestSettingsValidation(t *testing.T) {
	tests := []struct {
		json, field string
	}{
		{`{"client_id":"a","client_secret":"b"}`, "settings.url"},
		{`{"url":"ftp://x","client_id":"a","client_secret":"b"}`, "settings.url"},
		{`{"url":"http://x","client_secret":"b"}`, "settings.client_id"},
		{`{"url":"http://x","client_id":"a"}`, "settings.client_secret"},
		{`{"url":"http://x","client_id":"a","client_secret":"b","page_size":-1}`, "settings.page_size"},
	}
	for _, tc := range tests {
		_, err := custom.New(json.RawMessage(tc.json), dirsync.Env{})
		var fe *dirsync.FieldError
		if !errorsAs(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v, want field %s", tc.json, err, tc.field)
		}
	}
}

func FuzzDecodeList(f *testing.F) {
	f.Add([]byte(`{"contacts":[{"id":"100","first_name":"Victor","last_name":"Donnelly","company":"eos","type":"lead","phones":[{"number":"+836985101472","label":"work"}],"emails":[{"email":"x@y.edu","label":"business"}]}],"has_more":true}`))
	f.Add([]byte(`{"contacts":[{"id":7,"phones":null,"emails":null}],"has_more":false}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := custom.DecodeList(b)
		if err != nil {
			return
		}
		for _, c := range p.Contacts {
			if c.ExternalID == "" || strings.ContainsRune(c.ExternalID, 0) {
				t.Fatalf("bad id %q accepted", c.ExternalID)
			}
		}
	})
}

func FuzzDecodeDelta(f *testing.F) {
	f.Add([]byte(`{"updated":[{"id":"1","first_name":"A","last_name":"B"}],"deleted":["2","3"],"has_more":true}`))
	f.Add([]byte(`{"updated":null,"deleted":[""],"has_more":false}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := custom.DecodeDelta(b)
		if err != nil {
			return
		}
		for _, id := range p.Deleted {
			if id == "" {
				t.Fatal("empty deleted id accepted")
			}
		}
	})
}
