package ua

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/sip/media"
)

// Agent is one SIP user agent: a sipgo UA, client and server on the
// configured transports, with its dialogs and their media.
type Agent struct {
	// Shared by the files of this package (register.go, registrar.go,
	// options.go use them); set by New.
	cfg     Config
	ua      *sipgo.UserAgent
	client  *sipgo.Client
	contact sip.ContactHeader
	clk     clock.Clock
	log     *slog.Logger
	// sendClock sends the RTP of every call of this Agent in one pass per
	// 20 ms slot (docs/sip-media.md); idle while there is no call.
	sendClock *media.SendClock
	// recvLoop reads the RTP and RTCP sockets of every call of this Agent
	// (one goroutine on Linux, docs/sip-media.md); idle while there is no
	// call.
	recvLoop *media.RecvLoop

	listenHost string
	listenPort int        // configured port, 0: picked by Run
	sdpAddr    netip.Addr // written into c= and o= of our SDP
	mediaHost  string     // RTP sockets bind here
	proxy      *sip.Uri   // Config.OutboundProxy parsed, nil when none
	transports []string   // lower case, in preference order

	ready   chan struct{}
	started atomic.Bool
	work    tracker // dials, handlers, live calls, transfers
	// late counts the goroutines waiting for an INVITE's answer; one
	// whose Dial gave up before any answer outlives the Agent's work and
	// ends when Run closes sipgo's transactions.
	late tracker

	// stopping is cancelled when Run starts to stop: ringing calls are
	// cancelled or rejected, established ones hung up.
	stopping context.Context
	stopNow  context.CancelFunc

	mu       sync.Mutex
	addrs    map[string]net.Addr
	udpLaddr sip.Addr
	// udpRcvBuf is the SIP UDP socket's receive buffer as the kernel
	// reports it (SO_RCVBUF), 0 when unknown.
	udpRcvBuf int
	duas      map[string]*sipgo.DialogUA // by transport
	calls     map[string]*Call           // by dialogKey
	alive     int                        // calls alive, ringing ones included
	// invites are the dialog-creating INVITEs taken within inviteMemory,
	// by identity; invitesSeen holds them in the order taken, to forget
	// them (takeInvite).
	invites     map[string]seenInvite
	invitesSeen []seenInvite
}

// Defaults of Config.
const (
	defaultRingTimeout = 60 * time.Second
	defaultUserAgent   = "pbxagent"
	// hangupTimeout bounds a BYE (64*T1 with RFC 3261's T1 of 500 ms,
	// the transaction timeout: a BYE not answered by then never will be).
	hangupTimeout = 32 * time.Second
)

// allowMethods is this Agent's Allow header value.
const allowMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, REFER, NOTIFY, INFO"

