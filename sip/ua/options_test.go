package ua

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/internal/clock"
)

func TestAnswerOptions(t *testing.T) {
	tests := []struct {
		name      string
		registrar bool
		wantAllow string
	}{
		{name: "no registrar", wantAllow: "INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY, INFO"},
		{name: "with registrar", registrar: true, wantAllow: "INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY, INFO, REGISTER"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{UserAgent: "pbxagent-test"}
			if tc.registrar {
				cfg.Registrar = NewRegistrar(RegistrarConfig{})
			}
			server := newRegPeer(t, cfg, "")
			client := newRegPeer(t, Config{}, "")
			var target sip.Uri
			if err := sip.ParseUri(server.uri(""), &target); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := client.a.client.Do(ctx, sip.NewRequest(sip.OPTIONS, target))
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 200 {
				t.Fatalf("OPTIONS answered %d", res.StatusCode)
			}
			want := map[string]string{"Allow": tc.wantAllow, "Accept": "application/sdp", "Server": "pbxagent-test"}
			for name, v := range want {
				h := res.GetHeader(name)
				if h == nil || h.Value() != v {
					t.Errorf("%s: %v, want %q", name, h, v)
				}
			}
			if h := res.GetHeader("Supported"); h != nil && strings.Contains(h.Value(), "replaces") {
				t.Errorf("Supported: %q advertises what the Agent does not do", h.Value())
			}
			if to := res.To(); to == nil || !to.Params.Has("tag") {
				t.Error("the 200 has no To tag (RFC 3261 section 8.2.6.2)")
			}
		})
	}
}

// TestKeepAliveTransitions: the peer answers (up), stops answering when
// closed (down), answers again on the same address (up); onChange is
// called on those transitions only.
func TestKeepAliveTransitions(t *testing.T) {
	v := clock.NewVirtual(regStart)
	server := newRegPeer(t, Config{}, "")
	addr := server.addr
	pinger := newRegPeer(t, Config{Clock: v}, "")
	// The interval is also the probe's timeout, in real time.
	const interval = 2 * time.Second
	ups := make(chan bool, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- pinger.a.KeepAlive(ctx, server.uri(""), interval, func(up bool) { ups <- up })
	}()
	next := func() bool {
		t.Helper()
		select {
		case up := <-ups:
			return up
		case <-time.After(10 * time.Second):
			t.Fatal("no onChange within 10 s")
			return false
		}
	}
	tick := func() {
		t.Helper()
		waitPending(t, v, 1)
		v.Advance(interval)
	}
	if !next() {
		t.Fatal("first probe reported down, want up")
	}
	for range 3 { // steady: no calls
		tick()
	}
	server.close()
	for {
		tick()
		select {
		case up := <-ups:
			if up {
				t.Fatal("onChange(true) after the peer closed")
			}
		default:
			continue
		}
		break
	}
	// Answering again on the same address.
	newRegPeer(t, Config{}, addr)
	for {
		tick()
		select {
		case up := <-ups:
			if !up {
				t.Fatal("onChange(false) twice in a row")
			}
		default:
			continue
		}
		break
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("KeepAlive returned %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("KeepAlive did not return after its context ended")
	}
	select {
	case up := <-ups:
		t.Fatalf("extra onChange(%v)", up)
	default:
	}
}

func TestKeepAliveBadInput(t *testing.T) {
	p := newRegPeer(t, Config{}, "")
	tests := []struct {
		name     string
		target   string
		interval time.Duration
		want     string
	}{
		{name: "no target", target: "", interval: time.Second, want: `target ""`},
		{name: "no interval", target: "sip:127.0.0.1:5060", interval: 0, want: "interval 0s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := p.a.KeepAlive(context.Background(), tc.target, tc.interval, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("KeepAlive error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
