package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent"
	"github.com/pbxagent/pbxagent/testlab/testdaemon"
)

const testToken = "cli-test-token-7f3a"

// startDaemon runs a daemon in-process on a random loopback port with a
// fresh data dir and returns its base URL.
func startDaemon(t *testing.T) string {
	t.Helper()
	return "http://" + testdaemon.Start(t, agent.New, testdaemon.Config(t, testToken), nil).HTTPAddr()
}

// cliResult is what one command run printed and returned.
type cliResult struct {
	code           int
	stdout, stderr string
}

// fakeTerm makes some streams look like terminals of a given width.
type fakeTerm struct {
	stdin, stdout bool
	width         int
	// passwords are the lines typed at the password prompts, in order.
	passwords []string
}

// runCLI runs the binary's run() with the environment and stdin given.
func runCLI(t *testing.T, env []string, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb, env)
	return cliResult{code, out.String(), errb.String()}
}

// runTerm runs a client command with stdin/stdout faked as terminals.
func runTerm(t *testing.T, ft fakeTerm, env []string, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	in := strings.NewReader(stdin)
	c := &cli{stdin: in, stdout: &out, stderr: &errb, environ: env,
		isTerminal: func(s any) bool {
			return (s == any(in) && ft.stdin) || (s == any(&out) && ft.stdout)
		},
		termWidth: func(s any) int {
			if s == any(&errb) {
				return ft.width
			}
			return 0
		},
		readPassword: func(_ context.Context, s any) ([]byte, error) {
			if s != any(in) || !ft.stdin || len(ft.passwords) == 0 {
				return nil, io.EOF
			}
			p := ft.passwords[0]
			ft.passwords = ft.passwords[1:]
			return []byte(p), nil
		},
	}
	code, ok := c.run(context.Background(), args)
	if !ok {
		t.Fatalf("%v: not a client command", args)
	}
	return cliResult{code, out.String(), errb.String()}
}

// step is one command of a scenario; "{id}" in args and wants is replaced
// by the id captured from an earlier step.
type step struct {
	name       string
	env        []string // replaces the default environment when set
	stdin      string
	args       []string
	code       int
	stdout     []string // substrings stdout must hold
	stderr     []string // substrings stderr must hold
	notStdout  []string // substrings stdout must not hold
	notStderr  []string // substrings stderr must not hold
	captureID  bool     // stdout (trimmed) is the id for later steps
	checkJSON  func(t *testing.T, stdout string)
	beforeStep func(t *testing.T)
}

