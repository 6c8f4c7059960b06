package calls

import (
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// PickupInput is the body of POST /api/v1/calls/{id}/pickup.
type PickupInput struct {
	Device string `json:"device,omitempty" doc:"One of the picking user's endpoints to ring; empty rings all of them at once" example:"PJSIP/101"`
}

// parkRoutes are POST /api/v1/calls/{id}/park and /pickup.
func (h *Handler) parkRoutes() []platform.Route {
	return []platform.Route{
		{Method: "POST", Path: "/api/v1/calls/{id}/park", Scope: platform.ScopeCalls, Handler: http.HandlerFunc(h.park), Op: platform.Operation{
			ID:      "parkCall",
			Summary: "Park a call: the far party waits with music on hold under a park slot, the user's device hangs up",
			Description: "The call must be up or held (409 otherwise, and when every slot is taken). Answers the call, state parked, " +
				"with parked_slot; publishes call_parked. After `ari.calls_park_timeout` without pickup the owner's devices ring " +
				"again; if none answers, the call ends.",
			Params:    []platform.Param{idParam},
			Responses: map[int]platform.Body{200: resp("the parked call", Call{}), 404: errBody, 409: errBody, 502: errBody}}},
		{Method: "POST", Path: "/api/v1/calls/{id}/pickup", Scope: platform.ScopeCalls, Handler: http.HandlerFunc(h.pickup), Op: platform.Operation{
			ID:      "pickupCall",
			Summary: "Pick up a parked call on your devices",
			Description: "The owner, or a user holding manage_callcenter, picks up: their devices (or `device`) ring, asked to " +
				"answer by themselves, and the first that answers is bridged with the parked party; the call then belongs to " +
				"the user who picked it up (call_picked_up goes to both). Answers 202 with the call, still parked, at once.",
			Params: []platform.Param{idParam}, Request: body("the device (optional; the body may be empty)", PickupInput{}),
			Responses: map[int]platform.Body{202: resp("the picking user's devices ring", Call{}), 400: errBody, 403: errBody, 404: errBody, 409: errBody, 415: errBody, 502: errBody}}},
	}
}

func (h *Handler) park(w http.ResponseWriter, r *http.Request) { h.act(w, r, h.eng.Park) }

func (h *Handler) pickup(w http.ResponseWriter, r *http.Request) {
	var in PickupInput
	if !decodeOptional(w, r, &in) {
		return
	}
	p, _ := platform.PrincipalFrom(r.Context())
	if p.UserID == "" {
		platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden, "a call is picked up by a user, on their devices: use a user's session or token", nil)
		return
	}
	// The call first: another user's call stays a 404 whatever the body.
	if _, err := h.eng.Get(viewer(r), r.PathValue("id")); err != nil {
		writeErr(w, r, err)
		return
	}
	devices, ok := h.ringDevices(w, r, p.UserID, in.Device)
	if !ok {
		return
	}
	c, err := h.eng.Pickup(r.Context(), viewer(r), r.PathValue("id"), p.UserID, devices)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusAccepted, c)
}
