package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/usersapi"
)

// startUsersAPI serves agent/users' routes behind the test token and
// returns the CLI's environment for it.
func startUsersAPI(t *testing.T) (*usersapi.Server, []string) {
	t.Helper()
	srv := usersapi.Start(t, usersapi.Options{Token: testToken, Endpoints: []ari.Endpoint{
		{Technology: "PJSIP", Resource: "301"}, {Technology: "PJSIP", Resource: "anonymous"}}})
	return srv, []string{"PBXAGENT_SERVER=" + srv.URL, "PBXAGENT_TOKEN=" + testToken}
}

// canLogin reports whether the users API takes the username and password.
func canLogin(t *testing.T, base, username, password string) bool {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	resp, err := http.Post(base+"/api/v1/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func TestUsersCommands(t *testing.T) {
	srv, env := startUsersAPI(t)
	const secret = "correct horse battery"
	badCSV := writeFile(t, "bad.csv", "username,email,disabled\ncarol,carol@example.com,no\ndave,,maybe\n")
	goodCSV := writeFile(t, "users.csv", "username,display_name,extensions,endpoints,abilities\ncarol,Carol Jones,103;1103,PJSIP/103,\ndave,,104,,recordings\n")

	runSteps(t, env, []step{
		{name: "add", args: []string{"users", "add", "--username", "Ann", "--display-name", "Ann Smith", "--email", "ann@example.com",
			"--role", "supervisor", "--extensions", "101,1101", "--endpoints", "PJSIP/101", "--abilities", "dialer", "--phones", "00:15:65:aa:bb:cc", "--quiet"},
			captureID: true},
		{name: "add second", args: []string{"users", "add", "--username", "bob", "--extensions", "102", "--extensions", "1102"},
			stdout: []string{"created ", "  bob\n"}},
		{name: "get by id", args: []string{"users", "get", "{id}"},
			stdout: []string{"ID:", "{id}", "Username:", "Ann\n", "Ann Smith", "ann@example.com", "Role:", "supervisor", "Abilities:", "dialer",
				"Extensions:", "101, 1101", "Endpoints:", "PJSIP/101", "001565aabbcc", "Status:", "no password"}},
		{name: "get by username in any case", args: []string{"users", "get", "aNN"}, stdout: []string{"{id}", "Ann Smith"}},
		{name: "get json, flag after the id", args: []string{"users", "get", "{id}", "--json"}, checkJSON: func(t *testing.T, out string) {
			var u struct {
				ID         string   `json:"id"`
				Extensions []string `json:"extensions"`
				Devices    struct{ Endpoints []string }
			}
			if err := json.Unmarshal([]byte(out), &u); err != nil || len(u.Extensions) != 2 || u.Devices.Endpoints[0] != "PJSIP/101" {
				t.Errorf("get --json: %v %s", err, out)
			}
		}},
		{name: "get unknown", args: []string{"users", "get", "nobody"}, code: 1,
			stderr: []string{`pbxagent users get: no user has the id or username "nobody"`}},
		{name: "list", args: []string{"users", "list"},
			stdout: []string{"ID", "USERNAME", "NAME", "ROLE", "EXTENSIONS", "ENDPOINTS", "STATUS", "{id}", "Ann Smith", "supervisor", "101,1101", "PJSIP/101", "bob", "102,1102"}},
		{name: "list query", args: []string{"users", "list", "--q", "pjsip/10"}, stdout: []string{"Ann Smith"}, notStdout: []string{"bob"}},
		{name: "list positional query", args: []string{"users", "list", "1102"}, stdout: []string{"bob"}, notStdout: []string{"Ann"}},
		{name: "list one page", args: []string{"users", "list", "--limit", "1"}, stdout: []string{"Ann"}, notStdout: []string{"bob"},
			stderr: []string{"1 of 2 users; next page: --cursor ann (or --all)"}},
		{name: "list all pages", args: []string{"users", "list", "--limit", "1", "--all"}, stdout: []string{"Ann", "bob"}, notStderr: []string{"next page"}},
		{name: "list page json", args: []string{"users", "list", "--json", "--limit", "1"}, checkJSON: func(t *testing.T, out string) {
			var p struct {
				Users      []struct{ Username string }
				Total      int
				NextCursor string `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(out), &p); err != nil || len(p.Users) != 1 || p.Total != 2 || p.NextCursor != "ann" {
				t.Errorf("list --json: %v %s", err, out)
			}
		}},
		{name: "list all json", args: []string{"users", "list", "--all", "--json", "--limit", "1"}, checkJSON: func(t *testing.T, out string) {
			var p struct {
				Users []struct{ Username string }
				Total int
			}
			if err := json.Unmarshal([]byte(out), &p); err != nil || len(p.Users) != 2 || p.Total != 2 || p.Users[1].Username != "bob" {
				t.Errorf("list --all --json: %v %s", err, out)
			}
		}},
		{name: "list no match", args: []string{"users", "list", "zzz"}, stderr: []string{"no users match"}, notStdout: []string{"ID"}},
		{name: "set clears, replaces and merges devices", args: []string{"users", "set", "ann", "--email", "", "--role", "admin", "--endpoints", "", "--extensions", "111"},
			stdout: []string{"updated {id}  Ann"}},
		{name: "get after set", args: []string{"users", "get", "{id}"}, stdout: []string{"admin", "Extensions:", "111\n", "001565aabbcc"},
			notStdout: []string{"ann@example.com", "PJSIP/101", "1101"}},
		{name: "set names every bad field", args: []string{"users", "set", "{id}", "--role", "root", "--extensions", "1a", "--email", "x"}, code: 1,
			stderr: []string{"pbxagent users set: invalid user\n", "\n  role: must be admin, supervisor or user\n", "\n  extensions[0]: ", "\n  email: "}},
		{name: "set disabled", args: []string{"users", "set", "bob", "--disabled"}, stdout: []string{"updated "}},
		{name: "list shows disabled", args: []string{"users", "list", "bob"}, stdout: []string{"disabled"}},
		{name: "set nothing", args: []string{"users", "set", "{id}"}, code: 2, stderr: []string{"nothing to change"}},
		{name: "set needs an id", args: []string{"users", "set", "--role", "admin"}, code: 2, stderr: []string{"want ID|USERNAME"}},
		{name: "add taken username", args: []string{"users", "add", "--username", "ANN"}, code: 1, stderr: []string{"pbxagent users add: ", "\n  username: "}},
		{name: "add taken extension names the holder", args: []string{"users", "add", "--username", "eve", "--extensions", "102"}, code: 1,
			stderr: []string{"\n  extensions[0]: ", "bob"}},
		{name: "add unknown ability", args: []string{"users", "add", "--username", "eve", "--abilities", "fly"}, code: 1,
			stderr: []string{"\n  abilities[0]: unknown ability"}},
		{name: "add needs a username", args: []string{"users", "add", "--email", "e@example.com"}, code: 2, stderr: []string{"--username is required"}},
		{name: "passwd from stdin", stdin: secret + "\n", args: []string{"users", "passwd", "ann"},
			stdout: []string{"password set for Ann; their sessions have ended"}, notStdout: []string{secret}, notStderr: []string{secret}},
		{name: "status after passwd", args: []string{"users", "get", "{id}"}, stdout: []string{"active"}},
		{name: "passwd too short", stdin: "short\r\n", args: []string{"users", "passwd", "{id}"}, code: 1,
			stderr: []string{"\n  password: must be at least 8 characters"}, notStderr: []string{"short\n"}},
		{name: "passwd empty stdin", args: []string{"users", "passwd", "{id}"}, code: 2, stderr: []string{"no password on stdin"}},
		{name: "passwd unknown user", stdin: secret, args: []string{"users", "passwd", "nobody"}, code: 1, stderr: []string{"no user has the id or username"}},
		{name: "import refused with lines", args: []string{"users", "import", badCSV}, code: 1,
			stderr: []string{"pbxagent users import: invalid CSV", "\n  line 3, disabled: must be true or false\n", "nothing was imported"}},
		{name: "import", args: []string{"users", "import", goodCSV}, stdout: []string{"imported " + goodCSV + ": 2 users created", "USERNAME", "carol", "Carol Jones", "103,1103", "dave"}},
		{name: "import again conflicts", args: []string{"users", "import", goodCSV}, code: 1, stderr: []string{"line 2, username"}},
		{name: "import stdin json", stdin: "username\nerin\n", args: []string{"users", "import", "-", "--json"}, stdout: []string{`"created": 1`, `"username": "erin"`}},
		{name: "import empty", stdin: "", args: []string{"users", "import", "-"}, code: 1, stderr: []string{"the CSV is empty", "line 1: a header line is required"}},
		{name: "import-endpoints", args: []string{"users", "import-endpoints"},
			stdout: []string{"1 users created, 1 endpoints skipped", "301", "PJSIP/301", "skipped PJSIP/anonymous: the resource is not an extension number"}},
		{name: "import-endpoints again", args: []string{"users", "import-endpoints", "--json"}, stdout: []string{`"created": []`, `"reason": "already a device of user 301"`}},
		{name: "delete without confirmation", args: []string{"users", "delete", "bob"}, code: 2, stderr: []string{"pass --yes"}, notStdout: []string{"deleted"}},
		{name: "delete looks every user up first", args: []string{"users", "delete", "bob", "nobody", "--yes"}, code: 1,
			stderr: []string{`"nobody"`}, notStdout: []string{"deleted"}},
		{name: "delete", args: []string{"users", "delete", "BOB", "carol", "--yes"}, stdout: []string{"deleted ", "  bob\n", "  carol\n"}},
		{name: "deleted", args: []string{"users", "get", "bob"}, code: 1, stderr: []string{"no user has the id or username"}},
		{name: "wrong token", env: []string{"PBXAGENT_SERVER=" + srv.URL, "PBXAGENT_TOKEN=nope"}, args: []string{"users", "list"}, code: 1,
			stderr: []string{"a valid admin bearer token is required", "hint: set PBXAGENT_TOKEN"}},
		{name: "no token", env: []string{"PBXAGENT_SERVER=" + srv.URL}, args: []string{"users", "list"}, code: 2, stderr: []string{"no admin token"}},
		{name: "help", args: []string{"users", "passwd", "-h"}, stderr: []string{"usage: pbxagent users passwd [flags] ID|USERNAME"}},
		{name: "usage", args: []string{"users"}, code: 2, stderr: []string{"usage: pbxagent users <command>", "import-endpoints"}},
		{name: "unknown subcommand", args: []string{"users", "frob"}, code: 2, stderr: []string{`unknown command "frob"`}},
		{name: "unknown flag", args: []string{"users", "add", "--bogus"}, code: 2, stderr: []string{"-bogus"}},
	})
	if !canLogin(t, srv.URL, "ann", secret) {
		t.Fatal("the password set from stdin does not sign in")
	}
}

// TestUsersOnATerminal: passwd asks twice without echo, delete asks
// before deleting.
func TestUsersOnATerminal(t *testing.T) {
	srv, env := startUsersAPI(t)
	if r := runCLI(t, env, "", "users", "add", "--username", "ann"); r.code != 0 {
		t.Fatalf("add: %+v", r)
	}
	const pw = "tr0ub4dor&3 horse"
	tty := fakeTerm{stdin: true, stdout: true}
	for _, tc := range []struct {
		name      string
		passwords []string
		stdin     string
		args      []string
		code      int
		stdout    string
		stderr    string
		login     string // a password that must sign ann in afterwards
		noLogin   string // a password that must not
	}{
		{name: "passwords differ", passwords: []string{pw, pw + "x"}, args: []string{"users", "passwd", "ann"}, code: 1,
			stderr: "the passwords differ; nothing changed", noLogin: pw},
		{name: "empty password", passwords: []string{""}, args: []string{"users", "passwd", "ann"}, code: 2, stderr: "empty password"},
		{name: "terminal closed", passwords: nil, args: []string{"users", "passwd", "ann"}, code: 1, stderr: "read the password"},
		{name: "passwd", passwords: []string{pw, pw}, args: []string{"users", "passwd", "ann"},
			stdout: "password set for ann", stderr: "New password for ann: \nAgain: \n", login: pw},
		{name: "delete declined", stdin: "n\n", args: []string{"users", "delete", "ann"}, code: 1, stderr: "Delete ann (", login: pw},
		{name: "delete confirmed", stdin: "y\n", args: []string{"users", "delete", "ann"}, stdout: "deleted ", noLogin: pw},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ft := tty
			ft.passwords = tc.passwords
			r := runTerm(t, ft, env, tc.stdin, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s", r.code, tc.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, pw) {
				t.Fatal("the password was printed")
			}
			if tc.login != "" && !canLogin(t, srv.URL, "ann", tc.login) {
				t.Fatal("cannot sign in")
			}
			if tc.noLogin != "" && canLogin(t, srv.URL, "ann", tc.noLogin) {
				t.Fatal("signed in")
			}
		})
	}
}

// TestServerErrorShowsRequestID: a 5xx whose message lacks the request id
// prints it, so the daemon's log line can be found.
func TestServerErrorShowsRequestID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"error":{"code":"internal","message":"boom","details":[],"request_id":"req-9"}}`))
	}))
	t.Cleanup(srv.Close)
	r := runCLI(t, []string{"PBXAGENT_SERVER=" + srv.URL, "PBXAGENT_TOKEN=" + testToken}, "", "users", "list")
	if r.code != 1 || r.stderr != "pbxagent users list: boom\nrequest id: req-9 (the daemon's log line of the request has the cause)\n" {
		t.Fatalf("%+v", r)
	}
}
