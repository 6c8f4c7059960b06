package dialer

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestProgressiveReservesAgentAndJoinsOnAnswer(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive})
	r.leads("+442071234001", "+442071234002")
	r.login("a1")
	r.tel.take()
	if err := r.d.StartCampaign("camp"); err != nil {
		t.Fatal(err)
	}
	if got := r.tel.take(); !slices.Equal(got, []string{"originate c1 +442071234001"}) {
		t.Fatalf("commands %v", got)
	}
	if s := r.agentState("a1"); s != AgentReserved {
		t.Fatalf("agent %s, want reserved", s)
	}
	r.clk.Advance(8 * time.Second)
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c1"})
	if got := r.tel.take(); !slices.Equal(got, []string{"join c1 a1"}) {
		t.Fatalf("commands %v", got)
	}
	if s := r.agentState("a1"); s != AgentOnCall {
		t.Fatalf("agent %s, want on_call", s)
	}
	r.clk.Advance(60 * time.Second)
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c1", Cause: 16})
	if s := r.agentState("a1"); s != AgentWrapUp {
		t.Fatalf("agent %s, want wrap_up", s)
	}
	r.clk.Advance(10 * time.Second) // default wrap-up
	if s := r.agentState("a1"); s != AgentReserved {
		t.Fatalf("agent %s after wrap-up, want reserved for the next lead", s)
	}
	if got := r.tel.take(); !slices.Equal(got, []string{"originate c2 +442071234002"}) {
		t.Fatalf("commands %v", got)
	}
}

func TestPredictiveAnswerWithoutAgentGetsMessageAtGrace(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeSpare, SpareCalls: 1})
	r.leads("+442071234001", "+442071234002", "+442071234003")
	r.login("a1")
	r.tel.take()
	_ = r.d.StartCampaign("camp")
	if n := r.tel.count("originate"); n != 2 {
		t.Fatalf("spare mode with 1 ready agent and 1 spare placed %d calls, want 2", n)
	}
	r.tel.take()
	r.clk.Advance(6 * time.Second)
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c1"})
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c2"})
	got := r.tel.take()
	if !slices.Contains(got, "join c1 a1") || !slices.Contains(got, "hold c2 moh") {
		t.Fatalf("commands %v, want c1 joined and c2 on hold", got)
	}
	r.clk.Advance(1999 * time.Millisecond)
	if n := r.tel.count("play"); n != 0 {
		t.Fatalf("message before the grace time: %v", r.tel.cmds)
	}
	r.clk.Advance(time.Millisecond)
	if got := r.tel.take(); !slices.Contains(got, "play c2 sound:info") {
		t.Fatalf("commands %v, want the information message at 2 s", got)
	}
	v := r.view()
	if v.Abandoned != 1 || v.Answered != 2 || v.AbandonRate != 0.5 {
		t.Fatalf("view %+v", v)
	}
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c2", Cause: 16})
	leads, _, _ := r.d.Leads("camp", 0, 0)
	var ab Lead
	for _, l := range leads {
		if l.Number == "+442071234002" {
			ab = l
		}
	}
	if ab.LastOutcome != OutcomeAbandoned || ab.NextAt.Sub(r.clk.Now()) != AbandonQuarantine {
		t.Fatalf("abandoned lead %+v, want retry no sooner than 72 h", ab)
	}
}

func TestWaitingCustomerTakesAgentFreedWithinGrace(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeSpare, SpareCalls: 1, WrapUp: Duration(time.Second)})
	r.leads("+442071234001", "+442071234002", "+442071234003")
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	r.clk.Advance(6 * time.Second)
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c1"})
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c2"})
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c1", Cause: 16}) // short call, 1 s wrap
	r.tel.take()
	r.clk.Advance(time.Second)
	if got := r.tel.take(); !slices.Contains(got, "join c2 a1") {
		t.Fatalf("commands %v, want the waiting customer joined", got)
	}
	r.clk.Advance(5 * time.Second)
	if v := r.view(); v.Abandoned != 0 || v.Connected != 2 {
		t.Fatalf("view %+v", v)
	}
}

