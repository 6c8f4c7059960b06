package main

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/agent"
	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
	"github.com/pbxagent/pbxagent/testlab/contactsvc"
	"github.com/pbxagent/pbxagent/testlab/testdaemon"
)

// startDaemonWith runs an in-process daemon as startDaemon does, with
// mut applied to its configuration, and returns the CLI's environment.
func startDaemonWith(t *testing.T, mut func(*config.Config)) []string {
	t.Helper()
	cfg := testdaemon.Config(t, testToken)
	if mut != nil {
		mut(&cfg)
	}
	d := testdaemon.Start(t, agent.New, cfg, nil)
	return []string{"PBXAGENT_SERVER=http://" + d.HTTPAddr(), "PBXAGENT_TOKEN=" + testToken}
}

// jsonField returns the string at a dotted path of a JSON object.
func jsonField(t *testing.T, out, path string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

func TestPhonesCommands(t *testing.T) {
	env := startDaemonWith(t, nil)
	// A phone's owner is a user (by id or username); the phone is stored with the id.
	user := runCLI(t, env, "", "users", "add", "--username", "alice", "--json")
	if user.code != 0 {
		t.Fatalf("users add: %d %s", user.code, user.stderr)
	}
	aliceID := jsonField(t, user.stdout, "id")
	if aliceID == "" {
		t.Fatalf("users add --json shows no id: %s", user.stdout)
	}
	add := runCLI(t, env, "", "phones", "add", "--mac", "00:15:65:4A:A9:37", "--vendor", "yealink", "--model", "T46U", "--owner", "alice", "--json")
	if add.code != 0 {
		t.Fatalf("add: %d %s", add.code, add.stderr)
	}
	token := jsonField(t, add.stdout, "token")
	if token == "" {
		t.Fatalf("add --json shows no token: %s", add.stdout)
	}
	var rotated string
	runSteps(t, env, []step{
		{name: "add prints the token once", args: []string{"phones", "add", "--mac", "0002fdff2103", "--vendor", "cisco", "--username", "bob-phone", "--password", "long-secret-pw"},
			stdout: []string{"registered 0002fdff2103", "Token:", "shown only now"}},
		{name: "list", args: []string{"phones", "list"},
			stdout: []string{"MAC", "VENDOR", "0015654aa937", "yealink", "T46U", aliceID, "token", "0002fdff2103", "user bob-phone"}},
		{name: "list json", args: []string{"phones", "list", "--json"}, checkJSON: func(t *testing.T, out string) {
			var v struct{ Phones []struct{ MAC, Token string } }
			if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Phones) != 2 || v.Phones[0].Token != "" || v.Phones[1].Token != "" {
				t.Errorf("list --json: %v %s", err, out)
			}
		}},
		{name: "show", args: []string{"phones", "show", "00-15-65-4a-a9-37"}, stdout: []string{"MAC:", "0015654aa937", "Files:", "0015654aa937.cfg"}, notStdout: []string{token}},
		{name: "edit", args: []string{"phones", "edit", "0015654aa937", "--model", "T57W"}, stdout: []string{"updated 0015654aa937"}},
		{name: "edit shows", args: []string{"phones", "show", "0015654aa937", "--json"}, checkJSON: func(t *testing.T, out string) {
			if jsonField(t, out, "model") != "T57W" {
				t.Errorf("model not changed: %s", out)
			}
		}},
		{name: "edit password from stdin", args: []string{"phones", "edit", "0015654aa937", "--username", "alice-t46u", "--password-stdin"},
			stdin: "phone-secret-from-stdin\n", stdout: []string{"updated 0015654aa937"}},
		{name: "password set", args: []string{"phones", "show", "0015654aa937"}, stdout: []string{"Username:", "alice-t46u", "Password:", "set"}},
		{name: "edit nothing", args: []string{"phones", "edit", "0015654aa937"}, code: 2, stderr: []string{"nothing to change"}},
		{name: "add without vendor", args: []string{"phones", "add", "--mac", "001122334455"}, code: 2, stderr: []string{"--mac and --vendor are required"}},
		{name: "add refused names the field", args: []string{"phones", "add", "--mac", "001122334455", "--vendor", "nokia"}, code: 1,
			stderr: []string{"pbxagent phones add:", "vendor"}},
		{name: "show unknown", args: []string{"phones", "show", "001122334455"}, code: 1, stderr: []string{"pbxagent phones show:"}},
		{name: "rotate", args: []string{"phones", "rotate-token", "0015654aa937", "--json"}, checkJSON: func(t *testing.T, out string) {
			rotated = jsonField(t, out, "token")
			if rotated == "" || rotated == token {
				t.Errorf("rotate-token: %s", out)
			}
		}},
		{name: "endpoints", args: []string{"phones", "edit", "0002fdff2103", "--endpoints", "PJSIP/101,pjsip/102"}, stdout: []string{"updated 0002fdff2103"}},
		{name: "endpoints shown", args: []string{"phones", "show", "0002fdff2103"}, stdout: []string{"Endpoints:", "PJSIP/101, PJSIP/102"}},
		{name: "endpoints taken", args: []string{"phones", "edit", "0015654aa937", "--endpoints", "PJSIP/102"}, code: 1, stderr: []string{"endpoints[0]"}},
		{name: "endpoints cleared", args: []string{"phones", "edit", "0002fdff2103", "--endpoints", ""}, stdout: []string{"updated 0002fdff2103"}},
		{name: "endpoints gone", args: []string{"phones", "show", "0002fdff2103", "--json"}, checkJSON: func(t *testing.T, out string) {
			if !strings.Contains(out, `"endpoints": []`) && !strings.Contains(out, `"endpoints":[]`) {
				t.Errorf("endpoints not cleared: %s", out)
			}
		}},
		{name: "delete needs a terminal or --yes", args: []string{"phones", "delete", "0002fdff2103"}, code: 2, stderr: []string{"pass --yes"}},
		{name: "delete", args: []string{"phones", "delete", "0002fdff2103", "--yes"}, stdout: []string{"deleted 0002fdff2103"}},
		{name: "deleted", args: []string{"phones", "list"}, notStdout: []string{"0002fdff2103"}},
	})
}

