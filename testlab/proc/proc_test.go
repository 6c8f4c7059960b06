package proc_test

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/proc"
)

// TestStartPollsUntilReady: Start returns once ready answers nil, the
// process's output is in Log, and the process is killed on cleanup.
func TestStartPollsUntilReady(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skipf("skipping: no sh: %v", err)
	}
	cmd := exec.Command(sh, "-c", "echo started; exec sleep 60")
	var polls int
	t.Run("start", func(t *testing.T) {
		p := proc.Start(t, "sleeper", cmd, func() error {
			polls++
			if polls < 3 {
				return exec.ErrNotFound
			}
			return nil
		})
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(p.Log(), "started") {
			if time.Now().After(deadline) {
				t.Fatalf("log %q, want the process's output", p.Log())
			}
			time.Sleep(10 * time.Millisecond) // polling with a deadline
		}
	})
	if polls != 3 {
		t.Errorf("ready was polled %d times, want 3", polls)
	}
	if cmd.ProcessState == nil || cmd.ProcessState.Success() {
		t.Errorf("after the cleanup the process state is %v, want killed", cmd.ProcessState)
	}
}
