package media

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// peerStream builds the datagrams of a far end's RTP stream into one
// reused buffer (what a socket reader hands the session).
type peerStream struct {
	ssrc    uint32
	seq     uint16
	ts      uint32
	pt      uint8
	eventPT uint8
	audio   []byte
	buf     []byte
}

func newPeerStream(ssrc uint32, codec Codec) *peerStream {
	return &peerStream{ssrc: ssrc, seq: 1000, ts: 5000, pt: codec.PayloadType, eventPT: 101,
		audio: codec.Encode(nil, toneFrame()), buf: make([]byte, 0, 1500)}
}

// next returns the next datagram: audio, or on every eighth slot when
// events is set a telephone-event packet (an end packet every 32nd slot,
// so digits complete and the decoder's bookkeeping runs too).
func (p *peerStream) next(tb testing.TB, events bool) []byte {
	h := rtp.Header{Version: 2, PayloadType: p.pt, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: p.ssrc}
	payload := p.audio
	var ev [4]byte
	if events && p.seq%8 == 0 {
		h.PayloadType = p.eventPT
		te := TelephoneEvent{Event: uint8(p.seq/8) % 10, Volume: 10, Duration: 160, End: p.seq%32 == 0}
		payload = te.AppendTo(ev[:0])
	}
	n, err := h.MarshalTo(p.buf[:cap(p.buf)])
	if err != nil {
		tb.Fatal(err)
	}
	p.buf = append(p.buf[:n], payload...)
	p.seq++
	p.ts += FrameSamples
	return p.buf
}

// allocSession is a session on loopback ports that is not Run: the test
// drives its per-packet paths (datagram in, playout tick, send tick)
// itself, as the RecvLoop and the SendClock do.
func allocSession(t *testing.T, pr *PortRange, codec Codec, onDTMF func(rune)) *Session {
	t.Helper()
	pa, pb := listenLoopback(t, pr), listenLoopback(t, pr)
	t.Cleanup(func() { _ = pb.Close() })
	cfg, _ := pairConfig(pa, pb, codec)
	cfg.OnDTMF = onDTMF
	s, err := NewSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestSessionPacketPathsAllocateNothing is issue #23's "no garbage per
// packet": in steady state a session's receive (datagram → packet →
// jitter buffer or bridge relay, DTMF decoding), its playout (jitter
// buffer → decode → VAD, AMD) and its send (silence, prompt or DTMF
// events through the Sender onto a UDP socket) allocate nothing, so 200
// calls on one P do not make the garbage collector stall every stream.
func TestSessionPacketPathsAllocateNothing(t *testing.T) {
	tests := []struct {
		name       string
		codec      Codec
		peerCodec  Codec // the bridged leg's codec (bridged only)
		events     bool  // the peer sends telephone-events among its audio
		sendDTMF   bool  // we send DTMF
		prompt     bool  // we play a prompt
		amd        bool  // an answering-machine detector runs on playout
		bridged    bool  // relayed to a second session
		wantDigits bool
	}{
		{name: "PCMU", codec: PCMU},
		{name: "PCMA", codec: PCMA},
		{name: "PCMU prompt and AMD", codec: PCMU, prompt: true, amd: true},
		{name: "DTMF both ways", codec: PCMU, events: true, sendDTMF: true, wantDigits: true},
		{name: "bridged PCMU to PCMA", codec: PCMU, peerCodec: PCMA, bridged: true},
		{name: "bridged with DTMF", codec: PCMA, peerCodec: PCMA, bridged: true, events: true, wantDigits: true},
	}
	pr := testPortRange(t)
	from := netip.MustParseAddrPort("127.0.0.1:40000")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			digits := 0
			s := allocSession(t, pr, tc.codec, func(rune) { digits++ })
			sessions := []*Session{s}
			peers := []*peerStream{newPeerStream(0x1234, tc.codec)}
			if tc.bridged {
				o := allocSession(t, pr, tc.peerCodec, func(rune) { digits++ })
				sb, err := NewSessionBridge(s, o)
				if err != nil {
					t.Fatal(err)
				}
				if err := sb.start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(sb.stop)
				sessions = append(sessions, o)
				peers = append(peers, newPeerStream(0x5678, tc.peerCodec))
			}
			if tc.prompt {
				a := &Audio{Samples: make([]int16, 400*FrameSamples)}
				copy(a.Samples, toneFrame())
				j := &playJob{audio: a, codec: s.codec, frames: a.Payloads(s.codec), loop: true, done: make(chan error, 1)}
				s.mu.Lock()
				s.play = j
				s.mu.Unlock()
			}
			if tc.sendDTMF {
				codes := make([]uint8, 0, 100)
				for _, d := range strings.Repeat("0123456789", 10) {
					c, err := DTMFEventCode(d)
					if err != nil {
						t.Fatal(err)
					}
					codes = append(codes, c)
				}
				s.mu.Lock()
				s.dtmfQ = append(s.dtmfQ, &dtmfJob{codes: codes, done: make(chan error, 1)})
				s.mu.Unlock()
			}
			if tc.amd {
				s.mu.Lock()
				// Never decides within the test: a long greeting limit.
				s.amds = append(s.amds, &amdJob{amd: NewAMD(AMDConfig{InitialSilence: time.Hour, MaxGreeting: time.Hour, AfterGreeting: time.Hour}), done: make(chan AMDResult, 1)})
				s.mu.Unlock()
			}
			slot := int64(0)
			step := func() {
				for i, x := range sessions {
					x.rtpDatagram(peers[i].next(t, tc.events), from)
				}
				for _, x := range sessions {
					x.playoutTick(slot, 0)
					x.sendTick(slot, 0)
				}
				slot++
			}
			// Warm up: the jitter buffer fills and every reused buffer
			// reaches its size.
			for range 400 {
				step()
			}
			if got := testing.AllocsPerRun(500, step); got != 0 {
				t.Errorf("%v allocations per packet, want 0", got)
			}
			st := s.Stats()
			if st.Sent.Packets == 0 && !tc.bridged {
				t.Errorf("nothing sent: %+v", st.Sent)
			}
			if tc.bridged {
				if bs := sessions[1].Stats().Sent.Packets; bs < 900 {
					t.Errorf("bridged leg sent %d packets, want the relayed ones (≥ 900)", bs)
				}
			} else if want := uint64(800); st.Jitter.Played < want && !tc.events || st.Jitter.Played < want/4 {
				// Event packets take slots of the peer's audio, so with
				// events fewer frames play.
				t.Errorf("played %d frames, want ≥ %d (÷4 with events): %+v", st.Jitter.Played, want, st.Jitter)
			}
			if tc.wantDigits && digits == 0 {
				t.Error("no DTMF digit decoded")
			}
		})
	}
}
