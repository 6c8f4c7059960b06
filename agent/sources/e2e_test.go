package sources_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/prometheus/client_golang/prometheus"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	agentapi "github.com/pbxagent/pbxagent/agent/api"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/sources"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/number"
	srctypes "github.com/pbxagent/pbxagent/phonebook/source/sources"
	"github.com/pbxagent/pbxagent/testlab/contactsvc"
)

// End to end through the admin API: the custom service into the Badger
// store, a local edit that survives the next sync, status, erase.
func TestAdminAPIEndToEnd(t *testing.T) {
	var mu sync.Mutex
	now := time.Now().Add(-time.Hour)
	svc := contactsvc.New(contactsvc.Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	for i := 0; i < 50; i++ {
		svc.Put(contactsvc.Synthetic(i, ""))
	}
	mu.Lock()
	now = time.Now()
	mu.Unlock()
	remote := httptest.NewServer(svc)
	defer remote.Close()

	dir := t.TempDir()
	n, err := number.New(number.Config{DefaultRegion: "BA"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{Dir: dir + "/db", Numbering: n.Numbering(), MemoryBudget: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	eng, err := dirsync.NewEngine(dirsync.PhonebookStore(st), dirsync.WithDataDir(dir), dirsync.WithTypes(srctypes.All()...))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for errors.Is(eng.Trigger("x", dirsync.SyncOptions{}), dirsync.ErrNotRunning) {
		time.Sleep(time.Millisecond)
	}
	// The sources' routes and the contacts' (revert), as the daemon mounts
	// them, called with the admin token's principal.
	mux := http.NewServeMux()
	contacts := agentapi.NewComponent(agentapi.NewContacts(st, prometheus.NewRegistry()), agentapi.NewImports(st, t.TempDir()))
	for _, rt := range append(sources.New(eng, sources.Config{}).Routes(), contacts.Routes()...) {
		h := rt.Handler
		mux.Handle(rt.Pattern(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h.ServeHTTP(w, r.WithContext(platform.WithPrincipal(r.Context(), platform.Principal{Kind: platform.KindAdminToken})))
		}))
	}
	api := httptest.NewServer(mux)
	defer api.Close()
	call := func(method, path string, body any) map[string]any {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, api.URL+path, rd)
		if rd != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		var out map[string]any
		json.Unmarshal(raw, &out)
		return out
	}

	created := call("POST", "/api/v1/sources", map[string]any{"type": "custom", "name": "crm", "enabled": false, "interval_hours": 12,
		"settings": map[string]any{"url": remote.URL, "client_id": "test_id", "client_secret": "test_secret"}})
	id := created["id"].(string)
	if s := created["settings"].(map[string]any); s["client_secret"] != nil || s["url"] != remote.URL {
		t.Fatalf("settings shown: %v", s)
	}
	run := call("POST", "/api/v1/sources/"+id+"/sync?wait=1", nil)
	if run["result"] != "ok" || run["mode"] != "full" || run["synced"].(float64) != 50 {
		t.Fatalf("first run: %v", run)
	}

	// A local edit of one contact and a local delete of another.
	var edited, deleted *phonebook.Contact
	st.Iterate(ctx, phonebook.Query{Source: "crm"}, func(c *phonebook.Contact) error {
		switch c.ExternalID {
		case "100001":
			edited = c
		case "100002":
			deleted = c
		}
		return nil
	})
	edited.JobTitle = "Key account"
	if _, err := st.Update(ctx, edited); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, deleted.ID); err != nil {
		t.Fatal(err)
	}
	// The service renames both and removes a third.
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	svc.Put(contactsvc.Synthetic(1, "new"), contactsvc.Synthetic(2, "new"))
	svc.Delete("100003")
	run = call("POST", "/api/v1/sources/"+id+"/sync?wait=1", nil)
	if run["result"] != "ok" || run["mode"] != "delta" || run["deleted"].(float64) != 1 {
		t.Fatalf("delta run: %v", run)
	}
	got, err := st.Get(ctx, edited.ID)
	if err != nil || got.FirstName != "First1new" || got.JobTitle != "Key account" {
		t.Fatalf("edited contact after sync: %+v %v", got, err)
	}
	if _, err := st.Get(ctx, deleted.ID); err == nil {
		t.Fatal("locally deleted contact is back")
	}
	local := call("GET", "/api/v1/contacts/"+edited.ID+"/local", nil)
	if f := local["local_fields"].([]any); len(f) != 1 || !strings.Contains(f[0].(string), "job_title") {
		t.Fatalf("local fields: %v", local)
	}
	view := call("GET", "/api/v1/sources/"+id, nil)
	status := view["status"].(map[string]any)
	if status["running"] != false || status["last_deleted"].(float64) != 1 || len(status["runs"].([]any)) != 2 || status["last_success"] == nil {
		t.Fatalf("status: %v", status)
	}
	reverted := call("POST", "/api/v1/contacts/"+edited.ID+"/revert", nil)
	if reverted["job_title"] != nil && reverted["job_title"] != "" {
		t.Fatalf("revert: %v", reverted)
	}
	erased := call("POST", "/api/v1/sources/"+id+"/erase", nil)
	if c, _ := st.CountSource(ctx, "crm"); c != 0 || erased["contacts_deleted"].(float64) != 49 {
		t.Fatalf("after erase: %d left, %v", c, erased)
	}
	if list := call("GET", "/api/v1/sources", nil); len(list["sources"].([]any)) != 0 {
		t.Fatalf("sources after erase: %v", list)
	}
}
