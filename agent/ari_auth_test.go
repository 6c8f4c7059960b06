package agent

import (
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"

	"github.com/pbxagent/pbxagent/testlab/logbuf"
	"github.com/pbxagent/pbxagent/testlab/testdaemon"
)

// TestReadyzWrongARIPassword: with a password Asterisk refuses, /readyz
// says the ARI user or password is wrong (not just "not connected"), and
// the log says so once at error level, with no "reconnecting" warning.
func TestReadyzWrongARIPassword(t *testing.T) {
	_, url := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"))
	cfg := testConfig(t)
	cfg.ARI.URL, cfg.ARI.User, cfg.ARI.Pass = url, "asterisk", "wrong"
	var logs logbuf.Buffer
	d := testdaemon.Start(t, New, cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	c := client{t, "http://" + d.HTTPAddr(), ""}
	var ready Readiness
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body := c.do("GET", "/readyz", "", nil)
		if err := json.Unmarshal(body, &ready); err != nil {
			t.Fatalf("readyz: %d %s", code, body)
		}
		if strings.Contains(ready.Checks["ari"], "rejected") {
			if code != 503 || ready.Status != "unavailable" {
				t.Errorf("readyz: %d %s", code, body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz never said the ARI password is wrong: %d %s", code, body)
		}
	}
	if want := "ARI rejected the user or password"; !strings.HasPrefix(ready.Checks["ari"], want) {
		t.Errorf("readyz ari check %q, want it to start %q", ready.Checks["ari"], want)
	}
	out := logs.String()
	if n := strings.Count(out, "level=ERROR msg=\"ari: Asterisk rejected the ARI user or password"); n != 1 {
		t.Errorf("%d error lines about the ARI password, want 1:\n%s", n, out)
	}
	if strings.Contains(out, "reconnecting") {
		t.Errorf("a wrong password logged as a lost connection:\n%s", out)
	}
	if strings.Contains(out, "wrong") {
		t.Errorf("the password is in the log:\n%s", out)
	}
}
