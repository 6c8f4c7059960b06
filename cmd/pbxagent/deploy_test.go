package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestSystemdUnit: deploy/pbxagent.service starts serve with flags serve
// accepts (on the example configuration), keeps its hardening, and
// reloads with SIGHUP.
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "pbxagent.service"))
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	exec := regexp.MustCompile(`(?m)^ExecStart=/usr/local/bin/pbxagent serve (.*)$`).FindStringSubmatch(unit)
	if exec == nil {
		t.Fatal("no ExecStart running pbxagent serve")
	}
	args := strings.Fields(exec[1])
	for i, a := range args {
		if a == "/etc/pbxagent/pbxagent.yaml" {
			args[i] = filepath.Join("..", "..", "deploy", "pbxagent.yaml")
		}
	}
	cfg, code := serveConfig(args, io.Discard, nil)
	if code >= 0 {
		t.Fatalf("serve refuses the unit's flags %q: exit %d", exec[1], code)
	}
	if cfg.DataDir != "/var/lib/pbxagent" || !strings.Contains(unit, "ReadWritePaths=/var/lib/pbxagent\n") {
		t.Errorf("data_dir %q is not the unit's only writable path", cfg.DataDir)
	}
	for _, want := range []string{
		"User=pbxagent\n", "NoNewPrivileges=yes\n", "ProtectSystem=strict\n", "ProtectHome=yes\n", "PrivateTmp=yes\n",
		"CapabilityBoundingSet=\n", "Restart=on-failure\n", "ExecReload=/bin/kill -HUP $MAINPID\n",
	} {
		if !strings.Contains(unit, "\n"+want) {
			t.Errorf("unit lacks %q", strings.TrimSpace(want))
		}
	}
}
