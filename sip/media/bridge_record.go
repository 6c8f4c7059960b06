package media

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// Recording layout: the bridge's recording is an 8 kHz 16-bit stereo WAV,
// leg a (the first session given to BridgeSessionsWith) on the left
// channel, leg b on the right.
const (
	// recordWindow is how much audio (per channel) the tap holds before
	// writing it out: packets are placed by RTP timestamp within it, a
	// packet older than it is dropped. 1 s = 32 KB of stereo samples.
	recordWindow = ClockRate
	// recordFlush is how much the tap writes at once when the window is
	// full (half of it).
	recordFlush = recordWindow / 2
	// recordResync is how far (in samples) a leg's timestamp-derived
	// position may stray from the clock before the leg is re-anchored on
	// the clock: a new stream, or a timestamp jump.
	recordResync = 2 * ClockRate
)

// ErrRecording is wrapped in the errors of a bridge's recording (see
// BridgeOptions.Record).
var ErrRecording = errors.New("media: bridge recording failed")

// recordTap decodes the packets a bridge relays and writes them into a
// stereo WAV, each at the position its RTP timestamp gives (gaps are
// silence). Memory is bounded by recordWindow. Safe for concurrent use.
type recordTap struct {
	clk   clock.Clock
	start time.Time
	codec [2]Codec

	mu     sync.Mutex
	w      *WAVWriter
	legs   [2]recordLeg
	ring   []int16 // interleaved stereo, recordWindow frames
	base   int64   // first position not yet written out
	end    int64   // position after the last sample placed
	pcm    []int16
	late   uint64
	closed bool
	err    error
	// While paused nothing is recorded, and the paused time is left out
	// of the file (pausedFor shifts the clock back).
	paused    bool
	pausedAt  time.Time
	pausedFor time.Duration
}

// recordLeg maps one leg's RTP timestamps onto the recording's timeline.
type recordLeg struct {
	started bool
	ssrc    uint32
	lastTS  uint32
	ext     int64 // lastTS extended across wraparound
	offset  int64 // position = ext + offset
}

func newRecordTap(out io.WriteSeeker, clk clock.Clock, a, b Codec) (*recordTap, error) {
	w, err := NewWAVWriter(out, 2)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRecording, err)
	}
	return &recordTap{clk: clk, start: clk.Now(), codec: [2]Codec{a, b}, w: w, ring: make([]int16, 2*recordWindow)}, nil
}

// add decodes one relayed audio packet of leg (0: a, 1: b) into the
// recording; other payload types (telephone-events) are left out.
func (r *recordTap) add(leg int, p *rtp.Packet) {
	if p.PayloadType != r.codec[leg].PayloadType || len(p.Payload) == 0 {
		return
	}
	now := r.clk.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || r.closed || r.paused {
		// A relay in flight when the bridge ended may still come here.
		return
	}
	clockPos := int64((now.Sub(r.start) - r.pausedFor) * ClockRate / time.Second)
	l := &r.legs[leg]
	if !l.started || l.ssrc != p.SSRC {
		l.started, l.ssrc, l.lastTS, l.ext = true, p.SSRC, p.Timestamp, 0
		l.offset = clockPos
	} else {
		l.ext += int64(int32(p.Timestamp - l.lastTS))
		l.lastTS = p.Timestamp
	}
	pos := l.ext + l.offset
	if d := pos - clockPos; d > recordResync || d < -recordResync {
		l.ext, l.offset = 0, clockPos
		pos = clockPos
	}
	r.pcm = r.codec[leg].Decode(r.pcm[:0], p.Payload)
	r.placeLocked(leg, pos, r.pcm)
}

// placeLocked writes pcm into channel leg from position pos on, writing out
// what falls out of the window first.
func (r *recordTap) placeLocked(leg int, pos int64, pcm []int16) {
	if skip := r.base - pos; skip > 0 {
		r.late++
		if skip >= int64(len(pcm)) {
			return
		}
		pcm, pos = pcm[skip:], r.base
	}
	if end := pos + int64(len(pcm)); end > r.base+recordWindow {
		// Room for pcm, and written in chunks of at least recordFlush.
		to := max(end-recordWindow, r.base+recordFlush)
		if err := r.flushLocked(to); err != nil {
			return
		}
	}
	for i, s := range pcm {
		r.ring[2*((pos+int64(i))%recordWindow)+int64(leg)] = s
	}
	r.end = max(r.end, pos+int64(len(pcm)))
}

// flushLocked writes out positions base..to (zeros where nothing came) and
// clears them in the ring.
func (r *recordTap) flushLocked(to int64) error {
	for r.base < to {
		i := r.base % recordWindow
		n := min(to-r.base, recordWindow-i)
		chunk := r.ring[2*i : 2*(i+n)]
		if err := r.w.Write(chunk); err != nil {
			r.err = err
			return err
		}
		clear(chunk)
		r.base += n
	}
	return nil
}

// pause stops (on) or resumes recording. The paused time is left out: on
// resume the recording goes on from where it paused, each leg re-anchored
// on the clock at its next packet.
func (r *recordTap) pause(on bool) {
	now := r.clk.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case on && !r.paused:
		r.paused, r.pausedAt = true, now
	case !on && r.paused:
		r.paused = false
		r.pausedFor += now.Sub(r.pausedAt)
		r.legs[0].started, r.legs[1].started = false, false
	}
}

// close writes out the rest and fixes the WAV header; it returns the first
// write error. Closing again returns the same.
func (r *recordTap) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		if r.err != nil {
			return fmt.Errorf("%w: %w", ErrRecording, r.err)
		}
		return nil
	}
	r.closed = true
	if r.err == nil {
		_ = r.flushLocked(r.end)
	}
	if err := r.w.Close(); err != nil && r.err == nil {
		r.err = err
	}
	if r.err != nil {
		return fmt.Errorf("%w: %w", ErrRecording, r.err)
	}
	return nil
}
