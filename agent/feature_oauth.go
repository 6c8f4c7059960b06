package agent

import (
	"fmt"

	"github.com/pbxagent/pbxagent/agent/oauth"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// newOAuth builds the OAuth2 authorization server for other companies' web
// apps (apps API, authorize/token/revoke, metadata); its access tokens
// become one of the HTTP layer's authenticators. People sign in through
// the users component.
func newOAuth(b *build) (platform.Component, error) {
	s, err := oauth.New(b.ctx, b.store.Meta("oauth"), accounts{b.d.users}, b.cfg.OAuth, oauth.WithLogger(b.logger("oauth")))
	if err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	b.d.mux.AddAuthenticator(s)
	b.d.oauth = s
	return s, nil
}

// newCORS builds the CORS allow-list (config and API); the daemon wraps
// the whole HTTP handler with it, so preflights need no credentials.
func newCORS(b *build) (platform.Component, error) {
	c, err := oauth.NewCORS(b.ctx, b.store.Meta("oauth"), b.cfg.CORS)
	if err != nil {
		return nil, fmt.Errorf("cors: %w", err)
	}
	b.d.cors = c
	return c, nil
}
