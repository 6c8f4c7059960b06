package callgroups

import (
	"errors"
	"net/http"
	"slices"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// Handler serves the call groups API (/api/v1/callgroups, scope
// callgroups) over a Service.
type Handler struct {
	svc Service
	clk clock.Clock
}

// HandlerOption sets up a Handler.
type HandlerOption func(*Handler)

// WithHTTPClock sets the clock wait and talk times are measured with
// (default: the real one).
func WithHTTPClock(c clock.Clock) HandlerOption { return func(h *Handler) { h.clk = c } }

// NewHandler returns the API of svc.
func NewHandler(svc Service, opts ...HandlerOption) *Handler {
	h := &Handler{svc: svc, clk: clock.Real{}}
	for _, o := range opts {
		o(h)
	}
	return h
}

func jsonReq(desc string, v any) *platform.Body { b := platform.JSONBody(desc, v); return &b }

// eventsDoc is what the list route says of the events.
const eventsDoc = "Events (socket topic `callgroups`, docs/callgroups.md#events), to the group's members, holders of manage_callcenter and the " +
	"group's wallboards: `callgroup_call_waiting` (a caller joined, or their position or ringing members changed: WaitingCall), " +
	"`callgroup_call_answered` and `callgroup_call_completed` (ActiveCall), `callgroup_call_abandoned` and `callgroup_call_left` " +
	"(LeftCall: the wait and the exit), `member_state` (MemberEvent: a member's state, pause or membership), `callgroup_updated` (Group) " +
	"and `callgroup_deleted` ({\"id\"})."

// Routes implements platform.Router.
func (h *Handler) Routes() []platform.Route {
	str := map[string]any{"type": "string"}
	idParam := platform.Param{Name: "id", In: "path", Required: true, Description: "The group's id", Schema: str, Example: "sales"}
	userParam := platform.Param{Name: "user", In: "path", Required: true, Description: "The member's user id, or me (another user than the caller needs manage_callcenter)", Schema: str, Example: "me"}
	errBody := platform.JSONBody("a field or parameter is invalid (named in details)", platform.ErrorBody{})
	forbidden := platform.JSONBody("the caller may not do this (details name the parameter when it is another user)", platform.ErrorBody{})
	notFound := platform.JSONBody("no such group (or one the caller may not see), or no such member", platform.ErrorBody{})
	unsupported := platform.JSONBody("the body is not application/json", platform.ErrorBody{})
	route := func(method, path, id, summary, desc string, params []platform.Param, in *platform.Body, resp map[int]platform.Body, fn http.HandlerFunc) platform.Route {
		resp[403] = forbidden
		if len(params) > 0 {
			resp[404] = notFound
		}
		if in != nil {
			resp[400] = errBody
			resp[415] = unsupported
		}
		return platform.Route{Method: method, Path: path, Scope: platform.ScopeCallGroups, Handler: fn, Op: platform.Operation{
			ID: id, Summary: summary, Description: desc, Params: params, Request: in, Responses: resp}}
	}
	ids := []platform.Param{idParam}
	member := []platform.Param{idParam, userParam}
	return []platform.Route{
		route(http.MethodGet, "/api/v1/callgroups", "listCallGroups", "The call groups the caller may see, with what is going on in each",
			"Administrators and holders of manage_callcenter see every group; anyone else the groups they are a member of. Each with its "+
				"configuration, callers waiting and the longest wait, answered calls, members available and the caller's own membership (me). "+eventsDoc,
			nil, nil, map[int]platform.Body{200: platform.JSONBody("the groups", GroupList{})}, h.list),
		route(http.MethodPost, "/api/v1/callgroups", "createCallGroup", "Create a call group (administrators)",
			"Fields left out take their defaults (ring_timeout 15, retry_delay 5, sla_threshold 20, sla_target 80, short_abandon 5, hold moh). "+
				"members are static members; members join dynamically through POST /api/v1/callgroups/{id}/members. Publishes callgroup_updated.",
			nil, jsonReq("the group", Group{}), map[int]platform.Body{201: platform.JSONBody("the group, created", Group{}), 409: platform.JSONBody("a group with this id exists", platform.ErrorBody{})}, h.create),
		route(http.MethodGet, "/api/v1/callgroups/{id}", "getCallGroup", "A call group as its page and wallboard show it",
			"The configuration, the members with their live state, the callers waiting (with wait_seconds at server_time) and the answered calls "+
				"(with talk_seconds). A client keeps it live with the events of topic callgroups (see listCallGroups) and adds the time since server_time to the waits.",
			ids, nil, map[int]platform.Body{200: platform.JSONBody("the group", GroupView{})}, h.get),
		route(http.MethodPut, "/api/v1/callgroups/{id}", "updateCallGroup", "Replace a call group's configuration and static members (administrators)",
			"Every field is replaced (those left out take their defaults); the id in the body, if any, must be the path's. Dynamic members stay "+
				"and are not to be sent: members are the static ones. Publishes callgroup_updated.",
			ids, jsonReq("the group", Group{}), map[int]platform.Body{200: platform.JSONBody("the group", Group{})}, h.update),
		route(http.MethodDelete, "/api/v1/callgroups/{id}", "deleteCallGroup", "Delete a call group (administrators)",
			"Callers still waiting leave it (QUEUESTATUS FAILED) and go on in the dialplan. Publishes callgroup_deleted.",
			ids, nil, map[int]platform.Body{204: {Description: "deleted"}}, h.del),
		route(http.MethodGet, "/api/v1/callgroups/{id}/members", "listCallGroupMembers", "A call group's members with their live state",
			"State: offline > paused > dnd > talking > ringing > wrapup > away > available (the first that applies).",
			ids, nil, map[int]platform.Body{200: platform.JSONBody("the members", MemberList{})}, h.members),
		route(http.MethodPost, "/api/v1/callgroups/{id}/members", "addCallGroupMember", "Join a call group (or add a member, with manage_callcenter)",
			"Adds a dynamic member, kept across restarts (ADDMEMBER in the queue_log). user_id empty or me: the caller joins; another user "+
				"needs the ability manage_callcenter (403 naming user_id). Publishes member_state.",
			ids, jsonReq("the member", JoinRequest{}), map[int]platform.Body{201: platform.JSONBody("the member", MemberView{}), 409: platform.JSONBody("already a member", platform.ErrorBody{})}, h.join),
		route(http.MethodDelete, "/api/v1/callgroups/{id}/members/{user}", "removeCallGroupMember", "Leave a call group (or remove a member, with manage_callcenter)",
			"Removes a dynamic member (REMOVEMEMBER); static members are the configuration's (400). Publishes member_state with removed.",
			member, nil, map[int]platform.Body{204: {Description: "removed"}, 400: errBody}, h.leave),
		route(http.MethodPut, "/api/v1/callgroups/{id}/members/{user}/pause", "pauseCallGroupMember", "Pause or unpause a member in a call group",
			"One's own pause, or another member's with manage_callcenter. A paused member is offered no call of the group; the pause time "+
				"counts by reason in the statistics (PAUSE / UNPAUSE in the queue_log). Publishes member_state.",
			member, jsonReq("the pause", PauseRequest{}), map[int]platform.Body{200: platform.JSONBody("the member", MemberView{})}, h.pause),
		route(http.MethodPut, "/api/v1/users/me/callgroups/pause", "pauseMeInCallGroups", "Pause or unpause oneself in every call group",
			"Pauses (or unpauses) the caller in each group they are a member of; answers the memberships changed.",
			nil, jsonReq("the pause", PauseRequest{}), map[int]platform.Body{200: platform.JSONBody("the caller's memberships", MemberList{})}, h.pauseAll),
		route(http.MethodGet, "/api/v1/callgroups/{id}/calls", "listCallGroupCalls", "A call group's waiting and answered calls",
			"Waiting callers first in line first, with wait_seconds at server_time; answered calls with talk_seconds.",
			ids, nil, map[int]platform.Body{200: platform.JSONBody("the calls", CallList{})}, h.calls),
	}
}

// writeErr writes an error of the service: ErrNotFound as 404, an
// *platform.APIError as it says, anything else as 500.
func writeErr(w http.ResponseWriter, r *http.Request, err error, missing func(http.ResponseWriter, *http.Request)) {
	var ae *platform.APIError
	if errors.Is(err, ErrNotFound) && !errors.As(err, &ae) {
		missing(w, r)
		return
	}
	platform.WriteErr(w, r, err)
}

// decodeBody reads the JSON body into v once its content type is known
// to be JSON; on false the error is written.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := platform.DecodeJSON(r, v); err != nil {
		platform.WriteErr(w, r, err)
		return false
	}
	return true
}

