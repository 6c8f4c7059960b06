package oauth

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// tokenError is an error of the token and revocation endpoints (RFC 6749
// §5.2).
type tokenError struct {
	Status int    `json:"-"`
	Code   string `json:"error" doc:"The RFC 6749 error code: invalid_request, invalid_client, invalid_grant, unauthorized_client, unsupported_grant_type, invalid_scope" example:"invalid_grant"`
	Desc   string `json:"error_description,omitempty" doc:"What is wrong, for the developer" example:"the code has expired"`
}

func (e *tokenError) Error() string { return e.Code + ": " + e.Desc }

func badRequest(code, desc string) *tokenError {
	return &tokenError{Status: http.StatusBadRequest, Code: code, Desc: desc}
}

// tokenResponse is a successful token answer (RFC 6749 §5.1).
type tokenResponse struct {
	AccessToken  string `json:"access_token" doc:"The access token: send it as Authorization: Bearer" example:"at_5Jx2m9QwLk8vR3nT7yB1cD4fG6hZ0pS"`
	TokenType    string `json:"token_type" doc:"Always Bearer" example:"Bearer"`
	ExpiresIn    int64  `json:"expires_in" doc:"Seconds until the access token expires" example:"3600"`
	RefreshToken string `json:"refresh_token,omitempty" doc:"The refresh token (authorization_code and refresh_token grants)" example:"rt_8Hq3nW6vX1zC4bM7kP0sL2dF5gJ9tR"`
	Scope        string `json:"scope" doc:"The granted scopes, space-separated" example:"contacts:read contacts:write"`
}

