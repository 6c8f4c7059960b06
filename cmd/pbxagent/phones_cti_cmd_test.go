package main

import (
	"strings"
	"testing"
)

// TestPhonesCTICommand: the command reaches POST /api/v1/phones/{mac}/cti
// and shows the API's refusals (no address yet, unknown action) on stderr.
func TestPhonesCTICommand(t *testing.T) {
	env := startDaemonWith(t, nil)
	if add := runCLI(t, env, "", "phones", "add", "--mac", "00:15:65:4A:A9:37", "--vendor", "yealink"); add.code != 0 {
		t.Fatalf("add: %d %s", add.code, add.stderr)
	}
	runSteps(t, env, []step{
		{name: "before any fetch", args: []string{"phones", "cti", "0015654aa937", "answer"}, code: 1,
			stderr: []string{"pbxagent phones cti:", "address is not known"}},
		{name: "unknown action", args: []string{"phones", "cti", "0015654aa937", "transfer", "--json"}, code: 1,
			stderr: []string{"action", "answer, hangup, hold, dtmf, dial"}},
		{name: "needs an action", args: []string{"phones", "cti", "0015654aa937"}, code: 2},
		{name: "shown in the phone", args: []string{"phones", "show", "0015654aa937", "--json"}, checkJSON: func(t *testing.T, out string) {
			if !strings.Contains(strings.Join(strings.Fields(out), ""), `"cti":{"capabilities":["answer","hangup","hold"]}`) {
				t.Errorf("cti in show --json: %s", out)
			}
		}},
	})
}