func TestSourcesCommands(t *testing.T) {
	svc := contactsvc.New(contactsvc.Options{})
	for i := 0; i < 3; i++ {
		svc.Put(contactsvc.Synthetic(i, ""))
	}
	remote := httptest.NewServer(svc)
	defer remote.Close()
	env := startDaemonWith(t, nil)
	custom := []string{"--type", "custom", "--set", "settings.url=" + remote.URL, "--set", "settings.client_id=test_id"}
	runSteps(t, env, []step{
		{name: "test unsaved", args: append([]string{"sources", "test", "--set", "settings.client_secret=test_secret"}, custom...),
			stdout: []string{"EXTERNAL ID", "NUMBERS", "100000", "First0 Last0", "work:+387610000000"}},
		{name: "test unsaved wrong secret", args: append([]string{"sources", "test", "--set", "settings.client_secret=wrong"}, custom...), code: 1,
			stderr: []string{"the source refused the credentials", "settings.client_secret"}},
		{name: "test unreachable", args: []string{"sources", "test", "--type", "custom", "--set", "settings.url=http://" + freeAddr(t),
			"--set", "settings.client_id=a", "--set", "settings.client_secret=b"}, code: 1, stderr: []string{"cannot reach", "connection refused"}},
		{name: "add", args: append([]string{"sources", "add", "--name", "crm", "--set", "settings.client_secret=test_secret", "--interval-hours", "12", "--enabled=false"}, custom...),
			stdout: []string{"created ", "  crm"}},
		{name: "add refused names the field", args: []string{"sources", "add", "--type", "custom", "--name", "x"}, code: 1,
			stderr: []string{"pbxagent sources add:", "settings"}},
		{name: "list", args: []string{"sources", "list"}, stdout: []string{"NAME", "TYPE", "crm", "custom"}},
		{name: "show by name", args: []string{"sources", "show", "crm"}, stdout: []string{"Name:", "crm", "Interval:", "12 h", "Secrets set:", "client_secret"},
			notStdout: []string{"test_secret"}},
		{name: "test stored", args: []string{"sources", "test", "crm", "--json"}, checkJSON: func(t *testing.T, out string) {
			var v struct{ Contacts []map[string]any }
			if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Contacts) != 3 || v.Contacts[0]["id"] != nil {
				t.Errorf("test --json: %v %s", err, out)
			}
		}},
		{name: "sync and wait", args: []string{"sources", "sync", "crm", "--wait"}, stdout: []string{"RESULT", "full", "manual", "ok"}},
		{name: "runs", args: []string{"sources", "runs", "crm"}, stdout: []string{"STARTED", "manual", "ok", "3"}},
		{name: "edit", args: []string{"sources", "edit", "crm", "--interval-hours", "6"}, stdout: []string{"updated", "crm"}},
		{name: "edit shows", args: []string{"sources", "show", "crm", "--json"}, checkJSON: func(t *testing.T, out string) {
			var v struct {
				Enabled       bool
				IntervalHours float64 `json:"interval_hours"`
			}
			if err := json.Unmarshal([]byte(out), &v); err != nil || v.Enabled || v.IntervalHours != 6 {
				t.Errorf("after edit: %v %s", err, out)
			}
		}},
		{name: "erase needs --yes", args: []string{"sources", "erase", "crm"}, code: 2, stderr: []string{"pass --yes"}},
		{name: "erase", args: []string{"sources", "erase", "crm", "--yes"}, stdout: []string{"erased crm: 3 contacts deleted"}},
		{name: "unknown", args: []string{"sources", "show", "crm"}, code: 1, stderr: []string{"pbxagent sources show:"}},
	})
}