// New checks cfg and returns an Agent; Run starts it.
func New(cfg Config) (*Agent, error) {
	host, portStr, err := net.SplitHostPort(cfg.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("ua: ListenAddr %q: %w", cfg.ListenAddr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 0 || port > 65535 {
		return nil, fmt.Errorf("ua: ListenAddr %q: port %q is not 0-65535", cfg.ListenAddr, portStr)
	}
	a := &Agent{cfg: cfg, listenHost: host, listenPort: port, ready: make(chan struct{}),
		duas: make(map[string]*sipgo.DialogUA), calls: make(map[string]*Call), addrs: make(map[string]net.Addr),
		invites: make(map[string]seenInvite)}
	if len(cfg.Transports) == 0 {
		a.transports = []string{"udp", "tcp"}
	}
	for _, t := range cfg.Transports {
		t = strings.ToLower(t)
		if t != "udp" && t != "tcp" {
			return nil, fmt.Errorf("ua: Transports: %q is not udp or tcp", t)
		}
		a.transports = append(a.transports, t)
	}
	if cfg.Ports == nil {
		return nil, errors.New("ua: Ports: no RTP port range")
	}
	for _, pt := range cfg.PayloadTypes {
		if pt != 0 && pt != 8 {
			return nil, fmt.Errorf("ua: PayloadTypes: %d is not 0 (PCMU) or 8 (PCMA)", pt)
		}
	}
	if cfg.OutboundProxy != "" {
		var u sip.Uri
		if err := sip.ParseUri(cfg.OutboundProxy, &u); err != nil || u.Host == "" {
			return nil, fmt.Errorf("ua: OutboundProxy %q is not a SIP URI: %v", cfg.OutboundProxy, err)
		}
		if !u.UriParams.Has("lr") {
			u.UriParams.Add("lr", "")
		}
		a.proxy = &u
	}
	a.mediaHost = cfg.MediaHost
	if a.mediaHost == "" {
		a.mediaHost = host
	}
	a.sdpAddr, err = a.pickSDPAddr()
	if err != nil {
		return nil, err
	}
	if a.cfg.RingTimeout <= 0 {
		a.cfg.RingTimeout = defaultRingTimeout
	}
	if a.cfg.UserAgent == "" {
		a.cfg.UserAgent = defaultUserAgent
	}
	a.clk = cfg.Clock
	if a.clk == nil {
		a.clk = clock.Real{}
	}
	a.sendClock = media.NewSendClock(a.clk)
	a.log = cfg.Logger
	if a.log == nil {
		a.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	a.recvLoop = media.NewRecvLoop(a.log)
	contactHost := cfg.ContactHost
	if contactHost == "" {
		contactHost = host
	}
	a.contact = sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: contactHost, Port: port}}

	sipLog := a.log.With("component", "sipgo")
	a.ua, err = sipgo.NewUA(
		sipgo.WithUserAgent(a.cfg.UserAgent),
		sipgo.WithUserAgentHostname(contactHost),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(sipLog)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(sipLog),
			sip.WithTransactionLayerUnhandledResponseHandler(func(r *sip.Response) {
				// Retransmitted 2xx of an INVITE whose transaction ended
				// (our BYE ends it): ACK it all the same.
				if !a.ackStray2xx(r) {
					sipLog.Debug("sip ua: response matching no transaction", "status", r.StatusCode, "call_id", callIDOf(r))
				}
			})),
	)
	if err != nil {
		return nil, fmt.Errorf("ua: sipgo user agent: %w", err)
	}
	opts := []sipgo.ClientOption{sipgo.WithClientLogger(sipLog), sipgo.WithClientNAT()}
	if cfg.ContactHost != "" {
		opts = append(opts, sipgo.WithClientHostname(cfg.ContactHost))
	}
	if port != 0 {
		opts = append(opts, sipgo.WithClientPort(port))
	}
	a.client, err = sipgo.NewClient(a.ua, opts...)
	if err != nil {
		a.ua.Close()
		return nil, fmt.Errorf("ua: sipgo client: %w", err)
	}
	a.stopping, a.stopNow = context.WithCancel(context.Background())
	return a, nil
}

// pickSDPAddr is the address our SDP announces: ContactHost when it is an
// IP address, else the media host, else the listen host.
func (a *Agent) pickSDPAddr() (netip.Addr, error) {
	for _, h := range []string{a.cfg.ContactHost, a.mediaHost, a.listenHost} {
		if ip, err := netip.ParseAddr(h); err == nil && !ip.IsUnspecified() {
			return ip.Unmap(), nil
		}
	}
	return netip.Addr{}, fmt.Errorf("ua: no IP address to announce in SDP: ListenAddr %q, MediaHost %q and ContactHost %q are all unspecified or names; set ContactHost or MediaHost to an IP address",
		a.cfg.ListenAddr, a.cfg.MediaHost, a.cfg.ContactHost)
}

// Run listens and serves until ctx ends; then it hangs up every call
// (BYE, or CANCEL for one still ringing), waits for them to end, and
// returns. Ready is closed once it listens.
func (a *Agent) Run(ctx context.Context) error {
	if !a.started.CompareAndSwap(false, true) {
		return errors.New("ua: Run called twice")
	}
	uaClosed := false
	defer func() {
		if !uaClosed {
			a.ua.Close()
		}
	}()
	defer a.stopNow()
	pc, ln, err := a.listen(ctx)
	if err != nil {
		return err
	}
	srv, err := sipgo.NewServer(a.ua, sipgo.WithServerLogger(a.log.With("component", "sipgo")))
	if err != nil {
		closeAll(pc, ln)
		return fmt.Errorf("ua: sipgo server: %w", err)
	}
	a.route(srv)

	type ended struct {
		transport string
		err       error
	}
	ends := make(chan ended, 2)
	var serving sync.WaitGroup
	running := 0
	if pc != nil {
		running++
		serving.Add(1)
		go func() { defer serving.Done(); ends <- ended{"udp", srv.ServeUDP(pc)} }()
	}
	if ln != nil {
		running++
		serving.Add(1)
		go func() { defer serving.Done(); ends <- ended{"tcp", srv.ServeTCP(ln)} }()
	}
	if pc != nil {
		a.awaitUDPListener(ctx)
	}
	close(a.ready)
	a.log.Info("sip ua listening", "udp", a.Addr("udp"), "tcp", a.Addr("tcp"))

	var runErr error
	for running > 0 && ctx.Err() == nil && runErr == nil {
		select {
		case <-ctx.Done():
		case e := <-ends:
			running--
			if e.err == nil {
				e.err = errors.New("listener closed")
			}
			a.log.Error("sip ua transport stopped", "transport", e.transport, "error", e.err)
			if running == 0 {
				runErr = fmt.Errorf("ua: %s transport stopped, none left: %w", e.transport, e.err)
			}
		}
	}
	a.stop()
	closeAll(pc, ln)
	serving.Wait()
	uaClosed = true
	a.ua.Close() // terminates the transactions left, ending the late waits
	a.late.waitAndClose()
	return runErr
}

