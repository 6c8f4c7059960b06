package media

import (
	"github.com/pion/rtp"
)

// Conceal selects what the jitter buffer plays for a lost frame.
type Conceal int

const (
	// ConcealRepeat repeats the last good frame once, then plays silence for
	// further consecutive losses (a repeated frame hides a single loss; a
	// repeated frame looped over a long gap is a buzz).
	ConcealRepeat Conceal = iota
	// ConcealSilence plays silence for every lost frame.
	ConcealSilence
)

// JitterConfig configures a JitterBuffer.
type JitterConfig struct {
	// Depth is how many 20 ms frames are buffered before playout starts
	// (and so the added delay); 0 means 3 (60 ms).
	Depth int
	// MaxPackets bounds the packets held ahead of playout; a packet further
	// ahead makes the buffer drop the oldest slots to catch up. 0 means 50.
	MaxPackets int
	// CatchUp bounds the backlog: when more than Depth+CatchUp received
	// frames wait ahead of playout (a stall of the playout side, or a
	// burst after a network stall), Pop drops the oldest of them down to
	// Depth, so the added delay returns to the target at once instead of
	// being played out at 1×. 0 means 3 (60 ms above Depth); negative
	// turns catch-up off.
	CatchUp int
	// Conceal chooses the loss concealment.
	Conceal Conceal
	// Silence is the codec's silence byte used to fill concealed frames.
	Silence byte
	// FrameBytes is the payload size of a concealed silent frame; 0 means 160.
	FrameBytes int
}

// Frame is one 20 ms frame out of a JitterBuffer.
type Frame struct {
	// Payload is the encoded audio. It is the buffer's, valid until the
	// next Pop (or reset): a caller that keeps it past that copies it.
	Payload []byte
	// PayloadType is the RTP payload type the frame arrived with.
	PayloadType uint8
	// Sequence is the extended sequence number of the slot.
	Sequence uint64
	// Concealed is true when the frame was lost and Payload is a repeat or silence.
	Concealed bool
}

// JitterStats counts what the jitter buffer dropped or concealed.
type JitterStats struct {
	// Late counts packets that arrived after their slot was played.
	Late uint64
	// Duplicates counts packets already held.
	Duplicates uint64
	// Overflow counts slots dropped because the buffer was too far behind.
	Overflow uint64
	// Concealed counts frames played as repeat or silence.
	Concealed uint64
	// Played counts frames played from real packets.
	Played uint64
	// CaughtUp counts received frames dropped unplayed to bring a backlog
	// back to the target depth (JitterConfig.CatchUp).
	CaughtUp uint64
}

// DefaultCatchUp is JitterConfig.CatchUp's default: a backlog of more than
// Depth+3 frames is cut back to Depth.
const DefaultCatchUp = 3

// resyncAfter is how many consecutive empty slots make the buffer stop
// playout and buffer again (1 s: the far end went quiet or restarted).
const resyncAfter = 50

// JitterBuffer reorders RTP packets by sequence number (with wraparound),
// drops duplicates and packets too late for their slot, and plays one frame
// per Pop, concealing gaps. Playout is by sequence number: one packet is one
// 20 ms slot. It is not safe for concurrent use; Receiver locks it.
//
// It allocates nothing per packet: the packets are held in a ring of
// preallocated slots indexed by extended sequence number (a power of two
// of at least 2×MaxPackets of them), Push copies the payload into its slot
// (the packet is the caller's again once Push returns), and Pop hands out
// the payload in a buffer of its own that stays valid until the next Pop.
type JitterBuffer struct {
	cfg   JitterConfig
	ring  []jitterSlot
	mask  uint64
	seqs  seqExtender
	audio int // audio slots held
	held  int // slots held, audio and skip
	// lo and hi bound the held sequence numbers while buffering (not
	// playing); hi-lo < len(ring).
	lo, hi   uint64
	playing  bool
	next     uint64
	last     []byte // payload of the last frame played
	haveLast bool
	out      []byte // payload of a concealed frame
	lostRun  int
	stats    JitterStats
}

// jitterSlot is one sequence number's place in the ring.
type jitterSlot struct {
	ext     uint64
	kind    uint8 // slotEmpty, slotAudio, slotSkip
	pt      uint8
	payload []byte // capacity preallocated; grown once for larger frames
}

const (
	slotEmpty uint8 = iota
	slotAudio
	slotSkip
)

