// Package proc runs a throwaway server process (Radicale, Xandikos) for a
// test or benchmark: its output kept for failure messages, killed on the
// test's cleanup, and returned once it answers; and the CPU time of a
// process, for benchmarks that measure a peer beside their own process.
package proc

import (
	"os/exec"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/logbuf"
)

// ReadyWithin bounds the wait for a started process to answer.
const ReadyWithin = 20 * time.Second

// Proc is a running process started by Start.
type Proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	log  *logbuf.Buffer
}

// Start starts cmd for tb with its stdout and stderr collected (Log),
// kills it on tb.Cleanup, and polls ready until it answers nil. It fails
// tb, naming name and with what the process printed, when the process
// cannot start, exits first, or is not ready within ReadyWithin.
func Start(tb testing.TB, name string, cmd *exec.Cmd, ready func() error) *Proc {
	tb.Helper()
	p := &Proc{cmd: cmd, done: make(chan struct{}), log: &logbuf.Buffer{}}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	deadline := time.Now().Add(ReadyWithin)
	for {
		select {
		case <-p.done:
			tb.Fatalf("%s exited at start: %s", name, p.log.String())
		default:
		}
		err := ready()
		if err == nil {
			return p
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s was not ready within %v: %v: %s", name, ReadyWithin, err, p.log.String())
		}
		time.Sleep(50 * time.Millisecond) // polling with a deadline
	}
}

// Log returns what the process printed so far.
func (p *Proc) Log() string { return p.log.String() }
