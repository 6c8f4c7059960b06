package siptel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/sip/media"
)

// Join implements dialer.Telephony: the hold media stop and the two
// calls' RTP is relayed between them (media.BridgeSessions) by an owned
// goroutine until either call ends or is hung up. With record the
// conversation is recorded into Config.RecordingsDir (see createRecording;
// the customer left, the agent right); a recording that cannot start
// leaves the call joined unrecorded and the error wraps
// dialer.ErrRecordingFailed, as on ARI.
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
	var rec *os.File
	var recErr error
	if record {
		rec, recErr = createRecording(t.cfg.RecordingsDir, callID)
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
		if rec != nil {
			defer t.closeRecording(rec, callID)
		}
		if prev != nil {
			select {
			case <-prev: // the agent's previous bridge has let go of its media
			case <-bctx.Done():
				return
			}
		}
		var w io.WriteSeeker
		if rec != nil {
			w = rec
		}
		err := cm.Bridge(bctx, am, w)
		switch {
		case errors.Is(err, media.ErrRecording):
			t.log.Error("siptel: recording failed; the call went on", "call", callID, "agent", agentID, "err", err)
		case err != nil && bctx.Err() == nil && !errors.Is(err, media.ErrSessionClosed):
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
		if rec != nil {
			t.closeRecording(rec, callID)
		}
		return fmt.Errorf("siptel: join %s: %w", callID, ErrClosed)
	}
	if recErr != nil {
		return fmt.Errorf("siptel: record %s: %w: %w", callID, dialer.ErrRecordingFailed, recErr)
	}
	if rec != nil {
		t.log.Info("siptel: recording", "call", callID, "agent", agentID, "file", rec.Name())
	}
	return nil
}

// closeRecording closes a recording's file once its bridge let go of it;
// a file the bridge never wrote to (it did not start) is removed.
func (t *Telephony) closeRecording(f *os.File, callID string) {
	st, statErr := f.Stat()
	if err := f.Close(); err != nil {
		t.log.Error("siptel: recording not saved", "call", callID, "file", f.Name(), "err", err)
		return
	}
	if statErr == nil && st.Size() == 0 {
		if err := os.Remove(f.Name()); err != nil {
			t.log.Warn("siptel: empty recording not removed", "call", callID, "file", f.Name(), "err", err)
		}
	}
}
