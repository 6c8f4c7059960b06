package users

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/netip"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// CookieName is the session cookie's name.
const CookieName = "pbxagent_session"

// CSRFHeader is the header that carries the session's CSRF token on
// state-changing requests made with the session cookie.
const CSRFHeader = "X-CSRF-Token"

var (
	errSessionEnded = &platform.APIError{Status: http.StatusUnauthorized, Code: platform.CodeUnauthorized,
		Message: "the session has ended (expired, signed out or the user was removed); sign in again"}
	errCSRF = &platform.APIError{Status: http.StatusForbidden, Code: platform.CodeForbidden,
		Message: "missing or wrong " + CSRFHeader + " header: send the csrf_token that login and GET /api/v1/users/me return"}
	errBadLogin = &platform.APIError{Status: http.StatusUnauthorized, Code: platform.CodeUnauthorized,
		Message: "wrong username or password"}
	errThrottled = &platform.APIError{Status: http.StatusTooManyRequests, Code: platform.CodeTooManyRequests,
		Message: "too many failed logins; try again later"}
)

// safeMethod reports whether a method does not change state (RFC 9110
// §9.2.1); other methods made with the session cookie need the CSRF token.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions || m == http.MethodTrace
}

// Authenticate implements platform.Authenticator for the session cookie.
// A request without the cookie, or with an Authorization header (bearer
// tokens go to their own authenticator and need no CSRF token), is not
// its business (ok false). A cookie naming no live session, a disabled or
// deleted user, or a state-changing request without the session's CSRF
// token in X-CSRF-Token is an error (*platform.APIError, 401 or 403).
func (s *Service) Authenticate(r *http.Request) (platform.Principal, bool, error) {
	if r.Header.Get("Authorization") != "" {
		return platform.Principal{}, false, nil
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return platform.Principal{}, false, nil
	}
	rec, ss, err := s.live(c.Value, s.clk.Now())
	if err != nil {
		return platform.Principal{}, false, err
	}
	if !safeMethod(r.Method) && subtle.ConstantTimeCompare([]byte(r.Header.Get(CSRFHeader)), []byte(ss.csrf)) != 1 {
		return platform.Principal{}, false, errCSRF
	}
	p := rec.principal()
	p.Credential = hex.EncodeToString(ss.hash[:])
	return p, true, nil
}

// CheckCredential implements platform.CredentialChecker for session
// principals: an error (errSessionEnded) when the session p was
// authenticated with has ended — signed out, ended by a password change,
// or past its idle or absolute timeout. It does not count as a use of the
// session (a socket left open does not keep it alive). Other principals
// are not its business (nil).
func (s *Service) CheckCredential(_ context.Context, p platform.Principal) error {
	if p.Kind != platform.KindSession {
		return nil
	}
	var h [sha256.Size]byte
	b, err := hex.DecodeString(p.Credential)
	if err != nil || len(b) != len(h) {
		return errSessionEnded
	}
	copy(h[:], b)
	s.sessions.mu.RLock()
	ss, ok := s.sessions.byHash[h]
	s.sessions.mu.RUnlock()
	if !ok || ss.userID != p.UserID || s.expired(ss.created, time.Unix(0, ss.lastSeen.Load()), s.clk.Now()) {
		return errSessionEnded
	}
	return nil
}

// live returns the session of a cookie value and its user, and marks it
// used at now.
func (s *Service) live(id string, now time.Time) (*record, *session, error) {
	ss, ok := s.sessions.lookup(id)
	if !ok || s.expired(ss.created, time.Unix(0, ss.lastSeen.Load()), now) {
		return nil, nil, errSessionEnded
	}
	rec, ok := s.user(ss.userID)
	if !ok || rec.Disabled {
		return nil, nil, errSessionEnded
	}
	ss.lastSeen.Store(now.UnixNano())
	return rec, ss, nil
}

// sessionOf returns the live session of the request's cookie.
func (s *Service) sessionOf(r *http.Request) (*session, bool) {
	c, err := r.Cookie(CookieName)
	if err != nil {
		return nil, false
	}
	_, ss, err := s.live(c.Value, s.clk.Now())
	return ss, err == nil
}

