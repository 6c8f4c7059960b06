package presence

import (
	"errors"
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// MaxQueryUsers is the most users GET /api/v1/presence names.
const MaxQueryUsers = 500

// Handler serves the presence API.
type Handler struct{ s *Service }

// NewHandler returns the API of s.
func NewHandler(s *Service) *Handler { return &Handler{s: s} }

func body(desc string, v any) *platform.Body {
	return &platform.Body{ContentType: "application/json", Description: desc, Schema: v}
}

func resp(desc string, v any) platform.Body {
	return platform.Body{ContentType: "application/json", Description: desc, Schema: v}
}

var errBody = resp("error", platform.ErrorBody{})

// Routes implements platform.Router.
func (h *Handler) Routes() []platform.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	sc := platform.ScopePresence
	return []platform.Route{
		{Method: "GET", Path: "/api/v1/presence", Scope: sc, Handler: f(h.list), Op: platform.Operation{
			ID: "getPresence", Summary: "The presence of users",
			Description: "Each user's state (what they set), online (a client connected), registered devices, call state, and the location " +
				"only where its owner shares it with the caller. Without `users`: the caller's roster and the caller.",
			Params:    []platform.Param{{Name: "users", In: "query", Description: "Comma-separated user ids (at most 500); `me` is the caller", Example: "01JEQ7H2B3C4D5E6F7G8H9J0K1,me"}},
			Responses: map[int]platform.Body{200: resp("the users' presence", List{}), 400: errBody, 404: errBody}}},
		{Method: "PUT", Path: "/api/v1/users/me/presence", Scope: sc, Handler: f(h.putMine), Op: platform.Operation{
			ID: "setMyPresence", Summary: "Set one's own state: available, away or dnd",
			Description: "DND is honoured by the PBX: calls to the user are not rung (the dialplan gets PBXAGENT_STATUS=DND), the BLF lamp " +
				"Stasis:dnd-<ext> is BUSY and PRESENCE_STATE(CustomPresence:<ext>) is dnd. `until` returns the state to available by itself. Publishes presence_updated.",
			Request:   body("the state", StateRequest{}),
			Responses: map[int]platform.Body{200: resp("the presence", Presence{}), 400: errBody, 403: errBody}}},
		{Method: "PUT", Path: "/api/v1/users/{id}/presence", Scope: sc, Handler: f(h.putOther), Op: platform.Operation{
			ID: "setUserPresence", Summary: "Set another user's state (ability change_presence)",
			Description: "Needs the ability change_presence (denied to users unless granted; admins hold it).",
			Params:      []platform.Param{{Name: "id", In: "path", Required: true, Description: "The user's id", Example: "01JEQ7H2B3C4D5E6F7G8H9J0K1"}},
			Request:     body("the state", StateRequest{}),
			Responses:   map[int]platform.Body{200: resp("the presence", Presence{}), 400: errBody, 403: errBody, 404: errBody}}},
		{Method: "GET", Path: "/api/v1/users/me/roster", Scope: sc, Handler: f(h.getRoster), Op: platform.Operation{
			ID: "getMyRoster", Summary: "The users whose presence events one gets",
			Responses: map[int]platform.Body{200: resp("the roster", Roster{}), 403: errBody}}},
		{Method: "PUT", Path: "/api/v1/users/me/roster", Scope: sc, Handler: f(h.putRoster), Op: platform.Operation{
			ID: "setMyRoster", Summary: "Set the users whose presence events one gets (topic presence)",
			Description: "At most 1000 users; each must exist (400 names `users[i]`).",
			Request:     body("the roster", Roster{}),
			Responses:   map[int]platform.Body{200: resp("the roster", Roster{}), 400: errBody, 403: errBody}}},
		{Method: "GET", Path: "/api/v1/users/me/location", Scope: sc, Handler: f(h.getLocation), Op: platform.Operation{
			ID: "getMyLocation", Summary: "One's own location and whom it is shared with",
			Responses: map[int]platform.Body{200: resp("the location", LocationView{}), 403: errBody}}},
		{Method: "PUT", Path: "/api/v1/users/me/location", Scope: sc, Handler: f(h.putLocation), Op: platform.Operation{
			ID: "setMyLocation", Summary: "Set one's location and the users who may see it",
			Description: "Only the users in `share_with` see it (in GET /api/v1/presence and presence_updated); `location: null` clears it.",
			Request:     body("the location", LocationRequest{}),
			Responses:   map[int]platform.Body{200: resp("the location", LocationView{}), 400: errBody, 403: errBody}}},
	}
}

