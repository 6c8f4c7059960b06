// Package testdaemon runs the whole pbxagent daemon in-process for the
// tests of other packages (the CLI's, the browser's): a fresh data
// directory, HTTP on a loopback port the kernel chooses, and a stop when
// the test ends.
package testdaemon

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/pbxagent/pbxagent/agent"
	"github.com/pbxagent/pbxagent/agent/config"
)

// Config is the tests' configuration: a fresh data directory, HTTP on
// 127.0.0.1 with a port the kernel chooses, AGI off, region BA and
// adminToken.
func Config(t testing.TB, adminToken string) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = t.TempDir()
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.AGI.Addr = ""
	cfg.Numbers.DefaultRegion = "BA"
	cfg.AdminToken = adminToken
	return cfg
}

// Start starts a daemon with Config, changed by mut when not nil, logging
// nowhere; it stops when the test ends. The daemon's base URL is
// "http://" + d.HTTPAddr().
func Start(t testing.TB, adminToken string, mut func(*config.Config)) *agent.Daemon {
	t.Helper()
	cfg := Config(t, adminToken)
	if mut != nil {
		mut(&cfg)
	}
	d, err := agent.New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Stop(context.Background()); err != nil {
			t.Errorf("stop the daemon: %v", err)
		}
	})
	return d
}
