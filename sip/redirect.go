package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// Identity is what a Resolver knows about a calling number.
type Identity struct {
	// Name is the display name to assert; empty means none.
	Name string
	// E164 is the calling number in E.164 form (e.g. +38761111111); empty when unknown.
	E164 string
	// Match is a short word telling how the number matched (sent as X-CNAM-Match).
	Match string
}

// Resolver finds the identity of a calling number. found is false on a miss; Identity.Match
// should still say why. Resolve must return by ctx's deadline.
type Resolver interface {
	Resolve(ctx context.Context, callerNumber string, req *sipmsg.Request) (id Identity, found bool)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(ctx context.Context, callerNumber string, req *sipmsg.Request) (Identity, bool)

// Resolve calls f.
func (f ResolverFunc) Resolve(ctx context.Context, n string, req *sipmsg.Request) (Identity, bool) {
	return f(ctx, n, req)
}

// MissMode says how an INVITE without a name is answered.
type MissMode int

const (
	// MissNotFound answers 404 Not Found (the default).
	MissNotFound MissMode = iota
	// MissRedirect answers 302 with the original Request-URI as Contact and no name.
	MissRedirect
)

// AnonymousNumber is the caller number handed to the Resolver when the request asks for
// privacy (Privacy: id/user/header) or comes from an anonymous URI.
const AnonymousNumber = "anonymous"

// DefaultResolveTimeout bounds one Resolve call. It stays well under sipgo's 200 ms Timer_1xx
// so no 100 Trying is ever sent, and under T1 (500 ms) so a UDP client never retransmits.
const DefaultResolveTimeout = 100 * time.Millisecond

// maxResolveTimeout keeps the answer ahead of sipgo's automatic 100 Trying (200 ms).
const maxResolveTimeout = 150 * time.Millisecond

// RedirectServer answers INVITEs with a 302 carrying the caller's name.
type RedirectServer struct {
	resolver  Resolver
	log       *slog.Logger
	timeout   time.Duration
	miss      MissMode
	host      string
	userAgent string

	lim     limits
	ctr     counters
	unacked *unackedBudget
	now     func() time.Time // the clock of deadlines and the log rate limit

	serving          atomic.Bool
	wantUDP, wantTCP atomic.Bool
}

// Option configures a RedirectServer.
type Option func(*RedirectServer) error

// WithLogger sets the logger (default slog.Default()); numbers and names go to debug level only.
// Everything the server and sipgo log goes through a filter: above debug, lines are rate-limited
// (WithLogLimit) and carry no message contents.
func WithLogger(l *slog.Logger) Option {
	return func(s *RedirectServer) error {
		if l != nil {
			s.log = l
		}
		return nil
	}
}

// WithResolveTimeout bounds each Resolve call (default 100 ms, at most 150 ms so that sipgo
// never sends 100 Trying, which would move a Kamailio dip to its long fr_inv_timer).
func WithResolveTimeout(d time.Duration) Option {
	return func(s *RedirectServer) error {
		if d <= 0 || d > maxResolveTimeout {
			return fmt.Errorf("sip resolve timeout %v: must be in (0, %v]", d, maxResolveTimeout)
		}
		s.timeout = d
		return nil
	}
}

// WithMissMode sets how misses are answered (default MissNotFound).
func WithMissMode(m MissMode) Option {
	return func(s *RedirectServer) error {
		if m != MissNotFound && m != MissRedirect {
			return fmt.Errorf("sip miss mode %d: unknown", m)
		}
		s.miss = m
		return nil
	}
}

// WithIdentityHost sets the host of the P-Asserted-Identity URI (default: the Request-URI's host).
func WithIdentityHost(host string) Option {
	return func(s *RedirectServer) error { s.host = host; return nil }
}

// WithUserAgent sets the Server header value (default "pbxagent"); empty omits it.
func WithUserAgent(ua string) Option {
	return func(s *RedirectServer) error { s.userAgent = ua; return nil }
}

// NewRedirectServer builds a redirect server asking r for names.
func NewRedirectServer(r Resolver, opts ...Option) (*RedirectServer, error) {
	if r == nil {
		return nil, errors.New("sip redirect server: nil resolver")
	}
	s := &RedirectServer{resolver: r, log: slog.Default(), timeout: DefaultResolveTimeout, userAgent: "pbxagent",
		lim: defaultLimits(), now: time.Now}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	s.log = slog.New(newLogFilter(s.log.Handler(), s.lim.logBurst, s.lim.logInterval,
		func() time.Time { return s.now() }, func() { s.ctr.logSuppressed.Add(1) }))
	s.unacked = newUnackedBudget(s.lim.unackedPerIP)
	return s, nil
}

// Ready reports whether the server is serving on every transport it was given; a transport whose
// listener failed makes it not ready (the other keeps serving).
func (s *RedirectServer) Ready() error {
	switch {
	case !s.serving.Load():
		return errors.New("sip redirect: not serving")
	case s.wantUDP.Load() && !s.ctr.udpUp.Load():
		return errors.New("sip redirect: the UDP transport has stopped")
	case s.wantTCP.Load() && !s.ctr.tcpUp.Load():
		return errors.New("sip redirect: the TCP transport has stopped")
	}
	return nil
}

// ListenAndServe listens on addr over both UDP and TCP and serves until ctx ends. An empty addr
// disables the server: it returns nil at once.
func (s *RedirectServer) ListenAndServe(ctx context.Context, addr string) error {
	if addr == "" {
		return nil
	}
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp", addr)
	if err != nil {
		return fmt.Errorf("sip redirect listen udp %s: %w", addr, err)
	}
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		pc.Close()
		return fmt.Errorf("sip redirect listen tcp %s: %w", addr, err)
	}
	return s.Serve(ctx, pc, ln)
}

