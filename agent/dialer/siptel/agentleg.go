package siptel

import (
	"context"
	"fmt"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/sip/ua"
)

// agentLeg is an agent's phone, called at login and kept up between
// customers (sending silence), driven by runAgent.
type agentLeg struct {
	id     string
	ctx    context.Context
	cancel context.CancelFunc

	// Under Telephony.mu:
	call    Call // nil while ringing
	bridged string
	// bridgeDone is closed when the goroutine of the agent's last bridge
	// has ended: the next bridge waits for it, so two never share the
	// agent's media.
	bridgeDone chan struct{}
}

// Auto-answer hints sent on the agent's leg, so a phone picks the call up
// by itself (docs/dialer-sip.md lists which phones honour which):
// Alert-Info with info=alert-autoanswer (Polycom, Yealink, Grandstream,
// Snom) and Call-Info with answer-after=0 (draft-ietf-sip-answermode's
// predecessor, used by Yealink, Snom, Cisco SPA, Grandstream).
const (
	alertInfoAutoAnswer = "<http://127.0.0.1>;info=alert-autoanswer"
	callInfoAutoAnswer  = "<sip:127.0.0.1>;answer-after=0"
)

// ConnectAgent implements dialer.Telephony: it calls endpoint (a SIP URI,
// or the user name of a phone registered to the user agent) with
// auto-answer hints and returns at once; EventAgentUp follows the answer,
// EventAgentDown the leg's end (or its failure).
func (t *Telephony) ConnectAgent(ctx context.Context, agentID, endpoint string) error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return fmt.Errorf("siptel: agent %s: %w", agentID, ErrClosed)
	}
	if t.agents[agentID] != nil {
		t.mu.Unlock()
		return fmt.Errorf("siptel: agent %s already has a leg", agentID)
	}
	a := &agentLeg{id: agentID}
	a.ctx, a.cancel = context.WithCancel(t.base)
	t.agents[agentID] = a
	t.mu.Unlock()
	if !t.spawn(func() { t.runAgent(a, endpoint) }) {
		t.forgetAgent(a)
		a.cancel()
		return fmt.Errorf("siptel: agent %s: %w", agentID, ErrClosed)
	}
	return nil
}

func (t *Telephony) runAgent(a *agentLeg, endpoint string) {
	defer a.cancel()
	call, err := t.ua.Dial(a.ctx, ua.DialRequest{
		To: endpoint, From: t.cfg.AgentFrom, FromName: "Dialer",
		Headers: map[string]string{"Alert-Info": alertInfoAutoAnswer, "Call-Info": callInfoAutoAnswer},
	})
	if err != nil {
		if a.ctx.Err() == nil {
			t.log.Warn("siptel: agent's phone did not answer", "agent", a.id, "endpoint", endpoint, "err", err)
		}
		t.forgetAgent(a)
		t.emit(dialer.Event{Kind: dialer.EventAgentDown, AgentID: a.id})
		return
	}
	stopWatch := watchEnd(a.ctx, call, a.cancel)
	defer stopWatch()
	t.mu.Lock()
	a.call = call
	t.mu.Unlock()
	if a.ctx.Err() == nil {
		t.emit(dialer.Event{Kind: dialer.EventAgentUp, AgentID: a.id})
		<-a.ctx.Done()
	}
	t.finish(call)
	t.forgetAgent(a)
	t.emit(dialer.Event{Kind: dialer.EventAgentDown, AgentID: a.id})
}

func (t *Telephony) forgetAgent(a *agentLeg) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.agents[a.id] == a {
		delete(t.agents, a.id)
	}
}

// DisconnectAgent implements dialer.Telephony: the agent's leg is hung up
// (or its call cancelled); EventAgentDown follows.
func (t *Telephony) DisconnectAgent(ctx context.Context, agentID string) error {
	t.mu.Lock()
	a := t.agents[agentID]
	t.mu.Unlock()
	if a != nil {
		a.cancel()
	}
	return nil
}
