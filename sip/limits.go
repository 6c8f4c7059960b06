package sip

import (
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"
)

// Default limits of a RedirectServer; each has an Option to change it.
const (
	// DefaultTCPMaxConns caps the TCP connections held at once on one listener.
	DefaultTCPMaxConns = 1024
	// DefaultTCPMaxConnsPerIP caps the TCP connections held at once from one peer address.
	DefaultTCPMaxConnsPerIP = 64
	// DefaultTCPMessageTimeout bounds the time from a message's first byte to its last, and the
	// time to write one response.
	DefaultTCPMessageTimeout = 5 * time.Second
	// DefaultTCPIdleTimeout closes a TCP connection with no byte received for this long.
	DefaultTCPIdleTimeout = 2 * time.Minute
	// DefaultUnackedPerIP is how many INVITE final responses one address may leave un-ACKed
	// (retransmitted on Timer G) at once; past it a response is sent once, not retransmitted.
	DefaultUnackedPerIP = 64
	// DefaultLogBurst and DefaultLogInterval rate-limit the server's log lines above debug: at
	// most DefaultLogBurst lines of one kind per DefaultLogInterval, then one summary line.
	DefaultLogBurst    = 10
	DefaultLogInterval = time.Minute
)

// limits holds the server's configurable bounds.
type limits struct {
	tcpMaxConns      int
	tcpMaxConnsPerIP int
	tcpMessage       time.Duration
	tcpIdle          time.Duration
	unackedPerIP     int
	trusted          []netip.Prefix
	logBurst         int
	logInterval      time.Duration
}

func defaultLimits() limits {
	return limits{
		tcpMaxConns: DefaultTCPMaxConns, tcpMaxConnsPerIP: DefaultTCPMaxConnsPerIP,
		tcpMessage: DefaultTCPMessageTimeout, tcpIdle: DefaultTCPIdleTimeout,
		unackedPerIP: DefaultUnackedPerIP, logBurst: DefaultLogBurst, logInterval: DefaultLogInterval,
	}
}

// WithTCPConnLimits caps the TCP connections held at once, in all (default 1024) and from one peer
// address (default 64). A connection over either cap is closed as soon as it is accepted.
func WithTCPConnLimits(total, perIP int) Option {
	return func(s *RedirectServer) error {
		if total < 1 || perIP < 1 {
			return fmt.Errorf("sip tcp connection limits %d, %d per address: must be at least 1", total, perIP)
		}
		s.lim.tcpMaxConns, s.lim.tcpMaxConnsPerIP = total, perIP
		return nil
	}
}

// WithTCPTimeouts bounds a TCP message: from its first byte to its last, and the write of one
// response, take at most message (default 5 s); a connection idle between messages for idle
// (default 2 min) is closed.
func WithTCPTimeouts(message, idle time.Duration) Option {
	return func(s *RedirectServer) error {
		if message <= 0 || idle <= 0 {
			return fmt.Errorf("sip tcp timeouts %v, idle %v: must be positive", message, idle)
		}
		s.lim.tcpMessage, s.lim.tcpIdle = message, idle
		return nil
	}
}

// WithTrustedProxies lists the addresses whose UDP requests are answered as RFC 3261 §18.2.2 says:
// to the source address and the port in the top Via. Requests from anyone else are answered to
// their source address and port, whatever Via, received or rport say. Default none.
func WithTrustedProxies(p ...netip.Prefix) Option {
	return func(s *RedirectServer) error {
		for _, x := range p {
			if !x.IsValid() {
				return fmt.Errorf("sip trusted proxy %v: invalid prefix", x)
			}
			s.lim.trusted = append(s.lim.trusted, x.Masked())
		}
		return nil
	}
}

// WithUnackedPerIP sets how many INVITE final responses over UDP one address may leave un-ACKed
// at once (default 64). Those are retransmitted on Timer G until the ACK, up to 11 times; past
// the budget a response is sent once and its transaction ends, so that an address that never
// ACKs (or a forged source) draws at most one response per request.
func WithUnackedPerIP(n int) Option {
	return func(s *RedirectServer) error {
		if n < 1 {
			return fmt.Errorf("sip unacked responses per address %d: must be at least 1", n)
		}
		s.lim.unackedPerIP = n
		return nil
	}
}

// WithLogLimit rate-limits the log lines above debug (the server's and sipgo's): at most burst
// lines with one message text per interval (default 10 per minute), the rest counted and
// reported in one line when the interval ends. Above debug no line carries message contents.
func WithLogLimit(burst int, interval time.Duration) Option {
	return func(s *RedirectServer) error {
		if burst < 1 || interval <= 0 {
			return fmt.Errorf("sip log limit %d per %v: burst must be at least 1 and interval positive", burst, interval)
		}
		s.lim.logBurst, s.lim.logInterval = burst, interval
		return nil
	}
}

// ParseTrustedProxy reads one trusted proxy entry: an address (10.0.0.5, ::1) or a CIDR
// (10.0.0.0/24).
func ParseTrustedProxy(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is neither an address nor a CIDR", s)
	}
	return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
}

// Stats are the server's counters since it was built, for metrics.
type Stats struct {
	// UDPUp and TCPUp say whether each transport is serving (false when not configured).
	UDPUp, TCPUp bool
	// TCPConns is the number of TCP connections held now.
	TCPConns int64
	// TCPRefused counts TCP connections closed at once for being over a connection cap.
	TCPRefused uint64
	// TCPTimeouts counts TCP connections closed for a message not read (or a response not
	// written) in time, or for being idle.
	TCPTimeouts uint64
	// AcceptErrors counts failed TCP accepts (retried with a backoff); UDPReadErrors failed UDP reads.
	AcceptErrors, UDPReadErrors uint64
	// NotRetransmitted counts INVITE responses sent once only, their address being over its
	// un-ACKed budget.
	NotRetransmitted uint64
	// LogSuppressed counts log lines dropped by the rate limit.
	LogSuppressed uint64
}

// counters are the live values behind Stats.
type counters struct {
	udpUp, tcpUp                    atomic.Bool
	tcpConns                        atomic.Int64
	tcpRefused, tcpTimeouts         atomic.Uint64
	acceptErrors, udpReadErrors     atomic.Uint64
	notRetransmitted, logSuppressed atomic.Uint64
}

// Stats returns the server's counters.
func (s *RedirectServer) Stats() Stats {
	c := &s.ctr
	return Stats{
		UDPUp: c.udpUp.Load(), TCPUp: c.tcpUp.Load(), TCPConns: c.tcpConns.Load(),
		TCPRefused: c.tcpRefused.Load(), TCPTimeouts: c.tcpTimeouts.Load(),
		AcceptErrors: c.acceptErrors.Load(), UDPReadErrors: c.udpReadErrors.Load(),
		NotRetransmitted: c.notRetransmitted.Load(), LogSuppressed: c.logSuppressed.Load(),
	}
}