// Serve serves SIP on the given UDP socket and TCP listener (either may be nil) until ctx ends,
// then closes them and the SIP stack and returns nil.
//
// Failed accepts and reads are retried with a backoff (and counted in Stats); TCP connections
// are capped and their messages bounded in time (WithTCPConnLimits, WithTCPTimeouts). A
// transport stops only when its listener is closed under it: that is logged at error, shown by
// Ready and Stats, and the other transport keeps serving; when none is left, Serve returns an
// error.
func (s *RedirectServer) Serve(ctx context.Context, pc net.PacketConn, ln net.Listener) error {
	if pc == nil && ln == nil {
		return errors.New("sip redirect serve: no listener")
	}
	var (
		upc *udpConn
		tln *tcpListener
	)
	if pc != nil {
		upc = newUDPConn(pc, s.lim.trusted, &s.ctr, s.log)
	}
	if ln != nil {
		tln = newTCPListener(ln, s.lim, &s.ctr, s.log, s.now)
	}
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(s.userAgent),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(s.log)),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(s.log)),
	)
	if err != nil {
		return fmt.Errorf("sip redirect: user agent: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(s.log))
	if err != nil {
		ua.Close()
		return fmt.Errorf("sip redirect: server: %w", err)
	}
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		handlers sync.WaitGroup
		hmu      sync.Mutex
		stopped  bool
	)
	handle := func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		hmu.Lock()
		if stopped { // a message parsed while shutting down: let the transaction die
			hmu.Unlock()
			return
		}
		handlers.Add(1)
		hmu.Unlock()
		defer handlers.Done()
		s.serveTx(hctx, req, tx)
	}
	srv.OnInvite(handle)
	srv.OnOptions(handle)
	srv.OnAck(func(*sipmsg.Request, sipmsg.ServerTransaction) {}) // stray ACK: absorb, never answer
	srv.OnNoRoute(handle)

	type transportEnd struct {
		transport string
		err       error
	}
	ended := make(chan transportEnd, 2)
	var wg sync.WaitGroup
	running := 0
	s.wantUDP.Store(upc != nil)
	s.wantTCP.Store(tln != nil)
	if upc != nil {
		running++
		s.ctr.udpUp.Store(true)
		wg.Add(1)
		go func() { defer wg.Done(); ended <- transportEnd{"udp", srv.ServeUDP(upc)} }()
	}
	if tln != nil {
		running++
		s.ctr.tcpUp.Store(true)
		wg.Add(1)
		go func() { defer wg.Done(); ended <- transportEnd{"tcp", srv.ServeTCP(tln)} }()
	}
	s.serving.Store(true)
	var serr error
	for running > 0 && serr == nil && ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case e := <-ended:
			running--
			if e.transport == "udp" {
				s.ctr.udpUp.Store(false)
			} else {
				s.ctr.tcpUp.Store(false)
			}
			if ctx.Err() != nil {
				break
			}
			err := e.err
			if err == nil {
				err = errors.New("listener closed")
			}
			if running > 0 {
				s.log.Error("sip transport stopped; the other keeps serving", "transport", e.transport, "error", err)
			} else {
				serr = fmt.Errorf("sip redirect serve: %s transport stopped, none left: %w", e.transport, err)
			}
		}
	}
	s.serving.Store(false)
	cancel()
	if upc != nil {
		upc.Close()
	}
	if tln != nil {
		tln.Close()
	}
	wg.Wait()
	s.ctr.udpUp.Store(false)
	s.ctr.tcpUp.Store(false)
	hmu.Lock()
	stopped = true
	hmu.Unlock()
	handlers.Wait()
	ua.Close()
	return serr
}

