package agent

import (
	"context"
	"fmt"
	"io/fs"
	"sync"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/console"
	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/agent/users"
	"github.com/pbxagent/pbxagent/agent/wallboard"
	"github.com/pbxagent/pbxagent/web"
)

// wallboardFeature is the call-centre wallboard (docs/callgroups.md,
// "Wallboard"): wallboards in the store, their routes and data, the
// read-only wall-TV tokens, and the full-screen page /wallboard/.
type wallboardFeature struct {
	h    *wallboard.Handler
	page platform.Route
}

// newWallboard builds the wallboard (after the call groups and their
// statistics: it reads both).
func newWallboard(b *build) (platform.Component, error) {
	if b.d.users == nil {
		return nil, nil // wallboards are for signed-in managers and their tokens
	}
	log := b.logger("wallboard")
	opts := []wallboard.Option{wallboard.WithLogger(log)}
	groups, stats := wallboardSources(b)
	if groups != nil {
		opts = append(opts, wallboard.WithGroups(groups))
	}
	if stats != nil {
		opts = append(opts, wallboard.WithStats(stats))
	}
	s := wallboard.New(b.store.Meta("wallboards"), wallboardDir{b.d.users}, opts...)
	if err := s.Load(b.ctx); err != nil {
		return nil, fmt.Errorf("wallboard: %w", err)
	}
	html, err := fs.ReadFile(web.Public(), "wallboard/index.html")
	if err != nil {
		return nil, fmt.Errorf("wallboard page: %w", err)
	}
	b.d.mux.AddAuthenticator(s)
	b.d.laterCreds.add(s) // the events socket ends once a board's token is revoked
	return &wallboardFeature{h: wallboard.NewHandler(s), page: wallboard.PageRoute(html, console.CSP)}, nil
}

// wallboardSources are the call groups and their statistics the boards
// read; nil while those features are off (the data route then answers
// 503, and the counters are zero without statistics).
func wallboardSources(b *build) (wallboard.Groups, callgroups.Stats) {
	var g wallboard.Groups
	if b.d.callgroups != nil {
		g = b.d.callgroups
	}
	return g, b.d.cgStats
}

// Name implements platform.Component.
func (*wallboardFeature) Name() string { return "wallboard" }

// Routes implements platform.Router.
func (f *wallboardFeature) Routes() []platform.Route { return append(f.h.Routes(), f.page) }

// wallboardDir is the users service as the boards see it.
type wallboardDir struct{ users *users.Service }

// Person implements wallboard.Directory.
func (d wallboardDir) Person(id string) (wallboard.Person, bool) {
	u, ok := d.users.ByID(id)
	if !ok {
		return wallboard.Person{}, false
	}
	p := wallboard.Person{ID: u.ID, Name: u.DisplayName}
	if p.Name == "" {
		p.Name = u.Username
	}
	if len(u.Extensions) > 0 {
		p.Extension = u.Extensions[0]
	}
	return p, true
}

// credentialHook holds the credential checkers of features built after
// the events socket (wallboard tokens), asked with the others at each
// batch of events and ping.
type credentialHook struct {
	mu sync.RWMutex
	cs []platform.CredentialChecker
}

func (h *credentialHook) add(c platform.CredentialChecker) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.cs = append(h.cs, c)
}

// CheckCredential implements platform.CredentialChecker.
func (h *credentialHook) CheckCredential(ctx context.Context, p platform.Principal) error {
	h.mu.RLock()
	cs := h.cs
	h.mu.RUnlock()
	for _, c := range cs {
		if err := c.CheckCredential(ctx, p); err != nil {
			return err
		}
	}
	return nil
}
