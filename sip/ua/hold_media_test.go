package ua

import (
	"testing"
	"time"
)

// TestHoldWithMedia: the holder keeps sending (music on hold) while the
// held side, recvonly, sends nothing; a re-INVITE of the held side (a
// session refresh) keeps it so; Resume brings both back to sendrecv.
func TestHoldWithMedia(t *testing.T) {
	out, in, done := connected(t)
	eventually(t, testWait, "RTP both ways", func() bool {
		return out.Media().Stats().Received.Received > 0 && in.Media().Stats().Received.Received > 0
	})
	if err := out.HoldWithMedia(ctxWait(t)); err != nil {
		t.Fatalf("HoldWithMedia: %v", err)
	}
	eventually(t, testWait, "the held side sees the hold", in.Held)
	check := func(when string) {
		t.Helper()
		if n := sentOver(in, 200*time.Millisecond); n != 0 {
			t.Errorf("%s: the held side sent %d RTP packets in 200 ms while recvonly", when, n)
		}
		if n := sentOver(out, 200*time.Millisecond); n < 3 {
			t.Errorf("%s: the holder sent %d RTP packets in 200 ms, want its media (music on hold)", when, n)
		}
	}
	check("held")
	// The held side re-INVITEs (its offer sendrecv is answered sendonly):
	// the holder goes on sending.
	if err := in.Resume(ctxWait(t)); err != nil {
		t.Fatalf("the held side's re-INVITE: %v", err)
	}
	check("after the held side's re-INVITE")
	if err := out.Resume(ctxWait(t)); err != nil {
		t.Fatalf("Resume: %v", err)
	}
	eventually(t, testWait, "the held side sees the resume", func() bool { return !in.Held() })
	before := in.Media().Stats().Sent.Packets
	eventually(t, testWait, "the held side sends again", func() bool { return in.Media().Stats().Sent.Packets > before+2 })
	if err := out.Hangup(ctxWait(t), 16); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	waitDone(t, in)
	done()
}