// serveTx answers one request inside its server transaction. For an INVITE it then waits for
// the ACK (or the transaction's end) so sipgo need not park an extra goroutine per call to hand
// the ACK over.
func (s *RedirectServer) serveTx(ctx context.Context, req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	res := s.Respond(ctx, req)
	if res == nil {
		return
	}
	if req.IsInvite() && res.StatusCode >= 300 && !sipmsg.IsReliable(req.Transport()) {
		// Timer G retransmits this response until the ACK: within the source's budget only.
		src := sourceAddr(req)
		if !s.unacked.acquire(src) {
			s.ctr.notRetransmitted.Add(1)
			if err := tx.Respond(res); err != nil {
				s.log.Warn("sip respond failed", "status", res.StatusCode, "error", err)
			}
			tx.Terminate()
			return
		}
		defer s.unacked.release(src)
	}
	if err := tx.Respond(res); err != nil {
		s.log.Warn("sip respond failed", "status", res.StatusCode, "error", err)
		return
	}
	if req.IsInvite() {
		select {
		case <-tx.Acks():
		case <-tx.Done():
		case <-ctx.Done():
		}
	}
}

// Respond builds the response to req: 302 (or the miss answer) for INVITE, 200 for OPTIONS,
// nothing for ACK, 481 for an unmatched CANCEL and 405 for anything else. It is the whole of the
// server's request handling and never panics on a parsed request, however odd.
func (s *RedirectServer) Respond(ctx context.Context, req *sipmsg.Request) *sipmsg.Response {
	switch req.Method {
	case sipmsg.ACK:
		return nil
	case sipmsg.INVITE:
		return s.respondInvite(ctx, req)
	case sipmsg.OPTIONS:
		res := s.newResponse(req, 200, "OK")
		res.AppendHeader(sipmsg.NewHeader("Allow", allowed))
		res.AppendHeader(sipmsg.NewHeader("Accept", "application/sdp"))
		return res
	case sipmsg.CANCEL:
		return s.newResponse(req, 481, "Call/Transaction Does Not Exist")
	default:
		res := s.newResponse(req, 405, "Method Not Allowed")
		res.AppendHeader(sipmsg.NewHeader("Allow", allowed))
		return res
	}
}

const allowed = "INVITE, ACK, CANCEL, OPTIONS"

func (s *RedirectServer) newResponse(req *sipmsg.Request, code int, reason string) *sipmsg.Response {
	res := sipmsg.NewResponseFromRequest(req, code, reason, nil)
	if s.userAgent != "" {
		res.AppendHeader(sipmsg.NewHeader("Server", s.userAgent))
	}
	return res
}

