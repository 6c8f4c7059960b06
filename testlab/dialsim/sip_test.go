package dialsim

import (
	"runtime"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
)

// sipCheck asserts what every run through the SIP path must show beside
// the rules: every call the dialer placed reached the simulated trunk,
// nobody else was called, and every dialog and RTP port was released.
func sipCheck(t *testing.T, r Result) {
	t.Helper()
	if r.TrunkInvites != r.DialerDialed {
		t.Errorf("the trunk saw %d INVITEs, the dialer placed %d calls", r.TrunkInvites, r.DialerDialed)
	}
	if r.UnexpectedInvites != 0 {
		t.Errorf("%d INVITEs nobody expected", r.UnexpectedInvites)
	}
	if r.CustomerRTPSent == 0 || r.CustomerRTPReceived == 0 || r.PhoneRTPReceived == 0 {
		t.Errorf("media: customers sent %d and received %d RTP packets, phones received %d; want all > 0",
			r.CustomerRTPSent, r.CustomerRTPReceived, r.PhoneRTPReceived)
	}
	if r.SIPDialogsLeft != 0 || r.RTPPortsLeft != 0 {
		t.Errorf("after the drain: %d SIP dialogs and %d RTP port pairs still held", r.SIPDialogsLeft, r.RTPPortsLeft)
	}
}

// TestSIPPredictive runs the real dialer through siptel and a real SIP
// user agent against simulated customers (a SIP UAS with RTP) and
// auto-answering agents' phones on loopback, and checks the same rules
// as the ARI path.
func TestSIPPredictive(t *testing.T) {
	// Ten minutes of media for 20 agents is about 20 s of wall time on a
	// 2-core machine at load 6 (over a minute at load 16); -short runs 5
	// agents.
	cfg, minAnswers, minOccupancy := base(dialer.ModePredictive, 20, 0), 80, 0.75
	cfg.Duration = 10 * time.Minute
	if testing.Short() {
		cfg, minAnswers, minOccupancy = base(dialer.ModePredictive, 5, 0), 10, 0.5
		cfg.Duration = 10 * time.Minute
	}
	cfg.Seed = 1
	goroutines := runtime.NumGoroutine()
	r, err := RunSIP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", r)
	// Every goroutine of the run (user agents, media, siptel, far ends)
	// has ended; sipgo's and the runtime's may take a moment.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > goroutines+2 && time.Now().Before(deadline) {
		runtime.Gosched()
	}
	if n := runtime.NumGoroutine(); n > goroutines+2 {
		t.Errorf("%d goroutines after the run, %d before", n, goroutines)
	}
	s := Summarize(cfg, []Result{r})
	checkRules(t, s)
	sipCheck(t, r)
	if r.Answers < minAnswers || r.Occupancy < minOccupancy {
		t.Errorf("%d answers, occupancy %.4f; want >= %d and >= %.2f", r.Answers, r.Occupancy, minAnswers, minOccupancy)
	}
	if r.TimeToAgentP99ms > 2000 {
		t.Errorf("time to agent p99 %.0f ms, want <= 2000", r.TimeToAgentP99ms)
	}
	// A short run from a cold start: the same bound as TestARIPredictive's
	// (the 3 % target over long runs is in FIGURES.md, "Through SIP").
	if r.AbandonRate > 0.04 {
		t.Errorf("abandonment %.4f above 4 %% (target %.2f over long runs)", r.AbandonRate, cfg.targetOr())
	}
}

// TestSIPDeterministicBySeed: the lockstep makes a run through real SIP
// signalling repeatable by seed.
func TestSIPDeterministicBySeed(t *testing.T) {
	cfg := base(dialer.ModePredictive, 4, 0)
	cfg.Duration, cfg.Answer, cfg.Seed = 5*time.Minute, 0.3, 3
	a, err := RunSIP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := RunSIP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// RTP counts depend on real-time packet delivery; the dialer's figures
	// must not.
	a.CustomerRTPSent, a.CustomerRTPReceived, a.PhoneRTPReceived = 0, 0, 0
	b.CustomerRTPSent, b.CustomerRTPReceived, b.PhoneRTPReceived = 0, 0, 0
	if a.LateDeadlines != 0 || b.LateDeadlines != 0 {
		t.Skipf("a prompt started late in real time (%d, %d): not comparable", a.LateDeadlines, b.LateDeadlines)
	}
	if a != b {
		t.Fatalf("same seed, different results through SIP:\n%+v\n%+v", a, b)
	}
}
