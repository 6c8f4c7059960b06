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
}

// BridgeStats counts what a Bridge relayed.
type BridgeStats struct {
	// Relayed counts packets forwarded, Transcoded those whose payload was
	// converted, Dropped those with a payload type the leg did not negotiate.
	Relayed, Transcoded, Dropped uint64
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