// awaitUDPListener waits (up to a second) until sipgo's UDP transport has
// put our socket in its connection pool, which its Serve does in its own
// goroutine with no signal: until then a request sent from the listen
// address would try to bind it again.
func (a *Agent) awaitUDPListener(ctx context.Context) {
	pool := a.ua.TransportLayer().Pool("udp")
	a.mu.Lock()
	laddr := a.udpLaddr.String()
	a.mu.Unlock()
	for range 1000 {
		if c := pool.Get(laddr); c != nil {
			_, _ = c.TryClose() // Get took a reference
			return
		}
		if ctx.Err() != nil {
			return
		}
		time.Sleep(time.Millisecond) // no event to wait on
	}
	a.log.Warn("sip ua: the UDP listener is not in sipgo's pool yet", "addr", laddr)
}

// stop hangs up every call and cancels or rejects the ringing ones, then
// waits for all the Agent's work to end.
func (a *Agent) stop() {
	a.stopNow()
	a.mu.Lock()
	calls := make([]*Call, 0, len(a.calls))
	for _, c := range a.calls {
		calls = append(calls, c)
	}
	a.mu.Unlock()
	for _, c := range calls {
		if !a.work.add() {
			break
		}
		go func() {
			defer a.work.done()
			ctx, cancel := context.WithTimeout(context.Background(), hangupTimeout)
			defer cancel()
			if err := c.Hangup(ctx, causeNormalClearing); err != nil {
				c.log.Warn("sip ua stop: hangup failed", "error", err)
			}
		}()
	}
	a.work.waitAndClose()
}

func closeAll(pc net.PacketConn, ln net.Listener) {
	if pc != nil {
		pc.Close()
	}
	if ln != nil {
		ln.Close()
	}
}

// listen opens the UDP socket and TCP listener, on the same port when the
// configured one is 0 so that one Contact serves both.
func (a *Agent) listen(ctx context.Context) (net.PacketConn, net.Listener, error) {
	var lc net.ListenConfig
	want := func(t string) bool {
		for _, x := range a.transports {
			if x == t {
				return true
			}
		}
		return false
	}
	var (
		pc  net.PacketConn
		ln  net.Listener
		err error
	)
	for attempt := 0; ; attempt++ {
		addr := a.cfg.ListenAddr
		if want("udp") {
			pc, err = lc.ListenPacket(ctx, "udp", addr)
			if err != nil {
				return nil, nil, fmt.Errorf("ua: listen udp %s: %w", addr, err)
			}
			addr = pc.LocalAddr().String()
		}
		if !want("tcp") {
			break
		}
		ln, err = lc.Listen(ctx, "tcp", addr)
		if err == nil {
			break
		}
		if pc != nil {
			pc.Close()
		}
		if a.listenPort != 0 || attempt >= 20 {
			return nil, nil, fmt.Errorf("ua: listen tcp %s: %w", addr, err)
		}
	}
	if pc != nil {
		a.sizeUDPBuffers(pc)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var port int
	if pc != nil {
		a.addrs["udp"] = pc.LocalAddr()
		ap := pc.LocalAddr().(*net.UDPAddr).AddrPort()
		a.udpLaddr = sip.Addr{IP: net.IP(ap.Addr().Unmap().AsSlice()), Port: int(ap.Port()), Hostname: ap.Addr().Unmap().String()}
		port = int(ap.Port())
	}
	if ln != nil {
		a.addrs["tcp"] = ln.Addr()
		port = ln.Addr().(*net.TCPAddr).Port
	}
	a.contact.Address.Port = port
	for _, t := range a.transports {
		ch := sip.ContactHeader{Address: *a.contact.Address.Clone()}
		if t == "tcp" {
			ch.Address.UriParams = sip.NewParams()
			ch.Address.UriParams.Add("transport", "tcp")
		}
		// RewriteContact: in-dialog requests go back to where the dialog's
		// INVITE (or its 2xx) came from, not to a Contact a NAT made
		// unreachable; over TCP that reuses the connection. With a
		// Record-Route set, the route set wins (RFC 3261 section 12.2.1.1).
		a.duas[t] = &sipgo.DialogUA{Client: a.client, ContactHDR: ch, RewriteContact: true}
	}
	return pc, ln, nil
}

// udpSocketBuffer is the receive and send buffer asked for the SIP UDP
// socket. Linux's default (net.core.rmem_default, 208 KiB) holds about a
// hundred datagrams of a few hundred bytes (each costs its payload plus
// some 1–2 KiB of kernel bookkeeping): at 1 000 calls/s (a 200 and a BYE's
// 200 per call) a process that is not scheduled for 50 ms overflows it and
// the kernel drops what comes next — a lost 200 to our BYE then costs the
// whole transaction timeout (Timer F, 64*T1 = 32 s) when the peer has
// forgotten the call by the time the BYE is retransmitted. The kernel caps
// the value at net.core.rmem_max / wmem_max.
const udpSocketBuffer = 4 << 20

// sizeUDPBuffers asks for udpSocketBuffer on pc and logs what the kernel
// granted (getsockopt reports twice the usable size on Linux).
func (a *Agent) sizeUDPBuffers(pc net.PacketConn) {
	uc, ok := pc.(*net.UDPConn)
	if !ok {
		return
	}
	if err := uc.SetReadBuffer(udpSocketBuffer); err != nil {
		a.log.Warn("sip ua: UDP receive buffer not enlarged", "want", udpSocketBuffer, "error", err)
	}
	if err := uc.SetWriteBuffer(udpSocketBuffer); err != nil {
		a.log.Warn("sip ua: UDP send buffer not enlarged", "want", udpSocketBuffer, "error", err)
	}
	if n, err := udpRecvBuffer(uc); err == nil {
		a.mu.Lock()
		a.udpRcvBuf = n
		a.mu.Unlock()
		a.log.Debug("sip ua: UDP receive buffer", "bytes", n)
	}
}

// Ready is closed once Run listens on every transport.
func (a *Agent) Ready() <-chan struct{} { return a.ready }

// Addr is the address listened on for transport ("udp" or "tcp"), valid
// after Ready.
func (a *Agent) Addr(transport string) net.Addr {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.addrs[strings.ToLower(transport)]
}

// Calls is the number of calls (dialogs) alive, ringing ones included.
func (a *Agent) Calls() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.alive
}

