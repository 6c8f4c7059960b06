package dialsim

import (
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
	cfg := base(dialer.ModePredictive, 20, 0)
	cfg.Duration = 20 * time.Minute
	if testing.Short() {
		cfg = base(dialer.ModePredictive, 5, 0)
		cfg.Duration = 10 * time.Minute
	}
	cfg.Seed = 1
	r, err := RunSIP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", r)
	s := Summarize(cfg, []Result{r})
	checkRules(t, s)
	sipCheck(t, r)
	if r.Answers < 20 {
		t.Errorf("only %d answers: the campaign barely ran", r.Answers)
	}
	if r.TimeToAgentP99ms > 2000 {
		t.Errorf("time to agent p99 %.0f ms, want <= 2000", r.TimeToAgentP99ms)
	}
	if r.AbandonRate > cfg.targetOr() {
		t.Errorf("abandonment %.4f above the target %.2f", r.AbandonRate, cfg.targetOr())
	}
}