func TestCampaignsCommands(t *testing.T) {
	_, url := fakeari.StartTest(t, fakeari.WithAuth("asterisk", "secret"))
	env := startDaemonWith(t, func(c *config.Config) { c.ARI.URL, c.ARI.User, c.ARI.Pass = url, "asterisk", "secret" })
	leads := writeFile(t, "leads.csv", "number,name\n061100004,Ana\n+38761100005,Bo\n")
	bad := writeFile(t, "bad.csv", "number,name\n061100004,Ana\nnope,Bo\n")
	runSteps(t, env, []step{
		{name: "create", args: []string{"campaigns", "create", "--id", "spring", "--mode", "progressive", "--set", "max_channels=5",
			"--set", "info_message=sound:info", "--set", "window.default_tz=Europe/Sarajevo"}, stdout: []string{"created campaign spring (progressive)"}},
		{name: "create refused", args: []string{"campaigns", "create", "--id", "x", "--mode", "sideways"}, code: 1, stderr: []string{"pbxagent campaigns create:"}},
		{name: "list", args: []string{"campaigns", "list"}, stdout: []string{"ID", "MODE", "STATE", "spring", "progressive"}},
		{name: "edit", args: []string{"campaigns", "edit", "spring", "--name", "Spring sale"}, stdout: []string{"updated campaign spring"}},
		{name: "show", args: []string{"campaigns", "show", "spring"}, stdout: []string{"Name:", "Spring sale", "Max channels:", "5", "Europe/Sarajevo"}},
		{name: "leads with a bad line", args: []string{"campaigns", "leads", "upload", "spring", bad}, code: 1, stderr: []string{"line 3"}},
		{name: "leads", args: []string{"campaigns", "leads", "upload", "spring", leads}, stdout: []string{"2 leads added to spring"}},
		{name: "stats", args: []string{"campaigns", "stats", "spring", "--json"}, checkJSON: func(t *testing.T, out string) {
			var v struct {
				ID       string `json:"id"`
				LeadsDue int    `json:"leads_due"`
			}
			if err := json.Unmarshal([]byte(out), &v); err != nil || v.ID != "spring" || v.LeadsDue != 2 {
				t.Errorf("stats --json: %v %s", err, out)
			}
		}},
		{name: "start", args: []string{"campaigns", "start", "spring"}, stdout: []string{"campaign spring: running"}},
		{name: "pause", args: []string{"campaigns", "pause", "spring"}, stdout: []string{"campaign spring: paused"}},
		{name: "stop", args: []string{"campaigns", "stop", "spring"}, stdout: []string{"campaign spring: stopped"}},
		{name: "agents", args: []string{"campaigns", "agents", "--json"}, stdout: []string{`"agents": []`}},
		{name: "unknown", args: []string{"campaigns", "stats", "autumn"}, code: 1, stderr: []string{"pbxagent campaigns stats:"}},
		{name: "leads usage", args: []string{"campaigns", "leads", "frob"}, code: 2, stderr: []string{"upload ID FILE.csv", "delete ID LEAD"}},
		{name: "leads list", args: []string{"campaigns", "leads", "list", "spring"}, stdout: []string{"LEAD", "NUMBER", "+38761100004", "Ana", "+38761100005", "Bo"}},
		{name: "lead delete needs --yes", args: []string{"campaigns", "leads", "delete", "spring", "1"}, code: 2, stderr: []string{"pass --yes"}},
		{name: "lead delete needs a lead", args: []string{"campaigns", "leads", "delete", "spring", "--yes"}, code: 2, stderr: []string{"--all"}},
		{name: "lead delete: one or all", args: []string{"campaigns", "leads", "delete", "spring", "1", "--all", "--yes"}, code: 2, stderr: []string{"not both"}},
	})
	// The lead of +38761100004, by its id in the list.
	list := runCLI(t, env, "", "campaigns", "leads", "list", "spring", "--json")
	var page struct {
		Leads []struct{ ID, Number string } `json:"leads"`
	}
	if err := json.Unmarshal([]byte(list.stdout), &page); err != nil || len(page.Leads) != 2 {
		t.Fatalf("leads list --json: %v %s", err, list.stdout)
	}
	lead := page.Leads[0].ID
	if page.Leads[1].Number == "+38761100004" {
		lead = page.Leads[1].ID
	}
	runSteps(t, env, []step{
		{name: "lead delete", args: []string{"campaigns", "leads", "delete", "spring", lead, "--yes"}, stdout: []string{"deleted lead " + lead + " of spring"}},
		{name: "one lead left", args: []string{"campaigns", "leads", "list", "spring", "--json"}, checkJSON: func(t *testing.T, out string) {
			var v struct {
				Total int              `json:"total"`
				Leads []map[string]any `json:"leads"`
			}
			if err := json.Unmarshal([]byte(out), &v); err != nil || v.Total != 1 || len(v.Leads) != 1 || v.Leads[0]["number"] != "+38761100005" {
				t.Errorf("leads after delete: %v %s", err, out)
			}
		}},
		{name: "leads delete --all", args: []string{"campaigns", "leads", "delete", "spring", "--all", "--yes", "--json"}, stdout: []string{`"deleted": 1`}},
		{name: "no leads left", args: []string{"campaigns", "leads", "list", "spring", "--json"}, stdout: []string{`"total": 0`}},
		{name: "dnc add national in the default region", args: []string{"campaigns", "dnc", "add", "061100004", "+38761100006"}, stdout: []string{"2 added to the do-not-call list; it holds 2"}},
		{name: "dnc add in a region", args: []string{"campaigns", "dnc", "add", "--region", "gb", "02071234002", "--json"}, checkJSON: func(t *testing.T, out string) {
			var v struct{ Added, Listed int }
			if err := json.Unmarshal([]byte(out), &v); err != nil || v.Added != 1 || v.Listed != 3 {
				t.Errorf("dnc add --json: %v %s", err, out)
			}
		}},
		{name: "dnc add refused names the number", args: []string{"campaigns", "dnc", "add", "banana"}, code: 1, stderr: []string{"pbxagent campaigns dnc add:", "numbers[0]"}},
		{name: "dnc list", args: []string{"campaigns", "dnc", "list"}, stdout: []string{"NUMBER", "ADDED", "+38761100004", "+38761100006", "+442071234002"}},
		{name: "dnc list digits", args: []string{"campaigns", "dnc", "list", "61100", "--json"}, checkJSON: func(t *testing.T, out string) {
			var v struct {
				Total   int `json:"total"`
				Numbers []struct {
					Number string `json:"number"`
				} `json:"numbers"`
			}
			if err := json.Unmarshal([]byte(out), &v); err != nil || v.Total != 2 || v.Numbers[0].Number != "+38761100004" {
				t.Errorf("dnc list 61100: %v %s", err, out)
			}
		}},
		{name: "dnc remove needs --yes", args: []string{"campaigns", "dnc", "remove", "061100004"}, code: 2, stderr: []string{"pass --yes"}},
		{name: "dnc remove national", args: []string{"campaigns", "dnc", "remove", "061100004", "--yes"}, stdout: []string{"removed 061100004"}},
		{name: "dnc remove not listed", args: []string{"campaigns", "dnc", "remove", "+38761100004", "--yes"}, code: 1, stderr: []string{"not on the do-not-call list"}},
		{name: "dnc after remove", args: []string{"campaigns", "dnc", "list"}, stdout: []string{"+38761100006"}, notStdout: []string{"+38761100004"}},
		{name: "delete needs --yes", args: []string{"campaigns", "delete", "spring"}, code: 2, stderr: []string{"pass --yes"}},
		{name: "delete", args: []string{"campaigns", "delete", "spring", "--yes"}, stdout: []string{"deleted campaign spring"}},
		{name: "deleted", args: []string{"campaigns", "show", "spring"}, code: 1, stderr: []string{"pbxagent campaigns show:"}},
	})
}

