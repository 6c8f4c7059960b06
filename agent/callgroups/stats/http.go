package stats

import (
	"context"
	"net/http"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// AgentList is the answer of GET /api/v1/callgroups/stats/agents.
type AgentList struct {
	Day   string                  `json:"day" doc:"The day (YYYY-MM-DD, the daemon's time zone)" example:"2026-12-07"`
	Items []callgroups.AgentStats `json:"items" doc:"The members' counters, ordered by user id: each member with something recorded that day (or paused during it), or the one asked for"`
}

// Handler serves the statistics' routes.
type Handler struct {
	s      *Store
	exists func(ctx context.Context, groupID string) bool
}

// HandlerOption configures a Handler.
type HandlerOption func(*Handler)

// WithGroups makes a group that exists() denies a 404 (without it, an
// unknown group has zero counters).
func WithGroups(exists func(ctx context.Context, groupID string) bool) HandlerOption {
	return func(h *Handler) { h.exists = exists }
}

// NewHandler returns the routes of s.
func NewHandler(s *Store, opts ...HandlerOption) *Handler {
	h := &Handler{s: s}
	for _, o := range opts {
		o(h)
	}
	return h
}

var errBody = platform.Body{ContentType: "application/json", Description: "error", Schema: platform.ErrorBody{}}

func resp(desc string, v any) platform.Body {
	return platform.Body{ContentType: "application/json", Description: desc, Schema: v}
}

var dayParam = platform.Param{Name: "day", In: "query", Description: "The day, YYYY-MM-DD in the daemon's time zone (default today); days past `callgroups.stats_retention` read as zeros",
	Schema: map[string]any{"type": "string", "format": "date"}, Example: "2026-12-07"}

// Routes implements platform.Router.
func (h *Handler) Routes() []platform.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	sc := platform.ScopeCallGroups
	return []platform.Route{
		{Method: "GET", Path: "/api/v1/callgroups/{id}/stats", Scope: sc, Handler: f(h.group), Op: platform.Operation{
			ID: "getCallGroupStats", Summary: "A call group's statistics over one day",
			Description: "Counters of callers who arrived that day (local midnight to midnight): received, answered, abandoned and short abandons, " +
				"left on timeout or when empty, refused, within the SLA threshold, the service level (app_queue's ServiceLevelPerf and ServiceLevelPerf2), " +
				"wait and talk sums, arithmetic means and the longest wait. Definitions in docs/callgroups.md (Statistics). " +
				"Needs the ability manage_callcenter (admins hold it). A bad `day` is a 400 naming it.",
			Params: []platform.Param{
				{Name: "id", In: "path", Required: true, Description: "The group's id", Example: "sales"},
				dayParam,
			},
			Responses: map[int]platform.Body{200: resp("the group's counters", callgroups.GroupStats{}), 400: errBody, 403: errBody, 404: errBody}}},
		{Method: "GET", Path: "/api/v1/callgroups/stats/agents", Scope: sc, Handler: f(h.agents), Op: platform.Operation{
			ID: "getCallGroupAgentStats", Summary: "Members' statistics over one day",
			Description: "Per member: group calls answered, offers missed (rang out), talk time, pause time by reason (the pause in progress up to now) " +
				"and the end of the last group call — in `group`, or over every group. A user reads their own counters; another member's, or every " +
				"member's (no `user`), needs the ability manage_callcenter (admins hold it). Without `user` and without the ability: the caller's own.",
			Params: []platform.Param{
				dayParam,
				{Name: "group", In: "query", Description: "A group's id; absent: every group (the pause time is then the time paused in at least one group)", Example: "sales"},
				{Name: "user", In: "query", Description: "A member's user id, or `me`; absent: every member with the ability, else the caller", Example: "me"},
			},
			Responses: map[int]platform.Body{200: resp("the members' counters", AgentList{}), 400: errBody, 403: errBody, 404: errBody}}},
	}
}

func forbidden(w http.ResponseWriter, r *http.Request, what string) {
	platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden, what+" needs the ability manage_callcenter", nil)
}

// day reads the day parameter; on false the error is written.
func (h *Handler) day(w http.ResponseWriter, r *http.Request) (time.Time, bool) {
	d, err := h.s.ParseDay(r.URL.Query().Get("day"))
	if err != nil {
		platform.WriteErr(w, r, platform.Invalid("bad query parameter", platform.FieldError{Field: "day", Message: err.Error()}))
		return time.Time{}, false
	}
	return d, true
}

// known answers 404 for a group that does not exist; on false the error
// is written.
func (h *Handler) known(w http.ResponseWriter, r *http.Request, id, field string) bool {
	if h.exists == nil || h.exists(r.Context(), id) {
		return true
	}
	platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, "no such call group", []platform.FieldError{{Field: field, Message: "no call group " + id}})
	return false
}

func (h *Handler) group(w http.ResponseWriter, r *http.Request) {
	p, _ := platform.PrincipalFrom(r.Context())
	if !p.Has(platform.AbilityManageCallCenter) {
		forbidden(w, r, "a group's statistics")
		return
	}
	day, ok := h.day(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !h.known(w, r, id, "id") {
		return
	}
	g, err := h.s.GroupStats(r.Context(), id, day)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, g)
}

func (h *Handler) agents(w http.ResponseWriter, r *http.Request) {
	p, _ := platform.PrincipalFrom(r.Context())
	manager := p.Has(platform.AbilityManageCallCenter)
	q := r.URL.Query()
	day, ok := h.day(w, r)
	if !ok {
		return
	}
	user, group := q.Get("user"), q.Get("group")
	if user == "me" {
		if p.UserID == "" {
			platform.WriteErr(w, r, platform.Invalid("bad query parameter", platform.FieldError{Field: "user", Message: "me: the caller acts for no user"}))
			return
		}
		user = p.UserID
	}
	if user == "" && !manager {
		if p.UserID == "" {
			forbidden(w, r, "every member's statistics")
			return
		}
		user = p.UserID
	}
	if user != "" && user != p.UserID && !manager {
		forbidden(w, r, "another member's statistics")
		return
	}
	if group != "" && !h.known(w, r, group, "group") {
		return
	}
	out := AgentList{Day: h.s.day(day), Items: []callgroups.AgentStats{}}
	if user != "" {
		a, err := h.s.AgentStats(r.Context(), user, group, day)
		if err != nil {
			platform.WriteErr(w, r, err)
			return
		}
		out.Items = append(out.Items, a)
	} else {
		list, err := h.s.Agents(r.Context(), group, day)
		if err != nil {
			platform.WriteErr(w, r, err)
			return
		}
		out.Items = list
	}
	platform.WriteJSON(w, http.StatusOK, out)
}
