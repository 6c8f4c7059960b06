package fastlane

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// Limits bound the connections a Server holds open, so that a flood sheds
// load before the process runs out of file descriptors. A connection over
// a limit is answered "503 Service Unavailable" (Connection: close) and
// closed at once. Zero means no limit.
type Limits struct {
	// MaxConns bounds the connections open at once on the listener, in
	// the lane and handed to net/http alike.
	MaxConns int
	// MaxConnsPerPeer bounds the connections open at once from one peer
	// IP address.
	MaxConnsPerPeer int
}

// Stats is a snapshot of the listener's load, for readiness and metrics.
type Stats struct {
	// Open is the number of connections open now.
	Open int
	// Limits are the configured limits.
	Limits Limits
	// RefusedMax and RefusedPeer count connections refused at
	// MaxConns and at MaxConnsPerPeer.
	RefusedMax, RefusedPeer uint64
	// AcceptErrors counts failed accepts (each retried after a backoff).
	AcceptErrors uint64
	// LastRefusedMax and LastAcceptError are the times of the latest
	// refusal at MaxConns and of the latest failed accept (zero: never).
	LastRefusedMax, LastAcceptError time.Time
}

// counter tracks the open connections, overall and per peer.
type counter struct {
	limits Limits
	now    func() time.Time

	mu     sync.Mutex
	open   int
	byPeer map[string]int
	stats  Stats
}

// admit counts c in, or reports the limit it would pass ("" when
// admitted).
func (k *counter) admit(peer string) (refused string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case k.limits.MaxConns > 0 && k.open >= k.limits.MaxConns:
		k.stats.RefusedMax++
		k.stats.LastRefusedMax = k.now()
		return "max_conns"
	case k.limits.MaxConnsPerPeer > 0 && k.byPeer[peer] >= k.limits.MaxConnsPerPeer:
		k.stats.RefusedPeer++
		return "max_conns_per_peer"
	}
	k.open++
	k.byPeer[peer]++
	return ""
}

// release counts a connection of peer out.
func (k *counter) release(peer string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.open--
	if n := k.byPeer[peer] - 1; n > 0 {
		k.byPeer[peer] = n
	} else {
		delete(k.byPeer, peer)
	}
}

func (k *counter) acceptFailed() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.stats.AcceptErrors++
	k.stats.LastAcceptError = k.now()
}

func (k *counter) snapshot() Stats {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.stats
	s.Open, s.Limits = k.open, k.limits
	return s
}

// peerOf is the key connections are counted under per peer: the remote IP
// address (an IPv4-mapped IPv6 address as IPv4).
func peerOf(c net.Conn) string {
	switch a := c.RemoteAddr().(type) {
	case *net.TCPAddr:
		ip, _ := netip.AddrFromSlice(a.IP)
		return ip.Unmap().String()
	case nil:
		return ""
	default:
		return a.String()
	}
}

// trackedConn is an accepted connection counted until it is closed, by
// the lane or by net/http.
type trackedConn struct {
	net.Conn
	k    *counter
	peer string
	once sync.Once
}

func (t *trackedConn) Close() error {
	t.once.Do(func() { t.k.release(t.peer) })
	return t.Conn.Close()
}

// refusal is what a connection over a limit gets before it is closed.
const refusal = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n" +
	"Retry-After: 1\r\nConnection: close\r\nContent-Length: 20\r\n\r\ntoo many connections"
