package media

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// RFC 4733 telephone-event timing used by SendDTMF.
const (
	// DTMFUpdateInterval is the spacing of an event's update packets.
	DTMFUpdateInterval = 50 * time.Millisecond
	// DTMFEndPackets is how many times the end packet is sent (RFC 4733
	// 2.5.1.4 recommends three).
	DTMFEndPackets = 3
	// DefaultDTMFVolume is the power level, in −dBm0 (RFC 4733 2.3.4).
	DefaultDTMFVolume = 10
)

// dtmfDigits maps RFC 4733 section 3.2 event codes 0-15 to their keys.
const dtmfDigits = "0123456789*#ABCD"

// DTMFEventCode returns the event code of a key (0-9, *, #, A-D).
func DTMFEventCode(digit rune) (uint8, error) {
	i := strings.IndexRune(dtmfDigits, digit)
	if i < 0 {
		if j := strings.IndexRune("abcd", digit); j >= 0 {
			return uint8(12 + j), nil
		}
		return 0, fmt.Errorf("media: dtmf digit %q: want 0-9, *, #, A-D", digit)
	}
	return uint8(i), nil
}

// DTMFDigit returns the key of an event code 0-15.
func DTMFDigit(code uint8) (rune, bool) {
	if int(code) >= len(dtmfDigits) {
		return 0, false
	}
	return rune(dtmfDigits[code]), true
}

// TelephoneEvent is the 4-byte RFC 4733 payload (section 2.3).
type TelephoneEvent struct {
	// Event is the event code (0-15 for DTMF).
	Event uint8
	// End is set on the final packets of the event.
	End bool
	// Volume is the power level in −dBm0, 0-63.
	Volume uint8
	// Duration is the event's duration so far, in timestamp units.
	Duration uint16
}

// ParseTelephoneEvent parses an RFC 4733 payload.
func ParseTelephoneEvent(b []byte) (TelephoneEvent, error) {
	if len(b) < 4 {
		return TelephoneEvent{}, fmt.Errorf("media: telephone-event payload: %d bytes, want 4", len(b))
	}
	return TelephoneEvent{
		Event:    b[0],
		End:      b[1]&0x80 != 0,
		Volume:   b[1] & 0x3F,
		Duration: binary.BigEndian.Uint16(b[2:4]),
	}, nil
}

// Marshal returns the 4-byte payload; the reserved bit is zero.
func (e TelephoneEvent) Marshal() []byte {
	return e.AppendTo(make([]byte, 0, 4))
}

// AppendTo appends the 4-byte payload to b (Marshal without allocating
// when b has room).
func (e TelephoneEvent) AppendTo(b []byte) []byte {
	b1 := e.Volume & 0x3F
	if e.End {
		b1 |= 0x80
	}
	return binary.BigEndian.AppendUint16(append(b, e.Event, b1), e.Duration)
}

// SendDTMF sends one key as an RFC 4733 event on the sender's stream with
// payload type pt: all packets carry the timestamp the audio had at the start,
// the first has the marker bit, an update follows every 50 ms with the
// duration so far (up to the next update), then the end packet three times
// 50 ms apart. The audio timestamp is not moved: the caller pauses its
// Player during the event if it wants RFC 4733's "no audio during events".
// The returned Pacer's Done channel closes after the last end packet.
func SendDTMF(ctx context.Context, clk clock.Clock, s *Sender, pt uint8, digit rune, duration time.Duration, volume uint8) (*Pacer, error) {
	code, err := DTMFEventCode(digit)
	if err != nil {
		return nil, err
	}
	if pt > 127 {
		return nil, fmt.Errorf("media: dtmf: payload type %d out of range", pt)
	}
	if volume > 63 {
		return nil, fmt.Errorf("media: dtmf: volume %d out of range 0-63", volume)
	}
	total := int64(duration.Seconds() * ClockRate)
	if total <= 0 || total > 0xFFFF {
		return nil, fmt.Errorf("media: dtmf: duration %v out of range (up to 8.19 s)", duration)
	}
	ts := s.Timestamp()
	step := int64(DTMFUpdateInterval.Seconds() * ClockRate)
	ends := 0
	p := NewPacer(clk, DTMFUpdateInterval, func(slot, _ int64) bool {
		d := min((slot+1)*step, total)
		ev := TelephoneEvent{Event: code, Volume: volume, Duration: uint16(d), End: d == total}
		_ = s.WriteAt(pt, ev.Marshal(), ts, slot == 0)
		if ev.End {
			ends++
		}
		return ends < DTMFEndPackets
	})
	p.Start(ctx)
	return p, nil
}

// DetectedDigit is one key pressed by the far end.
type DetectedDigit struct {
	// Digit is the key.
	Digit rune
	// Duration is the event's duration.
	Duration time.Duration
}

// DTMFDecoder turns telephone-event packets into keys, once per event: an
// event is identified by its RTP timestamp, reported on its first end packet
// (repeated end packets are ignored), or when a new event starts if all its
// end packets were lost. It is safe for concurrent use.
type DTMFDecoder struct {
	mu       sync.Mutex
	current  uint32
	active   bool
	event    TelephoneEvent
	reported map[uint32]bool
	out      []DetectedDigit // Push's result, reused
}

// NewDTMFDecoder returns a decoder.
func NewDTMFDecoder() *DTMFDecoder { return &DTMFDecoder{reported: make(map[uint32]bool)} }

// Push accounts one telephone-event packet and returns the keys it completes
// (zero, one, or two when it also closes an event whose end was lost). The
// slice is the decoder's, valid until the next Push: a packet costs no
// allocation.
func (d *DTMFDecoder) Push(p *rtp.Packet) ([]DetectedDigit, error) {
	ev, err := ParseTelephoneEvent(p.Payload)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.reported[p.Timestamp] {
		return nil, nil // repeated end packet, or a late update of a finished event
	}
	out := d.out[:0]
	if d.active && p.Timestamp != d.current {
		out = d.finishLocked(out)
	}
	if !d.active {
		d.active, d.current = true, p.Timestamp
	}
	if ev.Duration >= d.event.Duration || d.event.Event != ev.Event {
		d.event = ev
	}
	if ev.End {
		out = d.finishLocked(out)
	}
	d.out = out
	return out, nil
}

func (d *DTMFDecoder) finishLocked(out []DetectedDigit) []DetectedDigit {
	d.active = false
	if len(d.reported) > 64 {
		clear(d.reported) // old events cannot repeat after this many
	}
	d.reported[d.current] = true
	if r, ok := DTMFDigit(d.event.Event); ok {
		out = append(out, DetectedDigit{Digit: r, Duration: time.Duration(d.event.Duration) * time.Second / ClockRate})
	}
	d.event = TelephoneEvent{}
	return out
}
