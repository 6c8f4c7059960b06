package sipp

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"

	"github.com/pbxagent/pbxagent/agent/callerid"
	"github.com/pbxagent/pbxagent/agent/callerid/callertest"
	pbxsip "github.com/pbxagent/pbxagent/sip"
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

// startPbxagent serves pbxagent's caller-ID redirect server over fix on loopback UDP and TCP
// (the same port number) until the test ends.
func startPbxagent(t testing.TB, dir callerid.Directory, svcOpts []callerid.Option, sipOpts ...pbxsip.Option) string {
	t.Helper()
	svc, err := callerid.New(dir, append([]callerid.Option{callerid.WithLogger(quiet())}, svcOpts...)...)
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