func TestAppsCommands(t *testing.T) {
	env := startDaemonWith(t, nil)
	create := runCLI(t, env, "", "apps", "create", "--name", "CRM", "--redirect-uri", "https://crm.example.com/cb", "--scope", "contacts:read", "--json")
	if create.code != 0 {
		t.Fatalf("create: %d %s", create.code, create.stderr)
	}
	id, secret := jsonField(t, create.stdout, "client_id"), jsonField(t, create.stdout, "client_secret")
	if id == "" || secret == "" {
		t.Fatalf("create --json: %s", create.stdout)
	}
	runSteps(t, env, []step{
		{name: "create prints the secret once", args: []string{"apps", "create", "--name", "ERP", "--redirect-uri", "https://erp.example.com/cb", "--scope", "contacts:read"},
			stdout: []string{"created app", "Client secret:", "shown only now"}},
		{name: "create refused", args: []string{"apps", "create", "--name", "Bad", "--redirect-uri", "not a url", "--scope", "contacts:read"}, code: 1, stderr: []string{"pbxagent apps create:", "redirect_uris"}},
		{name: "list", args: []string{"apps", "list"}, stdout: []string{"CLIENT ID", id, "CRM", "confidential", "contacts:read"}, notStdout: []string{secret}},
		{name: "show", args: []string{"apps", "show", id}, stdout: []string{"Client ID:", id, "Redirect URIs:", "https://crm.example.com/cb", "Secret:"}, notStdout: []string{secret}},
		{name: "edit", args: []string{"apps", "edit", id, "--name", "CRM 2"}, stdout: []string{"updated app " + id}},
		{name: "rotate", args: []string{"apps", "rotate-secret", id}, stdout: []string{"new secret for " + id}, notStdout: []string{secret}},
		{name: "cors add", args: []string{"apps", "cors", "add", "https://crm.example.com"}, stdout: []string{"allowed https://crm.example.com"}},
		{name: "cors list", args: []string{"apps", "cors", "list"}, stdout: []string{"ORIGIN", "https://crm.example.com", "api"}},
		{name: "cors add refused", args: []string{"apps", "cors", "add", "*"}, code: 1, stderr: []string{"pbxagent apps cors add:"}},
		{name: "cors remove", args: []string{"apps", "cors", "remove", "https://crm.example.com"}, stdout: []string{"removed https://crm.example.com"}},
		{name: "cors empty", args: []string{"apps", "cors", "list", "--json"}, notStdout: []string{"crm.example.com"}},
		{name: "delete", args: []string{"apps", "delete", id, "--yes"}, stdout: []string{"deleted app " + id}},
		{name: "deleted", args: []string{"apps", "show", id}, code: 1, stderr: []string{"pbxagent apps show:"}},
	})
}
