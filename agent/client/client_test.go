package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent"
	"github.com/pbxagent/pbxagent/agent/client"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/testlab/testdaemon"
)

const token = "client-test-token"

// daemon starts pbxagent in-process on a random loopback port and returns
// a client of it.
func daemon(tb testing.TB) *client.Client {
	tb.Helper()
	d := testdaemon.Start(tb, agent.New, testdaemon.Config(tb, token), nil)
	c, err := client.New("http://"+d.HTTPAddr(), client.WithToken(token))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestContactsAgainstDaemon(t *testing.T) {
	ctx := context.Background()
	c := daemon(t)
	ct, err := c.CreateContact(ctx, &client.ContactInput{
		FirstName: "Jürgen", LastName: "Müller", Company: "Ankunding",
		Numbers: []phonebook.Number{{Type: phonebook.NumberMobile, Value: "061 111-111"}},
		Emails:  []phonebook.Email{{Label: "work", Address: "j@example.ba"}},
		Custom:  map[string]string{"crm": "42"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ct.ID == "" || ct.DisplayName != "Jürgen Müller" || ct.Numbers[0].Normalized != "+38761111111" || ct.Source != phonebook.SourceLocal {
		t.Fatalf("created %+v", ct)
	}
	got, err := c.GetContact(ctx, ct.ID)
	if err != nil || got.Custom["crm"] != "42" || got.Emails[0].Address != "j@example.ba" {
		t.Fatalf("get: %+v %v", got, err)
	}
	upd, err := c.PatchContact(ctx, ct.ID, client.Patch{"job_title": "CTO", "company": nil, "last_name": "Schmidt"})
	if err != nil || upd.JobTitle != "CTO" || upd.Company != "" || upd.DisplayName != "Jürgen Schmidt" || upd.FirstName != "Jürgen" {
		t.Fatalf("patch: %+v %v", upd, err)
	}

	res, err := c.Lookup(ctx, "+387 61 111 111")
	if err != nil || !res.Hit() || res.Name != "Jürgen Schmidt" || res.ContactID != ct.ID || res.E164 != "+38761111111" {
		t.Fatalf("lookup hit: %+v %v", res, err)
	}
	for number, match := range map[string]phonebook.MatchKind{"1805": phonebook.MatchNone, "anonymous": phonebook.MatchSkipped} {
		res, err = c.Lookup(ctx, number)
		if err != nil || res.Hit() || res.Match != match || res.Name != "" {
			t.Fatalf("lookup %s: %+v %v", number, res, err)
		}
	}
	// An empty number is a request error, not a miss.
	if _, err := c.Lookup(ctx, ""); !errors.Is(err, client.ErrInvalid) {
		t.Fatalf("lookup empty: %v", err)
	}

	// Validation errors carry the fields.
	_, err = c.CreateContact(ctx, &client.ContactInput{FirstName: "X", Numbers: []phonebook.Number{{Type: "pager", Value: "1"}}})
	var ae *client.APIError
	if !errors.As(err, &ae) || !errors.Is(err, client.ErrInvalid) || ae.Code != "invalid" || len(ae.Problems) != 1 || ae.Problems[0].Field != "numbers[0].type" {
		t.Fatalf("invalid: %#v", err)
	}
	if _, err := c.CreateContactJSON(ctx, map[string]any{"first_name": "X", "bogus": 1}); !errors.Is(err, client.ErrInvalid) || !strings.Contains(err.(*client.APIError).Problems[0].String(), "bogus") {
		t.Fatalf("unknown field: %v", err)
	}

	if err := c.DeleteContact(ctx, ct.ID); err != nil {
		t.Fatal(err)
	}
	for _, f := range []func() error{
		func() error { _, err := c.GetContact(ctx, ct.ID); return err },
		func() error { return c.DeleteContact(ctx, ct.ID) },
		func() error { _, err := c.PatchContact(ctx, ct.ID, client.Patch{"company": "x"}); return err },
	} {
		if err := f(); !errors.Is(err, client.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	}
	// An empty id never becomes a request for the collection.
	if _, err := c.GetContact(ctx, ""); err == nil || errors.Is(err, client.ErrNotFound) {
		t.Fatalf("empty id: %v", err)
	}
	if err := c.DeleteContact(ctx, ""); err == nil {
		t.Fatal("delete with an empty id")
	}
	// Ids are path-escaped, not path-interpreted.
	if _, err := c.GetContact(ctx, "../../healthz"); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("odd id: %v", err)
	}

	bad, _ := client.New(c.Server(), client.WithToken("wrong"))
	if _, err := bad.SearchContacts(ctx, client.Query{}); !errors.Is(err, client.ErrUnauthorized) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("wrong token: %v", err)
	}
	anon, _ := client.New(c.Server())
	if _, err := anon.Lookup(ctx, "1805"); !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("no token: %v", err)
	}
}

func TestSearchPaging(t *testing.T) {
	ctx := context.Background()
	c := daemon(t)
	const n = 12
	for i := range n {
		if _, err := c.CreateContact(ctx, &client.ContactInput{FirstName: "P", LastName: string(rune('a' + i)), Company: "Paging"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.CreateContact(ctx, &client.ContactInput{Company: "Other"}); err != nil {
		t.Fatal(err)
	}
	p, err := c.SearchContacts(ctx, client.Query{Q: "paging", Limit: 5})
	if err != nil || len(p.Contacts) != 5 || p.Total != n || p.NextCursor == "" {
		t.Fatalf("page: %d %d %q %v", len(p.Contacts), p.Total, p.NextCursor, err)
	}
	for _, limit := range []int{1, 5, 12, 1000} {
		var total int
		var names []string
		for ct, err := range c.AllContacts(ctx, client.Query{Q: "paging", Limit: limit}, &total) {
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, ct.DisplayName)
		}
		if len(names) != n || total != n || names[0] != "P a" || names[n-1] != "P l" {
			t.Fatalf("limit %d: %d names, total %d: %q", limit, len(names), total, names)
		}
	}
	// Stopping early stops paging.
	count := 0
	for range c.AllContacts(ctx, client.Query{Limit: 2}, nil) {
		count++
		if count == 3 {
			break
		}
	}
	if count != 3 {
		t.Fatal(count)
	}
	if _, err := c.SearchContacts(ctx, client.Query{Limit: 5000}); !errors.Is(err, client.ErrInvalid) {
		t.Fatalf("limit 5000: %v", err)
	}
	for _, err := range c.AllContacts(ctx, client.Query{Limit: 5000}, nil) {
		if !errors.Is(err, client.ErrInvalid) {
			t.Fatalf("all with limit 5000: %v", err)
		}
	}
}

func TestCSVAgainstDaemon(t *testing.T) {
	ctx := context.Background()
	c := daemon(t)
	csv := "Ana,,Anić,ana@example.ba,Example d.o.o.,mobile:061 111-111\nEmir,,Hodžić,emir@example.ba,BH Telecom,work:033 222 111,other:5\n"

	_, err := c.ImportCSV(ctx, strings.NewReader(csv), client.ImportOptions{Mode: client.ImportReplace})
	var ae *client.APIError
	if !errors.Is(err, client.ErrConfirmRequired) || !errors.As(err, &ae) || ae.Message != "CSV upload will delete existing records. Do you want to proceed?" {
		t.Fatalf("replace without confirm: %v", err)
	}
	res, err := c.ImportCSV(ctx, strings.NewReader(csv), client.ImportOptions{Confirm: true, Size: int64(len(csv))})
	if err != nil || res.Mode != "replace" || res.Rows != 2 || res.Created != 2 || len(res.Warnings) != 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	bad := csv + "Broken,,Row\n"
	_, err = c.ImportCSV(ctx, strings.NewReader(bad), client.ImportOptions{Mode: client.ImportMerge})
	if !errors.As(err, &ae) || ae.Status != 400 || len(ae.Problems) != 1 || ae.Problems[0].Line != 3 || ae.Problems[0].Message == "" {
		t.Fatalf("malformed: %#v", err)
	}
	if _, err := c.ImportCSV(ctx, strings.NewReader(csv), client.ImportOptions{Mode: "sideways"}); err == nil {
		t.Fatal("bad mode accepted")
	}
	var out bytes.Buffer
	n, err := c.ExportCSV(ctx, &out, "")
	if err != nil || n != int64(out.Len()) || !strings.Contains(out.String(), "Ana,,Anić,ana@example.ba") {
		t.Fatalf("export: %d %v %q", n, err, out.String())
	}
	res, err = c.ImportCSV(ctx, &out, client.ImportOptions{Mode: client.ImportMerge})
	if err != nil || res.Unchanged != 2 || res.Created+res.Updated+res.Deleted != 0 {
		t.Fatalf("re-import: %+v %v", res, err)
	}
	out.Reset()
	if _, err := c.TemplateCSV(ctx, &out); err != nil || out.Len() == 0 {
		t.Fatalf("template: %v", err)
	}
}

// fake serves canned answers and records the last request.
func fake(t *testing.T, h http.HandlerFunc) *client.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL+"/", client.WithToken("tok"), client.WithUserAgent("ua/1"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRequestShape(t *testing.T) {
	var got *http.Request
	var body []byte
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		switch {
		case strings.HasSuffix(r.URL.Path, "/import"):
			w.Write([]byte(`{"format":"google","mode":"merge","rows":1,"created":1,"warnings":[{"line":3,"message":"m"}]}`))
		default:
			w.Write([]byte(`{"contacts":[],"total":0}`))
		}
	})
	ctx := context.Background()
	if _, err := c.SearchContacts(ctx, client.Query{Q: "a b&c", Scope: "personal", Owner: "u1", Source: "csv", Limit: 7, Cursor: "cur", VisibleTo: "v"}); err != nil {
		t.Fatal(err)
	}
	q := got.URL.Query()
	if got.URL.Path != "/api/v1/contacts" || q.Get("q") != "a b&c" || q.Get("scope") != "personal" || q.Get("owner") != "u1" || q.Get("source") != "csv" ||
		q.Get("limit") != "7" || q.Get("cursor") != "cur" || q.Get("visible_to") != "v" || got.Header.Get("Authorization") != "Bearer tok" || got.Header.Get("User-Agent") != "ua/1" {
		t.Fatalf("search request: %s %v", got.URL, got.Header)
	}
	if _, err := c.SearchContacts(ctx, client.Query{}); err != nil || got.URL.RawQuery != "" {
		t.Fatalf("empty query sent %q", got.URL.RawQuery)
	}
	res, err := c.ImportCSV(ctx, strings.NewReader("a,b"), client.ImportOptions{Mode: client.ImportMerge, Size: 3})
	if err != nil || got.URL.Query().Get("mode") != "merge" || got.URL.Query().Has("confirm") || got.ContentLength != 3 || string(body) != "a,b" ||
		!strings.HasPrefix(got.Header.Get("Content-Type"), "text/csv") || res.Format != "google" || res.Warnings[0].String() != "line 3: m" {
		t.Fatalf("import request: %s len %d %q; %+v %v", got.URL, got.ContentLength, body, res, err)
	}
	if _, err := c.ImportCSV(ctx, strings.NewReader("a,b"), client.ImportOptions{Confirm: true}); err != nil || got.URL.Query().Get("mode") != "replace" || got.URL.Query().Get("confirm") != "true" || got.ContentLength != -1 && got.ContentLength != 3 {
		t.Fatalf("replace request: %s %v", got.URL, err)
	}
	if _, err := c.PatchContact(ctx, "a/b c", client.Patch{"company": nil}); err != nil || got.Method != "PATCH" || got.URL.EscapedPath() != "/api/v1/contacts/a%2Fb%20c" ||
		got.Header.Get("Content-Type") != "application/merge-patch+json" || string(body) != `{"company":null}` {
		t.Fatalf("patch request: %s %s %q %v", got.Method, got.URL.EscapedPath(), body, err)
	}
}

func TestErrorAnswers(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		message  string
		code     string
		problems []string
		more     int
		is       error
	}{
		{name: "fields", status: 400, body: `{"error":{"code":"invalid","message":"invalid contact","details":[{"field":"numbers[0].type","message":"unknown"}]}}`,
			message: "invalid contact", code: "invalid", problems: []string{"numbers[0].type: unknown"}, is: client.ErrInvalid},
		{name: "csv problems", status: 400, body: `{"error":{"code":"invalid","message":"csv: 3 malformed rows","details":{"lines":[4,9],"problems":[{"line":4,"field":"column 6","msg":"bad"},{"line":9,"msg":"short"}],"total":3}}}`,
			message: "csv: 3 malformed rows", problems: []string{"line 4, column 6: bad", "line 9: short"}, more: 1, code: "invalid"},
		{name: "csv lines only", status: 400, body: `{"error":{"code":"invalid","message":"m","details":{"lines":[2,5]}}}`,
			message: "m", problems: []string{"line 2: malformed row", "line 5: malformed row"}, code: "invalid"},
		{name: "line list", status: 400, body: `{"error":{"code":"invalid","message":"m","details":[7]}}`, message: "m", problems: []string{"line 7: malformed row"}, code: "invalid"},
		{name: "object of strings", status: 409, body: `{"error":{"code":"conflict","message":"CSV upload will delete existing records. Do you want to proceed?","details":{"confirm":"add confirm=true","a":"b"}}}`,
			message: "CSV upload will delete existing records. Do you want to proceed?", code: "conflict", problems: []string{"a: b", "confirm: add confirm=true"}, is: client.ErrConfirmRequired},
		{name: "odd details", status: 500, body: `{"error":{"code":"internal","message":"internal error","details":{"x": [1, 2]}}}`,
			message: "internal error", code: "internal", problems: []string{`{"x":[1,2]}`}},
		{name: "no details", status: 401, body: `{"error":{"code":"unauthorized","message":"a valid admin bearer token is required"}}`,
			message: "a valid admin bearer token is required", code: "unauthorized", is: client.ErrUnauthorized},
		{name: "busy", status: 503, body: `{"error":{"code":"unavailable","message":"busy"}}`, message: "busy", code: "unavailable", is: client.ErrBusy},
		{name: "proxy html", status: 502, body: "<html>Bad Gateway</html>", message: "Bad Gateway: <html>Bad Gateway</html>"},
		{name: "empty body", status: 404, body: "", message: "", is: client.ErrNotFound},
		{name: "binary body", status: 500, body: "\x1b[2J\x00", message: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := fake(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			})
			_, err := c.GetContact(context.Background(), "x")
			var ae *client.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("%T %v", err, err)
			}
			if ae.Status != tc.status || ae.Message != tc.message || ae.Code != tc.code || ae.MoreProblems != tc.more || ae.Op != "GET /api/v1/contacts/x" {
				t.Fatalf("%+v", ae)
			}
			var probs []string
			for _, p := range ae.Problems {
				probs = append(probs, p.String())
			}
			if strings.Join(probs, "|") != strings.Join(tc.problems, "|") {
				t.Fatalf("problems %q, want %q", probs, tc.problems)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("not %v", tc.is)
			}
			if tc.is != client.ErrNotFound && errors.Is(err, client.ErrNotFound) {
				t.Fatal("is ErrNotFound")
			}
			if !strings.Contains(err.Error(), "GET /api/v1/contacts/x: ") {
				t.Fatalf("Error() = %q", err)
			}
		})
	}
}

