package agent

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/pbxagent/pbxagent/agent/config"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// TestTokenNotLostWhenStartFails: a first start that fails after the admin
// token was generated leaves no token file, so the next start generates
// one again and reports it (cmd/pbxagent prints the path only then).
func TestTokenNotLostWhenStartFails(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tt := range []struct {
		name    string
		breakIt func(t *testing.T, cfg *config.Config) (undo func())
	}{
		{"store locked by another process", func(t *testing.T, cfg *config.Config) func() {
			norm, err := number.New(number.Config{})
			if err != nil {
				t.Fatal(err)
			}
			s, err := phonebook.Open(context.Background(), phonebook.Options{Dir: filepath.Join(cfg.DataDir, "badger"), Numbering: number.Numbering{Normalizer: norm}, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			return func() { _ = s.Close() }
		}},
		{"bad phones.group_by", func(t *testing.T, cfg *config.Config) func() {
			good := cfg.Phones.GroupBy
			cfg.Phones.GroupBy = "no-such-field"
			return func() { cfg.Phones.GroupBy = good }
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			cfg.HTTP.Addr = "127.0.0.1:0"
			cfg.AGI.Addr = ""
			undo := tt.breakIt(t, &cfg)
			if _, err := New(context.Background(), cfg, quiet); err == nil {
				t.Fatal("New succeeded; the test's breakage did not break it")
			}
			tokenPath := filepath.Join(cfg.DataDir, AdminTokenFile)
			if _, err := os.Stat(tokenPath); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("token file after a failed start: %v", err)
			}
			undo()
			d, err := New(context.Background(), cfg, quiet)
			if err != nil {
				t.Fatal(err)
			}
			defer d.store.Close()
			if !d.TokenCreated || d.TokenPath != tokenPath {
				t.Fatalf("second start: created %v path %q, want a new token at %s", d.TokenCreated, d.TokenPath, tokenPath)
			}
		})
	}
}