// pauseBody reads and checks a PauseRequest (its content type checked);
// on false the error is written.
func pauseBody(w http.ResponseWriter, r *http.Request) (PauseRequest, bool) {
	var in PauseRequest
	if !decodeBody(w, r, &in) {
		return in, false
	}
	if in.Paused == nil {
		platform.WriteErr(w, r, platform.Invalid("invalid pause", platform.FieldError{Field: "paused", Message: "is required: true or false"}))
		return in, false
	}
	if err := ValidReason(in.Reason); err != nil {
		platform.WriteErr(w, r, platform.Invalid("invalid pause", platform.FieldError{Field: "reason", Message: err.Error()}))
		return in, false
	}
	return in, true
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := accessOf(r)
	now := h.clk.Now()
	out := GroupList{Groups: []GroupSummary{}, ServerTime: now}
	var mine []string
	if !a.supervisor() && a.p.UserID != "" {
		mine = h.svc.GroupsOf(a.p.UserID)
	}
	for _, g := range h.svc.Groups(ctx) {
		if !a.supervisor() && !slices.Contains(mine, g.ID) {
			continue
		}
		s := GroupSummary{Group: normalized(g)}
		waiting := h.svc.Waiting(ctx, g.ID)
		s.Waiting = len(waiting)
		for _, c := range waiting {
			if d := seconds(now.Sub(c.EnteredAt)); d > s.LongestWaitSeconds {
				s.LongestWaitSeconds = d
			}
		}
		s.Active = len(h.svc.Active(ctx, g.ID))
		ms, err := h.svc.Members(ctx, g.ID)
		if errors.Is(err, ErrNotFound) {
			continue // deleted meanwhile
		} else if err != nil {
			platform.WriteErr(w, r, err)
			return
		}
		for i := range ms {
			if ms[i].State == StateAvailable {
				s.Available++
			}
			if a.p.UserID != "" && ms[i].UserID == a.p.UserID {
				m := ms[i]
				s.Me = &m
			}
		}
		out.Groups = append(out.Groups, s)
	}
	platform.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	if _, ok := h.group(r.Context(), w, r, a); !ok {
		return
	}
	v, err := View(r.Context(), h.svc, r.PathValue("id"), h.clk.Now())
	if err != nil {
		writeErr(w, r, err, notFoundGroup)
		return
	}
	platform.WriteJSON(w, http.StatusOK, v)
}

