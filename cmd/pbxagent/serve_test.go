package main

import (
	"io"
	"os"
	"path/filepath"
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
// TestServeHelpDescribesEveryKey: serve --help gives every key's flags
// with its meaning, default and environment variable (no "config key X",
// no "\x00" default); the short flags set the same keys and --agi= turns
// FastAGI off.
func TestServeHelpDescribesEveryKey(t *testing.T) {
	var help strings.Builder
	if _, code := serveConfig([]string{"--help"}, &help, nil); code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	out := help.String()
	if strings.Contains(out, "\x00") || strings.Contains(out, "\\x00") || strings.Contains(out, "config key ") {
		t.Errorf("help shows a placeholder:\n%s", out)
	}
	for _, k := range config.Keys() {
		i := strings.Index(out, "  "+strings.Join(k.Flags(), ", ")+" ")
		if i < 0 {
			t.Errorf("help lacks %s", strings.Join(k.Flags(), ", "))
			continue
		}
		entry := out[i:]
		if next := strings.Index(entry[2:], "\n  --"); next >= 0 {
			entry = entry[:next+2]
		}
		meaning := config.PlainText(k.Meaning)
		if len(meaning) > 30 {
			meaning = meaning[:30]
		}
		for _, want := range []string{strings.Fields(meaning)[0], "default " + k.Default + "; env " + k.Env} {
			if !strings.Contains(entry, want) {
				t.Errorf("help of --%s lacks %q:\n%s", k.Path, want, entry)
			}
		}
	}
	cfg, code := serveConfig([]string{"--agi=", "--sync.disabled", "true", "--data", "/tmp/x", "--region", "DE"}, io.Discard, nil)
	if code >= 0 {
		t.Fatalf("exit %d", code)
	}
	if cfg.AGI.Addr != "" || !cfg.Sync.Disabled || cfg.DataDir != "/tmp/x" || cfg.Numbers.DefaultRegion != "DE" {
		t.Errorf("agi.addr %q, sync.disabled %v, data_dir %q, region %q", cfg.AGI.Addr, cfg.Sync.Disabled, cfg.DataDir, cfg.Numbers.DefaultRegion)
	}
}
