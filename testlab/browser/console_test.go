package browser

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent"
	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
	"github.com/pbxagent/pbxagent/testlab/testdaemon"
)

// consoleTimeout bounds one console script (Chromium's start included).
const consoleTimeout = 30 * time.Second

// consoleAccount is a user the console tests sign in as.
type consoleAccount struct {
	Username, Password, ID string
}

// consoleLab is the whole daemon, in-process, for the console's browser
// tests: a temporary data directory, loopback ports, region BA, an admin
// token, and two users made through the users API: an admin and a plain
// user.
type consoleLab struct {
	d           *agent.Daemon
	base        string
	token       string
	admin, user consoleAccount
	chromium    string
	node        string
	// ari is the fake Asterisk (withARI), for tests that script its
	// peers (SetPeer) and hang up its channels.
	ari *fakeari.Server
}

// consoleOptions change the lab: withARI starts the fake Asterisk and
// points ARI at it (the dialer's routes are then mounted); config edits
// the daemon's configuration.
type consoleOptions struct {
	withARI bool
	config  func(*config.Config)
}

// startConsole starts the lab; it skips (fails under CI=true) when
// Chromium, node or the npm packages are missing.
func startConsole(t *testing.T, o consoleOptions) *consoleLab {
	t.Helper()
	chromium, node := tools(t)
	if _, err := os.Stat(filepath.Join("node_modules", "axe-core", "axe.min.js")); err != nil {
		msg := "console tests need axe-core (npm ci --prefix testlab/browser)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var fake *fakeari.Server
	var ariURL string
	if o.withARI {
		fake, ariURL = fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"))
	}
	cfg := testdaemon.Config(t, adminToken)
	cfg.AGI.Addr = "127.0.0.1:0"
	if o.withARI {
		cfg.ARI.URL, cfg.ARI.User, cfg.ARI.Pass = ariURL, "asterisk", "secret"
	}
	if o.config != nil {
		o.config(&cfg)
	}
	d := testdaemon.Start(t, agent.New, cfg, nil)
	l := &consoleLab{d: d, base: "http://" + d.HTTPAddr(), token: adminToken, chromium: chromium, node: node, ari: fake,
		admin: consoleAccount{Username: "ada", Password: "ada-console-pass"},
		user:  consoleAccount{Username: "bob", Password: "bob-console-pass"}}
	for _, a := range []struct {
		acc  *consoleAccount
		role string
	}{{&l.admin, "admin"}, {&l.user, "user"}} {
		var u struct {
			ID string `json:"id"`
		}
		l.apiJSON(t, "POST", "/api/v1/users", map[string]any{"username": a.acc.Username, "password": a.acc.Password, "role": a.role,
			"display_name": strings.ToUpper(a.acc.Username[:1]) + a.acc.Username[1:]}, http.StatusCreated, &u)
		a.acc.ID = u.ID
	}
	return l
}

// api sends a request with the admin token and returns the status and body.
func (l *consoleLab) api(t *testing.T, method, path, ctype string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, l.base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+l.token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// apiJSON sends in as JSON with the admin token, fails the test unless
// the answer has status want, and decodes the answer into out (if not nil).
func (l *consoleLab) apiJSON(t *testing.T, method, path string, in any, want int, out any) {
	t.Helper()
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			t.Fatal(err)
		}
	}
	code, b := l.api(t, method, path, "application/json", body)
	if code != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, code, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// run runs console/<script>.mjs against the lab and decodes the JSON it
// prints into out (if not nil); a failing script fails the test with its
// report (which names the step and a screenshot).
func (l *consoleLab) run(t *testing.T, script string, out any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), consoleTimeout)
	defer cancel()
	cmd := l.script(ctx, t, script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	scriptDone(ctx, t, script, start, cmd.Run(), &stderr)
	scriptResult(t, script, stdout.Bytes(), out)
}