func (h *Handler) create(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).admin() {
		forbiddenAdmin(w, r)
		return
	}
	in := NewGroup() // the fields the body leaves out keep their defaults
	if !platform.ReadJSON(w, r, &in) {
		return
	}
	g, err := h.svc.CreateGroup(r.Context(), in)
	if err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusCreated, normalized(g))
}

func (h *Handler) update(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).admin() {
		forbiddenAdmin(w, r)
		return
	}
	id := r.PathValue("id")
	in := NewGroup()
	if !platform.ReadJSON(w, r, &in) {
		return
	}
	if in.ID != "" && in.ID != id {
		platform.WriteErr(w, r, platform.Invalid("invalid call group", platform.FieldError{Field: "id", Message: "must be the path's id (" + id + ") or left out: a group's id does not change"}))
		return
	}
	in.ID = id
	g, err := h.svc.UpdateGroup(r.Context(), id, in)
	if err != nil {
		writeErr(w, r, err, notFoundGroup)
		return
	}
	platform.WriteJSON(w, http.StatusOK, normalized(g))
}

func (h *Handler) del(w http.ResponseWriter, r *http.Request) {
	if !accessOf(r).admin() {
		forbiddenAdmin(w, r)
		return
	}
	if err := h.svc.DeleteGroup(r.Context(), r.PathValue("id")); err != nil {
		writeErr(w, r, err, notFoundGroup)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) members(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	if _, ok := h.group(r.Context(), w, r, a); !ok {
		return
	}
	ms, err := h.svc.Members(r.Context(), r.PathValue("id"))
	if err != nil {
		writeErr(w, r, err, notFoundGroup)
		return
	}
	if ms == nil {
		ms = []MemberView{}
	}
	platform.WriteJSON(w, http.StatusOK, MemberList{Members: ms})
}

func (h *Handler) join(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	var in JoinRequest
	if !platform.ReadJSON(w, r, &in) {
		return
	}
	user, ok := a.member(w, r, in.UserID, "user_id")
	if !ok {
		return
	}
	if err := ValidReason(in.Reason); err != nil {
		platform.WriteErr(w, r, platform.Invalid("invalid member", platform.FieldError{Field: "reason", Message: err.Error()}))
		return
	}
	if in.Reason != "" && !in.Paused {
		platform.WriteErr(w, r, platform.Invalid("invalid member", platform.FieldError{Field: "reason", Message: "is for a member who joins paused"}))
		return
	}
	// Anyone may join a group that exists (its id is what they were
	// given); only one they may see says more than 404.
	id := r.PathValue("id")
	if _, ok := h.svc.Group(r.Context(), id); !ok {
		notFoundGroup(w, r)
		return
	}
	m, err := h.svc.AddMember(r.Context(), id, Member{UserID: user, Penalty: in.Penalty, Dynamic: true, JoinedAt: h.clk.Now()}, in.Paused, in.Reason)
	if err != nil {
		writeErr(w, r, err, notFoundGroup)
		return
	}
	platform.WriteJSON(w, http.StatusCreated, m)
}

func (h *Handler) leave(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	user, ok := a.member(w, r, r.PathValue("user"), "user")
	if !ok {
		return
	}
	id := r.PathValue("id")
	if _, ok := h.svc.Group(r.Context(), id); !ok {
		notFoundGroup(w, r)
		return
	}
	if err := h.svc.RemoveMember(r.Context(), id, user); err != nil {
		var ae *platform.APIError
		if errors.As(err, &ae) {
			for i := range ae.Details {
				if ae.Details[i].Field == "user_id" {
					ae.Details[i].Field = "user" // the route's parameter
				}
			}
		}
		writeErr(w, r, err, notFoundMember)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) pause(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	user, ok := a.member(w, r, r.PathValue("user"), "user")
	if !ok {
		return
	}
	in, ok := pauseBody(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if _, ok := h.svc.Group(r.Context(), id); !ok {
		notFoundGroup(w, r)
		return
	}
	ms, err := h.svc.Pause(r.Context(), id, user, *in.Paused, in.Reason)
	if err != nil {
		writeErr(w, r, err, notFoundMember)
		return
	}
	for _, m := range ms {
		if m.UserID == user {
			platform.WriteJSON(w, http.StatusOK, m)
			return
		}
	}
	notFoundMember(w, r)
}

func (h *Handler) pauseAll(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	user, ok := a.member(w, r, "me", "user")
	if !ok {
		return
	}
	in, ok := pauseBody(w, r)
	if !ok {
		return
	}
	ms, err := h.svc.Pause(r.Context(), "", user, *in.Paused, in.Reason)
	if err != nil && !errors.Is(err, ErrNotFound) {
		platform.WriteErr(w, r, err)
		return
	}
	if ms == nil {
		ms = []MemberView{} // a member of no group: nothing to pause
	}
	platform.WriteJSON(w, http.StatusOK, MemberList{Members: ms})
}

func (h *Handler) calls(w http.ResponseWriter, r *http.Request) {
	a := accessOf(r)
	if _, ok := h.group(r.Context(), w, r, a); !ok {
		return
	}
	platform.WriteJSON(w, http.StatusOK, Calls(r.Context(), h.svc, r.PathValue("id"), h.clk.Now()))
}