// errNoUserPrincipal answers a route that acts for a user called by a
// principal acting for none.
func errNoUserPrincipal(w http.ResponseWriter, r *http.Request) {
	platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden,
		"presence is a user's: use a user's session or token (the admin token and client-credentials apps act for no user)", nil)
}

// myBody reads the JSON body of a request about the caller's own presence
// into v: the content type, a principal acting for a user, then the body.
// It answers the caller's user id; on false the error is written.
func myBody(w http.ResponseWriter, r *http.Request, v any) (string, bool) {
	if !platform.RequireContentType(w, r, "application/json") {
		return "", false
	}
	p, _ := platform.PrincipalFrom(r.Context())
	if p.UserID == "" {
		errNoUserPrincipal(w, r)
		return "", false
	}
	if err := platform.DecodeJSON(r, v); err != nil {
		platform.WriteErr(w, r, err)
		return "", false
	}
	return p.UserID, true
}

func (h *Handler) writeErr(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, ErrNoUser) {
		platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, "no such user", nil)
		return
	}
	platform.WriteErr(w, r, err)
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	p, _ := platform.PrincipalFrom(r.Context())
	ids, err := ParseUserList(r.URL.Query().Get("users"), MaxQueryUsers)
	if err != nil {
		platform.WriteErr(w, r, platform.Invalid("bad query parameter", platform.FieldError{Field: "users", Message: err.Error()}))
		return
	}
	for i, id := range ids {
		if id == "me" {
			if p.UserID == "" {
				platform.WriteErr(w, r, platform.Invalid("bad query parameter", platform.FieldError{Field: "users", Message: "me: the caller acts for no user"}))
				return
			}
			ids[i] = p.UserID
		}
	}
	if ids == nil {
		if p.UserID == "" {
			for _, u := range h.s.dir.Users() {
				ids = append(ids, u.ID)
			}
		} else {
			ids = append([]string{p.UserID}, h.s.Roster(p.UserID)...)
		}
	}
	ids = dedupe(ids)
	out, err := h.s.Get(p.UserID, ids)
	if err != nil {
		if errors.Is(err, ErrNoUser) {
			platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, err.Error(), []platform.FieldError{{Field: "users", Message: err.Error()}})
			return
		}
		platform.WriteErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, List{Items: out})
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

func (h *Handler) putState(w http.ResponseWriter, r *http.Request, userID string, in StateRequest) {
	out, err := h.s.SetState(r.Context(), userID, in)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) putMine(w http.ResponseWriter, r *http.Request) {
	var in StateRequest
	if id, ok := myBody(w, r, &in); ok {
		h.putState(w, r, id, in)
	}
}

func (h *Handler) putOther(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	p, _ := platform.PrincipalFrom(r.Context())
	id := r.PathValue("id")
	if id == "me" {
		id = p.UserID
	}
	if id != p.UserID && !p.Has(platform.AbilityChangePresence) {
		platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden, "changing another user's presence needs the ability change_presence", nil)
		return
	}
	if id == "" {
		errNoUserPrincipal(w, r)
		return
	}
	var in StateRequest
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	h.putState(w, r, id, in)
}

func (h *Handler) getRoster(w http.ResponseWriter, r *http.Request) {
	p, _ := platform.PrincipalFrom(r.Context())
	if p.UserID == "" {
		errNoUserPrincipal(w, r)
		return
	}
	platform.WriteJSON(w, http.StatusOK, Roster{Users: h.s.Roster(p.UserID)})
}

func (h *Handler) putRoster(w http.ResponseWriter, r *http.Request) {
	var in Roster
	id, ok := myBody(w, r, &in)
	if !ok {
		return
	}
	out, err := h.s.SetRoster(r.Context(), id, in.Users)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, Roster{Users: out})
}

func (h *Handler) getLocation(w http.ResponseWriter, r *http.Request) {
	p, _ := platform.PrincipalFrom(r.Context())
	if p.UserID == "" {
		errNoUserPrincipal(w, r)
		return
	}
	platform.WriteJSON(w, http.StatusOK, h.s.Location(p.UserID))
}

func (h *Handler) putLocation(w http.ResponseWriter, r *http.Request) {
	var in LocationRequest
	id, ok := myBody(w, r, &in)
	if !ok {
		return
	}
	out, err := h.s.SetLocation(r.Context(), id, in)
	if err != nil {
		h.writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, out)
}
