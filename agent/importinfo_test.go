package agent

import (
	"encoding/json"
	"testing"
)

// TestImportInfoCountsCSVContacts: GET /api/v1/contacts/import counts the
// contacts a replacing import would replace (those of earlier CSV imports,
// not the ones made through the API), for the console's confirmation.
func TestImportInfoCountsCSVContacts(t *testing.T) {
	_, base := testDaemon(t, nil)
	adm := client{t, base, "test-admin-token"}
	count := func() int {
		t.Helper()
		code, body := adm.do("GET", "/api/v1/contacts/import", "", nil)
		var info struct {
			CSVContacts *int `json:"csv_contacts"`
		}
		if err := json.Unmarshal(body, &info); code != 200 || err != nil || info.CSVContacts == nil {
			t.Fatalf("GET /api/v1/contacts/import: %d %s", code, body)
		}
		return *info.CSVContacts
	}
	if n := count(); n != 0 {
		t.Fatalf("empty book: %d CSV contacts", n)
	}
	if code, body := adm.do("POST", "/api/v1/contacts", "application/json", []byte(`{"first_name":"Made","last_name":"Here"}`)); code != 201 {
		t.Fatalf("create: %d %s", code, body)
	}
	steps := []struct {
		name, csv string
		want      int
	}{
		{name: "first import", csv: cpb, want: 3},
		{name: "replaced by one row", csv: "Only,,One,,,work:+38733111222\n", want: 1},
	}
	for _, s := range steps {
		if code, body := adm.do("POST", "/api/v1/contacts/import?mode=replace&confirm=true", "text/csv", []byte(s.csv)); code != 200 {
			t.Fatalf("%s: %d %s", s.name, code, body)
		}
		if n := count(); n != s.want {
			t.Errorf("after %s: %d CSV contacts, want %d", s.name, n, s.want)
		}
	}
	if code, _ := (client{t, base, ""}).do("GET", "/api/v1/contacts/import", "", nil); code != 401 {
		t.Errorf("without credentials: %d, want 401", code)
	}
}
