package jsclient

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// nodeModule finds Node and writes the module generated from the test
// document as pbxagent.mjs in a new folder; it skips the test without Node
// (fails it under CI=true).
func nodeModule(t *testing.T) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is not on PATH")
		}
		t.Skip("node is not on PATH")
	}
	js, _, err := Generate(runtimeDoc(t))
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pbxagent.mjs"), js, 0o600); err != nil {
		t.Fatal(err)
	}
	return node, dir
}

// writeScript writes script as run.mjs beside the module.
func writeScript(t *testing.T, dir, script string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "run.mjs"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
}

// runScript runs run.mjs in Node with url as its argument (with
// WebSocket: enabled on Node 20, where it is still experimental) and
// returns what it printed; a failure names what and Node's stderr.
func runScript(t *testing.T, node, dir, url string, withWebSocket bool, what string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	args := []string{"run.mjs", url}
	if withWebSocket {
		if out, _ := exec.CommandContext(ctx, node, "-e", "process.stdout.write(typeof WebSocket)").Output(); string(out) != "function" {
			args = append([]string{"--experimental-websocket"}, args...) // Node 20
		}
	}
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, stderr.String())
	}
	return stdout.Bytes()
}