func TestNoAgentsNoCallsAndRingingCancelledAfterMinRing(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModePredictive})
	r.leads("+442071234001", "+442071234002", "+442071234003", "+442071234004")
	_ = r.d.StartCampaign("camp")
	r.clk.Advance(10 * time.Second)
	if n := r.tel.count("originate"); n != 0 {
		t.Fatalf("%d calls with no agent logged in", n)
	}
	r.login("a1")
	r.clk.Advance(time.Second)
	n := r.tel.count("originate")
	if n == 0 {
		t.Fatal("no call with a ready agent")
	}
	r.tel.take()
	r.clk.Advance(3 * time.Second)
	if err := r.d.Logout("a1"); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(5 * time.Second)
	if c := r.tel.count("originate"); c != 0 {
		t.Fatalf("%d calls after the last agent logged out", c)
	}
	if c := r.tel.count("hangup"); c != 0 {
		t.Fatalf("ringing calls hung up before the minimum ring time: %v", r.tel.cmds)
	}
	r.clk.Advance(7 * time.Second) // 15 s since originate
	if c := r.tel.count("hangup"); c != n {
		t.Fatalf("hung up %d of %d ringing calls at 15 s: %v", c, n, r.tel.cmds)
	}
}

func TestChannelCapNeverExceeded(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeSpare, SpareCalls: 50, MaxChannels: 3})
	var nums []string
	for i := 0; i < 20; i++ {
		nums = append(nums, fmt.Sprintf("+4420712340%02d", i))
	}
	r.leads(nums...)
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	r.clk.Advance(5 * time.Second)
	if n := r.tel.count("originate"); n != 3 {
		t.Fatalf("%d calls, cap 3", n)
	}
	if v := r.view(); v.MaxChannelsSeen != 3 {
		t.Fatalf("max channels %d", v.MaxChannelsSeen)
	}
}

func TestCallingWindowDNCAndOptOut(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive})
	// 10:00 UTC is 05:00 in New York: deferred to 13:00 UTC.
	if _, err := r.d.AddLeads("camp", []LeadInput{
		{Number: "+12125550101", TZ: "America/New_York"},
		{Number: "+442071234001"},
		{Number: "+442071234002"},
	}); err != nil {
		t.Fatal(err)
	}
	r.d.AddDNC([]string{"+442071234001"})
	r.login("a1")
	r.tel.take()
	_ = r.d.StartCampaign("camp")
	got := r.tel.take()
	if !slices.Equal(got, []string{"originate c1 +442071234002"}) {
		t.Fatalf("commands %v, want only the callable London lead", got)
	}
	r.clk.Advance(5 * time.Second)
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c1"})
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c1", Cause: 16})
	if err := r.d.SetDisposition("a1", "not interested", true); err != nil {
		t.Fatal(err)
	}
	if !r.d.DNC().Contains("+442071234002") {
		t.Fatal("opt-out not on the DNC list")
	}
	r.tel.take()
	r.clk.AdvanceTo(time.Date(2026, 11, 24, 12, 59, 0, 0, time.UTC))
	if n := r.tel.count("originate"); n != 0 {
		t.Fatalf("called outside the window: %v", r.tel.cmds)
	}
	r.clk.AdvanceTo(time.Date(2026, 11, 24, 13, 0, 1, 0, time.UTC))
	if got := r.tel.take(); !slices.Equal(got, []string{"originate c2 +12125550101"}) {
		t.Fatalf("commands %v, want the New York lead at 08:00 local", got)
	}
	leads, _, _ := r.d.Leads("camp", 0, 0)
	for _, l := range leads {
		if l.Number == "+442071234001" && l.Status != LeadDNC {
			t.Fatalf("DNC lead status %s", l.Status)
		}
	}
}

func TestAgentHangingUpHeldLegIsLoggedOut(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive})
	r.leads("+442071234001")
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	r.clk.Advance(5 * time.Second)
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c1"})
	r.tel.take()
	r.d.HandleEvent(Event{Kind: EventAgentDown, AgentID: "a1"})
	if s := r.agentState("a1"); s != AgentLoggedOut {
		t.Fatalf("agent %s", s)
	}
	if got := r.tel.take(); !slices.Contains(got, "hangup c1") {
		t.Fatalf("commands %v: the customer must not stay alone", got)
	}
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c1", Cause: 16})
	if v := r.view(); v.Channels != 0 || v.AgentsLoggedIn != 0 {
		t.Fatalf("leaked: %+v", v)
	}
}