func runSteps(t *testing.T, env []string, steps []step) {
	t.Helper()
	id := ""
	subst := func(s string) string { return strings.ReplaceAll(s, "{id}", id) }
	for _, st := range steps {
		if st.beforeStep != nil {
			st.beforeStep(t)
		}
		args := make([]string, len(st.args))
		for i, a := range st.args {
			args[i] = subst(a)
		}
		e := env
		if st.env != nil {
			e = st.env
		}
		r := runCLI(t, e, st.stdin, args...)
		if r.code != st.code {
			t.Fatalf("%s: %v: exit %d, want %d\nstdout: %s\nstderr: %s", st.name, args, r.code, st.code, r.stdout, r.stderr)
		}
		for _, w := range st.stdout {
			if !strings.Contains(r.stdout, subst(w)) {
				t.Errorf("%s: stdout lacks %q:\n%s", st.name, subst(w), r.stdout)
			}
		}
		for _, w := range st.notStdout {
			if strings.Contains(r.stdout, subst(w)) {
				t.Errorf("%s: stdout has %q:\n%s", st.name, subst(w), r.stdout)
			}
		}
		for _, w := range st.notStderr {
			if strings.Contains(r.stderr, subst(w)) {
				t.Errorf("%s: stderr has %q:\n%s", st.name, subst(w), r.stderr)
			}
		}
		for _, w := range st.stderr {
			if !strings.Contains(r.stderr, subst(w)) {
				t.Errorf("%s: stderr lacks %q:\n%s", st.name, subst(w), r.stderr)
			}
		}
		if strings.Contains(r.stdout+r.stderr, testToken) {
			t.Errorf("%s: the token was printed", st.name)
		}
		if st.checkJSON != nil {
			st.checkJSON(t, r.stdout)
		}
		if st.captureID {
			id = strings.TrimSpace(r.stdout)
			if id == "" || strings.ContainsAny(id, " \n") {
				t.Fatalf("%s: captured id %q", st.name, id)
			}
		}
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func TestContactsCommands(t *testing.T) {
	base := startDaemon(t)
	env := []string{"PBXAGENT_SERVER=" + base, "PBXAGENT_TOKEN=" + testToken}
	tokenFile := writeFile(t, "admin.token", testToken+"\n")
	badJSON := writeFile(t, "bad.json", `{"first_name":"X","numbers":[{"type":"pager","value":"1"}],"bogus":1}`)
	badType := writeFile(t, "badtype.json", `{"first_name":"X","numbers":[{"type":"pager","value":"1"}]}`)
	fromFile := writeFile(t, "ok.json", `{"first_name":"Petra","last_name":"Horvat","numbers":[{"type":"home","value":"033 123 456"}]}`)

	runSteps(t, env, []step{
		{name: "add", args: []string{"contacts", "add", "--first", "Jürgen", "--last", "Müller", "--company", "Ankunding",
			"--number", "mobile:061 111-111", "--email", "work:j@example.ba", "--quiet"}, captureID: true},
		{name: "add second", args: []string{"contacts", "add", "--company", "Weissnat", "--number", "+387 33 123 456"},
			stdout: []string{"created ", "  Weissnat"}},
		{name: "add from json with flag override", args: []string{"contacts", "add", "--json", fromFile, "--last", "Horvat-Kovač"},
			stdout: []string{"Petra Horvat-Kovač"}},
		{name: "add from stdin", stdin: `{"company":"Stdin d.o.o."}`, args: []string{"contacts", "add", "--json", "-"},
			stdout: []string{"Stdin d.o.o."}},
		{name: "get", args: []string{"contacts", "get", "{id}"},
			stdout: []string{"ID:", "{id}", "Jürgen Müller", "Ankunding", "mobile 061 111-111 (+38761111111)", "work j@example.ba", "Source:", "local"}},
		{name: "get json, flag after id", args: []string{"contacts", "get", "{id}", "--json"}, checkJSON: func(t *testing.T, out string) {
			var v struct {
				ID      string `json:"id"`
				Numbers []struct{ Normalized string }
			}
			if err := json.Unmarshal([]byte(out), &v); err != nil || v.Numbers[0].Normalized != "+38761111111" {
				t.Errorf("get --json: %v %s", err, out)
			}
		}},
		{name: "list", args: []string{"contacts", "list"},
			stdout: []string{"ID", "NAME", "COMPANY", "NUMBERS", "{id}", "Jürgen Müller", "mobile:061 111-111", "Weissnat", "work:+387 33 123 456"}},
		{name: "list query", args: []string{"contacts", "list", "muller"},
			stdout: []string{"Jürgen Müller"}, notStdout: []string{"Weissnat"}},
		{name: "list number prefix", args: []string{"contacts", "list", "-q", "+387 33"},
			stdout: []string{"Weissnat"}, notStdout: []string{"Müller"}},
		{name: "list json", args: []string{"contacts", "list", "--json", "--source", "local"}, checkJSON: func(t *testing.T, out string) {
			var p struct {
				Contacts []struct{ ID string }
				Total    int
			}
			if err := json.Unmarshal([]byte(out), &p); err != nil || p.Total != 4 || len(p.Contacts) != 4 {
				t.Errorf("list --json: %v %s", err, out)
			}
		}},
		{name: "edit", args: []string{"contacts", "edit", "{id}", "--title", "CTO", "--last", "Schmidt", "--company", ""},
			stdout: []string{"updated {id}  Jürgen Schmidt"}},
		{name: "get edited", args: []string{"contacts", "get", "{id}"},
			stdout: []string{"Job title:", "CTO", "Jürgen Schmidt"}, notStdout: []string{"Ankunding"}},
		{name: "edit numbers replaces the list", args: []string{"contacts", "edit", "{id}", "--number", "mobile:+38761222333", "--number", "fax:033 999 888"},
			stdout: []string{"updated {id}"}},
		{name: "lookup hit", args: []string{"lookup", "+387 61 222 333"},
			stdout: []string{"Jürgen Schmidt", "match", "+38761222333", "contact {id}", "source local"}},
		{name: "lookup split arguments", args: []string{"lookup", "061", "222", "333"}, stdout: []string{"Jürgen Schmidt"}},
		{name: "lookup old number misses", args: []string{"lookup", "+38761111111"}, code: 1, stdout: []string{"no match (none)"}},
		{name: "lookup miss json", args: []string{"lookup", "--json", "1805"}, code: 1, stdout: []string{`"match": "none"`}},
		{name: "lookup skipped", args: []string{"lookup", "anonymous"}, code: 1, stdout: []string{"no match (skipped)"}},
		{name: "add a first holder of a shared number", args: []string{"contacts", "add", "--first", "Dupla", "--last", "Prva", "--number", "+387 33 555 666"}},
		{name: "add a second holder of a shared number", args: []string{"contacts", "add", "--first", "Dupla", "--last", "Druga", "--number", "033 555 666"}},
		{name: "lookup ambiguous lists the holders", args: []string{"lookup", "+38733555666"}, code: 1,
			stdout: []string{"ambiguous: 2 contacts have this number", "Dupla Prva  (source local)", "Dupla Druga  (source local)"}, notStdout: []string{"no match"}},
		{name: "lookup ambiguous json", args: []string{"lookup", "--json", "+38733555666"}, code: 1,
			stdout: []string{`"match": "ambiguous"`, `"candidates_total": 2`, `"name": "Dupla Prva"`}},
		{name: "validation details", args: []string{"contacts", "add", "--json", badType}, code: 1,
			stderr: []string{"pbxagent contacts add: invalid contact", "\n  numbers[0].type: "}},
		{name: "unknown json key", args: []string{"contacts", "add", "--json", badJSON}, code: 1, stderr: []string{"bogus"}},
		{name: "bad number type is a usage error", args: []string{"contacts", "add", "--first", "X", "--number", "pager:1"}, code: 2,
			stderr: []string{`unknown type "pager"`}},
		{name: "edit invalid", args: []string{"contacts", "edit", "{id}", "--scope", "galactic"}, code: 1, stderr: []string{"scope"}},
		{name: "token file", env: []string{"PBXAGENT_SERVER=" + base, "PBXAGENT_TOKEN=wrong"},
			args: []string{"contacts", "get", "--token-file", tokenFile, "{id}"}, stdout: []string{"Jürgen Schmidt"}},
		{name: "delete", args: []string{"contacts", "delete", "{id}"}, stdout: []string{"deleted {id}"}},
		{name: "get deleted", args: []string{"contacts", "get", "{id}"}, code: 1, stderr: []string{"pbxagent contacts get: not found"}},
		{name: "delete again", args: []string{"contacts", "delete", "{id}"}, code: 1, stderr: []string{"not found"}},
		{name: "list with no match", args: []string{"contacts", "list", "zzzz"}, stderr: []string{"no contacts match"}, notStdout: []string{"ID"}},
		{name: "list all with no match", args: []string{"contacts", "list", "--all", "zzzz"}, stderr: []string{"no contacts match"}, notStdout: []string{"ID"}},
		{name: "delete stops on a wrong token", env: []string{"PBXAGENT_SERVER=" + base, "PBXAGENT_TOKEN=nope"},
			args: []string{"contacts", "delete", "a", "b"}, code: 1, stderr: []string{"contacts delete a: a valid admin bearer token"}, notStderr: []string{"delete b"}, notStdout: []string{"deleted"}},
		{name: "delete goes on past a missing id", args: []string{"contacts", "delete", "missing1", "missing2"}, code: 1,
			stderr: []string{"delete missing1: not found", "delete missing2: not found"}},
		{name: "wrong token", env: []string{"PBXAGENT_SERVER=" + base, "PBXAGENT_TOKEN=nope"}, args: []string{"contacts", "list"}, code: 1,
			stderr: []string{"a valid admin bearer token is required", "hint: set PBXAGENT_TOKEN"}, notStdout: []string{"ID"}},
		{name: "no token", env: []string{"PBXAGENT_SERVER=" + base}, args: []string{"lookup", "1805"}, code: 2,
			stderr: []string{"no admin token: set PBXAGENT_TOKEN or pass --token-file"}},
		{name: "token file from env", env: []string{"PBXAGENT_SERVER=" + base, "PBXAGENT_TOKEN_FILE=" + tokenFile},
			args: []string{"lookup", "1805"}, code: 1, stdout: []string{"no match (none)"}},
		{name: "missing token file", args: []string{"contacts", "list", "--token-file", filepath.Join(t.TempDir(), "none")}, code: 1,
			stderr: []string{"token file"}},
		{name: "server flag beats env", env: []string{"PBXAGENT_SERVER=http://" + freeAddr(t), "PBXAGENT_TOKEN=" + testToken},
			args: []string{"contacts", "list", "--server", base}, stdout: []string{"Weissnat"}},
		{name: "unreachable daemon", args: []string{"contacts", "list", "--server", "http://" + freeAddr(t)}, code: 1,
			stderr: []string{"cannot reach the daemon"}},
		{name: "bad server url", args: []string{"contacts", "list", "--server", "ftp://x"}, code: 2, stderr: []string{"scheme"}},
		{name: "get needs an id", args: []string{"contacts", "get"}, code: 2, stderr: []string{"want ID"}},
		{name: "add needs fields", args: []string{"contacts", "add"}, code: 2, stderr: []string{"nothing to add"}},
		{name: "unknown flag", args: []string{"contacts", "list", "--bogus"}, code: 2, stderr: []string{"-bogus", "usage: pbxagent contacts list"}},
		{name: "help", args: []string{"contacts", "get", "-h"}, code: 0, stderr: []string{"usage: pbxagent contacts get"}},
		{name: "unknown subcommand", args: []string{"contacts", "frob"}, code: 2, stderr: []string{`unknown command "frob"`}},
		{name: "contacts usage", args: []string{"contacts"}, code: 2, stderr: []string{"usage: pbxagent contacts"}},
		{name: "lookup needs a number", args: []string{"lookup"}, code: 2, stderr: []string{"want NUMBER"}},
	})
}

func TestListAllFollowsCursors(t *testing.T) {
	base := startDaemon(t)
	env := []string{"PBXAGENT_SERVER=" + base, "PBXAGENT_TOKEN=" + testToken}
	const n = 23
	for i := range n {
		r := runCLI(t, env, "", "contacts", "add", "--first", "Person", "--last", string(rune('A'+i)), "--number", "+3876100000"+string(rune('0'+i%10))+string(rune('0'+i/10)))
		if r.code != 0 {
			t.Fatalf("add %d: %+v", i, r)
		}
	}
	tests := []struct {
		name  string
		args  []string
		rows  int
		more  bool // stderr points at the next page
		total int
	}{
		{"one page", []string{"--limit", "10"}, 10, true, n},
		{"all pages", []string{"--limit", "10", "--all"}, n, false, n},
		{"all with query", []string{"--limit", "5", "--all", "person"}, n, false, n},
		{"all json", []string{"--limit", "7", "--all", "--json"}, n, false, n},
		{"page json", []string{"--limit", "7", "--json"}, 7, false, n},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, env, "", append([]string{"contacts", "list"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("%+v", r)
			}
			if strings.Contains(strings.Join(tc.args, " "), "--json") {
				var p struct {
					Contacts []struct{ ID string }
					Total    int
				}
				if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
					t.Fatalf("json: %v\n%s", err, r.stdout)
				}
				ids := map[string]bool{}
				for _, c := range p.Contacts {
					ids[c.ID] = true
				}
				if len(p.Contacts) != tc.rows || len(ids) != tc.rows || p.Total != tc.total {
					t.Fatalf("got %d contacts (%d distinct), total %d", len(p.Contacts), len(ids), p.Total)
				}
				return
			}
			lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
			if len(lines)-1 != tc.rows {
				t.Fatalf("%d rows, want %d:\n%s", len(lines)-1, tc.rows, r.stdout)
			}
			if got := strings.Contains(r.stderr, "--cursor "); got != tc.more {
				t.Fatalf("next-page hint %v, want %v: %q", got, tc.more, r.stderr)
			}
		})
	}
}

