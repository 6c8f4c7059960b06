package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/config"
)

// TestServeConfigPrecedence: every key has a --<path> flag; a flag beats
// the environment, which beats the file, which beats the default; the
// short flags are the same keys; a bad flag value names its key.
func TestServeConfigPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pbxagent.yaml")
	if err := os.WriteFile(file, []byte("store:\n  memory_mb: 64\ncallerid:\n  deadline: 50ms\nphones:\n  refresh_minutes: 30\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"PBXAGENT_CALLERID_DEADLINE=70ms", "PBXAGENT_PHONES_REFRESH_MINUTES=45"}
	args := []string{"--config", file, "--phones.refresh_minutes", "90", "--callerid.allow", "10.0.0.0/8,192.168.0.0/16",
		"--http", "127.0.0.1:9999", "--numbers.default_region=DE"}
	cfg, code := serveConfig(args, io.Discard, env)
	if code >= 0 {
		t.Fatalf("exit %d", code)
	}
	switch {
	case cfg.Store.MemoryMB != 64:
		t.Errorf("store.memory_mb %d, want 64 from the file", cfg.Store.MemoryMB)
	case cfg.CallerID.Deadline != 70*time.Millisecond:
		t.Errorf("callerid.deadline %s, want 70ms from the environment", cfg.CallerID.Deadline)
	case cfg.Phones.RefreshMinutes != 90:
		t.Errorf("phones.refresh_minutes %d, want 90 from the flag", cfg.Phones.RefreshMinutes)
	case strings.Join(cfg.CallerID.Allow, " ") != "10.0.0.0/8 192.168.0.0/16":
		t.Errorf("callerid.allow %q", cfg.CallerID.Allow)
	case cfg.HTTP.Addr != "127.0.0.1:9999" || cfg.Numbers.DefaultRegion != "DE":
		t.Errorf("http.addr %q, numbers.default_region %q", cfg.HTTP.Addr, cfg.Numbers.DefaultRegion)
	}
	var errs strings.Builder
	if _, code := serveConfig([]string{"--store.memory_mb", "lots"}, &errs, nil); code != 2 || !strings.Contains(errs.String(), "store.memory_mb") {
		t.Errorf("bad value: exit %d, %q", code, errs.String())
	}
	errs.Reset()
	if _, code := serveConfig([]string{"--store.memory_mb", "8"}, &errs, nil); code != 2 || !strings.Contains(errs.String(), "store.memory_mb") {
		t.Errorf("too small: exit %d, %q", code, errs.String())
	}
}

// TestConfigurationDocumented: docs/configuration.md has a row for every
// key, with its environment variable and its flag.
func TestConfigurationDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, k := range config.Keys() {
		row := regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(k.Path) + "` \\|.*$").FindString(doc)
		if row == "" {
			t.Errorf("docs/configuration.md: no row for %s", k.Path)
			continue
		}
		if !strings.Contains(row, "`"+k.Env+"`") || !strings.Contains(row, "`--"+k.Path+"`") {
			t.Errorf("docs/configuration.md: the %s row lacks `%s` or `--%s`", k.Path, k.Env, k.Path)
		}
	}
}
