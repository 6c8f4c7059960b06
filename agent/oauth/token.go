package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Token kinds.
const (
	kindAccess  = "access"
	kindRefresh = "refresh"
)

// tokenRec is an issued token, kept under the SHA-256 of its value.
type tokenRec struct {
	Kind   string           `json:"kind"`
	AppID  string           `json:"app"`
	UserID string           `json:"user,omitempty"` // "" for client credentials
	Scopes []platform.Scope `json:"scopes"`
	// Family groups the tokens of one authorization (one code and every
	// refresh after it); a reused rotated refresh token revokes it whole.
	Family  string    `json:"family,omitempty"`
	Expires time.Time `json:"expires"`
	// Rotated marks a refresh token already exchanged; kept until it
	// expires so that its reuse is detected.
	Rotated bool `json:"rotated,omitempty"`
}

// codeRec is an authorization code (in memory only: it lives a minute).
type codeRec struct {
	AppID       string
	UserID      string
	RedirectURI string
	// NamedRedirect: the request named redirect_uri, so the token request
	// must name the same (RFC 6749 §4.1.3).
	NamedRedirect bool
	Scopes        []platform.Scope
	Challenge     string
	Expires       time.Time
	// Used and Family: a code exchanged twice revokes the tokens issued
	// for it (RFC 6749 §4.1.2).
	Used   bool
	Family string
}

// errTooManyTokens: the MaxTokens cap is reached.
var errTooManyTokens = errors.New("too many live tokens")

// errFamilyRevoked: the grant was revoked while a token was being issued.
var errFamilyRevoked = errors.New("the grant was revoked")

// addToken indexes t (caller holds mu, or owns s alone).
func (s *Server) addToken(h [32]byte, t *tokenRec) {
	s.tokens[h] = t
	if t.Family != "" {
		f := s.families[t.Family]
		if f == nil {
			f = map[[32]byte]struct{}{}
			s.families[t.Family] = f
		}
		f[h] = struct{}{}
	}
}

// removeTokenLocked drops h from memory (caller holds mu).
func (s *Server) removeTokenLocked(h [32]byte) {
	t := s.tokens[h]
	if t == nil {
		return
	}
	delete(s.tokens, h)
	s.gen.Add(1)
	if f := s.families[t.Family]; f != nil {
		delete(f, h)
		if len(f) == 0 {
			delete(s.families, t.Family)
		}
	}
}

// issue stores a new token of kind and returns its value. A family
// revoked meanwhile (a concurrent reuse) gets no new token.
func (s *Server) issue(ctx context.Context, kind, appID, userID, family string, scopes []platform.Scope, ttl time.Duration) (string, time.Time, error) {
	prefix := prefixAccess
	if kind == kindRefresh {
		prefix = prefixRefresh
	}
	val := randomToken(prefix)
	h := hashOf(val)
	t := &tokenRec{Kind: kind, AppID: appID, UserID: userID, Scopes: scopes, Family: family, Expires: s.clk.Now().Add(ttl)}
	s.mu.Lock()
	switch {
	case len(s.tokens) >= s.cfg.MaxTokens:
		s.mu.Unlock()
		return "", time.Time{}, errTooManyTokens
	case family != "" && s.isRevokedLocked(family):
		s.mu.Unlock()
		return "", time.Time{}, errFamilyRevoked
	}
	s.addToken(h, t)
	s.mu.Unlock()
	if err := s.putToken(ctx, h, t); err != nil {
		s.mu.Lock()
		s.removeTokenLocked(h)
		s.mu.Unlock()
		return "", time.Time{}, err
	}
	// Revoked while it was being written: drop the durable copy too.
	s.mu.RLock()
	_, live := s.tokens[h]
	s.mu.RUnlock()
	if !live {
		_ = s.deleteTokens(ctx, [][32]byte{h})
		return "", time.Time{}, errFamilyRevoked
	}
	return val, t.Expires, nil
}

// isRevokedLocked reports whether family was revoked (caller holds mu).
func (s *Server) isRevokedLocked(family string) bool {
	_, ok := s.revoked[family]
	return ok
}

func (s *Server) putToken(ctx context.Context, h [32]byte, t *tokenRec) error {
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	if err := s.kv.Put(ctx, tokenKey(h), b); err != nil {
		return fmt.Errorf("oauth: store token: %w", err)
	}
	return nil
}

// revokeFamily drops every token of family, from memory at once, then
// from the KV.
func (s *Server) revokeFamily(ctx context.Context, family string) error {
	if family == "" {
		return nil
	}
	s.mu.Lock()
	// Remembered as long as a token of it could live, so that a refresh
	// or code exchange racing with the revocation adds nothing to it.
	s.revoked[family] = s.clk.Now().Add(max(s.cfg.RefreshTTL, s.cfg.AccessTTL))
	var hs [][32]byte
	for h := range s.families[family] {
		hs = append(hs, h)
	}
	for _, h := range hs {
		s.removeTokenLocked(h)
	}
	s.mu.Unlock()
	return s.deleteTokens(ctx, hs)
}

// revokeWhere drops every token for which match is true.
func (s *Server) revokeWhere(ctx context.Context, match func(*tokenRec) bool) error {
	s.mu.Lock()
	var hs [][32]byte
	for h, t := range s.tokens {
		if match(t) {
			hs = append(hs, h)
		}
	}
	for _, h := range hs {
		s.removeTokenLocked(h)
	}
	s.mu.Unlock()
	return s.deleteTokens(ctx, hs)
}

func (s *Server) deleteTokens(ctx context.Context, hs [][32]byte) error {
	var errs []error
	for _, h := range hs {
		if err := s.kv.Delete(ctx, tokenKey(h)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("oauth: delete revoked tokens: %w", err)
	}
	return nil
}

// RevokeUser revokes every token acting for userID (the users package
// calls it when a user is deleted or disabled; Authenticate refuses their
// tokens anyway, since Accounts.Current fails).
func (s *Server) RevokeUser(ctx context.Context, userID string) error {
	if userID == "" {
		return nil
	}
	return s.revokeWhere(ctx, func(t *tokenRec) bool { return t.UserID == userID })
}
