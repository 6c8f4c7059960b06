package wallboard

import (
	"errors"
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Handler serves the wallboard API.
type Handler struct{ s *Service }

// NewHandler returns the API of s.
func NewHandler(s *Service) *Handler { return &Handler{s: s} }

func jsonBody(desc string, v any) *platform.Body {
	return &platform.Body{ContentType: "application/json", Description: desc, Schema: v}
}

func resp(desc string, v any) platform.Body {
	return platform.Body{ContentType: "application/json", Description: desc, Schema: v}
}

var errBody = resp("error", platform.ErrorBody{})

var (
	idParam   = platform.Param{Name: "id", In: "path", Required: true, Description: "The wallboard's id", Example: "01jeq7h2b3c4d5e6f7g8h9j0k1"}
	userParam = platform.Param{Name: "user", In: "path", Required: true, Description: "The agent's user id", Example: "01JEQ7H2B3C4D5E6F7G8H9J0K1"}
)

const manageNote = "Needs the ability manage_callcenter (admins hold it); a wallboard token may not."

// Routes implements platform.Router. Every route needs the wallboard
// scope (admins, holders of manage_callcenter, wallboard tokens); all but
// the data route need manage_callcenter as well, and a wallboard token
// reads only its own wallboard's data.
func (h *Handler) Routes() []platform.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	sc := platform.ScopeWallboard
	return []platform.Route{
		{Method: "GET", Path: "/api/v1/wallboards", Scope: sc, Handler: f(h.list), Op: platform.Operation{
			ID: "listWallboards", Summary: "The wallboards", Description: manageNote,
			Responses: map[int]platform.Body{200: resp("the wallboards", BoardList{}), 403: errBody}}},
		{Method: "POST", Path: "/api/v1/wallboards", Scope: sc, Handler: f(h.create), Op: platform.Operation{
			ID: "createWallboard", Summary: "Create a wallboard",
			Description: manageNote + " Each group must exist and each monitored agent be a user (400 names `groups[i]` or `monitored[i]`).",
			Request:     jsonBody("the wallboard", BoardSettings{}),
			Responses:   map[int]platform.Body{201: resp("the wallboard", Wallboard{}), 400: errBody, 403: errBody, 409: errBody}}},
		{Method: "GET", Path: "/api/v1/wallboards/{id}", Scope: sc, Handler: f(h.get), Op: platform.Operation{
			ID: "getWallboard", Summary: "One wallboard", Description: manageNote, Params: []platform.Param{idParam},
			Responses: map[int]platform.Body{200: resp("the wallboard", Wallboard{}), 403: errBody, 404: errBody}}},
		{Method: "PUT", Path: "/api/v1/wallboards/{id}", Scope: sc, Handler: f(h.update), Op: platform.Operation{
			ID: "updateWallboard", Summary: "Replace a wallboard's configuration (its token stays)", Description: manageNote,
			Params: []platform.Param{idParam}, Request: jsonBody("the wallboard", BoardSettings{}),
			Responses: map[int]platform.Body{200: resp("the wallboard", Wallboard{}), 400: errBody, 403: errBody, 404: errBody}}},
		{Method: "DELETE", Path: "/api/v1/wallboards/{id}", Scope: sc, Handler: f(h.delete), Op: platform.Operation{
			ID: "deleteWallboard", Summary: "Delete a wallboard (its token stops working)", Description: manageNote,
			Params: []platform.Param{idParam}, Responses: map[int]platform.Body{204: {Description: "deleted"}, 403: errBody, 404: errBody}}},
		{Method: "POST", Path: "/api/v1/wallboards/{id}/monitored/{user}", Scope: sc, Handler: f(h.addMonitored), Op: platform.Operation{
			ID: "addWallboardAgent", Summary: "Monitor an agent: add them to the board's agents table", Description: manageNote + " Already there: unchanged.",
			Params: []platform.Param{idParam, userParam}, Responses: map[int]platform.Body{200: resp("the wallboard", Wallboard{}), 400: errBody, 403: errBody, 404: errBody}}},
		{Method: "DELETE", Path: "/api/v1/wallboards/{id}/monitored/{user}", Scope: sc, Handler: f(h.removeMonitored), Op: platform.Operation{
			ID: "removeWallboardAgent", Summary: "Stop monitoring an agent", Description: manageNote + " Not there: unchanged.",
			Params: []platform.Param{idParam, userParam}, Responses: map[int]platform.Body{200: resp("the wallboard", Wallboard{}), 403: errBody, 404: errBody}}},
		{Method: "POST", Path: "/api/v1/wallboards/{id}/token", Scope: sc, Handler: f(h.newToken), Op: platform.Operation{
			ID: "createWallboardToken", Summary: "Make the wall TV's read-only token (shown once; replaces any earlier one)",
			Description: manageNote + " The token (`wb_…`) reads this wallboard's data and its groups' callgroups events, nothing else. " +
				"Only its hash is kept: it is shown in this answer only. Open `path` on the TV: the token is in the URL's fragment, which browsers do not send.",
			Params: []platform.Param{idParam}, Responses: map[int]platform.Body{201: resp("the token", BoardToken{}), 403: errBody, 404: errBody}}},
		{Method: "DELETE", Path: "/api/v1/wallboards/{id}/token", Scope: sc, Handler: f(h.revokeToken), Op: platform.Operation{
			ID: "revokeWallboardToken", Summary: "Revoke the wall TV's token", Description: manageNote + " Its open events sockets end (4001).",
			Params: []platform.Param{idParam}, Responses: map[int]platform.Body{204: {Description: "revoked (or there was none)"}, 403: errBody, 404: errBody}}},
		{Method: "GET", Path: "/api/v1/wallboards/{id}/data", Scope: sc, Handler: f(h.data), Op: platform.Operation{
			ID: "getWallboardData", Summary: "Everything a wallboard shows, now",
			Description: "Per group: today's counters, the callers waiting with their wait, the members' live states, the SLA colour; " +
				"per monitored agent: state, calls, talk and pause time, time since the last call; the server's time. " +
				"For holders of manage_callcenter and for this wallboard's token. Follow the events socket's topic callgroups and read it again after a change. 503 while call groups are off.",
			Params: []platform.Param{idParam}, Responses: map[int]platform.Body{200: resp("the board", Board{}), 403: errBody, 404: errBody, 503: errBody}}},
	}
}

