package sipp

import (
	"os"
	"testing"
)

// Require skips t when sipp is missing, but fails it under CI=true (where .ci/run installs the
// Debian package sip-tester).
func Require(t testing.TB) {
	t.Helper()
	if _, err := Binary(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
}
