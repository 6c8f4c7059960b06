package agent

import (
	"encoding/json"
	"strings"
	"testing"
)

const cpb = "Chevy,,Yesipov,cyesipov0@example.com,Jacobi and Sons,mobile:+38761111111,work:600111\r\n" +
	"Jürgen,,Müller,jm@example.com,\"Ankunding,Weissnat\",wOrK:+49301234567,other:123\r\n" +
	"Ana,Marija,Đurić,,,Home:033 222-333\r\n"

func TestCSVImportExport(t *testing.T) {
	_, base := testDaemon(t, nil)
	adm := client{t, base, "test-admin-token"}

	code, body := adm.do("POST", "/api/v1/contacts/import", "text/csv", []byte(cpb))
	if code != 409 || !strings.Contains(string(body), "CSV upload will delete existing records. Do you want to proceed?") {
		t.Fatalf("replace without confirm: %d %s", code, body)
	}
	code, body = adm.do("POST", "/api/v1/contacts/import?mode=replace&confirm=true", "text/csv", []byte(cpb))
	if code != 200 {
		t.Fatalf("import: %d %s", code, body)
	}
	var res struct {
		Rows, Created int
		Warnings      []struct{ Line int }
	}
	_ = json.Unmarshal(body, &res)
	if res.Rows != 3 || res.Created != 3 || len(res.Warnings) != 0 {
		t.Fatalf("import result: %s", body)
	}
	if code, body = adm.do("GET", "/api/v1/lookup?number=%2B38761111111", "", nil); code != 200 || !strings.Contains(string(body), "Chevy Yesipov") {
		t.Fatalf("lookup after import: %d %s", code, body)
	}
	// A malformed file changes nothing and names every bad line.
	bad := "Good,,Row,,,work:1\n,,,,,work:2\nNo,,Type,,,5551234\n"
	code, body = adm.do("POST", "/api/v1/contacts/import?mode=replace&confirm=true", "text/csv", []byte(bad))
	if code != 400 || !strings.Contains(string(body), `"field":"line 2"`) || !strings.Contains(string(body), `"field":"line 3, column 6"`) {
		t.Fatalf("malformed import: %d %s", code, body)
	}
	if code, body = adm.do("GET", "/api/v1/contacts?source=csv", "", nil); !strings.Contains(string(body), `"total":3`) {
		t.Fatalf("after rejected import: %d %s", code, body)
	}
	// Export gives back the rows, other numbers included.
	code, body = adm.do("GET", "/api/v1/contacts/export", "", nil)
	// Types come back in their canonical lower case.
	want := strings.NewReplacer("wOrK:", "work:", "Home:", "home:").Replace(cpb)
	if code != 200 || strings.ReplaceAll(string(body), "\r\n", "\n") != strings.ReplaceAll(want, "\r\n", "\n") {
		t.Fatalf("export: %d\n%s\nwant\n%s", code, body, want)
	}
	// The whole book holds local contacts too; source=csv gives only the
	// CSV-managed rows, the file to edit and upload again.
	if code, body = adm.do("POST", "/api/v1/contacts", "application/json", []byte(`{"first_name":"Local","last_name":"Only","numbers":[{"type":"work","value":"+38733123456"}]}`)); code != 201 {
		t.Fatalf("create local: %d %s", code, body)
	}
	if code, body = adm.do("GET", "/api/v1/contacts/export", "", nil); code != 200 || !strings.Contains(string(body), "Local,,Only,,,work:+38733123456") {
		t.Fatalf("export of the whole book lacks the local contact: %d\n%s", code, body)
	}
	code, body = adm.do("GET", "/api/v1/contacts/export?source=csv", "", nil)
	if code != 200 || strings.ReplaceAll(string(body), "\r\n", "\n") != strings.ReplaceAll(want, "\r\n", "\n") {
		t.Fatalf("export?source=csv: %d\n%s\nwant\n%s", code, body, want)
	}
	// Re-importing the same file keeps ids and rewrites nothing; replace
	// drops rows the file no longer has; merge keeps them.
	code, body = adm.do("POST", "/api/v1/contacts/import?mode=replace&confirm=true", "text/csv", []byte(cpb))
	if code != 200 || !strings.Contains(string(body), `"unchanged":3`) {
		t.Fatalf("re-import: %d %s", code, body)
	}
	first := strings.SplitAfter(cpb, "\r\n")[0]
	code, body = adm.do("POST", "/api/v1/contacts/import?mode=merge", "text/csv", []byte("New,,Person,,,mobile:+38762000000\n"))
	if code != 200 || !strings.Contains(string(body), `"created":1`) {
		t.Fatalf("merge: %d %s", code, body)
	}
	code, body = adm.do("POST", "/api/v1/contacts/import?mode=replace&confirm=true", "text/csv", []byte(first))
	if code != 200 || !strings.Contains(string(body), `"deleted":3`) {
		t.Fatalf("replace with one row: %d %s", code, body)
	}
	if code, body = adm.do("GET", "/api/v1/contacts/template", "", nil); code != 200 || !strings.Contains(string(body), ":") {
		t.Fatalf("template: %d %s", code, body)
	}
}

func TestCSVImportGoogleAndOutlook(t *testing.T) {
	_, base := testDaemon(t, nil)
	adm := client{t, base, "test-admin-token"}
	google := "First Name,Middle Name,Last Name,Organization Name,E-mail 1 - Label,E-mail 1 - Value,Phone 1 - Label,Phone 1 - Value\n" +
		"Lena,,Schulz,ACME,* Work,lena@acme.example,Mobile,+49 151 23456789 ::: +49 30 1234567\n"
	code, body := adm.do("POST", "/api/v1/contacts/import?mode=merge", "text/csv", []byte(google))
	if code != 200 || !strings.Contains(string(body), `"format":"google"`) {
		t.Fatalf("google: %d %s", code, body)
	}
	outlook := "\"First Name\",\"Last Name\",\"Company\",\"Business Phone\",\"Mobile Phone\",\"E-mail Address\"\n" +
		"\"Tom\",\"Jones\",\"Widgets, Inc.\",\"+1 212 555 0100\",\"\",\"tom@widgets.example\"\n"
	code, body = adm.do("POST", "/api/v1/contacts/import?mode=merge", "text/csv", []byte(outlook))
	if code != 200 || !strings.Contains(string(body), `"format":"outlook"`) {
		t.Fatalf("outlook: %d %s", code, body)
	}
	for num, name := range map[string]string{"%2B4930%201234567": "Lena Schulz", "%2B12125550100": "Tom Jones"} {
		if code, body = adm.do("GET", "/api/v1/lookup?number="+num, "", nil); code != 200 || !strings.Contains(string(body), name) {
			t.Fatalf("lookup %s: %d %s", num, code, body)
		}
	}
}
