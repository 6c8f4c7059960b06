package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/ari"
)

// ariConn is the ARI connection the Stasis caller-ID app and the dialer
// share: it connects when the daemon starts and closes when it stops.
type ariConn struct{ conn *ari.Conn }

func newARI(b *build) (platform.Component, error) {
	c := b.cfg.ARI
	if c.URL == "" {
		return nil, nil
	}
	var apps []string
	for _, a := range []string{c.CallerIDApp, c.DialerApp, c.CallsApp} {
		if a != "" && !slices.Contains(apps, a) {
			apps = append(apps, a) // ari.calls_app "" turns the calls engine off
		}
	}
	conn, err := ari.New(c.URL, ari.WithApps(apps...), ari.WithAuth(c.User, c.Pass), ari.WithIdleTimeout(c.IdleTimeout),
		ari.WithLogger(b.logger("ari")))
	if err != nil {
		return nil, fmt.Errorf("config ari.url: %w", err)
	}
	b.d.ari = conn
	return &ariConn{conn: conn}, nil
}

// Name implements platform.Component.
func (*ariConn) Name() string { return "ari" }

// Listen starts the events loop (it connects, and reconnects, by itself).
func (a *ariConn) Listen(context.Context) error {
	if err := a.conn.Start(); err != nil {
		return fmt.Errorf("ari: %w", err)
	}
	return nil
}

// Shutdown closes the connection.
func (a *ariConn) Shutdown(context.Context) error { return a.conn.Close() }

// errARINotConnected: the events WebSocket is not (yet) up.
var errARINotConnected = errors.New("not connected")

// errARIUnauthorized: Asterisk refuses ari.user and ari.pass.
var errARIUnauthorized = errors.New("ARI rejected the user or password (ari.user and ari.pass must match a user of Asterisk's ari.conf)")

// Ready reports whether the events WebSocket is connected and reconciled,
// and when it is not because Asterisk refuses the credentials, says so.
func (a *ariConn) Ready(context.Context) error {
	if !a.conn.Ready() {
		if errors.Is(a.conn.LastError(), ari.ErrUnauthorized) {
			return errARIUnauthorized
		}
		return errARINotConnected
	}
	return nil
}
