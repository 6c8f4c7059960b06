package agent

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/pbxagent/pbxagent/agent/ldapdir"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// ldapListener is the LDAP directory's listener, for bind errors.
var ldapListener = listener{what: "the LDAP directory for phones", key: "ldap.addr", canDisable: true}

// ldapDir is the LDAP directory desk phones search (agent/ldapdir), off
// while ldap.addr is empty. It reads the phone book through the phones
// service: phones bind with their phone-book credentials.
type ldapDir struct {
	addr string
	srv  *ldapdir.Server

	mu sync.Mutex
	ln net.Listener
}

func newLDAP(b *build) (platform.Component, error) {
	cfg := b.cfg.LDAP
	if cfg.Addr == "" {
		return nil, nil
	}
	if b.d.phones == nil {
		return nil, fmt.Errorf("config ldap.addr: the LDAP directory needs the phones feature")
	}
	allow, err := prefixes(cfg.Allow)
	if err != nil {
		return nil, fmt.Errorf("config ldap.allow: %w", err)
	}
	srv, err := ldapdir.New(ldapdir.Config{BaseDN: cfg.BaseDN, Allow: allow, SizeLimit: cfg.SizeLimit,
		IdleTimeout: cfg.IdleTimeout, MaxConns: cfg.MaxConns, Logger: b.logger("ldap")}, b.d.phones)
	if err != nil {
		return nil, fmt.Errorf("config ldap: %w", err)
	}
	return &ldapDir{addr: cfg.Addr, srv: srv}, nil
}

// Name implements platform.Component.
func (l *ldapDir) Name() string { return "ldap" }

// Listen binds the LDAP port.
func (l *ldapDir) Listen(context.Context) error {
	ln, err := net.Listen("tcp", l.addr)
	if err != nil {
		return ldapListener.bindError(l.addr, err)
	}
	l.mu.Lock()
	l.ln = ln
	l.mu.Unlock()
	return nil
}

// Addr is the address listened on (nil before Listen).
func (l *ldapDir) Addr() net.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln == nil {
		return nil
	}
	return l.ln.Addr()
}

// Run serves the directory until ctx ends.
func (l *ldapDir) Run(ctx context.Context) error {
	l.mu.Lock()
	ln := l.ln
	l.mu.Unlock()
	if ln == nil {
		<-ctx.Done()
		return nil
	}
	return l.srv.Serve(ctx, ln)
}

// Shutdown stops the server: the listener and every connection close.
func (l *ldapDir) Shutdown(context.Context) error {
	l.srv.Stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		_ = l.ln.Close()
	}
	return nil
}

// Ready reports whether the port is bound.
func (l *ldapDir) Ready(context.Context) error {
	if l.Addr() == nil {
		return errNotListening
	}
	return nil
}

// LDAPAddr is the LDAP directory's address ("" when it is off or not
// listening).
func (d *Daemon) LDAPAddr() string {
	for _, c := range d.Components() {
		if l, ok := c.(*ldapDir); ok {
			if a := l.Addr(); a != nil {
				return a.String()
			}
		}
	}
	return ""
}