func TestPauseResumeAndPendingPause(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive})
	r.leads("+442071234001", "+442071234002")
	r.login("a1")
	if err := r.d.Pause("a1", "lunch"); err != nil {
		t.Fatal(err)
	}
	_ = r.d.StartCampaign("camp")
	r.clk.Advance(3 * time.Second)
	if n := r.tel.count("originate"); n != 0 {
		t.Fatal("called for a paused agent")
	}
	if err := r.d.Resume("a1"); err != nil {
		t.Fatal(err)
	}
	if s := r.agentState("a1"); s != AgentReserved {
		t.Fatalf("agent %s", s)
	}
	_ = r.d.Pause("a1", "coffee") // while reserved: after the call
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c1", Cause: 19})
	v, _ := r.d.AgentView("a1")
	if v.State != AgentPaused || v.PauseReason != "coffee" {
		t.Fatalf("agent %+v", v)
	}
}

func TestPreviewNextCall(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModePreview})
	r.leads("+442071234001")
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	r.clk.Advance(3 * time.Second)
	if n := r.tel.count("originate"); n != 0 {
		t.Fatal("preview mode dialled without a request")
	}
	l, err := r.d.NextCall("a1")
	if err != nil || l.Number != "+442071234001" {
		t.Fatalf("next call %+v %v", l, err)
	}
	if _, err := r.d.NextCall("a1"); err == nil {
		t.Fatal("second request while reserved succeeded")
	}
}

func TestRetryPolicyAndOutcomes(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive, Retry: RetryPolicy{
		Busy: RetryRule{Delay: Duration(time.Minute), Max: 1}, NoAnswer: RetryRule{Delay: Duration(time.Hour), Max: 1},
		Congestion: RetryRule{Delay: Duration(time.Minute), Max: 1}, MaxAttempts: 5}})
	r.leads("+442071234001")
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c1", Cause: 17}) // busy
	r.tel.take()
	r.clk.Advance(59 * time.Second)
	if n := r.tel.count("originate"); n != 0 {
		t.Fatal("busy retried before its delay")
	}
	r.clk.Advance(2 * time.Second)
	if n := r.tel.count("originate"); n != 1 {
		t.Fatalf("busy not retried after a minute: %v", r.tel.cmds)
	}
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c2", Cause: 17}) // busy again: max 1 retry
	leads, _, _ := r.d.Leads("camp", 0, 0)
	if leads[0].Status != LeadDone || leads[0].Attempts != 2 || leads[0].LastOutcome != OutcomeBusy {
		t.Fatalf("lead %+v", leads[0])
	}
}

func TestOutcomeForCause(t *testing.T) {
	for _, tc := range []struct {
		cause int
		want  Outcome
	}{{16, OutcomeNoAnswer}, {17, OutcomeBusy}, {18, OutcomeNoAnswer}, {19, OutcomeNoAnswer}, {20, OutcomeUnavail},
		{21, OutcomeRejected}, {1, OutcomeInvalid}, {22, OutcomeInvalid}, {28, OutcomeInvalid}, {3, OutcomeNetwork},
		{27, OutcomeNetwork}, {38, OutcomeNetwork}, {102, OutcomeNetwork}, {34, OutcomeCongestion}, {41, OutcomeCongestion},
		{42, OutcomeCongestion}, {44, OutcomeCongestion}, {58, OutcomeConfig}, {31, OutcomeUnknown}, {127, OutcomeUnknown}} {
		if got := OutcomeForCause(tc.cause); got != tc.want {
			t.Errorf("cause %d: %s, want %s", tc.cause, got, tc.want)
		}
	}
}

func TestAMDMachineHangsUpWithoutCountingAnswer(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive, AMD: AMDConfig{Enabled: true, Action: "hangup"}})
	r.leads("+442071234001")
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	if !r.tel.originate[0].AMD {
		t.Fatal("originate without AMD")
	}
	r.tel.take()
	r.clk.Advance(8 * time.Second)
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c1", AMD: "MACHINE"})
	if got := r.tel.take(); !slices.Equal(got, []string{"hangup c1"}) {
		t.Fatalf("commands %v", got)
	}
	if v := r.view(); v.Answered != 0 || v.Machines != 1 {
		t.Fatalf("view %+v", v)
	}
}

func TestOriginateFailureFreesSlot(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive})
	r.tel.failOrig = true
	r.leads("+442071234001")
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	if v := r.view(); v.Channels != 0 || v.Ringing != 0 {
		t.Fatalf("slot leaked after a refused originate: %+v", v)
	}
}

