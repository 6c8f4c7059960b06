package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// An export of a source nobody knows is 404 naming it, not an empty file
// that looks like a source without contacts.
func TestExportUnknownSourceIs404(t *testing.T) {
	st := openTestStore(t, "")
	ctx := context.Background()
	if _, err := st.Bulk(ctx, func(b *phonebook.Batch) error {
		_, _, err := b.UpsertFromSource(&phonebook.Contact{Scope: phonebook.ScopeGlobal, Source: "crm", ExternalID: "1", FirstName: "Ana"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.Meta(dirsync.SourcesNamespace).Put(ctx, "m365-main", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	im := NewImports(st, t.TempDir())
	// Contacts carry a sync source's name; the source parameter may give
	// its id.
	NewComponent(NewContacts(st, prometheus.NewRegistry(), WithSourceNames(func(id string) (string, bool) {
		if id == "src-01" {
			return "crm", true
		}
		return "", false
	})), im)
	for _, tc := range []struct {
		name, source string
		want         int
		body         string
	}{
		{name: "unknown", source: "nonexistent", want: http.StatusNotFound},
		{name: "path-like", source: "a/b", want: http.StatusNotFound},
		{name: "all", source: "", want: http.StatusOK, body: "Ana"},
		{name: "csv, empty", source: "csv", want: http.StatusOK},
		{name: "local, empty", source: "local", want: http.StatusOK},
		{name: "configured sync source, no contacts yet", source: "m365-main", want: http.StatusOK},
		{name: "source with contacts, by name", source: "crm", want: http.StatusOK, body: "Ana"},
		{name: "source with contacts, by id", source: "src-01", want: http.StatusOK, body: "Ana"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			im.export(w, httptest.NewRequest("GET", "/api/v1/contacts/export?source="+tc.source, nil))
			if w.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
			}
			if tc.want == http.StatusNotFound {
				e := errorOf(t, w)
				if e.Code != "not_found" || !strings.Contains(e.Message, `"`+tc.source+`"`) || len(e.Details) != 1 || e.Details[0].Field != "source" {
					t.Fatalf("error %+v does not name the source %q", e, tc.source)
				}
				return
			}
			if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Fatalf("Content-Type %q", ct)
			}
			if !strings.Contains(w.Body.String(), tc.body) {
				t.Fatalf("body %q lacks %q", w.Body, tc.body)
			}
		})
	}
}
