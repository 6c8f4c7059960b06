package siptel

import (
	"context"
	"errors"
	"fmt"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/sip/media"
)

// Join implements dialer.Telephony: the hold media stop and the two
// calls' RTP is relayed between them (media.BridgeSessions) by an owned
// goroutine until either call ends or is hung up. The SIP backend does
// not record: with record the call is joined all the same and the error
// wraps dialer.ErrRecordingFailed (see errNoRecording).
func (t *Telephony) Join(ctx context.Context, callID, agentID string, record bool) error {
	t.mu.Lock()
	c := t.calls[callID]
	a := t.agents[agentID]
	var err error
	switch {
	case c == nil || c.call == nil:
		err = fmt.Errorf("unknown or unanswered call %s", callID)
	case a == nil || a.call == nil:
		err = fmt.Errorf("agent %s has no leg up", agentID)
	case a.bridged != "" && a.bridged != callID:
		err = fmt.Errorf("agent %s is with call %s", agentID, a.bridged)
	case c.bridge != nil:
		err = fmt.Errorf("call %s is already joined to agent %s", callID, c.agent)
	}
	if err != nil {
		t.mu.Unlock()
		return fmt.Errorf("siptel: join %s to agent %s: %w", callID, agentID, err)
	}
	t.stopPlayLocked(c)
	bctx, cancel := context.WithCancel(c.ctx)
	c.bridgeSeq++
	seq := c.bridgeSeq
	c.bridge, c.agent, a.bridged = cancel, agentID, callID
	prev, done := a.bridgeDone, make(chan struct{})
	a.bridgeDone = done
	cm, am := c.call.Media(), a.call.Media()
	t.mu.Unlock()
	stopAgent := context.AfterFunc(a.ctx, cancel) // the agent's leg ended: unbridge
	started := t.spawn(func() {
		defer close(done)
		defer stopAgent()
		defer cancel()
		if prev != nil {
			select {
			case <-prev: // the agent's previous bridge has let go of its media
			case <-bctx.Done():
				return
			}
		}
		err := cm.Bridge(bctx, am)
		if err != nil && bctx.Err() == nil && !errors.Is(err, media.ErrSessionClosed) {
			t.log.Warn("siptel: bridge", "call", callID, "agent", agentID, "err", err)
		}
		t.mu.Lock()
		if a.bridged == callID {
			a.bridged = ""
		}
		if c.bridgeSeq == seq {
			c.bridge = nil
		}
		t.mu.Unlock()
	})
	if !started {
		close(done)
		stopAgent()
		cancel()
		return fmt.Errorf("siptel: join %s: %w", callID, ErrClosed)
	}
	if record {
		return fmt.Errorf("siptel: record %s: %w: %w", callID, dialer.ErrRecordingFailed, errNoRecording)
	}
	return nil
}