// script returns the command running console/<script>.mjs against the
// lab: node, with the lab's address, token, web directory, Chromium and
// accounts in its environment, and extraEnv.
func (l *consoleLab) script(ctx context.Context, t *testing.T, script string, extraEnv ...string) *exec.Cmd {
	t.Helper()
	web, err := filepath.Abs(filepath.Join("..", "..", "web", "public"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, l.node, filepath.Join("console", script+".mjs"))
	cmd.Env = append(os.Environ(), "BASE_URL="+l.base, "ADMIN_TOKEN="+l.token, "WEB_DIR="+web, "CHROMIUM="+l.chromium,
		"ADMIN_USER="+l.admin.Username, "ADMIN_PASSWORD="+l.admin.Password, "ADMIN_ID="+l.admin.ID,
		"USER_USER="+l.user.Username, "USER_PASSWORD="+l.user.Password, "USER_ID="+l.user.ID)
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// scriptDone logs how long the script ran since start and fails the test
// with its stderr (the script's report) when it failed (err).
func scriptDone(ctx context.Context, t *testing.T, script string, start time.Time, err error, stderr *bytes.Buffer) {
	t.Helper()
	t.Logf("console/%s.mjs: %v", script, time.Since(start).Round(10*time.Millisecond))
	if err != nil {
		t.Fatalf("console/%s.mjs: %v (context: %v)\n%s", script, err, ctx.Err(), stderr.String())
	}
}

// scriptResult logs the step timings of the JSON a script printed and
// decodes it into out (if not nil).
func scriptResult(t *testing.T, script string, result []byte, out any) {
	t.Helper()
	var timing struct {
		Steps []struct {
			Step string `json:"step"`
			MS   int    `json:"ms"`
		} `json:"steps"`
		AxeMS int `json:"axe_ms"`
	}
	if err := json.Unmarshal(result, &timing); err != nil {
		t.Fatalf("console/%s.mjs output: %v: %q", script, err, result)
	}
	t.Logf("console/%s.mjs steps (ms): %v; axe-core: %d ms", script, timing.Steps, timing.AxeMS)
	if out != nil {
		if err := json.Unmarshal(result, out); err != nil {
			t.Fatalf("console/%s.mjs output: %v: %q", script, err, result)
		}
	}
}

// TestConsoleShell signs in and out, checks the navigation each role
// sees and that an admin page opened by a plain user says so.
func TestConsoleShell(t *testing.T) {
	l := startConsole(t, consoleOptions{withARI: true})
	var res struct {
		LoginError      string   `json:"login_error"`
		AdminNav        []string `json:"admin_nav"`
		UserNav         []string `json:"user_nav"`
		ReloadKept      bool     `json:"reload_kept_session"`
		UserOnAdminPage string   `json:"user_on_admin_page"`
		SessionEnded    string   `json:"session_ended"`
		AlertAfterEnd   string   `json:"alert_after_end"`
		A11yChecked     []string `json:"a11y_checked"`
	}
	l.run(t, "shell", &res)
	if !strings.Contains(res.LoginError, "wrong username or password") && !strings.Contains(strings.ToLower(res.LoginError), "password") {
		t.Errorf("sign-in error shown: %q", res.LoginError)
	}
	wantAdmin := []string{"Central Phone Book", "My calls", "Presence", "Chat", "Call groups", "Wallboard", "Hotel", "Contact sources", "Phones", "Caller-ID tester", "Campaigns", "Users", "OAuth2 apps", "CORS origins", "Audit log"}
	if !slices.Equal(res.AdminNav, wantAdmin) {
		t.Errorf("admin navigation %q, want %q", res.AdminNav, wantAdmin)
	}
	if want := []string{"Central Phone Book", "My calls", "Presence", "Chat", "Call groups"}; !slices.Equal(res.UserNav, want) {
		t.Errorf("user navigation %q, want %q", res.UserNav, want)
	}
	if !res.ReloadKept {
		t.Error("a reload showed the sign-in form: the session was not restored")
	}
	if !strings.Contains(res.UserOnAdminPage, "administrator role") {
		t.Errorf("a user opening the users page sees %q", res.UserOnAdminPage)
	}
	if res.SessionEnded != "Your session has ended. Please sign in again." || res.AlertAfterEnd != "" {
		t.Errorf("a session ended by the daemon: the sign-in form says %q and the alert region %q", res.SessionEnded, res.AlertAfterEnd)
	}
	if len(res.A11yChecked) < 5 {
		t.Errorf("axe ran on %d states only: %q", len(res.A11yChecked), res.A11yChecked)
	}
	t.Logf("shell: %+v", res)
}
