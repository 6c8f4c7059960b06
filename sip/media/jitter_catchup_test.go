package media

import (
	"testing"

	"github.com/pion/rtp"
)

// jbPush pushes the audio packet with sequence number seq (payload: its low byte).
func jbPush(jb *JitterBuffer, seq uint16) {
	jb.Push(&rtp.Packet{Header: rtp.Header{SequenceNumber: seq}, Payload: []byte{byte(seq)}})
}

func TestJitterBufferCatchUp(t *testing.T) {
	tests := []struct {
		name      string
		catchUp   int
		burst     int    // packets pushed while playout stalls
		wantFirst uint16 // first sequence played after the stall
		wantHeld  int    // audio held after that Pop and one more Push
		caughtUp  uint64
	}{
		{name: "burst of 20 cut back to depth", burst: 20, wantFirst: 37, wantHeld: 3, caughtUp: 20},
		{name: "backlog within the bound kept", burst: 3, wantFirst: 17, wantHeld: 6, caughtUp: 0},
		{name: "catch-up off", catchUp: -1, burst: 20, wantFirst: 17, wantHeld: 23, caughtUp: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			jb := NewJitterBuffer(JitterConfig{Depth: 3, CatchUp: tc.catchUp, FrameBytes: 1})
			// Steady state: one packet in, one frame out per 20 ms.
			seq := uint16(0)
			for ; seq < 3; seq++ {
				jbPush(jb, seq)
			}
			for range 17 {
				if f, ok := jb.Pop(); !ok || f.Concealed {
					t.Fatalf("steady state: pop %+v %v", f, ok)
				}
				jbPush(jb, seq)
				seq++
			}
			if st := jb.Stats(); st.CaughtUp != 0 || jb.Len() != 3 {
				t.Fatalf("steady state: caught up %d, held %d; want 0 and 3", st.CaughtUp, jb.Len())
			}
			// The playout side stalls while the packets keep coming.
			for range tc.burst {
				jbPush(jb, seq)
				seq++
			}
			f, ok := jb.Pop()
			if !ok || f.Concealed || f.Payload[0] != byte(tc.wantFirst) {
				t.Fatalf("first frame after the stall: %+v %v, want sequence %d", f, ok, tc.wantFirst)
			}
			jbPush(jb, seq)
			seq++
			if got := jb.Len(); got != tc.wantHeld {
				t.Fatalf("held after catch-up %d, want %d", got, tc.wantHeld)
			}
			if got := jb.Stats().CaughtUp; got != tc.caughtUp {
				t.Fatalf("caught up %d, want %d", got, tc.caughtUp)
			}
			// Playout goes on in sequence order, nothing more dropped.
			want := byte(tc.wantFirst) + 1
			for range 10 {
				f, ok := jb.Pop()
				if !ok || f.Concealed || f.Payload[0] != want {
					t.Fatalf("after catch-up: %+v %v, want sequence %d", f, ok, want)
				}
				want++
				jbPush(jb, seq)
				seq++
			}
			if st := jb.Stats(); st.CaughtUp != tc.caughtUp || st.Concealed != 0 || st.Late != 0 {
				t.Fatalf("stats %+v: want %d caught up, nothing concealed or late", st, tc.caughtUp)
			}
		})
	}
}

// TestJitterBufferCatchUpSteadyJitter: packets arriving in bunches of up to
// Depth+CatchUp never trigger catch-up.
func TestJitterBufferCatchUpSteadyJitter(t *testing.T) {
	jb := NewJitterBuffer(JitterConfig{Depth: 3, FrameBytes: 1})
	seq := uint16(65500) // across the wraparound
	pushN := func(n int) {
		for range n {
			jbPush(jb, seq)
			seq++
		}
	}
	pushN(3)
	played := 0
	want := byte(65500 & 0xFF)
	for range 40 {
		// A bunch of 3 every 3 frames: the jitter of a bursty link.
		pushN(3)
		for range 3 {
			f, ok := jb.Pop()
			if !ok || f.Concealed || f.Payload[0] != want {
				t.Fatalf("pop %d: %+v %v, want sequence byte %d", played, f, ok, want)
			}
			want++
			played++
		}
	}
	if st := jb.Stats(); st.CaughtUp != 0 || st.Played != uint64(played) {
		t.Fatalf("stats %+v: want nothing caught up, %d played", st, played)
	}
}

// TestJitterBufferCatchUpSkipsEventSlots: telephone-event slots inside the
// dropped backlog go with it, and playout resumes on the oldest audio kept.
func TestJitterBufferCatchUpSkipsEventSlots(t *testing.T) {
	jb := NewJitterBuffer(JitterConfig{Depth: 2, CatchUp: 1, FrameBytes: 1})
	for s := uint16(0); s < 5; s++ {
		jbPush(jb, s)
	}
	jb.PushSkip(5)
	jb.PushSkip(6)
	jbPush(jb, 7)
	jbPush(jb, 8)
	// 7 audio frames held, bound 3: keep the newest 2 (7 and 8).
	f, ok := jb.Pop()
	if !ok || f.Payload[0] != 7 {
		t.Fatalf("first frame %+v %v, want 7", f, ok)
	}
	if st := jb.Stats(); st.CaughtUp != 5 {
		t.Fatalf("caught up %d, want 5", st.CaughtUp)
	}
	if f, ok := jb.Pop(); !ok || f.Payload[0] != 8 {
		t.Fatalf("second frame %+v %v, want 8", f, ok)
	}
}
