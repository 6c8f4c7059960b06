package media

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
)

// ErrPortsExhausted is returned when every RTP/RTCP pair of the range is in use.
var ErrPortsExhausted = errors.New("media: no free RTP port in range")

// PortRange allocates media ports: an even port for RTP and the next odd
// port for RTCP (RFC 3550 section 11), from a configured range. Allocation
// goes round the range so that a released pair is reused last, which keeps
// late packets of an old call out of a new one. It is safe for concurrent use.
type PortRange struct {
	min, max int

	mu   sync.Mutex
	used map[int]bool
	next int
}

// NewPortRange returns an allocator for ports min..max inclusive; min is
// rounded up to even and at least one pair must fit.
func NewPortRange(min, max int) (*PortRange, error) {
	if min < 1024 || min > 65534 {
		return nil, fmt.Errorf("media: port range: min %d out of 1024-65534", min)
	}
	if max > 65535 {
		return nil, fmt.Errorf("media: port range: max %d above 65535", max)
	}
	if min%2 == 1 {
		min++
	}
	if max < min+1 {
		return nil, fmt.Errorf("media: port range: max %d leaves no RTP/RTCP pair above min %d", max, min)
	}
	return &PortRange{min: min, max: max, used: make(map[int]bool), next: min}, nil
}

// Size returns how many RTP/RTCP pairs the range holds.
func (r *PortRange) Size() int { return (r.max - r.min + 1) / 2 }

// InUse returns how many pairs are allocated.
func (r *PortRange) InUse() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.used)
}

// Allocate reserves a pair and returns its RTP port (RTCP is port+1).
func (r *PortRange) Allocate() (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for range r.Size() {
		p := r.next
		r.next += 2
		if r.next+1 > r.max {
			r.next = r.min
		}
		if !r.used[p] {
			r.used[p] = true
			return p, nil
		}
	}
	return 0, fmt.Errorf("%w %d-%d (%d pairs in use)", ErrPortsExhausted, r.min, r.max, len(r.used))
}

// Release returns a pair to the range; releasing a free port does nothing.
func (r *PortRange) Release(rtpPort int) {
	r.mu.Lock()
	delete(r.used, rtpPort)
	r.mu.Unlock()
}

// PortPair is a bound RTP/RTCP socket pair from a PortRange.
type PortPair struct {
	// RTP is bound to the even port, RTCP to the next one.
	RTP, RTCP net.PacketConn
	// Port is the RTP port.
	Port  int
	owner *PortRange
}

// Close closes both sockets and releases the pair.
func (p *PortPair) Close() error {
	err := errors.Join(p.RTP.Close(), p.RTCP.Close())
	p.owner.Release(p.Port)
	if err != nil {
		return fmt.Errorf("media: close ports %d/%d: %w", p.Port, p.Port+1, err)
	}
	return nil
}

// Listen allocates a pair and binds UDP sockets on host, skipping pairs
// another process holds; it tries each pair of the range at most once.
func (r *PortRange) Listen(ctx context.Context, host string) (*PortPair, error) {
	var lc net.ListenConfig
	var lastErr error
	for range r.Size() {
		port, err := r.Allocate()
		if err != nil {
			return nil, err
		}
		rtpConn, err := lc.ListenPacket(ctx, "udp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			r.Release(port)
			lastErr = err
			continue
		}
		rtcpConn, err := lc.ListenPacket(ctx, "udp", net.JoinHostPort(host, strconv.Itoa(port+1)))
		if err != nil {
			_ = rtpConn.Close()
			r.Release(port)
			lastErr = err
			continue
		}
		return &PortPair{RTP: rtpConn, RTCP: rtcpConn, Port: port, owner: r}, nil
	}
	return nil, fmt.Errorf("%w: every pair failed to bind, last: %w", ErrPortsExhausted, lastErr)
}
