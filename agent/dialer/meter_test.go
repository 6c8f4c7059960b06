package dialer

import (
	"testing"
	"time"
)

func TestMeterRollingWindow(t *testing.T) {
	for _, window := range []time.Duration{24 * time.Hour, 30 * 24 * time.Hour} {
		m := newMeter(window)
		at := t0
		for i := 0; i < 100; i++ {
			m.answer(at)
		}
		m.abandon(at)
		m.abandon(at)
		if r := m.rate(); r != 0.02 {
			t.Fatalf("%s: rate %g", window, r)
		}
		later := at.Add(window / 2)
		for i := 0; i < 100; i++ {
			m.answer(later)
		}
		m.expire(later)
		if r := m.rate(); r != 0.01 {
			t.Fatalf("%s: rate %g after more answers", window, r)
		}
		if a, b := m.recent(later, time.Hour); a != 100 || b != 0 {
			t.Fatalf("%s: recent %d/%d", window, b, a)
		}
		m.expire(at.Add(window + window/4))
		if m.answers != 100 || m.aband != 0 {
			t.Fatalf("%s: after the first batch left the window: %d answers %d abandoned", window, m.answers, m.aband)
		}
	}
}

func TestStoreSeesCampaignsAndLeadOutcomes(t *testing.T) {
	st := NewMemoryStore()
	r := newRig(t, CampaignConfig{})
	d := New(r.tel, WithClock(r.clk), WithStore(st), WithCallIDPrefix("s"), WithLogger(r.d.log))
	if _, err := d.CreateCampaign(CampaignConfig{ID: "p", Mode: ModeProgressive, MaxChannels: 2, InfoMessage: "sound:i"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.AddLeads("p", []LeadInput{{Number: "+442071234001"}}); err != nil {
		t.Fatal(err)
	}
	_ = d.Login("a", "p", "PJSIP/a")
	d.HandleEvent(Event{Kind: EventAgentUp, AgentID: "a"})
	_ = d.StartCampaign("p")
	d.HandleEvent(Event{Kind: EventEnded, CallID: "s1", Cause: 17})
	if _, state, ok := st.Campaign("p"); !ok || state != CampaignRunning {
		t.Fatalf("stored campaign state %q %v", state, ok)
	}
	l, ok := st.Lead("p", "1")
	if !ok || l.LastOutcome != OutcomeBusy || l.Attempts != 1 || l.Status != LeadPending {
		t.Fatalf("stored lead %+v", l)
	}
}
