package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/pbxagent/pbxagent/testlab/contactsvc"
)

// csvFile serves a CSV on loopback; POST /shrink keeps its first row only
// (a mass deletion for the delete guard).
type csvFile struct {
	mu   sync.Mutex
	rows []string
}

func (f *csvFile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Method == http.MethodPost && r.URL.Path == "/shrink" {
		f.rows = f.rows[:1]
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Content-Type", "text/csv")
	fmt.Fprint(w, strings.Join(f.rows, "\n")+"\n")
}

// TestConsoleSources runs console/sources.mjs: a CSV-by-URL source (served
// here) and a custom source (testlab/contactsvc) made, tested, synced and
// one erased through the page, then checks through the API what the
// browser did.
func TestConsoleSources(t *testing.T) {
	l := startConsole(t, consoleOptions{})
	csv := &csvFile{rows: []string{
		"Ana,,Izvor,,Hrco,work:+38761100200",
		"Bora,,Izvor,,Hrco,mobile:061 100 201",
		"Cana,,Izvor,,Hrco,work:033 100 202",
		"Dino,,Izvor,,Hrco,work:+38761100203",
	}}
	csvSrv := httptest.NewServer(csv)
	t.Cleanup(csvSrv.Close)
	svc := contactsvc.New(contactsvc.Options{ClientID: "pbx", ClientSecret: "svc-secret-1"})
	svc.Put(
		contactsvc.Contact{ID: "c1", FirstName: "Edo", LastName: "Servis", Company: "Crmco", Type: "customer", Phones: []contactsvc.Phone{{Number: "+38761200300", Label: "work"}}},
		contactsvc.Contact{ID: "c2", FirstName: "Fata", LastName: "Servis", Type: "lead", Phones: []contactsvc.Phone{{Number: "+38762200301", Label: "mobile"}}},
		contactsvc.Contact{ID: "c3", FirstName: "Gaga", LastName: "Servis", Type: "customer", Phones: []contactsvc.Phone{{Number: "+38733200302", Label: "work"}}},
	)
	svcSrv := httptest.NewServer(svc)
	t.Cleanup(svcSrv.Close)
	t.Setenv("SRC_CSV_URL", csvSrv.URL+"/book.csv")
	t.Setenv("SRC_CSV_SHRINK", csvSrv.URL+"/shrink")
	t.Setenv("SRC_CUSTOM_URL", svcSrv.URL)
	t.Setenv("SRC_CUSTOM_ID", "pbx")
	t.Setenv("SRC_CUSTOM_SECRET", "svc-secret-1")

	var res struct {
		Tabs                []string   `json:"tabs"`
		M365Fields          []string   `json:"m365_fields"`
		CSVPreview          []string   `json:"csv_preview"`
		CSVPreviewText      string     `json:"csv_preview_text"`
		CSVNever            string     `json:"csv_never"`
		TriggerConfirmation string     `json:"trigger_confirmation"`
		CSVStatus           string     `json:"csv_status"`
		CSVHistory          [][]string `json:"csv_history"`
		CSVContacts         []string   `json:"csv_contacts"`
		Guard               string     `json:"guard"`
		GuardDialog         string     `json:"guard_dialog"`
		CSVStatusAfterGuard string     `json:"csv_status_after_guard"`
		HistoryAfterGuard   []string   `json:"csv_history_after_guard"`
		ContactsAfterGuard  []string   `json:"csv_contacts_after_guard"`
		CustomTestError     string     `json:"custom_test_error"`
		SQLTestError        string     `json:"sql_test_error"`
		CustomPreview       []string   `json:"custom_preview"`
		CustomSecretState   string     `json:"custom_secret_state"`
		CustomSecretInputs  int        `json:"custom_secret_inputs"`
		CustomStatus        string     `json:"custom_status"`
		RebindError         string     `json:"rebind_error"`
		EraseWarning        string     `json:"erase_warning"`
		A11y                []string   `json:"a11y_checked"`
	}
	// Two parts, two Chromium runs of console/sources.mjs: each stays a few
	// seconds. Each fills its own fields of res.
	t.Setenv("SRC_PART", "csv")
	l.run(t, "sources", &res)
	a11y := len(res.A11y)
	t.Setenv("SRC_PART", "custom")
	l.run(t, "sources", &res)
	a11y += len(res.A11y)
	t.Logf("sources: %+v", res)

	checks := []struct {
		name string
		ok   bool
	}{
		{name: "a tab per source type", ok: slices.Equal(res.Tabs, []string{"Microsoft 365", "Custom", "SQL", "CSV by URL", "Google", "LDAP / Active Directory", "CardDAV"})},
		{name: "Microsoft 365 fields", ok: containsAll(strings.Join(res.M365Fields, "|"), "Enable Sync", "Sync Interval (hours)", "Tenant ID", "Client ID", "Client Secret")},
		{name: "CSV test preview rows", ok: slices.Equal(res.CSVPreview, []string{"Ana Izvor", "Bora Izvor", "Cana Izvor", "Dino Izvor"}) && strings.Contains(res.CSVPreviewText, "first 4 contacts")},
		{name: "never synced", ok: res.CSVNever == "Never synced successfully."},
		{name: "trigger confirmation", ok: strings.Contains(res.TriggerConfirmation, "This action will trigger sync immediately. Are you sure you want to continue with this action?")},
		{name: "status message with the counts", ok: strings.HasPrefix(res.CSVStatus, "Last successful sync: ") && strings.HasSuffix(res.CSVStatus, "Contacts synced: 4, deleted: 0.")},
		{name: "run history", ok: len(res.CSVHistory) == 1 && slices.Equal(res.CSVHistory[0][1:], []string{"Manual", "Full", "Success", "4", "4", "0", ""})},
		{name: "contacts of the source", ok: slices.Equal(res.CSVContacts, []string{"Ana Izvor", "Bora Izvor", "Cana Izvor", "Dino Izvor"})},
		{name: "the guard says what it would delete", ok: strings.Contains(res.Guard, "delete 3 of the 4 contacts") && strings.Contains(res.Guard, "50%")},
		{name: "the guard's confirmation", ok: strings.Contains(res.GuardDialog, "3 of 4") && strings.Contains(res.GuardDialog, "hrcsv")},
		{name: "status after the confirmed deletions", ok: strings.HasSuffix(res.CSVStatusAfterGuard, "Contacts synced: 1, deleted: 3.")},
		{name: "the contacts shown follow the sync", ok: slices.Equal(res.ContactsAfterGuard, []string{"Ana Izvor"})},
		{name: "history after the guard", ok: slices.Equal(res.HistoryAfterGuard, []string{"Success", "Waiting for confirmation", "Success"})},
		{name: "a refused SQL test shows the field in its details", ok: strings.Contains(res.SQLTestError, "settings.query: must be a SELECT statement")},
		{name: "a failing test shows the error", ok: strings.Contains(res.CustomTestError, "Test failed") && strings.Contains(res.CustomTestError, "Error:") && strings.Contains(res.CustomTestError, "401")},
		{name: "custom preview", ok: slices.Equal(res.CustomPreview, []string{"Edo Servis", "Fata Servis", "Gaga Servis"})},
		{name: "the secret is write-only: set, no input shown", ok: res.CustomSecretState == "Client Secret: set" && res.CustomSecretInputs == 0},
		{name: "a moved URL without the secret is refused, naming the field", ok: strings.Contains(res.RebindError, "settings.client_secret") && strings.Contains(res.RebindError, "settings.url changes")},
		{name: "custom status", ok: strings.HasSuffix(res.CustomStatus, "Contacts synced: 3, deleted: 0.")},
		{name: "the erase warning names the source", ok: strings.Contains(res.EraseWarning, `"hrcsv"`) && strings.Contains(res.EraseWarning, "now 1 in the book") && strings.Contains(res.EraseWarning, "cannot be undone")},
		{name: "axe ran in every state", ok: a11y >= 18},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: %+v", c.name, res)
		}
	}

	// What the browser did, as the API sees it.
	var list struct {
		Sources []struct {
			ID            string         `json:"id"`
			Type          string         `json:"type"`
			Name          string         `json:"name"`
			Enabled       bool           `json:"enabled"`
			IntervalHours float64        `json:"interval_hours"`
			Settings      map[string]any `json:"settings"`
			SecretsSet    []string       `json:"secrets_set"`
			Status        struct {
				LastSynced int `json:"last_synced"`
				Contacts   int `json:"contacts"`
			} `json:"status"`
		} `json:"sources"`
	}
	l.apiJSON(t, "GET", "/api/v1/sources", nil, http.StatusOK, &list)
	if len(list.Sources) != 1 {
		t.Fatalf("sources after the erase: %+v", list.Sources)
	}
	crm := list.Sources[0]
	if crm.Type != "custom" || crm.Name != "crm" || crm.Enabled || crm.IntervalHours != 12 || crm.Settings["url"] != svcSrv.URL ||
		crm.Settings["client_id"] != "pbx" || crm.Settings["client_secret"] != nil || !slices.Equal(crm.SecretsSet, []string{"client_secret"}) ||
		crm.Status.LastSynced != 3 || crm.Status.Contacts != 3 {
		t.Errorf("the custom source: %+v", crm)
	}
	count := func(source string) int {
		t.Helper()
		var page struct {
			Contacts []any `json:"contacts"`
		}
		l.apiJSON(t, "GET", "/api/v1/contacts?source="+url.QueryEscape(source), nil, http.StatusOK, &page)
		return len(page.Contacts)
	}
	if n := count("hrcsv"); n != 0 {
		t.Errorf("%d contacts of the erased source remain", n)
	}
	if n := count(crm.ID); n != 3 {
		t.Errorf("contacts of the custom source by id: %d, want 3", n)
	}
	var found struct {
		Contacts []any `json:"contacts"`
	}
	l.apiJSON(t, "GET", "/api/v1/contacts?q=Izvor", nil, http.StatusOK, &found)
	if len(found.Contacts) != 0 {
		t.Errorf("a search still finds the erased source's contacts: %v", found.Contacts)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