func TestConfigValidation(t *testing.T) {
	base := CampaignConfig{ID: "x", MaxChannels: 5, InfoMessage: "sound:i"}.withDefaults()
	for _, tc := range []struct {
		name  string
		mod   func(*CampaignConfig)
		field string
	}{
		{"short ring", func(c *CampaignConfig) { c.DialTimeout = Duration(10 * time.Second) }, "dial_timeout"},
		{"no channels", func(c *CampaignConfig) { c.MaxChannels = 0 }, "max_channels"},
		{"long grace", func(c *CampaignConfig) { c.Grace = Duration(3 * time.Second) }, "grace"},
		{"mode", func(c *CampaignConfig) { c.Mode = "ratio" }, "mode"},
		{"window", func(c *CampaignConfig) { c.Window.Start = "8am" }, "window.start"},
		{"tz", func(c *CampaignConfig) { c.Window.DefaultTZ = "Mars/Olympus" }, "window.default_tz"},
		{"message", func(c *CampaignConfig) { c.InfoMessage = "" }, "info_message"},
		{"target", func(c *CampaignConfig) { c.AbandonTarget = 0.5 }, "abandon_target"},
		{"amd", func(c *CampaignConfig) { c.AMD = AMDConfig{Enabled: true, Action: "message"} }, "amd.message"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.mod(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Fatalf("error %v, want one naming %s", err, tc.field)
			}
		})
	}
	if err := base.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
}

func TestReservedCallLosingItsAgentIsCancelledAfterMinRing(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive})
	r.leads("+442071234001")
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	r.clk.Advance(4 * time.Second)
	r.tel.take()
	if err := r.d.Logout("a1"); err != nil {
		t.Fatal(err)
	}
	r.clk.Advance(10 * time.Second)
	if n := r.tel.count("hangup"); n != 0 {
		t.Fatalf("hung up at 14 s: %v", r.tel.cmds)
	}
	r.clk.Advance(time.Second)
	if got := r.tel.take(); !slices.Contains(got, "hangup c1") {
		t.Fatalf("commands %v, want the orphaned call cancelled at 15 s", got)
	}
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c1", Cause: 16})
	if v := r.view(); v.Channels != 0 || v.Outcomes[OutcomeCancelled] != 1 {
		t.Fatalf("view %+v", v)
	}
}

func TestLinkDownStopsDiallingUntilReconciled(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeSpare, SpareCalls: 2})
	r.leads("+442071234001", "+442071234002", "+442071234003", "+442071234004", "+442071234005")
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	r.clk.Advance(5 * time.Second)
	placed := r.tel.count("originate")
	r.tel.take()
	r.d.HandleEvent(Event{Kind: EventLinkDown})
	r.clk.Advance(9 * time.Second)
	if n := r.tel.count("originate") + r.tel.count("hangup"); n != 0 {
		t.Fatalf("link down: %v", r.tel.cmds)
	}
	r.clk.Advance(time.Second) // 15 s of ringing
	if n := r.tel.count("hangup"); n != placed {
		t.Fatalf("hung up %d of %d ringing calls with the link down", n, placed)
	}
	for i := 1; i <= placed; i++ {
		r.d.HandleEvent(Event{Kind: EventEnded, CallID: fmt.Sprintf("c%d", i), Lost: true})
	}
	r.tel.take()
	r.d.HandleEvent(Event{Kind: EventLinkUp})
	r.clk.Advance(time.Second)
	if n := r.tel.count("originate"); n == 0 {
		t.Fatal("no calls after the link came back")
	}
}

func TestAMDFalsePositivesCountAsAbandoned(t *testing.T) {
	r := newRig(t, CampaignConfig{Mode: ModeProgressive, AMD: AMDConfig{Enabled: true, Action: "hangup", FalsePositiveRate: 0.5}})
	r.leads("+442071234001", "+442071234002")
	r.login("a1")
	_ = r.d.StartCampaign("camp")
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c1", AMD: "MACHINE"})
	if v := r.view(); v.AbandonRate != 0 || v.AMDFalsePositives != 0 {
		t.Fatalf("half a false positive metered: %+v", v)
	}
	r.d.HandleEvent(Event{Kind: EventEnded, CallID: "c1", Cause: 16})
	r.d.HandleEvent(Event{Kind: EventAnswered, CallID: "c2", AMD: "MACHINE"})
	if v := r.view(); v.AbandonRate != 1 || v.AMDFalsePositives != 1 {
		t.Fatalf("two machines at 50 %% false positives: %+v", v)
	}
}