func TestLookupNotFoundWithoutAnswer(t *testing.T) {
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(404)
		w.Write([]byte(`{"error":{"code":"not_found","message":"not found"}}`))
	})
	if _, err := c.Lookup(context.Background(), "1"); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("%v", err)
	}
}

func TestAllContactsStopsOnARepeatedCursor(t *testing.T) {
	calls := 0
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Write([]byte(`{"contacts":[{"id":"a","display_name":"A"}],"total":1,"next_cursor":"same"}`))
	})
	n := 0
	for _, err := range c.AllContacts(context.Background(), client.Query{}, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if calls != 2 || n != 2 {
		t.Fatalf("%d calls, %d contacts", calls, n)
	}
}

func TestBrokenExportIsAnError(t *testing.T) {
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		w.Write([]byte("Ana,,Anić,,\n"))
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler)
	})
	var out bytes.Buffer
	n, err := c.ExportCSV(context.Background(), &out, "")
	if err == nil || n != int64(len("Ana,,Anić,,\n")) {
		t.Fatalf("broken transfer: %d %v", n, err)
	}
}

func TestConnError(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, _ := client.New(url, client.WithToken("s3cret"))
	_, err := c.GetContact(context.Background(), "x")
	var ce *client.ConnError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "cannot reach the daemon at "+url) || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("%v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Lookup(ctx, "1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestParseServer(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{in: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{in: "https://pbx.example.com/agent/", want: "https://pbx.example.com/agent"},
		{in: "127.0.0.1:9000", want: "http://127.0.0.1:9000"},
		{in: "[::1]:8080", want: "http://[::1]:8080"},
		{in: "", err: "empty"},
		{in: "ftp://x", err: "scheme"},
		{in: "http://", err: "no host"},
		{in: "http://user:pw@host", err: "credentials"},
		{in: "http://h/?a=b", err: "query"},
	}
	for _, tc := range tests {
		u, err := client.ParseServer(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "pw") {
				t.Errorf("%q: %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || u.String() != tc.want {
			t.Errorf("%q: %v %v, want %s", tc.in, u, err, tc.want)
		}
	}
}

func TestBasePathIsKept(t *testing.T) {
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		w.Write([]byte(`{"name":"A","contact_id":"1","match":"exact"}`))
	}))
	defer srv.Close()
	c, _ := client.New(srv.URL + "/pbx/")
	if _, err := c.Lookup(context.Background(), "1"); err != nil || path != "/pbx/api/v1/lookup" {
		t.Fatalf("%q %v", path, err)
	}
}
