package ua

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/internal/clock"
)

// These helpers build an Agent with the shared fields New sets (cfg, ua,
// client, contact, clk, log) and a sipgo server on loopback UDP that
// routes REGISTER and OPTIONS the way the Agent's server does, so the
// registration code is tested on its own.

func regQuiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// regPeer is a test Agent listening on loopback UDP.
type regPeer struct {
	a    *Agent
	ua   *sipgo.UserAgent
	addr string // host:port listened on
	// seen receives a clone of each REGISTER (before it is answered) and
	// when, on the Agent's clock.
	seen chan seenRequest

	// refuse, when not 0, is the status every REGISTER is answered.
	refuse atomic.Int32

	pc     net.PacketConn
	once   sync.Once
	served chan struct{}
}

type seenRequest struct {
	req *sip.Request
	at  time.Time
}

// newRegPeer starts a test Agent; addr "" listens on a free port.
func newRegPeer(t *testing.T, cfg Config, addr string) *regPeer {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgentHostname("127.0.0.1"),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerLogger(regQuiet())),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerLogger(regQuiet())))
	if err != nil {
		t.Fatal(err)
	}
	local := pc.LocalAddr().(*net.UDPAddr)
	client, err := sipgo.NewClient(ua, sipgo.WithClientLogger(regQuiet()),
		sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientConnectionAddr(local.String()))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(regQuiet()))
	if err != nil {
		t.Fatal(err)
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	p := &regPeer{ua: ua, pc: pc, addr: local.String(), seen: make(chan seenRequest, 64), served: make(chan struct{})}
	p.a = &Agent{
		cfg: cfg, ua: ua, client: client, clk: clk, log: regQuiet(),
		contact: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "pbxagent", Host: "127.0.0.1", Port: local.Port}},
	}
	srv.OnRegister(func(req *sip.Request, tx sip.ServerTransaction) {
		select {
		case p.seen <- seenRequest{req: req.Clone(), at: clk.Now()}:
		default:
		}
		if st := p.refuse.Load(); st != 0 {
			_ = tx.Respond(sip.NewResponseFromRequest(req, int(st), "Refused", nil))
			return
		}
		if p.a.cfg.Registrar == nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, sip.StatusMethodNotAllowed, "Method Not Allowed", nil))
			return
		}
		p.a.cfg.Registrar.serve(req, tx)
	})
	srv.OnOptions(p.a.answerOptions)
	go func() {
		defer close(p.served)
		_ = srv.ServeUDP(pc)
	}()
	t.Cleanup(p.close)
	// Requests go out from the listening socket only once the server has
	// put it in the transport's pool; wait for that (polling, bounded).
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := ua.TransportLayer().GetConnection("udp", p.addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the test server did not start serving within 10 s")
		}
		time.Sleep(time.Millisecond)
	}
	return p
}

// close stops the peer's transports and waits for its server to end.
func (p *regPeer) close() {
	p.once.Do(func() {
		_ = p.pc.Close() // sipgo's UA does not close a conn given to ServeUDP
		_ = p.ua.Close()
		<-p.served
	})
}

// uri is the peer's SIP URI (user optional).
func (p *regPeer) uri(user string) string {
	if user != "" {
		return "sip:" + user + "@" + p.addr
	}
	return "sip:" + p.addr
}

// next returns the next REGISTER the peer saw, failing after 10 s.
func (p *regPeer) next(t *testing.T) seenRequest {
	t.Helper()
	select {
	case s := <-p.seen:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no REGISTER arrived within 10 s")
		return seenRequest{}
	}
}

// waitPending waits (with a deadline, polling) until v has n timers pending.
func waitPending(t *testing.T, v *clock.Virtual, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for v.Pending() != n {
		if time.Now().After(deadline) {
			t.Fatalf("virtual clock: %d timers pending after 10 s, want %d", v.Pending(), n)
		}
		time.Sleep(time.Millisecond) // polling with a deadline, not waiting for an event
	}
}

// change is one OnChange call.
type change struct {
	up  bool
	err error
}

// recvChange waits for the next OnChange call.
func recvChange(t *testing.T, ch <-chan change) change {
	t.Helper()
	select {
	case c := <-ch:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no OnChange within 10 s")
		return change{}
	}
}

// runRegister runs Register in a goroutine; stop cancels it and waits.
func runRegister(t *testing.T, a *Agent, reg Registration) (changes <-chan change, stop func() error) {
	t.Helper()
	ch := make(chan change, 16)
	reg.OnChange = func(up bool, err error) { ch <- change{up, err} }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Register(ctx, reg) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(15 * time.Second):
				t.Error("Register did not return within 15 s of its context ending")
			}
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return ch, stop
}

var regStart = time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
