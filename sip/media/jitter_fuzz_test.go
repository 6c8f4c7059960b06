package media

import (
	"encoding/binary"
	"testing"

	"github.com/pion/rtp"
)

// FuzzJitterBufferRing drives the ring-of-slots jitter buffer with an
// arbitrary sequence of pushes (audio and skips, any sequence number near
// or far from the last) and pops: it never panics, Len never exceeds the
// ring, every frame played carries the payload pushed for its sequence
// number (the ring never hands out another slot's bytes), played sequence
// numbers only grow, and the counters add up.
func FuzzJitterBufferRing(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 2, 0, 0, 3, 0, 3, 0, 0, 3, 0, 0})
	f.Add([]byte{0, 10, 0, 0, 20, 0, 1, 30, 0, 3, 0, 0, 0, 0xff, 0xf0, 3, 0, 0})
	f.Add([]byte{0, 0xff, 0xff, 0, 0, 0, 0, 1, 0, 3, 0, 0, 3, 0, 0, 3, 0, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		jb := NewJitterBuffer(JitterConfig{Depth: 2, MaxPackets: 8, FrameBytes: 2})
		ring := uint64(len(jb.ring))
		var lastSeq uint64
		var played, pushed uint64
		for len(ops) >= 3 {
			op, seq := ops[0]%4, binary.BigEndian.Uint16(ops[1:3])
			ops = ops[3:]
			switch op {
			case 0, 1: // audio; the payload names its sequence number
				p := &rtp.Packet{Header: rtp.Header{SequenceNumber: seq, PayloadType: 8}}
				p.Payload = binary.BigEndian.AppendUint16(nil, seq)
				if jb.Push(p) {
					pushed++
				}
				p.Payload[0] ^= 0xFF // the buffer kept a copy
			case 2:
				jb.PushSkip(seq)
			case 3:
				fr, ok := jb.Pop()
				if !ok {
					continue
				}
				if fr.Sequence < lastSeq {
					t.Fatalf("played sequence %d after %d", fr.Sequence, lastSeq)
				}
				lastSeq = fr.Sequence
				if fr.Concealed {
					continue
				}
				played++
				if got := binary.BigEndian.Uint16(fr.Payload); got != uint16(fr.Sequence) || fr.PayloadType != 8 {
					t.Fatalf("slot %d played payload %d (pt %d)", fr.Sequence, got, fr.PayloadType)
				}
			}
			if n := uint64(jb.Len()); n > ring || jb.audio > jb.held || jb.audio < 0 {
				t.Fatalf("held %d (audio %d) in a ring of %d", n, jb.audio, ring)
			}
		}
		st := jb.Stats()
		if st.Played != played {
			t.Fatalf("stats played %d, saw %d", st.Played, played)
		}
		if played+uint64(jb.audio) > pushed {
			t.Fatalf("played %d + held %d > pushed %d", played, jb.audio, pushed)
		}
	})
}