// dialogs is the number of dialogs the Agent routes requests to.
func (a *Agent) dialogs() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.calls)
}

// begin counts a call attempt (Dial or an incoming INVITE) as alive and as
// work Run waits for; false when the Agent is not running.
func (a *Agent) begin() bool {
	select {
	case <-a.ready:
	default:
		return false
	}
	if a.stopping.Err() != nil || !a.work.add() {
		return false
	}
	a.mu.Lock()
	a.alive++
	a.mu.Unlock()
	return true
}

// end undoes begin once the attempt failed or its call ended.
func (a *Agent) end() {
	a.mu.Lock()
	a.alive--
	a.mu.Unlock()
	a.work.done()
}

// addCall registers an established (or answering) call for in-dialog
// routing; false when the Agent is stopping.
func (a *Agent) addCall(c *Call) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.stopping.Err() != nil {
		return false
	}
	a.calls[c.key] = c
	return true
}

func (a *Agent) removeCall(c *Call) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.calls[c.key] == c {
		delete(a.calls, c.key)
	}
}

// dua returns the dialog UA of transport (lower case).
func (a *Agent) dua(transport string) (*sipgo.DialogUA, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d, ok := a.duas[strings.ToLower(transport)]
	if !ok {
		return nil, fmt.Errorf("ua: transport %q is not enabled (Transports %v)", transport, a.transports)
	}
	return d, nil
}

// dialogKey identifies a dialog from this side: Call-ID, local tag, remote
// tag (RFC 3261 section 12).
func dialogKey(callID, localTag, remoteTag string) string {
	return callID + "\x00" + localTag + "\x00" + remoteTag
}

// requestKey is the dialogKey of an in-dialog request received (our tag is
// in To); ok is false when the request has no To tag.
func requestKey(req *sip.Request) (string, bool) {
	cid, to, from := req.CallID(), req.To(), req.From()
	if cid == nil || to == nil || from == nil {
		return "", false
	}
	lt, ok := to.Params.Get("tag")
	if !ok || lt == "" {
		return "", false
	}
	rt, _ := from.Params.Get("tag")
	return dialogKey(cid.Value(), lt, rt), true
}

// callFor returns the call an in-dialog request belongs to.
func (a *Agent) callFor(req *sip.Request) *Call {
	key, ok := requestKey(req)
	if !ok {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.calls[key]
}
