package agent

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/config"
)

// TestDaemonSourcesManualSyncAndSourceFilter: with sync.disabled the
// daemon still runs a manual sync (scheduled ones are off), and the
// contacts search takes the source as its id or its name (id first).
func TestDaemonSourcesManualSyncAndSourceFilter(t *testing.T) {
	csv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		fmt.Fprint(w, "Ana,,Sync,,Hrco,work:+38761100200\nBeba,,Sync,,Hrco,work:+38761100201\n")
	}))
	t.Cleanup(csv.Close)
	_, base := testDaemon(t, func(c *config.Config) { c.AGI.Addr, c.Sync.Disabled = "", true })
	c := client{t: t, base: base, token: "test-admin-token"}
	jsonDo := func(method, path string, in any, want int, out any) {
		t.Helper()
		var b []byte
		if in != nil {
			b, _ = json.Marshal(in)
		}
		code, body := c.do(method, path, "application/json", b)
		if code != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, code, body, want)
		}
		if out != nil {
			if err := json.Unmarshal(body, out); err != nil {
				t.Fatalf("%s %s: %v: %s", method, path, err, body)
			}
		}
	}
	var src struct {
		ID string `json:"id"`
	}
	jsonDo("POST", "/api/v1/sources", map[string]any{"type": "csv-url", "name": "hr", "enabled": true,
		"settings": map[string]any{"url": csv.URL + "/book.csv"}}, http.StatusCreated, &src)
	var run struct {
		Result  string `json:"result"`
		Trigger string `json:"trigger"`
		Synced  int    `json:"synced"`
	}
	// The sync engine runs in the sources feature's goroutine, which may
	// not have started yet when the daemon's start returns: until it
	// does a sync answers 503 "sync engine not running".
	var code int
	var body []byte
	for deadline := time.Now().Add(10 * time.Second); ; {
		code, body = c.do("POST", "/api/v1/sources/"+src.ID+"/sync?wait=1", "application/json", nil)
		if code != http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
	}
	if code != http.StatusOK {
		t.Fatalf("POST /api/v1/sources/%s/sync?wait=1: %d %s, want 200", src.ID, code, body)
	}
	if err := json.Unmarshal(body, &run); err != nil {
		t.Fatalf("sync: %v: %s", err, body)
	}
	if run.Result != "ok" || run.Trigger != "manual" || run.Synced != 2 {
		t.Fatalf("manual sync with sync.disabled: %+v", run)
	}
	// A local contact, which no source filter of hr may return.
	jsonDo("POST", "/api/v1/contacts", map[string]any{"first_name": "Loca", "scope": "global",
		"numbers": []map[string]string{{"type": "work", "value": "+38733100100"}}}, http.StatusCreated, nil)

	for _, tc := range []struct {
		name, source string
		want         []string
	}{
		{name: "by id", source: src.ID, want: []string{"Ana Sync", "Beba Sync"}},
		{name: "by name", source: "hr", want: []string{"Ana Sync", "Beba Sync"}},
		{name: "local", source: "local", want: []string{"Loca"}},
		{name: "unknown", source: "nope", want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var page struct {
				Contacts []struct {
					DisplayName string `json:"display_name"`
				} `json:"contacts"`
			}
			jsonDo("GET", "/api/v1/contacts?source="+url.QueryEscape(tc.source), nil, http.StatusOK, &page)
			var got []string
			for _, ct := range page.Contacts {
				got = append(got, ct.DisplayName)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("source=%s: %q, want %q", tc.source, got, tc.want)
			}
		})
	}
}
