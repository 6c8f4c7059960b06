package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestConsolePhonebook runs console/phonebook.mjs on a book seeded with
// Bosnian numbers (region BA), one contact of an earlier CSV upload and
// one from a CSV-by-URL sync source, then checks through the API what the
// browser did.
func TestConsolePhonebook(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	for _, c := range []map[string]any{
		{"first_name": "Amra", "last_name": "Hodžić", "numbers": []map[string]string{{"type": "mobile", "value": "061 111 222"}}},
		{"first_name": "Bojan", "last_name": "Petrović", "company": "Petco", "numbers": []map[string]string{{"type": "work", "value": "+387 61 333 444"}}},
		{"first_name": "Cvijeta", "last_name": "Kos", "numbers": []map[string]string{{"type": "work", "value": "033 555 666"}}},
	} {
		c["scope"] = "global"
		l.apiJSON(t, "POST", "/api/v1/contacts", c, http.StatusCreated, nil)
	}
	if code, b := l.api(t, "POST", "/api/v1/contacts/import?mode=replace&confirm=true", "text/csv", []byte("Old,,Csvrow,,,work:+38733000111\n")); code != 200 {
		t.Fatalf("seed the CSV contact: %d %s", code, b)
	}
	// A sync source: a CSV served on loopback.
	hr := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		fmt.Fprint(w, "Sync,,Person,,Syncco,work:+38761999000\n")
	}))
	t.Cleanup(hr.Close)
	var src struct {
		ID string `json:"id"`
	}
	l.apiJSON(t, "POST", "/api/v1/sources", map[string]any{"type": "csv-url", "name": "hr", "enabled": false,
		"settings": map[string]any{"url": hr.URL + "/book.csv"}}, http.StatusCreated, &src)
	l.apiJSON(t, "POST", "/api/v1/sources/"+src.ID+"/sync?wait=true", nil, http.StatusOK, nil)

	var res struct {
		Search       []string `json:"search_387_61"`
		Summary      string   `json:"summary_387_61"`
		Confirmation string   `json:"upload_confirmation"`
		Imported     string   `json:"imported"`
		Progress     struct {
			Phase, Label, Text, Live string
			Value, Max               float64
		} `json:"progress"`
		Format string `json:"format"`
		Google struct {
			Imported, Format, Skipped, Warnings string
		} `json:"google"`
		AfterUpload   []string `json:"after_upload"`
		Added         []string `json:"added"`
		BadNumber     string   `json:"bad_number_error"`
		EditedCompany string   `json:"edited_company"`
		SyncedSource  string   `json:"synced_source"`
		LocalEdits    string   `json:"local_edits"`
		AfterDelete   string   `json:"after_delete"`
		Personal      []string `json:"personal"`
		A11y          []string `json:"a11y_checked"`
		Download      struct {
			Name, Text string
		} `json:"download"`
		Template struct {
			Name, Text string
		} `json:"template"`
	}
	l.run(t, "phonebook", &res)
	t.Logf("phonebook: %+v", res)

	checks := []struct {
		name string
		ok   bool
	}{
		{name: "search +387 61 finds the 061 numbers only", ok: slices.Equal(res.Search, []string{"Amra Hodžić", "Bojan Petrović", "Sync Person"})},
		{name: "search summary", ok: res.Summary == "3 contacts."},
		{name: "the confirmation asks and counts", ok: strings.Contains(res.Confirmation, "CSV upload will delete existing records. Do you want to proceed?") &&
			strings.Contains(res.Confirmation, "1 contact from earlier CSV uploads")},
		{name: "import outcome", ok: strings.Contains(res.Imported, "Imported 2 rows") && strings.Contains(res.Imported, "2 created") && strings.Contains(res.Imported, "1 deleted")},
		{name: "the import's final progress", ok: res.Progress.Phase == "done" && res.Progress.Max == 2 && res.Progress.Value == 2 &&
			strings.HasSuffix(res.Progress.Label, "-bar") && res.Progress.Live == "polite" && res.Progress.Text == "Done: 2 of 2 rows written."},
		{name: "the detected format", ok: res.Format == "Detected format: Central Phone Book (no header row)."},
		{name: "a Google export: format", ok: strings.Contains(res.Google.Imported, "Imported 2 rows (google)") &&
			res.Google.Format == "Detected format: Google Contacts export (recognised by its header row)."},
		{name: "a Google export: the skipped column", ok: strings.Contains(res.Google.Skipped, "Hobby (column 6): 1 values")},
		{name: "a Google export: the warning with its line, column and message", ok: strings.Contains(res.Google.Warnings, "1 rows had problems") &&
			strings.Contains(res.Google.Warnings, "Line 3: ") && strings.Contains(res.Google.Warnings, `"call me" is not a phone number`)},
		{name: "rows after the upload", ok: slices.Contains(res.AfterUpload, "Nova Csv") && slices.Contains(res.AfterUpload, "Druga Csv") && !slices.Contains(res.AfterUpload, "Old Csvrow")},
		{name: "added", ok: slices.Equal(res.Added, []string{"Zora Test"})},
		{name: "a bad number names the field", ok: strings.Contains(res.BadNumber, "numbers[")},
		{name: "synced source shown", ok: strings.Contains(res.SyncedSource, src.ID) || strings.Contains(res.SyncedSource, "hr")},
		{name: "local edits listed", ok: strings.Contains(res.LocalEdits, "Company")},
		{name: "deleted", ok: res.AfterDelete == "No contact matches."},
		{name: "personal contact", ok: slices.Equal(res.Personal, []string{"Priv Ate"})},
		{name: "download: the global book as CSV", ok: res.Download.Name == "contacts.csv" && strings.Contains(res.Download.Text, "Nova,,Csv") &&
			strings.Contains(res.Download.Text, "Amra,,Hodžić")},
		{name: "template", ok: res.Template.Name == "contacts-template.csv" && strings.Count(res.Template.Text, "\n") >= 1},
		{name: "axe ran in every state", ok: len(res.A11y) >= 11},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, res)
		}
	}

	// What the browser did, as the API sees it.
	type contact struct {
		ID, DisplayName, Company, JobTitle, Scope, Owner, Source string
		Numbers                                                  []struct{ Type, Normalized string }
		Emails                                                   []struct{ Address string }
		Custom                                                   map[string]string
		LocalFields                                              []string
	}
	find := func(q string) []contact {
		t.Helper()
		var page struct {
			Contacts []struct {
				ID          string `json:"id"`
				DisplayName string `json:"display_name"`
			} `json:"contacts"`
		}
		l.apiJSON(t, "GET", "/api/v1/contacts?q="+url.QueryEscape(q), nil, http.StatusOK, &page)
		var out []contact
		for _, c := range page.Contacts {
			var full struct {
				DisplayName string `json:"display_name"`
				Company     string `json:"company"`
				JobTitle    string `json:"job_title"`
				Scope       string `json:"scope"`
				Owner       string `json:"owner"`
				Source      string `json:"source"`
				Numbers     []struct {
					Type       string `json:"type"`
					Normalized string `json:"normalized"`
				} `json:"numbers"`
				LocalFields []string          `json:"local_fields"`
				Custom      map[string]string `json:"custom"`
			}
			l.apiJSON(t, "GET", "/api/v1/contacts/"+c.ID, nil, http.StatusOK, &full)
			ct := contact{ID: c.ID, DisplayName: full.DisplayName, Company: full.Company, JobTitle: full.JobTitle, Scope: full.Scope,
				Owner: full.Owner, Source: full.Source, LocalFields: full.LocalFields, Custom: full.Custom}
			for _, n := range full.Numbers {
				ct.Numbers = append(ct.Numbers, struct{ Type, Normalized string }{n.Type, n.Normalized})
			}
			out = append(out, ct)
		}
		return out
	}
	if got := find("Zora"); len(got) != 0 {
		t.Errorf("Zora Test is still there: %+v", got)
	}
	if got := find("Old Csvrow"); len(got) != 0 {
		t.Errorf("the old CSV contact survived the replacing upload: %+v", got)
	}
	if got := find("Nova"); len(got) != 1 || got[0].Source != "csv" || got[0].Company != "Csvco" || got[0].Numbers[0].Normalized != "+38761222333" {
		t.Errorf("the uploaded contact: %+v", got)
	}
	if got := find("Sync Person"); len(got) != 1 || got[0].Company != "Syncco" || len(got[0].LocalFields) != 0 {
		t.Errorf("the synced contact after the revert: %+v", got)
	}
	if got := find("Priv"); len(got) != 1 || got[0].Scope != "personal" || got[0].Owner != l.admin.ID || got[0].Numbers[0].Normalized != "+38761444555" {
		t.Errorf("the personal contact: %+v (admin %s)", got, l.admin.ID)
	}
}
