// Package testdaemon runs the whole pbxagent daemon in-process for tests:
// a fresh data directory, HTTP on a loopback port the kernel chooses, and
// a stop when the test ends. It does not import package agent (the daemon
// comes from the constructor given, agent.New), so agent's own tests use
// it too.
package testdaemon

import (
	"context"
	"io"
	"log/slog"
	"testing"

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

// Daemon is what Start runs: agent's *Daemon.
type Daemon interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// Start makes a daemon with newDaemon (agent.New) on cfg, logging to log
// (nil: nowhere), starts it and stops it when the test ends; it fails the
// test when the daemon cannot be made or started.
func Start[D Daemon](t testing.TB, newDaemon func(context.Context, config.Config, *slog.Logger) (D, error), cfg config.Config, log *slog.Logger) D {
	t.Helper()
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d, err := newDaemon(context.Background(), cfg, log)
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