func (s *RedirectServer) respondInvite(ctx context.Context, req *sipmsg.Request) *sipmsg.Response {
	if mf := req.MaxForwards(); mf != nil && mf.Val() == 0 {
		return s.newResponse(req, 483, "Too Many Hops")
	}
	number := CallerNumber(req)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	id, found := s.resolver.Resolve(ctx, number, req)
	cancel()
	name := cleanDisplayName(id.Name)
	match := headerToken(id.Match)
	if match == "" {
		match = "none"
	}
	if s.log.Enabled(ctx, slog.LevelDebug) {
		s.log.Debug("sip cnam dip", "number", number, "found", found, "name", name, "match", match)
	}
	target := req.Recipient.String()
	if !found || name == "" {
		if s.miss == MissNotFound {
			res := s.newResponse(req, 404, "Not Found")
			res.AppendHeader(sipmsg.NewHeader("X-CNAM-Match", match))
			return res
		}
		res := s.newResponse(req, 302, "Moved Temporarily")
		res.AppendHeader(sipmsg.NewHeader("Contact", "<"+target+">"))
		res.AppendHeader(sipmsg.NewHeader("X-CNAM-Match", match))
		return res
	}
	display := quoteDisplayName(name)
	user := id.E164
	if !validUser(user) {
		user = number
	}
	host := s.host
	if host == "" {
		host = req.Recipient.Host
	}
	res := s.newResponse(req, 302, "Moved Temporarily")
	res.AppendHeader(sipmsg.NewHeader("Contact", display+" <"+target+">"))
	if validUser(user) && host != "" {
		res.AppendHeader(sipmsg.NewHeader("P-Asserted-Identity", display+" <sip:"+user+"@"+host+">"))
	}
	res.AppendHeader(sipmsg.NewHeader("X-CNAM-Match", match))
	return res
}

// CallerNumber returns the calling number of req: the user part of P-Asserted-Identity when
// present, else of From (the raw part of a tel: URI). A request asking for privacy
// (Privacy: id, user or header) or coming from an anonymous URI gives AnonymousNumber.
func CallerNumber(req *sipmsg.Request) string {
	if p := req.GetHeader("Privacy"); p != nil {
		for _, v := range strings.Split(p.Value(), ";") {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "id", "user", "header":
				return AnonymousNumber
			}
		}
	}
	if h := req.GetHeader("P-Asserted-Identity"); h != nil {
		// Several identities may be listed; take the first sip/tel one.
		for _, v := range splitAddresses(h.Value()) {
			var u sipmsg.Uri
			if _, err := sipmsg.ParseAddressValue(v, &u, nil); err == nil {
				if n := uriNumber(&u); n != "" {
					return n
				}
			}
		}
	}
	if f := req.From(); f != nil {
		if n := uriNumber(&f.Address); n != "" {
			return n
		}
	}
	return ""
}

// uriNumber is the number of a sip/sips/tel URI: the user part (of a tel: URI, the part before
// its parameters) with its escapes (%2B) decoded. An anonymous.invalid host, or a user part that
// does not decode, gives AnonymousNumber / "" as a withheld number would.
func uriNumber(u *sipmsg.Uri) string {
	var n string
	switch strings.ToLower(u.Scheme) {
	case "tel":
		n, _, _ = strings.Cut(u.Raw(), ";")
	default:
		if strings.EqualFold(u.Host, "anonymous.invalid") {
			return AnonymousNumber
		}
		n = u.User
	}
	n, ok := unescapeUser(n)
	if !ok {
		return ""
	}
	return n
}

// splitAddresses splits a header value on commas outside quotes and angle brackets.
func splitAddresses(v string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == '<' && !quoted:
			depth++
		case c == '>' && !quoted && depth > 0:
			depth--
		case c == ',' && !quoted && depth == 0:
			out = append(out, strings.TrimSpace(v[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(v[start:]))
}

// maxDisplayName bounds display names so a 302 stays far below the UDP MTU limit.
const maxDisplayName = 120

// cleanDisplayName drops control characters and bounds the length (cut on a rune boundary).
func cleanDisplayName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			continue
		}
		if b.Len()+len(string(r)) > maxDisplayName {
			break
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// quoteDisplayName makes a SIP quoted-string: `"` and `\` escaped (RFC 3261 §25.1).
func quoteDisplayName(name string) string {
	var b strings.Builder
	b.Grow(len(name) + 2)
	b.WriteByte('"')
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '"' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(name[i])
	}
	b.WriteByte('"')
	return b.String()
}

// validUser accepts a telephone-subscriber-ish user part: an optional + and then digits, *, #.
func validUser(u string) bool {
	if u == "" || len(u) > 64 {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if (c >= '0' && c <= '9') || c == '*' || c == '#' || (c == '+' && i == 0 && len(u) > 1) {
			continue
		}
		return false
	}
	return true
}

// headerToken keeps a header value to token characters.
func headerToken(v string) string {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return ""
		}
	}
	if len(v) > 32 {
		return ""
	}
	return v
}

// sourceAddr is the address a request came from (the zero Addr when unknown: they share a budget).
func sourceAddr(req *sipmsg.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
