package ua

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/sip/media"
)

// testWait bounds every wait of these tests.
const testWait = 10 * time.Second

// transports the two-Agent tests run over.
var testTransports = []string{"udp", "tcp"}

// testLogger discards, or writes debug lines to the test's output when
// UA_TEST_LOG is set.
func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("UA_TEST_LOG") == "" {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testPorts is a media port range for one test's Agents.
func testPorts(t testing.TB) *media.PortRange {
	t.Helper()
	pr, err := media.NewPortRange(40000, 49999)
	if err != nil {
		t.Fatal(err)
	}
	return pr
}

// startAgent runs an Agent on loopback until the test ends (then it
// checks that Run returned cleanly).
func startAgent(t testing.TB, ports *media.PortRange, mutate func(*Config)) *Agent {
	t.Helper()
	cfg := Config{
		ListenAddr:  "127.0.0.1:0",
		Ports:       ports,
		Allow:       []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		RingTimeout: testWait,
		Logger:      testLogger(t),
	}
	if mutate != nil {
		mutate(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	select {
	case <-a.Ready():
	case err := <-done:
		cancel()
		t.Fatalf("Run: %v", err)
	case <-time.After(testWait):
		cancel()
		t.Fatal("agent not ready")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(40 * time.Second):
			t.Errorf("Run did not return")
		}
	})
	return a
}

// target is the Request-URI of user at a over transport.
func target(a *Agent, user, transport string) string {
	addr := a.Addr(transport).String()
	if transport == "tcp" {
		return fmt.Sprintf("sip:%s@%s;transport=tcp", user, addr)
	}
	return fmt.Sprintf("sip:%s@%s", user, addr)
}

// answering is an OnInvite that rings and answers every call, handing
// the calls (or answer errors) over.
type answering struct {
	calls chan *Call
	errs  chan error
	// gate, when set, is waited on between 180 and 200 (the caller
	// closes it once it saw the 180: sipgo hands each received message
	// to its own goroutine, so a 200 sent right after a 180 may overtake
	// it and the 180 is then dropped by the client transaction).
	gate chan struct{}
}

func newAnswering() *answering {
	return &answering{calls: make(chan *Call, 64), errs: make(chan error, 64)}
}

func (h *answering) onInvite(in *Incoming) {
	go func() {
		if err := in.Ringing(); err != nil {
			h.errs <- err
			return
		}
		if h.gate != nil {
			select {
			case <-h.gate:
			case <-time.After(testWait):
			}
		}
		c, err := in.Answer(context.Background())
		if err != nil {
			h.errs <- err
			return
		}
		h.calls <- c
	}()
}

func (h *answering) next(t testing.TB) *Call {
	t.Helper()
	select {
	case c := <-h.calls:
		return c
	case err := <-h.errs:
		t.Fatalf("answer: %v", err)
	case <-time.After(testWait):
		t.Fatal("no call answered")
	}
	return nil
}

// waitDone waits for a call's end.
func waitDone(t testing.TB, c *Call) End {
	t.Helper()
	select {
	case <-c.Done():
		return c.End()
	case <-time.After(testWait):
		t.Fatalf("call %s did not end", c.ID())
	}
	return End{}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(2 * time.Millisecond) // polling with a deadline, not waiting for an event
	}
}

// idle checks an Agent has no call, dialog or media port left.
func idle(t testing.TB, ports *media.PortRange, agents ...*Agent) {
	t.Helper()
	eventually(t, testWait, "no calls, dialogs or media ports left", func() bool {
		for _, a := range agents {
			if a.Calls() != 0 || a.dialogs() != 0 {
				return false
			}
		}
		return ports.InUse() == 0
	})
}

// dialError returns err's *DialError or fails.
func dialError(t testing.TB, err error) *DialError {
	t.Helper()
	var de *DialError
	if !errors.As(err, &de) {
		t.Fatalf("error %v is not a *DialError", err)
	}
	return de
}

func ctxWait(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	t.Cleanup(cancel)
	return ctx
}

// connected places a call between two new Agents over UDP and returns both
// ends; done checks, at the test's end, that both Agents went idle.
func connected(t testing.TB) (out, in *Call, done func()) {
	t.Helper()
	ports := testPorts(t)
	h := newAnswering()
	callee := startAgent(t, ports, func(c *Config) { c.OnInvite = h.onInvite })
	caller := startAgent(t, ports, nil)
	out, err := caller.Dial(ctxWait(t), DialRequest{To: target(callee, "100", "udp")})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	return out, h.next(t), func() { idle(t, ports, caller, callee) }
}