// CheckPassword checks a username and password from addr under the
// failed-login throttle and returns the user's session principal. It is
// what the login route, and an OAuth2 login page, use. Errors are
// *platform.APIError: 401 for a wrong username or password (the same for
// both, and for a disabled user), 429 when throttled, 503 when too many
// hashes are being computed.
func (s *Service) CheckPassword(ctx context.Context, username, password string, addr netip.Addr) (platform.Principal, error) {
	rec, err := s.checkPassword(ctx, username, password, addr)
	if err != nil {
		return platform.Principal{}, err
	}
	return rec.principal(), nil
}

func (s *Service) checkPassword(ctx context.Context, username, password string, addr netip.Addr) (*record, error) {
	key := usernameKey(username)
	if s.throttle.Blocked(key, addr, s.clk.Now()) {
		s.log.Info("login throttled", "addr", addr)
		return nil, errThrottled
	}
	release, err := s.acquireHash(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	rec, found := s.byUsername(username)
	hash := s.dummyHash
	if found && rec.PasswordHash != "" && len(password) <= MaxPasswordLen {
		hash = rec.PasswordHash
	}
	ok, rehash, err := VerifyPassword(hash, password, s.params)
	if err != nil {
		return nil, fmt.Errorf("verify password: stored hash: %w", err)
	}
	if !ok || hash == s.dummyHash || rec.Disabled {
		s.throttle.Fail(key, addr, s.clk.Now())
		s.log.Info("login failed", "addr", addr)
		s.log.Debug("login failed", "username", username, "known", found)
		return nil, errBadLogin
	}
	if rehash {
		if h, err := HashPassword(password, s.params); err == nil {
			if _, err := s.update(ctx, rec.ID, change{hash: h, ifHash: rec.PasswordHash}); err != nil {
				s.log.Warn("rehash password", "user_id", rec.ID, "err", err)
			} else {
				s.log.Info("password rehashed with new parameters", "user_id", rec.ID)
			}
		}
	}
	return rec, nil
}

// startSession creates a session for a user and returns its id (for the
// cookie) and the session.
func (s *Service) startSession(ctx context.Context, userID string) (string, *session, error) {
	id, h, err := newSessionID()
	if err != nil {
		return "", nil, err
	}
	csrf, err := newCSRFToken()
	if err != nil {
		return "", nil, err
	}
	now := s.clk.Now().UTC()
	ss := &session{key: sessionKey(h), hash: h, userID: userID, csrf: csrf, created: now, stored: now.UnixNano()}
	ss.lastSeen.Store(now.UnixNano())
	puts := map[string][]byte{ss.key: marshal(ss.rec())}
	var dels []string
	var ended []*session
	s.skv.Lock()
	defer s.skv.Unlock()
	old := s.sessions.ofUser(userID)
	for i, o := range old {
		if s.expired(o.created, time.Unix(0, o.lastSeen.Load()), now) || len(old)-i >= s.cfg.MaxSessionsPerUser {
			ended = append(ended, o)
			dels = append(dels, o.key)
		}
	}
	if err := s.kv.WriteBatch(ctx, puts, dels); err != nil {
		return "", nil, fmt.Errorf("store session: %w", err)
	}
	s.sessions.remove(ended...)
	s.sessions.insert(ss)
	return id, ss, nil
}

// endSession ends one session.
func (s *Service) endSession(ctx context.Context, ss *session) error {
	s.skv.Lock()
	defer s.skv.Unlock()
	keys := s.sessions.remove(ss)
	if len(keys) == 0 {
		return nil
	}
	return s.kv.WriteBatch(ctx, nil, keys)
}

// setCookie sets (or with an empty id, clears) the session cookie. The
// cookie lives as long as the browser session; the daemon ends it after
// the idle or absolute timeout.
func (s *Service) setCookie(w http.ResponseWriter, r *http.Request, id string) {
	c := &http.Cookie{Name: CookieName, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil || s.cfg.SecureCookie}
	if id == "" {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

func subtleEq(a, b string) int { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) }
