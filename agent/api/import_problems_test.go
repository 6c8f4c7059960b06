package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
)

// importFile runs one import of body through the handler.
func importFile(t *testing.T, im *Imports, query, body string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest("POST", "/api/v1/contacts/import?"+query, strings.NewReader(body))
	r.Header.Set("Content-Type", "text/csv")
	w := httptest.NewRecorder()
	im.importCSV(w, r)
	return w
}

// A refused CSV lists every bad row, those the contact rules refuse (an
// e-mail without @, a name too long) with those the CSV parser does, each
// naming its line and column; the list is capped and counts the rest;
// nothing is imported.
func TestImportListsEveryBadRow(t *testing.T) {
	long := strings.Repeat("x", 600)
	many := make([]string, 0, 160)
	for i := range 150 {
		many = append(many, fmt.Sprintf("Bad%d,,Mail,no-at-sign,,work:1", i))
	}
	for _, tc := range []struct {
		name    string
		body    string
		details []platform.FieldError // the first ones, in order
		count   int                   // len(details) of the answer
		last    string                // the last entry's message (contains)
	}{
		{name: "contact rules and parse problems together",
			body: "Ok,,One,,,work:1\n" +
				"Bad,,Mail,no-at-sign,,work:2\n" +
				long + ",,Long,,,work:3\n" +
				"No,,Type,,,5551234\n" +
				"Ok,,Two,,,mobile:4\n" +
				"Bad,,Both," + "x@" + ",Co," + "work:call me\n",
			details: []platform.FieldError{
				{Field: "line 2, column 4 (e-mail)", Message: "not an e-mail address"},
				{Field: "line 3, column 1 (first name)", Message: "longer than 512 bytes"},
				{Field: "line 4, column 6"},
				{Field: "line 6, column 6"},
			},
			count: 4},
		{name: "headed file, its columns named",
			body: "First Name,Last Name,Company,E-mail Address,Mobile Phone\n" +
				"Ana,Anić,Example,ana@example.ba,061 111 111\n" +
				long + ",Long,,,\n",
			details: []platform.FieldError{{Field: "line 3, First Name", Message: "longer than 512 bytes"}},
			count:   1},
		{name: "capped at 100 with the total",
			body:    strings.Join(many, "\n") + "\n",
			details: []platform.FieldError{{Field: "line 1, column 4 (e-mail)", Message: "not an e-mail address"}},
			count:   MaxImportProblems + 1,
			last:    "50 more problems not listed (150 in all on 150 rows)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openTestStore(t, "BA")
			im := NewImports(st, t.TempDir())
			w := importFile(t, im, "mode=merge", tc.body)
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			e := errorOf(t, w)
			if len(e.Details) != tc.count {
				t.Fatalf("%d details, want %d: %+v", len(e.Details), tc.count, e.Details)
			}
			for i, want := range tc.details {
				got := e.Details[i]
				if got.Field != want.Field || !strings.Contains(got.Message, want.Message) {
					t.Errorf("detail %d = %+v, want %+v", i, got, want)
				}
			}
			if tc.last != "" {
				if l := e.Details[len(e.Details)-1]; l.Field != "body" || !strings.Contains(l.Message, tc.last) {
					t.Errorf("last detail %+v, want %q", l, tc.last)
				}
			}
			if n, err := st.CountSource(context.Background(), phonebook.SourceCSV); err != nil || n != 0 {
				t.Fatalf("a refused file imported %d contacts (%v)", n, err)
			}
		})
	}
}
