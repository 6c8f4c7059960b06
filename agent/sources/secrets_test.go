package sources_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pbxagent/pbxagent/agent/sources"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
	"github.com/pbxagent/pbxagent/phonebook/dirsync/syncfake"
	srctypes "github.com/pbxagent/pbxagent/phonebook/source/sources"
)

// newTypesEngine is an engine of every source type on a memory store.
func newTypesEngine(t testing.TB) *dirsync.Engine {
	t.Helper()
	eng, err := dirsync.NewEngine(syncfake.NewMemStore(), dirsync.WithDataDir(t.TempDir()), dirsync.WithTypes(srctypes.All()...))
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

// TestPatchedURLNeverGetsTheStoredSecret is the attack end to end: PATCH a
// custom source's url to another host, then test it. The other host sees
// no request; the source still talks to its own host.
func TestPatchedURLNeverGetsTheStoredSecret(t *testing.T) {
	var mu sync.Mutex
	seen := map[string][]string{}
	serve := func(name string) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[name] = append(seen[name], r.Header.Get("Authorization"))
			mu.Unlock()
			if r.URL.Path == "/token" {
				_, _ = io.WriteString(w, `{"token":"t"}`)
				return
			}
			_, _ = io.WriteString(w, `{"contacts":[],"has_more":false}`)
		}))
	}
	home, attacker := serve("home"), serve("attacker")
	defer home.Close()
	defer attacker.Close()
	eng := newTypesEngine(t)
	api := httptest.NewServer(sources.New(eng, sources.Config{}).Handler())
	defer api.Close()
	call := func(method, path string, body any) (int, string) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, api.URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	code, body := call("POST", "/api/v1/sources", map[string]any{"type": "custom", "name": "crm", "enabled": false,
		"settings": map[string]any{"url": home.URL, "client_id": "id", "client_secret": "s3cr3t-xyz"}})
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	var v dirsync.View
	_ = json.Unmarshal([]byte(body), &v)
	code, body = call("PATCH", "/api/v1/sources/"+v.ID, map[string]any{"settings": map[string]any{"url": attacker.URL}})
	if code != http.StatusBadRequest || !strings.Contains(body, `"field":"settings.client_secret"`) {
		t.Fatalf("PATCH url: %d %s, want 400 naming settings.client_secret", code, body)
	}
	if code, body = call("POST", "/api/v1/sources/"+v.ID+"/test", nil); code != http.StatusOK {
		t.Fatalf("test: %d %s", code, body)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen["attacker"]) != 0 {
		t.Fatalf("the new host got %d requests, with %q", len(seen["attacker"]), seen["attacker"])
	}
	if len(seen["home"]) == 0 {
		t.Fatal("the source did not talk to its own host")
	}
}
