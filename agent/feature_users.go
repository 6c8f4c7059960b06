package agent

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/users"
	"github.com/pbxagent/pbxagent/ari"
)

// newUsers builds the users component: people who sign in to the web
// console, with their roles, abilities and devices. Its session cookie
// becomes one of the HTTP layer's authenticators, and desk phones' owners
// are mapped to user ids once.
func newUsers(b *build) (platform.Component, error) {
	opts := []users.Option{users.WithLogger(b.logger("users")), users.WithDevicesChanged(b.d.devs.fire)}
	if b.cfg.ARI.URL != "" {
		opts = append(opts, users.WithEndpoints(lazyEndpoints{b.d}))
	}
	u, err := users.New(b.ctx, b.store.MetaBatch("users"), b.cfg.Users, opts...)
	if err != nil {
		return nil, fmt.Errorf("users: %w", err)
	}
	m, err := u.MigratePhoneOwners(b.ctx, b.store.Meta("phones"))
	if err != nil {
		return nil, fmt.Errorf("users: migrate phone owners: %w", err)
	}
	if len(m.Unmatched) > 0 || len(m.Conflicts) > 0 {
		b.logger("users").Warn("phone owners that name no user were left as they are", "unmatched", len(m.Unmatched), "conflicts", len(m.Conflicts))
	}
	b.d.users = u
	b.d.mux.AddAuthenticator(u)
	return u, nil
}

// lazyEndpoints lists Asterisk's endpoints through the ARI connection,
// which is built after the users component.
type lazyEndpoints struct{ d *Daemon }

// List implements users.Endpoints.
func (l lazyEndpoints) List(ctx context.Context) ([]ari.Endpoint, error) {
	return l.d.ari.Endpoints().List(ctx)
}

// accounts adapts the users component to what the OAuth2 server needs to
// sign people in and to check their rights on every request.
type accounts struct{ u *users.Service }

// Login implements oauth.Accounts.
func (a accounts) Login(ctx context.Context, username, password, remoteAddr string) (platform.Principal, error) {
	addr, _ := netip.ParseAddrPort(remoteAddr)
	return a.u.CheckPassword(ctx, username, password, addr.Addr())
}

// Current implements oauth.Accounts.
func (a accounts) Current(ctx context.Context, userID string) (platform.Principal, error) {
	return a.u.Current(ctx, userID)
}
