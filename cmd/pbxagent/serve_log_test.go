package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/pbxagent/pbxagent/agent"
)

// startWatch collects what the daemon prints and cancels the run once the
// "pbxagent started" line has been printed.
type startWatch struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	cancel context.CancelFunc
}

func (w *startWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), "pbxagent started") {
		w.cancel()
	}
	return len(p), nil
}

func (w *startWatch) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestServeLogsJSONOnly: with --log.format json every line the daemon
// prints, the generated admin token's too, is a JSON object.
func TestServeLogsJSONOnly(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &startWatch{cancel: cancel}
	args := []string{"--data", t.TempDir(), "--http", "127.0.0.1:0", "--agi.addr=", "--log.format", "json"}
	if code := runServe(ctx, args, out, out, nil); code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	token := false
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Errorf("not JSON: %s", l)
			continue
		}
		if strings.Contains(m["msg"].(string), "admin token") && strings.HasSuffix(m["path"].(string), "admin.token") {
			token = true
		}
	}
	if !token {
		t.Errorf("no JSON line about the generated admin token:\n%s", out.String())
	}
}

// TestServeConfigErrorJSON: under --log.format json a configuration error
// is a JSON line too, naming the key.
func TestServeConfigErrorJSON(t *testing.T) {
	var out strings.Builder
	if _, code := serveConfig([]string{"--log.format", "json", "--store.memory_mb", "8"}, &out, nil); code != 2 {
		t.Fatalf("exit %d", code)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out.String()), &m); err != nil || !strings.Contains(m["err"].(string), "store.memory_mb") {
		t.Fatalf("not a JSON line naming the key (%v): %s", err, out.String())
	}
}

// TestVersionPrintsCommit: pbxagent version prints the version and the
// commit the binary was built from.
func TestVersionPrintsCommit(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"version"}, strings.NewReader(""), &out, &errb, nil); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	b := agent.Build()
	if want := "pbxagent " + b.Version + " (commit " + b.Commit + ")\n"; out.String() != want || b.Commit == "" {
		t.Fatalf("version printed %q, want %q", out.String(), want)
	}
}
