package oauth

import (
	"net/http"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// appCreated is the answer to a create: the app and, for a confidential
// app, its secret, shown this once.
type appCreated struct {
	App
	ClientSecret string `json:"client_secret,omitempty" doc:"The confidential app's secret, shown this once" example:"9c2bqv0tHk3mL8xZ1pR4sW7yA6dF5gJ2"`
}

// appSecret is the answer to a secret rotation.
type appSecret struct {
	ClientID     string `json:"client_id" doc:"The app's id" example:"app_3f2a9c"`
	ClientSecret string `json:"client_secret" doc:"The new secret, shown this once" example:"9c2bqv0tHk3mL8xZ1pR4sW7yA6dF5gJ2"`
}

// appList is the answer to a list.
type appList struct {
	Apps []App `json:"apps" doc:"The registered apps"`
}

var idParam = []platform.Param{{Name: "id", In: "path", Description: "The app's client id", Required: true, Example: "app_3f2a9c"}}

func (s *Server) appRoutes() []platform.Route {
	ok := func(code int, desc string, schema any) map[int]platform.Body {
		m := map[int]platform.Body{code: {ContentType: "application/json", Description: desc, Schema: schema}}
		return m
	}
	in := &platform.Body{ContentType: "application/json", Description: "name, type, redirect_uris, scopes, grant_types", Schema: appInput{}}
	return []platform.Route{
		{Method: "GET", Path: "/api/v1/apps", Scope: platform.ScopeAdmin, Handler: http.HandlerFunc(s.listApps),
			Op: platform.Operation{Summary: "List the OAuth2 apps", Responses: ok(200, "the apps", appList{})}},
		{Method: "POST", Path: "/api/v1/apps", Scope: platform.ScopeAdmin, Handler: http.HandlerFunc(s.createApp),
			Op: platform.Operation{Summary: "Register an OAuth2 app (a confidential app's secret is shown once)", Request: in,
				Description: "A public app (browser, mobile) uses the authorization code with PKCE and has no secret; a confidential app " +
					"(a server) gets a client_secret in this answer only, and may also use client credentials.", Responses: ok(201, "the app", appCreated{})}},
		{Method: "GET", Path: "/api/v1/apps/{id}", Scope: platform.ScopeAdmin, Handler: http.HandlerFunc(s.getApp),
			Op: platform.Operation{Summary: "Get an OAuth2 app", Params: idParam, Responses: ok(200, "the app", App{})}},
		{Method: "PATCH", Path: "/api/v1/apps/{id}", Scope: platform.ScopeAdmin, Handler: http.HandlerFunc(s.patchApp),
			Op: platform.Operation{Summary: "Change an OAuth2 app (scopes taken away apply to its tokens at once)", Params: idParam, Request: in, Responses: ok(200, "the app", App{})}},
		{Method: "DELETE", Path: "/api/v1/apps/{id}", Scope: platform.ScopeAdmin, Handler: http.HandlerFunc(s.deleteApp),
			Op: platform.Operation{Summary: "Delete an OAuth2 app and revoke its tokens", Params: idParam, Responses: map[int]platform.Body{204: {Description: "deleted"}}}},
		{Method: "POST", Path: "/api/v1/apps/{id}/secret", Scope: platform.ScopeAdmin, Handler: http.HandlerFunc(s.rotateSecret),
			Op: platform.Operation{Summary: "Give a confidential app a new secret (shown once; the old one stops working)", Params: idParam, Responses: map[int]platform.Body{200: {ContentType: "application/json", Description: "the new secret", Schema: appSecret{}},
				409: {Description: "a public app has no secret", Schema: platform.ErrorBody{}}}}},
	}
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	out := make([]App, 0, len(s.apps))
	for _, a := range s.apps {
		out = append(out, a.App)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b App) int { return strings.Compare(a.ClientID, b.ClientID) })
	platform.WriteJSON(w, http.StatusOK, appList{Apps: out})
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in appInput
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	a := &appRec{}
	if err := in.apply(a, true); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	now := s.clk.Now().UTC()
	a.ClientID, a.Created, a.Updated = randomID(16), now, now
	var secret string
	if a.Type == AppConfidential {
		secret = s.newSecret(a)
	}
	if err := s.putApp(r.Context(), a); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	s.log.Info("oauth: app registered", "client_id", a.ClientID, "type", a.Type)
	w.Header().Set("Location", "/api/v1/apps/"+a.ClientID)
	w.Header().Set("Cache-Control", "no-store")
	platform.WriteJSON(w, http.StatusCreated, appCreated{App: a.App, ClientSecret: secret})
}

func (s *Server) appOr404(w http.ResponseWriter, r *http.Request) *appRec {
	a := s.app(r.PathValue("id"))
	if a == nil {
		platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, "no app with that client id", nil)
	}
	return a
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	if a := s.appOr404(w, r); a != nil {
		platform.WriteJSON(w, http.StatusOK, a.App)
	}
}

func (s *Server) patchApp(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json", "application/merge-patch+json") {
		return
	}
	old := s.appOr404(w, r)
	if old == nil {
		return
	}
	var in appInput
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	a := &appRec{App: old.App, SecretHash: old.SecretHash}
	a.RedirectURIs = slices.Clone(old.RedirectURIs)
	a.Scopes = slices.Clone(old.Scopes)
	a.GrantTypes = slices.Clone(old.GrantTypes)
	if err := in.apply(a, false); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	a.Updated = s.clk.Now().UTC()
	if err := s.putApp(r.Context(), a); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, a.App)
}

func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request) {
	a := s.appOr404(w, r)
	if a == nil {
		return
	}
	if err := s.kv.Delete(r.Context(), kvApp+a.ClientID); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	s.mu.Lock()
	delete(s.apps, a.ClientID)
	for h, c := range s.codes {
		if c.AppID == a.ClientID {
			delete(s.codes, h)
		}
	}
	s.mu.Unlock()
	if err := s.revokeWhere(r.Context(), func(t *tokenRec) bool { return t.AppID == a.ClientID }); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	s.log.Info("oauth: app deleted", "client_id", a.ClientID)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) rotateSecret(w http.ResponseWriter, r *http.Request) {
	old := s.appOr404(w, r)
	if old == nil {
		return
	}
	if old.Type != AppConfidential {
		platform.WriteError(w, r, http.StatusConflict, platform.CodeConflict, "a public app has no secret", nil)
		return
	}
	a := &appRec{App: old.App}
	secret := s.newSecret(a)
	a.Updated = s.clk.Now().UTC()
	if err := s.putApp(r.Context(), a); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	s.log.Info("oauth: app secret rotated", "client_id", a.ClientID)
	w.Header().Set("Cache-Control", "no-store")
	platform.WriteJSON(w, http.StatusOK, appSecret{ClientID: a.ClientID, ClientSecret: secret})
}
