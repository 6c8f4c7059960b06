package media

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pion/rtp"
	"golang.org/x/sync/errgroup"
)

// BridgeLeg is one side of a Bridge: the codec and telephone-event payload
// type negotiated on that leg and the Sender writing towards it.
type BridgeLeg struct {
	// Codec is the leg's audio codec.
	Codec Codec
	// EventPayloadType is the leg's telephone-event payload type, 0 if none.
	EventPayloadType uint8
	// Sender writes RTP towards the leg (its own SSRC and sequence).
	Sender *Sender
	// Takes, when set, says whether the leg takes media now: false while
	// the offer/answer made it recvonly or inactive from our side (RFC 3264
	// section 6.1: we must not send to it), and nothing is relayed to it
	// then. Nil: always.
	Takes func() bool
}

// BridgeStats counts what a Bridge relayed.
type BridgeStats struct {
	// Relayed counts packets forwarded, Transcoded those whose payload was
	// converted, Dropped those with a payload type the leg did not negotiate,
	// Paused those held back by a hold, a mute (SetHeld, SetMuted) or a leg
	// that takes no media (BridgeLeg.Takes).
	Relayed, Transcoded, Dropped, Paused uint64
}

// Bridge relays RTP between two call legs as a B2BUA: each packet from one
// leg is re-sent on the other leg's Sender, keeping the source's timing
// (timestamps shifted by a fixed offset, so gaps and DTMF timestamps
// survive) under the outgoing leg's SSRC and sequence numbers. Audio is
// transcoded PCMU↔PCMA when the legs differ; telephone-events are passed
// through with the outgoing leg's event payload type. No re-pacing: packets
// go out as they arrive, so the bridge adds no delay. Safe for concurrent use.
type Bridge struct {
	legs [2]BridgeLeg

	mu    sync.Mutex
	dirs  [2]bridgeDir
	stats BridgeStats
	held  [2]bool // leg i is held: nothing is relayed to or from it
	muted [2]bool // nothing is relayed from leg i
	// tap, when set, sees each packet about to be relayed (the
	// recording), with the leg it came from.
	tap func(from int, p *rtp.Packet)
}

// bridgeDir is the timestamp mapping of one direction.
type bridgeDir struct {
	started bool
	ssrc    uint32
	offset  uint32
	buf     []byte
}

// NewBridge returns a bridge between legs a and b.
func NewBridge(a, b BridgeLeg) (*Bridge, error) {
	if a.Sender == nil || b.Sender == nil {
		return nil, fmt.Errorf("media: bridge: both legs need a Sender")
	}
	return &Bridge{legs: [2]BridgeLeg{a, b}}, nil
}

// FromA relays a packet received on leg a to leg b.
func (br *Bridge) FromA(p *rtp.Packet) error { return br.relay(0, p) }

// FromB relays a packet received on leg b to leg a.
func (br *Bridge) FromB(p *rtp.Packet) error { return br.relay(1, p) }

func (br *Bridge) relay(from int, p *rtp.Packet) error {
	in, out := br.legs[from], br.legs[1-from]
	br.mu.Lock()
	if br.held[from] || br.held[1-from] || br.muted[from] || (out.Takes != nil && !out.Takes()) {
		br.stats.Paused++
		br.mu.Unlock()
		return nil
	}
	if br.tap != nil {
		br.tap(from, p)
	}
	d := &br.dirs[from]
	marker := p.Marker
	if !d.started || d.ssrc != p.SSRC {
		// A new source (first packet, or the far end restarted its stream
		// after a re-INVITE): keep the outgoing timestamps continuous.
		d.started, d.ssrc = true, p.SSRC
		d.offset = out.Sender.Timestamp() - p.Timestamp
		marker = true
	}
	ts := p.Timestamp + d.offset
	var pt uint8
	payload := p.Payload
	switch {
	case in.EventPayloadType != 0 && p.PayloadType == in.EventPayloadType:
		if out.EventPayloadType == 0 {
			br.stats.Dropped++
			br.mu.Unlock()
			return nil
		}
		pt = out.EventPayloadType
	case p.PayloadType == in.Codec.PayloadType:
		pt = out.Codec.PayloadType
		if in.Codec.PayloadType != out.Codec.PayloadType {
			d.buf = Transcode(d.buf, p.Payload, in.Codec, out.Codec)
			payload = d.buf
			br.stats.Transcoded++
		}
	default:
		br.stats.Dropped++
		br.mu.Unlock()
		return nil
	}
	br.stats.Relayed++
	// Sent under the lock: the transcode buffer is reused per direction.
	err := out.Sender.WriteAt(pt, payload, ts, marker)
	br.mu.Unlock()
	if err != nil {
		return fmt.Errorf("media: bridge relay: %w", err)
	}
	return nil
}

// SetHeld holds leg (0: a, 1: b) or takes it off hold: while held,
// nothing is relayed to it or from it (the leg's own media go to it
// instead, see SessionBridge.Hold). Off hold, both directions start
// afresh: the first packet each way carries the marker bit and the
// timestamps continue from where each Sender is now.
func (br *Bridge) SetHeld(leg int, on bool) {
	br.mu.Lock()
	defer br.mu.Unlock()
	if br.held[leg] && !on {
		br.dirs[0].started, br.dirs[1].started = false, false
	}
	br.held[leg] = on
}

// SetMuted stops (on) or resumes relaying what leg (0: a, 1: b) sends;
// the other direction goes on. Unmuted, that direction starts afresh
// (marker bit, timestamps continued).
func (br *Bridge) SetMuted(from int, on bool) {
	br.mu.Lock()
	defer br.mu.Unlock()
	if br.muted[from] && !on {
		br.dirs[from].started = false
	}
	br.muted[from] = on
}

// Stats returns the relay counters.
func (br *Bridge) Stats() BridgeStats {
	br.mu.Lock()
	defer br.mu.Unlock()
	return br.stats
}

// Run reads RTP from each leg's socket and relays it until ctx is done or a
// socket read fails; it returns nil when ctx ended it. Malformed datagrams
// are skipped and a failed send is a lost packet (UDP), not an error.
func (br *Bridge) Run(ctx context.Context, connA, connB net.PacketConn) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return br.readLoop(ctx, connA, br.FromA) })
	g.Go(func() error { return br.readLoop(ctx, connB, br.FromB) })
	return g.Wait()
}

func (br *Bridge) readLoop(ctx context.Context, conn net.PacketConn, relay func(*rtp.Packet) error) error {
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, 1500)
	for {
		n, _, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("media: bridge read: %w", err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:n]); err != nil {
			continue
		}
		_ = relay(&p)
	}
}