// TestListCappedTotal: past the daemon's count limit (1000) a page's total
// is a lower bound, shown as "1000+"; --all --json counts what it wrote,
// so its total is exact.
func TestListCappedTotal(t *testing.T) {
	base := startDaemon(t)
	env := []string{"PBXAGENT_SERVER=" + base, "PBXAGENT_TOKEN=" + testToken}
	const n = 1100
	var csv strings.Builder
	for i := range n {
		fmt.Fprintf(&csv, "Capped,,Person%04d,,,work:+387330%05d\n", i, i)
	}
	if r := runCLI(t, env, csv.String(), "contacts", "import", "-", "--yes"); r.code != 0 {
		t.Fatalf("import: %+v", r)
	}
	r := runCLI(t, env, "", "contacts", "list", "--limit", "10", "capped")
	if r.code != 0 || !strings.Contains(r.stderr, "10 of 1000+ contacts") {
		t.Fatalf("capped page: %+v", r)
	}
	r = runCLI(t, env, "", "contacts", "list", "--limit", "1000", "--all", "--json", "capped")
	var p struct {
		Contacts []struct{ ID string }
		Total    int
	}
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || r.code != 0 {
		t.Fatalf("json: %v %+v", err, r)
	}
	if len(p.Contacts) != n || p.Total != n {
		t.Fatalf("--all --json: %d contacts, total %d; want %d", len(p.Contacts), p.Total, n)
	}
}