// NewJitterBuffer returns an empty buffer.
func NewJitterBuffer(cfg JitterConfig) *JitterBuffer {
	if cfg.Depth <= 0 {
		cfg.Depth = 3
	}
	if cfg.MaxPackets <= 0 {
		cfg.MaxPackets = 50
	}
	if cfg.MaxPackets < cfg.Depth {
		cfg.MaxPackets = cfg.Depth
	}
	if cfg.FrameBytes <= 0 {
		cfg.FrameBytes = FrameSamples
	}
	if cfg.CatchUp == 0 {
		cfg.CatchUp = DefaultCatchUp
	}
	n := 1
	for n < 2*cfg.MaxPackets {
		n <<= 1
	}
	fb := cfg.FrameBytes
	backing := make([]byte, n*fb)
	ring := make([]jitterSlot, n)
	for i := range ring {
		ring[i].payload = backing[i*fb : i*fb : (i+1)*fb]
	}
	return &JitterBuffer{
		cfg:  cfg,
		ring: ring,
		mask: uint64(n - 1),
		last: make([]byte, 0, fb),
		out:  make([]byte, 0, fb),
	}
}

// slot returns the ring slot of extended sequence number ext and whether
// it holds ext (of any kind).
func (j *JitterBuffer) slot(ext uint64) (*jitterSlot, bool) {
	s := &j.ring[ext&j.mask]
	return s, s.kind != slotEmpty && s.ext == ext
}

// clearSlot empties s, which holds a packet.
func (j *JitterBuffer) clearSlot(s *jitterSlot) {
	if s.kind == slotAudio {
		j.audio--
	}
	j.held--
	s.kind = slotEmpty
}

// reset empties the buffer and its counters, keeping its memory (a new
// SSRC starts a fresh buffer); silence is the concealment byte from now on.
func (j *JitterBuffer) reset(silence byte) {
	for i := range j.ring {
		j.ring[i].kind = slotEmpty
	}
	*j = JitterBuffer{cfg: j.cfg, ring: j.ring, mask: j.mask, last: j.last[:0], out: j.out[:0]}
	j.cfg.Silence = silence
}

// clearAll empties every slot (the stream jumped while buffering).
func (j *JitterBuffer) clearAll() {
	for i := range j.ring {
		if s := &j.ring[i]; s.kind != slotEmpty {
			if s.kind == slotAudio {
				j.stats.Overflow++
			}
			s.kind = slotEmpty
		}
	}
	j.audio, j.held = 0, 0
}

// place makes room for ext and returns its slot, or nil when ext cannot be
// held (a skip too far ahead of playout). While buffering, a number more
// than the ring's size away from those held drops them (the stream jumped
// before playout started; counted as overflow).
func (j *JitterBuffer) place(ext uint64) *jitterSlot {
	size := uint64(len(j.ring))
	if j.playing {
		if ext >= j.next+size {
			return nil
		}
		return &j.ring[ext&j.mask]
	}
	switch {
	case j.held == 0:
		j.lo, j.hi = ext, ext
	case ext < j.lo:
		if j.hi-ext >= size {
			j.clearAll()
			j.hi = ext
		}
		j.lo = ext
	case ext > j.hi:
		if ext-j.lo >= size {
			j.clearAll()
			j.lo = ext
		}
		j.hi = ext
	}
	return &j.ring[ext&j.mask]
}

// PushSkip records that sequence number seq carried no audio (an RFC 4733
// event sharing the stream's sequence space): Pop passes over it without
// spending a 20 ms slot, so events do not delay the audio. A skip further
// ahead of playout than the ring holds is ignored.
func (j *JitterBuffer) PushSkip(seq uint16) {
	ext := j.seqs.extend(seq)
	if j.playing && ext < j.next {
		return
	}
	if _, ok := j.slot(ext); ok {
		return
	}
	s := j.place(ext)
	if s == nil {
		return
	}
	s.ext, s.kind = ext, slotSkip
	j.held++
}

