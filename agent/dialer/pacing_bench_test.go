package dialer

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkPredictTick measures one predictive decision with 50 agents
// (half on calls) and 150 calls ringing.
func BenchmarkPredictTick(b *testing.B) {
	r := newRig(b, CampaignConfig{Mode: ModePredictive, MaxChannels: 400})
	var in []LeadInput
	for i := 0; i < 400; i++ {
		in = append(in, LeadInput{Number: fmt.Sprintf("+44207123%04d", i)})
	}
	if _, err := r.d.AddLeads("camp", in); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		id := fmt.Sprintf("a%d", i)
		_ = r.d.Login(id, "camp", "PJSIP/"+id)
		r.d.HandleEvent(Event{Kind: EventAgentUp, AgentID: id})
	}
	r.d.mu.Lock()
	c := r.d.campaigns["camp"]
	now := r.clk.Now()
	for i := 0; i < 150; i++ {
		l := r.d.nextLead(c, now)
		cl := r.d.place(c, l, nil, now.Add(-time.Duration(i%25)*time.Second))
		cl.dialedAt = now.Add(-time.Duration(i%25) * time.Second)
	}
	for i, a := range c.agents {
		if i%2 == 0 {
			a.state = AgentOnCall
			a.call = &call{connectedAt: now.Add(-time.Duration(i) * 7 * time.Second)}
		}
	}
	c.state = CampaignRunning
	r.d.acts = nil
	r.d.mu.Unlock()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.d.mu.Lock()
		r.d.predictRisk(c, now, 1000)
		r.d.mu.Unlock()
	}
}
