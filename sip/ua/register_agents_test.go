package ua

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// TestRegisterBetweenAgents: two Agents made by New and Run on loopback,
// one with a Registrar (pbxagent), one registering to it (a phone): the
// phone registers, is pinged by OPTIONS, is called by its user name
// through Lookup, and is gone once it unregisters.
func TestRegisterBetweenAgents(t *testing.T) {
	for _, transport := range testTransports {
		t.Run(transport, func(t *testing.T) {
			ports := testPorts(t)
			registrar := NewRegistrar(RegistrarConfig{Realm: "pbxagent",
				Password: passwords(map[string]string{"alice": "s3cret"})})
			pbx := startAgent(t, ports, func(c *Config) { c.Registrar = registrar })
			ans := newAnswering()
			phone := startAgent(t, ports, func(c *Config) { c.OnInvite = ans.onInvite })

			regURI := "sip:" + pbx.Addr(transport).String()
			if transport == "tcp" {
				regURI += ";transport=tcp"
			}
			changes, stop := runRegister(t, phone, Registration{
				Registrar: regURI, AOR: "sip:alice@" + pbx.Addr(transport).String(),
				Username: "alice", Password: "s3cret", Expires: 600 * time.Second,
			})
			if c := recvChange(t, changes); !c.up || c.err != nil {
				t.Fatalf("OnChange(%v, %v), want (true, nil)", c.up, c.err)
			}
			contact, ok := registrar.Lookup("alice")
			if !ok {
				t.Fatal("alice not registered")
			}
			t.Logf("registered %s: Lookup = %s (phone listens on %s)", transport, contact, phone.Addr(transport))
			if want := "sip:" + phone.Addr("udp").String(); transport == "udp" && contact != want {
				t.Errorf("Lookup = %q, want %q: the REGISTER did not leave from the listening socket", contact, want)
			}
			if transport == "tcp" && !strings.Contains(contact, "transport=tcp") {
				t.Errorf("Lookup = %q: a TCP registration without ;transport=tcp", contact)
			}

			// The phone sees the PBX answer its OPTIONS.
			ups := make(chan bool, 4)
			kctx, kcancel := context.WithCancel(context.Background())
			kdone := make(chan error, 1)
			go func() { kdone <- phone.KeepAlive(kctx, regURI, time.Minute, func(up bool) { ups <- up }) }()
			select {
			case up := <-ups:
				if !up {
					t.Fatal("KeepAlive reported the PBX down")
				}
			case <-time.After(testWait):
				t.Fatal("no KeepAlive report")
			}
			kcancel()
			if err := <-kdone; err != nil {
				t.Fatalf("KeepAlive: %v", err)
			}

			// The PBX calls the phone by its user name.
			call, err := pbx.Dial(ctxWait(t), DialRequest{To: "alice", From: "100"})
			if err != nil {
				t.Fatalf("Dial(alice) via %q: %v", contact, err)
			}
			in := ans.next(t)
			if err := call.Hangup(ctxWait(t), 16); err != nil {
				t.Fatalf("Hangup: %v", err)
			}
			waitDone(t, call)
			waitDone(t, in)

			if err := stop(); err != nil {
				t.Fatalf("Register returned %v", err)
			}
			if c := recvChange(t, changes); c.up || c.err != nil {
				t.Fatalf("OnChange(%v, %v) after stop, want (false, nil)", c.up, c.err)
			}
			if got, ok := registrar.Lookup("alice"); ok {
				t.Fatalf("Lookup(alice) = %q after unregistration", got)
			}
			_, err = pbx.Dial(ctxWait(t), DialRequest{To: "alice", From: "100"})
			if de := dialError(t, err); de.Status != 480 {
				t.Fatalf("Dial(alice) unregistered: %d, want 480", de.Status)
			}
			idle(t, ports, pbx, phone)
		})
	}
}

// TestRegistrationLeavesNoGoroutines: Register, KeepAlive and the
// Registrar start no goroutine that outlives them (counted, as goleak
// would, once the peers are closed).
func TestRegistrationLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Run("lifecycle", func(t *testing.T) {
		v := clock.NewVirtual(regStart)
		reg := NewRegistrar(RegistrarConfig{Password: passwords(map[string]string{"alice": "pw"}), Clock: v})
		server := newRegPeer(t, Config{Registrar: reg, Clock: v}, "")
		phone := newRegPeer(t, Config{Clock: v}, "")
		changes, stop := runRegister(t, phone.a, Registration{Registrar: server.uri(""), AOR: server.uri("alice"),
			Username: "alice", Password: "pw"})
		if c := recvChange(t, changes); !c.up {
			t.Fatalf("OnChange(%v, %v)", c.up, c.err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		ups := make(chan bool, 1)
		go func() { done <- phone.a.KeepAlive(ctx, server.uri(""), time.Second, func(up bool) { ups <- up }) }()
		<-ups
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	})
	eventually(t, testWait, "goroutines back to their number before the test", func() bool {
		return runtime.NumGoroutine() <= before
	})
}
