package oauth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// bindCookie ties a pending authorization to the browser that started it
// (with the form's csrf_token, the forms' CSRF protection).
const bindCookie = "pbx_oauth_bind"

// maxState bounds the state parameter.
const maxState = 1024

// pendingAuth is an authorization request between its GET and the
// consent (in memory only).
type pendingAuth struct {
	ID, CSRF, Bind string
	AppID          string
	RedirectURI    string
	NamedRedirect  bool
	State          string
	Scopes         []platform.Scope
	Challenge      string
	// UserID is set once the person signed in (or was signed in already).
	UserID  string
	Expires time.Time
}

// authError is an error sent back to the app's redirect URI (RFC 6749
// §4.1.2.1).
type authError struct{ code, desc string }

// authorize serves GET /oauth/authorize.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// Until the client and its redirect URI are known good, errors are
	// shown here and the browser is not redirected (RFC 6749 §4.1.2.1).
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge", "code_challenge_method"} {
		if len(q[k]) > 1 {
			renderError(w, http.StatusBadRequest, fmt.Sprintf("The request names %s more than once.", k))
			return
		}
	}
	app := s.app(q.Get("client_id"))
	if app == nil {
		renderError(w, http.StatusBadRequest, text.BadClient)
		return
	}
	redirect, named := q.Get("redirect_uri"), q.Has("redirect_uri")
	switch {
	case named && !matchRedirectURI(app.RedirectURIs, redirect):
		s.log.Info("oauth: authorization refused: redirect_uri not registered", "client_id", app.ClientID)
		renderError(w, http.StatusBadRequest, text.BadRedirect)
		return
	case !named && len(app.RedirectURIs) != 1:
		renderError(w, http.StatusBadRequest, text.MissingRedirect)
		return
	case !named:
		redirect = app.RedirectURIs[0]
	}
	state := q.Get("state")
	if len(state) > maxState {
		state = ""
		s.redirectError(w, r, redirect, "", authError{"invalid_request", "state is longer than 1024 bytes"})
		return
	}
	p := &pendingAuth{AppID: app.ClientID, RedirectURI: redirect, NamedRedirect: named, State: state}
	if ae := s.checkAuthRequest(app, q, p); ae != nil {
		s.redirectError(w, r, redirect, state, *ae)
		return
	}
	// A person already signed in to the web console skips the login form.
	if pr, ok := platform.PrincipalFrom(r.Context()); ok && pr.Kind == platform.KindSession && pr.UserID != "" {
		p.UserID = pr.UserID
	}
	if !s.startPending(w, r, p) {
		return
	}
	if p.UserID != "" {
		s.showConsent(w, r, p, app, p.UserID)
		return
	}
	s.showLogin(w, r, p, app, http.StatusOK, "", "")
}

// checkAuthRequest checks what is sent back to the app when wrong.
func (s *Server) checkAuthRequest(app *appRec, q url.Values, p *pendingAuth) *authError {
	if q.Get("response_type") != "code" {
		return &authError{"unsupported_response_type", "response_type must be code"}
	}
	if !app.allows(GrantAuthorizationCode) {
		return &authError{"unauthorized_client", "this app may not use the authorization code grant"}
	}
	ch, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case ch == "":
		return &authError{"invalid_request", "code_challenge is required (PKCE, RFC 7636)"}
	case method != "S256":
		return &authError{"invalid_request", "code_challenge_method must be S256 (plain is not supported)"}
	case !validChallenge(ch):
		return &authError{"invalid_request", "code_challenge must be the 43-character base64url SHA-256 of the verifier"}
	}
	p.Challenge = ch
	scopes, err := ParseScope(q.Get("scope"))
	switch {
	case err != nil:
		return &authError{"invalid_scope", err.Error()}
	case len(scopes) == 0:
		scopes = app.Scopes
	case !subset(scopes, app.Scopes):
		return &authError{"invalid_scope", "the app is not allowed some of the scopes it asks for"}
	}
	p.Scopes = scopes
	return nil
}

// validChallenge: S256 gives 32 bytes in unpadded base64url (43 characters).
func validChallenge(ch string) bool {
	if len(ch) != 43 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(ch)
	return err == nil && len(b) == 32
}

