package ua

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// sippBinary returns SIPp's path, or skips (fails when CI=true: a CI
// machine must have it).
func sippBinary(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("sipp")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("sipp not found: install the Debian package sip-tester")
		}
		t.Skip("sipp not found: install the Debian package sip-tester (apt-get install -y sip-tester) to run this test")
	}
	return p
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// TestSIPpInterop runs SIPp's built-in scenarios against an Agent: its uac
// calling the Agent (INVITE, 200 with our SDP answer, ACK, BYE), and the
// Agent calling its uas.
func TestSIPpInterop(t *testing.T) {
	bin := sippBinary(t)
	t.Run("sipp calls the agent", func(t *testing.T) {
		ports := testPorts(t)
		h := newAnswering()
		a := startAgent(t, ports, func(c *Config) { c.OnInvite = h.onInvite })
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "-sn", "uac", a.Addr("udp").String(), "-s", "100", "-m", "3",
			"-i", "127.0.0.1", "-p", strconv.Itoa(freeUDPPort(t)), "-timeout", "15", "-nostdin", "-trace_err")
		cmd.Dir = t.TempDir()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("sipp uac failed: %v\n%s", err, tail(out))
		}
		for range 3 {
			c := h.next(t)
			if e := waitDone(t, c); !e.ByRemote || e.Cause != 16 {
				t.Errorf("End = %+v, want SIPp's BYE", e)
			}
		}
		idle(t, ports, a)
	})
	t.Run("the agent calls sipp", func(t *testing.T) {
		ports := testPorts(t)
		a := startAgent(t, ports, nil)
		port := freeUDPPort(t)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "-sn", "uas", "-i", "127.0.0.1", "-p", strconv.Itoa(port), "-m", "1",
			"-nostdin", "-trace_err")
		cmd.Dir = t.TempDir()
		done := make(chan error, 1)
		var out []byte
		go func() {
			var err error
			out, err = cmd.CombinedOutput()
			done <- err
		}()
		var c *Call
		// SIPp binds its port a moment after it starts: retry while
		// nothing answers there yet (ICMP port unreachable ends the
		// INVITE's transaction at once on loopback only sometimes, so
		// each attempt is bounded).
		deadline := time.Now().Add(10 * time.Second)
		for {
			dctx, dcancel := context.WithTimeout(ctx, time.Second)
			var err error
			c, err = a.Dial(dctx, DialRequest{To: fmt.Sprintf("sip:service@127.0.0.1:%d", port)})
			dcancel()
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("Dial SIPp: %v", err)
			}
		}
		if err := c.Hangup(ctxWait(t), 16); err != nil {
			t.Fatalf("Hangup: %v", err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("sipp uas: %v\n%s", err, tail(out))
			}
		case <-time.After(testWait):
			t.Error("sipp uas did not end after its call")
		}
		idle(t, ports, a)
	})
}

// tail is the end of a command's output.
func tail(b []byte) []byte {
	if len(b) > 2000 {
		return b[len(b)-2000:]
	}
	return b
}
