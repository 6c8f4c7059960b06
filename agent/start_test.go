package agent

import (
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// TestStartFailingHalfWayStopsWhatItStarted: when a listener cannot be
// bound (the SIP port is taken) after HTTP and FastAGI were, Start
// returns the error having closed both, and the daemon can be built and
// started again on the same data.
func TestStartFailingHalfWayStopsWhatItStarted(t *testing.T) {
	taken, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := testConfig(t)
	cfg.SIP.Addr = taken.LocalAddr().String()
	d, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	err = d.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "SIP redirect listener") {
		t.Fatalf("start: %v, want the SIP port's error", err)
	}
	for name, addr := range map[string]string{"http": d.httpLn.Addr().String(), "agi": d.cid.agiLn.Addr().String()} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s listener %s still accepts after the failed start", name, addr)
		}
	}
	if err := d.Stop(context.Background()); err != nil {
		t.Fatalf("stop after a failed start: %v", err)
	}
	cfg.SIP.Addr = ""
	d2, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if err := d2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := d2.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}
