package dialsim

import (
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
)

// TestARIPredictive runs the real dialer through the ari client, the aritel
// adapter and the Asterisk stand-in's scripted customers.
func TestARIPredictive(t *testing.T) {
	cfg := base(dialer.ModePredictive, 20, 1)
	cfg.Seed = 1
	r, err := RunARI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := Summarize(cfg, []Result{r})
	checkRules(t, s)
	if r.AsteriskOriginates != r.DialerDialed {
		t.Errorf("Asterisk saw %d originates, the dialer placed %d", r.AsteriskOriginates, r.DialerDialed)
	}
	// One hour from a cold start: well above progressive's 53 %.
	if r.Occupancy < 0.8 || r.AbandonRate > 0.04 {
		t.Errorf("occupancy %.4f abandonment %.4f", r.Occupancy, r.AbandonRate)
	}
}

// TestARIWebSocketDrop drops the events WebSocket mid-campaign for 5 s of
// simulated time: the client reconnects, the adapter reconciles, no call
// is placed twice and nothing leaks.
func TestARIWebSocketDrop(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		cfg := base(dialer.ModePredictive, 10, 0.5)
		cfg.Seed, cfg.DropAt, cfg.DropFor = seed, 15*time.Minute, 5*time.Second
		r, err := RunARI(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("seed %d: %+v", seed, r)
		if r.Reconnects != 1 {
			t.Errorf("seed %d: %d reconnects, want 1", seed, r.Reconnects)
		}
		if r.AsteriskOriginates != r.DialerDialed || r.DuplicateIDs != 0 {
			t.Errorf("seed %d: Asterisk saw %d originates, the dialer placed %d, %d duplicate ids", seed, r.AsteriskOriginates, r.DialerDialed, r.DuplicateIDs)
		}
		if r.Leaked != 0 {
			t.Errorf("seed %d: %d calls, channels or agents leaked", seed, r.Leaked)
		}
		if r.RingViolations+r.WindowViolations+r.DNCViolations+r.Redials72h != 0 {
			t.Errorf("seed %d: violations %+v", seed, r)
		}
	}
}

func TestARIDeterministicBySeed(t *testing.T) {
	cfg := base(dialer.ModePredictive, 5, 0.25)
	cfg.Seed = 3
	a, err := RunARI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RunARI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("same seed, different results through the stand-in:\n%+v\n%+v", a, b)
	}
}
