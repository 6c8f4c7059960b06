package users

import (
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// LoginRequest is the body of POST /api/v1/login.
type LoginRequest struct {
	Username string `json:"username" doc:"The username (any case)" example:"jmueller"`
	Password string `json:"password" doc:"The password" example:"correct-horse-battery-staple"`
}

// LoginResponse is the answer to a login: the user, the CSRF token to send
// in X-CSRF-Token on state-changing requests, and when the session ends
// at the latest.
type LoginResponse struct {
	User      User      `json:"user" doc:"The signed-in user"`
	CSRFToken string    `json:"csrf_token" doc:"Send it in X-CSRF-Token with every request that is not GET, HEAD, OPTIONS or TRACE" example:"7mQ2xV9kL4wR8tN3bY6cZ1pD"`
	ExpiresAt time.Time `json:"expires_at" doc:"When the session ends at the latest" example:"2026-12-07T20:30:00Z"`
	// IdleTimeoutSeconds ends the session earlier when unused.
	IdleTimeoutSeconds int `json:"idle_timeout_seconds" doc:"The session ends earlier when unused this long" example:"3600"`
}

// Me is the signed-in user as GET /api/v1/users/me shows them, with the
// session's CSRF token when signed in with the session cookie.
type Me struct {
	User
	CSRFToken string `json:"csrf_token,omitempty" doc:"The session's CSRF token (absent for a bearer token)" example:"7mQ2xV9kL4wR8tN3bY6cZ1pD"`
}

// MePatch is the body of PATCH /api/v1/users/me: what users may change on
// their own. A new password needs the current one.
type MePatch struct {
	DisplayName *string `json:"display_name" doc:"The name shown to others" example:"Jürgen Müller"`
	Language    *string `json:"language" doc:"The console's language (BCP 47)" example:"de"`
	Password    *string `json:"password" doc:"A new password (at least 8 characters); needs old_password" example:"new-horse-battery-staple"`
	OldPassword *string `json:"old_password" doc:"The current password, to change the password" example:"correct-horse-battery-staple"`
}

// peer returns the address of the request's client.
func peer(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, _ := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

func (s *Service) login(w http.ResponseWriter, r *http.Request) {
	// A JSON body cannot be sent cross-site by a plain HTML form, which
	// keeps login CSRF out.
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in LoginRequest
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	var errs []platform.FieldError
	if in.Username == "" {
		errs = append(errs, platform.FieldError{Field: "username", Message: "is required"})
	}
	if in.Password == "" {
		errs = append(errs, platform.FieldError{Field: "password", Message: "is required"})
	}
	if len(errs) > 0 {
		platform.WriteErr(w, r, platform.Invalid("username and password are required", errs...))
		return
	}
	rec, err := s.checkPassword(r.Context(), strings.TrimSpace(in.Username), in.Password, peer(r))
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	id, ss, err := s.startSession(r.Context(), rec.ID)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	s.setCookie(w, r, id)
	w.Header().Set("Cache-Control", "no-store")
	s.log.Info("login", "user_id", rec.ID, "addr", peer(r))
	platform.WriteJSON(w, http.StatusOK, LoginResponse{User: rec.view(), CSRFToken: ss.csrf,
		ExpiresAt: ss.created.Add(s.cfg.SessionMaxAge), IdleTimeoutSeconds: int(s.cfg.SessionIdleTimeout / time.Second)})
}

// logout ends the session of the cookie (with its CSRF token) and clears
// the cookie; without a live session it only clears the cookie.
func (s *Service) logout(w http.ResponseWriter, r *http.Request) {
	if ss, ok := s.sessionOf(r); ok {
		if subtleEq(r.Header.Get(CSRFHeader), ss.csrf) != 1 {
			platform.WriteErr(w, r, errCSRF)
			return
		}
		if err := s.endSession(r.Context(), ss); err != nil {
			platform.WriteErr(w, r, err)
			return
		}
		s.log.Info("logout", "user_id", ss.userID)
	}
	s.setCookie(w, r, "")
	w.WriteHeader(http.StatusNoContent)
}

// me returns the record of the signed-in user.
func (s *Service) me(r *http.Request) (platform.Principal, *record, error) {
	p, _ := platform.PrincipalFrom(r.Context())
	if p.UserID == "" {
		return p, nil, &platform.APIError{Status: http.StatusForbidden, Code: platform.CodeForbidden,
			Message: "signed in without a user (admin token or app); /api/v1/users/me needs a user"}
	}
	rec, ok := s.user(p.UserID)
	if !ok {
		return p, nil, errSessionEnded
	}
	return p, rec, nil
}

func (s *Service) getMe(w http.ResponseWriter, r *http.Request) {
	p, rec, err := s.me(r)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	out := Me{User: rec.view()}
	if p.Kind == platform.KindSession {
		if ss, ok := s.sessionOf(r); ok && ss.userID == rec.ID {
			out.CSRFToken = ss.csrf
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	platform.WriteJSON(w, http.StatusOK, out)
}

func (s *Service) patchMe(w http.ResponseWriter, r *http.Request) {
	p, rec, err := s.me(r)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	if p.Kind != platform.KindSession {
		platform.WriteErr(w, r, &platform.APIError{Status: http.StatusForbidden, Code: platform.CodeForbidden,
			Message: "only the user, signed in to the web console, changes their own account"})
		return
	}
	if !platform.RequireContentType(w, r, "application/json", "application/merge-patch+json") {
		return
	}
	var in MePatch
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	ch := change{apply: func(cur Input) (Input, error) {
		if in.DisplayName != nil {
			cur.DisplayName = *in.DisplayName
		}
		if in.Language != nil {
			cur.Language = *in.Language
		}
		return cur, nil
	}}
	if in.Password != nil {
		if err := validatePassword(*in.Password); err != nil {
			platform.WriteErr(w, r, platform.Invalid("invalid password", platform.FieldError{Field: "password", Message: err.Error()}))
			return
		}
		if in.OldPassword == nil || *in.OldPassword == "" {
			platform.WriteErr(w, r, platform.Invalid("changing the password needs the current one",
				platform.FieldError{Field: "old_password", Message: "is required with password"}))
			return
		}
		if _, err := s.checkPassword(r.Context(), rec.Username, *in.OldPassword, peer(r)); err != nil {
			if err == errBadLogin {
				err = platform.Invalid("the current password is wrong", platform.FieldError{Field: "old_password", Message: "is wrong"})
			}
			platform.WriteErr(w, r, err)
			return
		}
		if ch.hash, err = s.hash(r.Context(), *in.Password); err != nil {
			platform.WriteErr(w, r, err)
			return
		}
		ch.keep, _ = s.sessionOf(r)
	}
	out, err := s.update(r.Context(), rec.ID, ch)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	s.log.Info("user changed own account", "user_id", rec.ID, "password", in.Password != nil)
	resp := Me{User: out.view()}
	if ss, ok := s.sessionOf(r); ok {
		resp.CSRFToken = ss.csrf
	}
	platform.WriteJSON(w, http.StatusOK, resp)
}