// validVerifier: RFC 7636 §4.1: 43 to 128 unreserved characters.
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// s256 is BASE64URL(SHA256(verifier)).
func s256(verifier string) string {
	h := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// startPending records p, binding it to the browser; false when it
// answered already.
func (s *Server) startPending(w http.ResponseWriter, r *http.Request, p *pendingAuth) bool {
	bind := ""
	if c, err := r.Cookie(bindCookie); err == nil && len(c.Value) == 32 {
		bind = c.Value
	} else {
		bind = randomID(16)
	}
	now := s.clk.Now()
	p.ID, p.CSRF, p.Bind, p.Expires = randomID(16), randomID(16), bind, now.Add(s.cfg.LoginTTL)
	s.mu.Lock()
	if len(s.pending) >= s.cfg.MaxPending {
		for id, o := range s.pending {
			if !now.Before(o.Expires) {
				delete(s.pending, id)
			}
		}
	}
	full := len(s.pending) >= s.cfg.MaxPending
	if !full {
		s.pending[p.ID] = p
	}
	s.mu.Unlock()
	if full {
		w.Header().Set("Retry-After", "60")
		renderError(w, http.StatusServiceUnavailable, text.Busy)
		return false
	}
	http.SetCookie(w, &http.Cookie{Name: bindCookie, Value: bind, Path: s.basePath(r) + "/oauth/",
		MaxAge: int(s.cfg.LoginTTL / time.Second), HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteLaxMode})
	return true
}

// takePending finds the pending authorization a form names and checks
// its CSRF protection; nil when it answered already.
func (s *Server) takePending(w http.ResponseWriter, r *http.Request) *pendingAuth {
	if err := limitForm(w, r); err != nil {
		renderError(w, http.StatusBadRequest, text.BadForm)
		return nil
	}
	id, csrf := r.PostForm.Get("txn"), r.PostForm.Get("csrf_token")
	c, err := r.Cookie(bindCookie)
	s.mu.RLock()
	p := s.pending[id]
	s.mu.RUnlock()
	if p == nil || err != nil || !s.clk.Now().Before(p.Expires) ||
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(p.Bind)) != 1 ||
		subtle.ConstantTimeCompare([]byte(csrf), []byte(p.CSRF)) != 1 {
		renderError(w, http.StatusForbidden, text.Expired)
		return nil
	}
	return p
}

// login serves POST /oauth/authorize/login.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	p := s.takePending(w, r)
	if p == nil {
		return
	}
	app := s.app(p.AppID)
	if app == nil {
		renderError(w, http.StatusBadRequest, text.BadClient)
		return
	}
	user := r.PostForm.Get("username")
	pr, err := s.acc.Login(r.Context(), user, r.PostForm.Get("password"), remoteAddr(r))
	if err != nil || pr.UserID == "" {
		s.log.Debug("oauth: login failed", "client_id", app.ClientID, "err", err)
		s.showLogin(w, r, p, app, http.StatusUnauthorized, text.LoginFailed, user)
		return
	}
	s.mu.Lock()
	p.UserID = pr.UserID
	s.mu.Unlock()
	s.showConsent(w, r, p, app, pr.UserID)
}

// consent serves POST /oauth/authorize/consent.
func (s *Server) consent(w http.ResponseWriter, r *http.Request) {
	p := s.takePending(w, r)
	if p == nil {
		return
	}
	s.mu.Lock()
	_, live := s.pending[p.ID]
	delete(s.pending, p.ID) // one answer per authorization
	userID := p.UserID
	s.mu.Unlock()
	app := s.app(p.AppID)
	switch {
	case !live || userID == "":
		renderError(w, http.StatusForbidden, text.Expired)
		return
	case app == nil:
		renderError(w, http.StatusBadRequest, text.BadClient)
		return
	case r.PostForm.Get("decision") != "allow":
		s.redirectError(w, r, p.RedirectURI, p.State, authError{"access_denied", "the user refused"})
		return
	}
	u, err := s.acc.Current(r.Context(), userID)
	if err != nil {
		s.redirectError(w, r, p.RedirectURI, p.State, authError{"access_denied", "the user cannot sign in"})
		return
	}
	scopes := s.grantable(p.Scopes, app, u)
	if len(scopes) == 0 {
		s.redirectError(w, r, p.RedirectURI, p.State, authError{"invalid_scope", "the user holds none of the scopes asked for"})
		return
	}
	code := randomToken(prefixCode)
	s.mu.Lock()
	s.codes[hashOf(code)] = &codeRec{AppID: app.ClientID, UserID: userID, RedirectURI: p.RedirectURI, NamedRedirect: p.NamedRedirect,
		Scopes: scopes, Challenge: p.Challenge, Expires: s.clk.Now().Add(s.cfg.CodeTTL)}
	s.mu.Unlock()
	s.log.Info("oauth: authorization granted", "client_id", app.ClientID, "user_id", userID, "scope", FormatScope(scopes))
	s.redirectBack(w, r, p.RedirectURI, url.Values{"code": {code}}, p.State)
}