// Push adds a packet, copying its payload (p is the caller's again when
// Push returns); it reports false when the packet was dropped as late or
// duplicate.
func (j *JitterBuffer) Push(p *rtp.Packet) bool {
	ext := j.seqs.extend(p.SequenceNumber)
	if j.playing && ext < j.next {
		j.stats.Late++
		return false
	}
	s, ok := j.slot(ext)
	if ok && s.kind == slotAudio {
		j.stats.Duplicates++
		return false
	}
	if j.playing {
		if limit := j.next + uint64(j.cfg.MaxPackets); ext >= limit {
			j.overflow(ext - uint64(j.cfg.MaxPackets) + 1)
		}
	}
	s = j.place(ext)
	if s.kind != slotEmpty && s.ext == ext {
		j.clearSlot(s) // a skip entry the audio replaces
	}
	s.ext, s.kind, s.pt = ext, slotAudio, p.PayloadType
	s.payload = append(s.payload[:0], p.Payload...)
	j.audio++
	j.held++
	if !j.playing && j.audio >= j.cfg.Depth {
		j.playing = true
		j.next = j.lo
		j.lostRun = 0
	}
	return true
}

// overflow drops the slots before newNext and moves playout there.
func (j *JitterBuffer) overflow(newNext uint64) {
	j.stats.Overflow += newNext - j.next
	if newNext-j.next >= uint64(len(j.ring)) {
		for i := range j.ring {
			if s := &j.ring[i]; s.kind != slotEmpty && s.ext < newNext {
				j.clearSlot(s)
			}
		}
	} else {
		for e := j.next; e < newNext; e++ {
			if s, ok := j.slot(e); ok {
				j.clearSlot(s)
			}
		}
	}
	j.next = newNext
}

// Pop returns the frame for the next 20 ms slot. It reports false while
// buffering (before Depth packets arrived, or after a second of nothing).
// The frame's payload is valid until the next Pop.
func (j *JitterBuffer) Pop() (Frame, bool) {
	if !j.playing {
		return Frame{}, false
	}
	j.catchUp()
	for {
		s, ok := j.slot(j.next)
		if !ok || s.kind != slotSkip {
			break
		}
		j.clearSlot(s)
		j.next++
	}
	seq := j.next
	j.next++
	if s, ok := j.slot(seq); ok {
		j.last = append(j.last[:0], s.payload...)
		j.haveLast = true
		pt := s.pt
		j.clearSlot(s)
		j.lostRun = 0
		j.stats.Played++
		return Frame{Payload: j.last, PayloadType: pt, Sequence: seq}, true
	}
	j.lostRun++
	if j.lostRun >= resyncAfter && j.held == 0 {
		j.playing = false
		j.haveLast = false
		return Frame{}, false
	}
	j.stats.Concealed++
	f := Frame{Sequence: seq, Concealed: true}
	if j.cfg.Conceal == ConcealRepeat && j.lostRun == 1 && j.haveLast {
		j.out = append(j.out[:0], j.last...)
		f.Payload = j.out
		return f, true
	}
	j.out = j.out[:0]
	for range j.cfg.FrameBytes {
		j.out = append(j.out, j.cfg.Silence)
	}
	f.Payload = j.out
	return f, true
}

// catchUp drops the oldest held frames while more than Depth+CatchUp wait
// ahead of playout, down to Depth, and moves playout to the oldest one
// kept: sequence order is kept, only the start of the backlog is skipped.
func (j *JitterBuffer) catchUp() {
	if j.cfg.CatchUp < 0 || j.audio <= j.cfg.Depth+j.cfg.CatchUp {
		return
	}
	// While playing every held number lies in [next, next+len(ring)).
	for e := j.next; e < j.next+uint64(len(j.ring)); e++ {
		s, ok := j.slot(e)
		if !ok {
			continue
		}
		if j.audio <= j.cfg.Depth {
			j.next = e
			return
		}
		if s.kind == slotAudio {
			j.stats.CaughtUp++
		}
		j.clearSlot(s)
	}
}

// Stats returns the drop and concealment counters.
func (j *JitterBuffer) Stats() JitterStats { return j.stats }

// Len returns how many packets are held.
func (j *JitterBuffer) Len() int { return j.held }

// seqExtender extends 16-bit RTP sequence numbers to 64 bits across
// wraparound (RFC 3550 appendix A.1): a number is placed within ±32768 of the
// highest seen. The first number is offset by 2^16 so that earlier packets
// stay positive.
type seqExtender struct {
	started bool
	max     uint64
}

func (e *seqExtender) extend(seq uint16) uint64 {
	if !e.started {
		e.started = true
		e.max = 1<<16 + uint64(seq)
		return e.max
	}
	delta := int64(int16(seq - uint16(e.max)))
	ext := uint64(int64(e.max) + delta)
	if ext > e.max {
		e.max = ext
	}
	return ext
}
