package media

import (
	"slices"

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
	// Payload is the encoded audio (owned by the caller after Pop).
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
type JitterBuffer struct {
	cfg     JitterConfig
	held    map[uint64]*rtp.Packet
	seqs    seqExtender
	playing bool
	next    uint64
	last    []byte
	lostRun int
	stats   JitterStats
}

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
	return &JitterBuffer{cfg: cfg, held: make(map[uint64]*rtp.Packet)}
}

// PushSkip records that sequence number seq carried no audio (an RFC 4733
// event sharing the stream's sequence space): Pop passes over it without
// spending a 20 ms slot, so events do not delay the audio. Such slots are
// held as nil entries, at most 4×MaxPackets of them.
func (j *JitterBuffer) PushSkip(seq uint16) {
	ext := j.seqs.extend(seq)
	if j.playing && ext < j.next {
		return
	}
	if _, ok := j.held[ext]; ok || len(j.held) >= 4*j.cfg.MaxPackets {
		return
	}
	j.held[ext] = nil
}

// Push adds a packet; it reports false when the packet was dropped as late
// or duplicate.
func (j *JitterBuffer) Push(p *rtp.Packet) bool {
	ext := j.seqs.extend(p.SequenceNumber)
	if j.playing && ext < j.next {
		j.stats.Late++
		return false
	}
	if old, ok := j.held[ext]; ok && old != nil {
		j.stats.Duplicates++
		return false
	}
	j.held[ext] = p
	if !j.playing {
		if j.audioHeld() >= j.cfg.Depth {
			j.playing = true
			j.next = j.lowestHeld()
			j.lostRun = 0
		}
		return true
	}
	if limit := j.next + uint64(j.cfg.MaxPackets); ext >= limit {
		newNext := ext - uint64(j.cfg.MaxPackets) + 1
		for s := j.next; s < newNext; s++ {
			delete(j.held, s)
			j.stats.Overflow++
		}
		j.next = newNext
	}
	return true
}

func (j *JitterBuffer) audioHeld() int {
	n := 0
	for _, p := range j.held {
		if p != nil {
			n++
		}
	}
	return n
}

func (j *JitterBuffer) lowestHeld() uint64 {
	first := true
	var low uint64
	for s := range j.held {
		if first || s < low {
			low, first = s, false
		}
	}
	return low
}

// Pop returns the frame for the next 20 ms slot. It reports false while
// buffering (before Depth packets arrived, or after a second of nothing).
func (j *JitterBuffer) Pop() (Frame, bool) {
	if !j.playing {
		return Frame{}, false
	}
	j.catchUp()
	for {
		p, ok := j.held[j.next]
		if !ok || p != nil {
			break
		}
		delete(j.held, j.next)
		j.next++
	}
	slot := j.next
	j.next++
	if p, ok := j.held[slot]; ok {
		delete(j.held, slot)
		j.last = p.Payload
		j.lostRun = 0
		j.stats.Played++
		return Frame{Payload: p.Payload, PayloadType: p.PayloadType, Sequence: slot}, true
	}
	j.lostRun++
	if j.lostRun >= resyncAfter && len(j.held) == 0 {
		j.playing = false
		j.last = nil
		return Frame{}, false
	}
	j.stats.Concealed++
	f := Frame{Sequence: slot, Concealed: true}
	if j.cfg.Conceal == ConcealRepeat && j.lostRun == 1 && j.last != nil {
		f.Payload = append([]byte(nil), j.last...)
		return f, true
	}
	f.Payload = make([]byte, j.cfg.FrameBytes)
	for i := range f.Payload {
		f.Payload[i] = j.cfg.Silence
	}
	return f, true
}

// catchUp drops the oldest held frames while more than Depth+CatchUp wait
// ahead of playout, down to Depth, and moves playout to the oldest one
// kept: sequence order is kept, only the start of the backlog is skipped.
func (j *JitterBuffer) catchUp() {
	if j.cfg.CatchUp < 0 {
		return
	}
	n := j.audioHeld()
	if n <= j.cfg.Depth+j.cfg.CatchUp {
		return
	}
	seqs := make([]uint64, 0, len(j.held))
	for s := range j.held {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	i := 0
	for ; n > j.cfg.Depth; i++ {
		if j.held[seqs[i]] != nil {
			n--
			j.stats.CaughtUp++
		}
		delete(j.held, seqs[i])
	}
	j.next = seqs[i]
}

// Stats returns the drop and concealment counters.
func (j *JitterBuffer) Stats() JitterStats { return j.stats }

// Len returns how many packets are held.
func (j *JitterBuffer) Len() int { return len(j.held) }

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