// grantable are the scopes asked for that the app is allowed and the
// user holds now.
func (s *Server) grantable(asked []platform.Scope, app *appRec, u platform.Principal) []platform.Scope {
	return intersect(intersect(asked, app.Scopes), platform.RoleScopes(u.Role, u.Abilities))
}

func (s *Server) showLogin(w http.ResponseWriter, r *http.Request, p *pendingAuth, app *appRec, status int, errMsg, user string) {
	render(w, status, "login", page{Title: text.LoginTitle, Lead: fmt.Sprintf(text.LoginLead, app.Name), Error: errMsg,
		Action: s.basePath(r) + "/oauth/authorize/login", Txn: p.ID, CSRF: p.CSRF, Username: user})
}

func (s *Server) showConsent(w http.ResponseWriter, r *http.Request, p *pendingAuth, app *appRec, userID string) {
	u, err := s.acc.Current(r.Context(), userID)
	if err != nil {
		s.redirectError(w, r, p.RedirectURI, p.State, authError{"access_denied", "the user cannot sign in"})
		return
	}
	var lines []scopeLine
	for _, sc := range s.grantable(p.Scopes, app, u) {
		lines = append(lines, scopeLine{Name: sc, Text: text.Scopes[sc]})
	}
	if len(lines) == 0 {
		s.mu.Lock()
		delete(s.pending, p.ID)
		s.mu.Unlock()
		s.redirectError(w, r, p.RedirectURI, p.State, authError{"invalid_scope", "the user holds none of the scopes asked for"})
		return
	}
	name := u.Username
	if name == "" {
		name = userID
	}
	render(w, http.StatusOK, "consent", page{Title: fmt.Sprintf(text.ConsentTitle, app.Name), Lead: fmt.Sprintf(text.ConsentLead, app.Name),
		SignedInAs: fmt.Sprintf(text.ConsentSignedInAs, name), Scopes: lines,
		Action: s.basePath(r) + "/oauth/authorize/consent", Txn: p.ID, CSRF: p.CSRF})
}

// redirectError sends the error back to the app (RFC 6749 §4.1.2.1).
func (s *Server) redirectError(w http.ResponseWriter, r *http.Request, redirect, state string, e authError) {
	s.redirectBack(w, r, redirect, url.Values{"error": {e.code}, "error_description": {e.desc}}, state)
}

// redirectBack sends the browser to the registered redirect URI with
// params, the state and the issuer (RFC 9207) added to its query.
func (s *Server) redirectBack(w http.ResponseWriter, r *http.Request, redirect string, params url.Values, state string) {
	u, err := url.Parse(redirect)
	if err != nil { // registered URIs were validated
		renderError(w, http.StatusInternalServerError, text.Internal)
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if state != "" {
		q.Set("state", state)
	}
	q.Set("iss", s.issuer(r))
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	status := http.StatusFound
	if r.Method == http.MethodPost {
		status = http.StatusSeeOther
	}
	http.Redirect(w, r, u.String(), status)
}

// issuer is the configured issuer, or one derived from the request.
func (s *Server) issuer(r *http.Request) string {
	if s.cfg.Issuer != "" {
		return strings.TrimSuffix(s.cfg.Issuer, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// basePath is the issuer's path ("" at the root).
func (s *Server) basePath(r *http.Request) string {
	if s.cfg.Issuer == "" {
		return ""
	}
	u, err := url.Parse(s.cfg.Issuer)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// secure: cookies are Secure over TLS or under an https issuer.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(s.cfg.Issuer, "https://")
}

func remoteAddr(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}
