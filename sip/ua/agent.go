package ua

import (
	"context"
	"errors"
	"log/slog"
	"net"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/pbxagent/pbxagent/internal/clock"
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
}

// New checks cfg and returns an Agent; Run starts it.
func New(cfg Config) (*Agent, error) { return nil, errors.New("ua: New not written yet") }

// Run listens and serves until ctx ends; then it hangs up every call
// (BYE, or CANCEL for one still ringing), waits for them to end, and
// returns. Ready is closed once it listens.
func (a *Agent) Run(ctx context.Context) error { return errors.New("ua: Run not written yet") }

// Ready is closed once Run listens on every transport.
func (a *Agent) Ready() <-chan struct{} { return nil }

// Addr is the address listened on for transport ("udp" or "tcp"), valid
// after Ready.
func (a *Agent) Addr(transport string) net.Addr { return nil }

// Calls is the number of calls (dialogs) alive, ringing ones included.
func (a *Agent) Calls() int { return 0 }

// Dial places a call and blocks until it is answered (the Call is up and
// its media run), fails (a *DialError with the final status), or ctx ends
// (a CANCEL is sent; the error wraps ctx.Err()). The ring time is bounded
// by Config.RingTimeout and req.Timeout.
func (a *Agent) Dial(ctx context.Context, req DialRequest) (*Call, error) {
	return nil, errors.New("ua: Dial not written yet")
}
