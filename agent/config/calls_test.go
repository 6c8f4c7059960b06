package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCallsSection: the calls engine's ring keys sit in the calls section
// beside history_retention (calls.Config inlined): from the file, the
// environment and Set, validated by the calls package.
func TestCallsSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pbxagent.yaml")
	yml := "calls:\n  history_retention: 1h\n  ring_strategy: sequential\n  ring_device_timeout: 12s\n"
	if err := os.WriteFile(path, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path, []string{"PBXAGENT_CALLS_RING_TIMEOUT=45s"})
	if err != nil {
		t.Fatal(err)
	}
	got := c.Calls
	if got.HistoryRetention != time.Hour || got.RingStrategy != "sequential" || got.RingDeviceTimeout != 12*time.Second ||
		got.RingTimeout != 45*time.Second || got.NoAnswerLabel != "noanswer" || got.LookupTimeout != 200*time.Millisecond {
		t.Fatalf("calls section %+v", got)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := c.Set("calls.ring_strategy", "random"); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "calls.ring_strategy") {
		t.Fatalf("Validate: %v, want an error naming calls.ring_strategy", err)
	}
}