func writeTokenError(w http.ResponseWriter, e *tokenError) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="pbxagent"`)
	}
	noStore(w)
	platform.WriteJSON(w, e.Status, e)
}

func noStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
}

// readTokenForm reads the form of a token or revocation request: POST,
// application/x-www-form-urlencoded, each parameter at most once, none in
// the query.
func readTokenForm(w http.ResponseWriter, r *http.Request) *tokenError {
	ct := r.Header.Get("Content-Type")
	if mt, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded") {
		return badRequest("invalid_request", "Content-Type must be application/x-www-form-urlencoded")
	}
	if r.URL.RawQuery != "" {
		return badRequest("invalid_request", "parameters go in the body, not the query")
	}
	if err := limitForm(w, r); err != nil {
		return badRequest("invalid_request", "the body is not a readable form")
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			return badRequest("invalid_request", k+" is given more than once")
		}
	}
	return nil
}

// authClient authenticates the client: HTTP Basic (RFC 6749 §2.3.1) or
// client_id and client_secret in the form; a public app names its
// client_id only.
func (s *Server) authClient(r *http.Request) (*appRec, *tokenError) {
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return nil, &tokenError{Status: http.StatusUnauthorized, Code: "invalid_client", Desc: "malformed Basic credentials"}
		}
		if fid := r.PostForm.Get("client_id"); fid != "" && fid != id {
			return nil, badRequest("invalid_request", "client_id differs from the Basic credentials")
		}
		if r.PostForm.Has("client_secret") {
			return nil, badRequest("invalid_request", "use one client authentication method")
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	unauthorized := &tokenError{Status: http.StatusUnauthorized, Code: "invalid_client", Desc: "unknown client or wrong secret"}
	if id == "" {
		return nil, unauthorized
	}
	app := s.app(id)
	switch {
	case app == nil:
		return nil, unauthorized
	case app.Type == AppPublic && secret != "":
		return nil, unauthorized
	case app.Type == AppConfidential && !app.checkSecret(secret):
		return nil, unauthorized
	}
	return app, nil
}

// clientRequest reads the form of a token or revocation request and
// authenticates its client; on failure it has answered with the OAuth2
// error.
func (s *Server) clientRequest(w http.ResponseWriter, r *http.Request) (*appRec, bool) {
	if e := readTokenForm(w, r); e != nil {
		writeTokenError(w, e)
		return nil, false
	}
	app, e := s.authClient(r)
	if e != nil {
		writeTokenError(w, e)
		return nil, false
	}
	return app, true
}

// token serves POST /oauth/token.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	app, ok := s.clientRequest(w, r)
	if !ok {
		return
	}
	var resp *tokenResponse
	var e *tokenError
	switch g := r.PostForm.Get("grant_type"); g {
	case GrantAuthorizationCode:
		resp, e = s.exchangeCode(r, app)
	case GrantRefreshToken:
		resp, e = s.refresh(r, app)
	case GrantClientCredentials:
		resp, e = s.clientCredentials(r, app)
	case "":
		e = badRequest("invalid_request", "grant_type is required")
	default:
		e = badRequest("unsupported_grant_type", "grant_type must be one of authorization_code, refresh_token, client_credentials")
	}
	if e != nil {
		writeTokenError(w, e)
		return
	}
	noStore(w)
	platform.WriteJSON(w, http.StatusOK, resp)
}

// serverError turns an internal failure into a token error, logging it.
func (s *Server) serverError(r *http.Request, err error) *tokenError {
	if errors.Is(err, errFamilyRevoked) {
		return badRequest("invalid_grant", "the grant was revoked")
	}
	if errors.Is(err, errTooManyTokens) {
		s.log.Warn("oauth: token refused: oauth.max_tokens reached", "max_tokens", s.cfg.MaxTokens)
		return &tokenError{Status: http.StatusServiceUnavailable, Code: "temporarily_unavailable", Desc: "too many live tokens; try again later"}
	}
	s.log.Error("oauth: token endpoint", "err", err, "request_id", platform.RequestID(r.Context()))
	return &tokenError{Status: http.StatusInternalServerError, Code: "server_error", Desc: "internal error; quote request id " + platform.RequestID(r.Context())}
}

func (s *Server) exchangeCode(r *http.Request, app *appRec) (*tokenResponse, *tokenError) {
	if !app.allows(GrantAuthorizationCode) {
		return nil, badRequest("unauthorized_client", "this app may not use the authorization code grant")
	}
	code := r.PostForm.Get("code")
	if code == "" {
		return nil, badRequest("invalid_request", "code is required")
	}
	h := hashOf(code)
	now := s.clk.Now()
	s.mu.Lock()
	c := s.codes[h]
	var reused bool
	var family string
	if c != nil && c.AppID == app.ClientID {
		reused, family = c.Used, c.Family
		if !c.Used {
			c.Used = true // one attempt, right or wrong
			c.Family = randomID(16)
		}
	}
	s.mu.Unlock()
	invalid := badRequest("invalid_grant", "the code is unknown, expired, used or not this app's")
	switch {
	case c == nil || c.AppID != app.ClientID:
		return nil, invalid
	case reused:
		s.log.Warn("oauth: authorization code reused; its tokens revoked", "client_id", app.ClientID)
		if err := s.revokeFamily(r.Context(), family); err != nil {
			return nil, s.serverError(r, err)
		}
		return nil, invalid
	case !now.Before(c.Expires):
		return nil, invalid
	}
	ru := r.PostForm.Get("redirect_uri")
	if (c.NamedRedirect || ru != "") && ru != c.RedirectURI {
		return nil, badRequest("invalid_grant", "redirect_uri differs from the authorization request's")
	}
	v := r.PostForm.Get("code_verifier")
	switch {
	case v == "":
		return nil, badRequest("invalid_request", "code_verifier is required (PKCE, RFC 7636)")
	case !validVerifier(v):
		return nil, badRequest("invalid_request", "code_verifier must be 43 to 128 unreserved characters")
	case subtle.ConstantTimeCompare([]byte(s256(v)), []byte(c.Challenge)) != 1:
		return nil, badRequest("invalid_grant", "code_verifier does not match the code_challenge")
	}
	if _, err := s.acc.Current(r.Context(), c.UserID); err != nil {
		return nil, badRequest("invalid_grant", "the user who granted the code cannot sign in any more")
	}
	return s.issuePair(r, app, c.UserID, c.Family, c.Scopes, c.Scopes)
}

// issuePair issues an access token with scopes and, if the app may
// refresh, a refresh token carrying grant (the scopes of the original
// authorization).
func (s *Server) issuePair(r *http.Request, app *appRec, userID, family string, scopes, grant []platform.Scope) (*tokenResponse, *tokenError) {
	at, _, err := s.issue(r.Context(), kindAccess, app.ClientID, userID, family, scopes, s.cfg.AccessTTL)
	if err != nil {
		return nil, s.serverError(r, err)
	}
	resp := &tokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(s.cfg.AccessTTL.Seconds()), Scope: FormatScope(scopes)}
	if app.allows(GrantRefreshToken) {
		rt, _, err := s.issue(r.Context(), kindRefresh, app.ClientID, userID, family, grant, s.cfg.RefreshTTL)
		if err != nil {
			return nil, s.serverError(r, err)
		}
		resp.RefreshToken = rt
	}
	return resp, nil
}

func (s *Server) refresh(r *http.Request, app *appRec) (*tokenResponse, *tokenError) {
	if !app.allows(GrantRefreshToken) {
		return nil, badRequest("unauthorized_client", "this app may not use refresh tokens")
	}
	rt := r.PostForm.Get("refresh_token")
	if rt == "" {
		return nil, badRequest("invalid_request", "refresh_token is required")
	}
	asked, err := ParseScope(r.PostForm.Get("scope"))
	if err != nil {
		return nil, badRequest("invalid_scope", err.Error())
	}
	h := hashOf(rt)
	now := s.clk.Now()
	invalid := badRequest("invalid_grant", "the refresh token is unknown, expired, revoked or not this app's")
	s.mu.Lock()
	t := s.tokens[h]
	if t == nil || t.Kind != kindRefresh || t.AppID != app.ClientID || !now.Before(t.Expires) {
		s.mu.Unlock()
		return nil, invalid
	}
	if t.Rotated {
		s.mu.Unlock()
		s.log.Warn("oauth: rotated refresh token reused; its family revoked", "client_id", app.ClientID, "user_id", t.UserID)
		if err := s.revokeFamily(r.Context(), t.Family); err != nil {
			return nil, s.serverError(r, err)
		}
		return nil, invalid
	}
	if len(asked) > 0 && !subset(asked, t.Scopes) {
		s.mu.Unlock()
		return nil, badRequest("invalid_scope", "a refresh may not ask for scopes beyond the original grant")
	}
	rotated := *t
	rotated.Rotated = true
	s.tokens[h] = &rotated // records are replaced, never changed in place
	s.mu.Unlock()
	if err := s.putToken(r.Context(), h, &rotated); err != nil {
		return nil, s.serverError(r, err)
	}
	if _, err := s.acc.Current(r.Context(), t.UserID); err != nil {
		if err := s.revokeFamily(r.Context(), t.Family); err != nil {
			return nil, s.serverError(r, err)
		}
		return nil, badRequest("invalid_grant", "the user cannot sign in any more")
	}
	scopes := t.Scopes
	if len(asked) > 0 {
		scopes = asked
	}
	scopes = intersect(scopes, app.Scopes)
	if len(scopes) == 0 {
		return nil, badRequest("invalid_scope", "the app is no longer allowed any of these scopes")
	}
	return s.issuePair(r, app, t.UserID, t.Family, scopes, t.Scopes)
}

func (s *Server) clientCredentials(r *http.Request, app *appRec) (*tokenResponse, *tokenError) {
	if app.Type != AppConfidential || !app.allows(GrantClientCredentials) {
		return nil, badRequest("unauthorized_client", "this app may not use the client credentials grant")
	}
	scopes, err := ParseScope(r.PostForm.Get("scope"))
	switch {
	case err != nil:
		return nil, badRequest("invalid_scope", err.Error())
	case len(scopes) == 0:
		scopes = app.Scopes
	case !subset(scopes, app.Scopes):
		return nil, badRequest("invalid_scope", "the app is not allowed some of the scopes it asks for")
	}
	at, _, ierr := s.issue(r.Context(), kindAccess, app.ClientID, "", "", scopes, s.cfg.AccessTTL)
	if ierr != nil {
		return nil, s.serverError(r, ierr)
	}
	return &tokenResponse{AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(s.cfg.AccessTTL.Seconds()), Scope: FormatScope(scopes)}, nil
}

// revoke serves POST /oauth/revoke (RFC 7009): a refresh token revokes
// its family (the access tokens issued with it too), an access token
// itself. An unknown token, or another app's, is answered 200 as well.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	app, ok := s.clientRequest(w, r)
	if !ok {
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		writeTokenError(w, badRequest("invalid_request", "token is required"))
		return
	}
	h := hashOf(tok)
	s.mu.Lock()
	t := s.tokens[h]
	if t != nil && t.AppID == app.ClientID && (t.Kind == kindAccess || t.Family == "") {
		s.removeTokenLocked(h)
	}
	s.mu.Unlock()
	var err error
	switch {
	case t == nil || t.AppID != app.ClientID:
	case t.Kind == kindRefresh:
		err = s.revokeFamily(r.Context(), t.Family)
	default:
		err = s.deleteTokens(r.Context(), [][32]byte{h})
	}
	if err != nil {
		writeTokenError(w, s.serverError(r, err))
		return
	}
	noStore(w)
	w.WriteHeader(http.StatusOK)
}
