package sipp

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pbxagent/pbxagent/agent/callerid"
	pbxsip "github.com/pbxagent/pbxagent/sip"
	"github.com/pbxagent/pbxagent/testlab/callertest"
)

// requireSIPp skips without sipp, but fails in CI (CI=true), where .ci/run installs it.
func requireSIPp(t testing.TB) {
	t.Helper()
	if _, err := Binary(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true: %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// sipTimeouts reads pbxagent's count of SIP lookups abandoned at the deadline.
func sipTimeouts(t testing.TB, reg *prometheus.Registry) int {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "pbxagent_callerid_timeouts_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "proto" && l.GetValue() == "sip" {
					return int(m.GetCounter().GetValue())
				}
			}
		}
	}
	return 0
}

// startPbxagent serves pbxagent's caller-ID redirect server over fix on loopback UDP and TCP
// (the same port number) until the test ends; its metrics go to reg when non-nil.
func startPbxagent(t testing.TB, dir callerid.Directory, reg *prometheus.Registry, svcOpts []callerid.Option, sipOpts ...pbxsip.Option) string {
	t.Helper()
	base := []callerid.Option{callerid.WithLogger(quiet())}
	if reg != nil {
		base = append(base, callerid.WithRegisterer(reg))
	}
	svc, err := callerid.New(dir, append(base, svcOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := pbxsip.NewRedirectServer(svc.SIPResolver(), append([]pbxsip.Option{pbxsip.WithLogger(quiet())}, sipOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	var pc net.PacketConn
	var ln net.Listener
	for i := 0; ; i++ { // find a port free on both UDP and TCP
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		if i == 20 {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, pc, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("redirect server: %v", err)
		}
	})
	return pc.LocalAddr().String()
}

func smallFixture(t testing.TB) *callertest.Fixture {
	t.Helper()
	f, err := callertest.Open(context.Background(), "", 2000)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