// manager reports whether the caller may manage wallboards, answering 403
// when not.
func manager(w http.ResponseWriter, r *http.Request) (platform.Principal, bool) {
	p, _ := platform.PrincipalFrom(r.Context())
	if p.Kind == platform.KindWallboard || !p.Has(platform.AbilityManageCallCenter) {
		platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden, "managing wallboards needs the ability manage_callcenter", nil)
		return p, false
	}
	return p, true
}

func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrNotFound) {
		platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, "no such wallboard",
			[]platform.FieldError{{Field: "id", Message: "no wallboard " + r.PathValue("id")}})
		return
	}
	platform.WriteErr(w, r, err)
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	if _, ok := manager(w, r); ok {
		platform.WriteJSON(w, http.StatusOK, BoardList{Items: h.s.List()})
	}
}

func (h *Handler) input(w http.ResponseWriter, r *http.Request) (BoardSettings, bool) {
	var in BoardSettings
	if _, ok := manager(w, r); !ok {
		return in, false
	}
	if !platform.RequireContentType(w, r, "application/json") {
		return in, false
	}
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return in, false
	}
	return in, true
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	in, ok := h.input(w, r)
	if !ok {
		return
	}
	out, err := h.s.Create(r.Context(), in)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusCreated, out)
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	if _, ok := manager(w, r); !ok {
		return
	}
	out, err := h.s.Get(r.PathValue("id"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	in, ok := h.input(w, r)
	if !ok {
		return
	}
	out, err := h.s.Update(r.Context(), r.PathValue("id"), in)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request) {
	if _, ok := manager(w, r); !ok {
		return
	}
	if err := h.s.Delete(r.Context(), r.PathValue("id")); err != nil {
		writeErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) addMonitored(w http.ResponseWriter, r *http.Request) {
	if _, ok := manager(w, r); !ok {
		return
	}
	out, err := h.s.AddMonitored(r.Context(), r.PathValue("id"), r.PathValue("user"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) removeMonitored(w http.ResponseWriter, r *http.Request) {
	if _, ok := manager(w, r); !ok {
		return
	}
	out, err := h.s.RemoveMonitored(r.Context(), r.PathValue("id"), r.PathValue("user"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) newToken(w http.ResponseWriter, r *http.Request) {
	p, ok := manager(w, r)
	if !ok {
		return
	}
	out, err := h.s.NewToken(r.Context(), r.PathValue("id"), p.UserID)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	platform.WriteJSON(w, http.StatusCreated, out)
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) {
	if _, ok := manager(w, r); !ok {
		return
	}
	if err := h.s.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		writeErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) data(w http.ResponseWriter, r *http.Request) {
	p, _ := platform.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	switch {
	case p.Kind == platform.KindWallboard && p.Wallboard != id:
		platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden, "this wallboard token opens another wallboard", nil)
		return
	case p.Kind != platform.KindWallboard && !p.Has(platform.AbilityManageCallCenter):
		platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden, "a wallboard's data needs the ability manage_callcenter or the wallboard's token", nil)
		return
	}
	out, err := h.s.Data(r.Context(), id)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	platform.WriteJSON(w, http.StatusOK, out)
}
