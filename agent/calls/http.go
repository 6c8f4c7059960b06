package calls

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/ari"
)

// Devices reads a user's Asterisk endpoints ("PJSIP/101"), the devices
// that ring for their calls.
type Devices interface {
	Endpoints(ctx context.Context, userID string) ([]string, error)
}

// Handler serves the calls API.
type Handler struct {
	eng     *Engine
	devices Devices
	phones  DeskPhones
}

// HandlerOption configures a Handler.
type HandlerOption func(*Handler)

// NewHandler returns the API of eng; devices reads each user's endpoints.
func NewHandler(eng *Engine, devices Devices, opts ...HandlerOption) *Handler {
	h := &Handler{eng: eng, devices: devices}
	for _, o := range opts {
		o(h)
	}
	return h
}

// PlaceInput is the body of POST /api/v1/calls.
type PlaceInput struct {
	To     string `json:"to" doc:"The number to call: a leading +, digits, letters, * # . _ - (at most 64)" example:"+41441234567"`
	Device string `json:"device,omitempty" doc:"One of the user's endpoints to ring; empty rings all of them at once" example:"PJSIP/101"`
}

// DTMFInput is the body of POST /api/v1/calls/{id}/dtmf.
type DTMFInput struct {
	Digits string `json:"digits" doc:"DTMF digits to send to the destination: 0-9, A-D, *, # (at most 64)" example:"1234#"`
}

// CallList is the answer of GET /api/v1/calls.
type CallList struct {
	Calls []Call `json:"calls" doc:"The live calls, oldest first"`
}

func body(desc string, v any) *platform.Body {
	return &platform.Body{ContentType: "application/json", Description: desc, Schema: v}
}

func resp(desc string, v any) platform.Body {
	return platform.Body{ContentType: "application/json", Description: desc, Schema: v}
}

var (
	idParam = platform.Param{Name: "id", In: "path", Required: true, Description: "The call's id", Example: "pbxcall-5f1c2a9e0b7d4c3a"}
	errBody = resp("error", platform.ErrorBody{})
)

// Routes implements platform.Router.
func (h *Handler) Routes() []platform.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	one := func(opID, summary, desc string, fn http.HandlerFunc, method, path string, extra map[int]platform.Body) platform.Route {
		rs := map[int]platform.Body{200: resp("the call", Call{}), 404: errBody, 409: errBody, 502: errBody}
		for k, v := range extra {
			rs[k] = v
		}
		return platform.Route{Method: method, Path: path, Scope: platform.ScopeCalls, Handler: f(fn), Op: platform.Operation{
			ID: opID, Summary: summary, Description: desc, Params: []platform.Param{idParam}, Responses: rs}}
	}
	hold := one("holdCall", "Put a call on hold: the destination hears music on hold", "The call must be up (409 otherwise). Publishes call_held.", h.hold, "POST", "/api/v1/calls/{id}/hold", nil)
	resume := one("resumeCall", "Take a call off hold", "The call must be held (409 otherwise). Publishes call_resumed.", h.resume, "POST", "/api/v1/calls/{id}/resume", nil)
	hang := one("hangupCall", "Hang a call up (every leg)", "Answers the ended call; publishes call_ended.", h.hangup, "DELETE", "/api/v1/calls/{id}", nil)
	mute := one("muteCall", "Mute the user on a call: the destination no longer hears them",
		"The call must be up or held (409 otherwise); muting a muted call changes nothing. Publishes call_updated with muted true.", h.mute, "POST", "/api/v1/calls/{id}/mute", nil)
	unmute := one("unmuteCall", "Unmute the user on a call", "The call must be up or held (409 otherwise). Publishes call_updated with muted false.", h.unmute, "POST", "/api/v1/calls/{id}/unmute", nil)
	get := one("getCall", "One of the user's calls (live, or ended a short while ago)", "Another user's call is 404, unless the caller holds manage_callcenter (admins do).", h.get, "GET", "/api/v1/calls/{id}", nil)
	delete(get.Op.Responses, 409)
	delete(get.Op.Responses, 502)
	return append([]platform.Route{
		{Method: "POST", Path: "/api/v1/calls", Scope: platform.ScopeCalls, Handler: f(h.place), Op: platform.Operation{
			ID:      "placeCall",
			Summary: "Click-to-call: ring the user's device, then dial the destination when it answers",
			Description: "Rings the user's device (or all their devices at once), asking desk phones to answer by themselves " +
				"(the SIP header the phone's vendor honours, Call-Info answer-after=0 or Alert-Info info=alert-autoanswer, " +
				"both for an endpoint on no registered phone); when one answers, the destination is dialled " +
				"through `ari.calls_dial` and both are bridged (with `calls.backend: sip`, both are dialled over SIP, the destination " +
				"through `sip_ua.trunk`). Answers at once with the call, state dialing; follow it " +
				"with GET /api/v1/calls/{id} or the call events.",
			Request:   body("destination and device", PlaceInput{}),
			Responses: map[int]platform.Body{202: resp("the call, placed", Call{}), 400: errBody, 403: errBody, 409: errBody, 415: errBody, 502: errBody}}},
		{Method: "GET", Path: "/api/v1/calls", Scope: platform.ScopeCalls, Handler: f(h.list), Op: platform.Operation{
			ID:      "listCalls",
			Summary: "The user's live calls (a supervisor with manage_callcenter, or an admin, sees every user's)",
			Params: []platform.Param{{Name: "user", In: "query", Description: "Only the calls of this user id " +
				"(a plain user sees only their own calls, so another id gives an empty list)", Example: "01JEQ7H2B3C4D5E6F7G8H9J0K1"}},
			Responses: map[int]platform.Body{200: resp("the calls", CallList{})}}},
		get, hang, hold, resume, mute, unmute,
		{Method: "POST", Path: "/api/v1/calls/{id}/answer", Scope: platform.ScopeCalls, Handler: f(h.answer), Op: platform.Operation{
			ID:      "answerCall",
			Summary: "Answer a call ringing on the owner's devices through the desk phone's own remote control",
			Description: "Sends the phone's answer command (Yealink, Fanvil and Snom action URIs, Cisco CiscoIPPhoneExecute) " +
				"to the call owner's desk phone (`phone`, or their only one). The call must ring on the owner's devices " +
				"(409 otherwise); a phone whose vendor driver cannot answer, or with no known address yet, is 409. Answers " +
				"202 with the call as it was: follow the answer with the call events.",
			Params: []platform.Param{idParam}, Request: body("the phone (optional; the body may be empty)", AnswerInput{}),
			Responses: map[int]platform.Body{202: resp("the command was accepted by the phone", Call{}), 400: errBody, 404: errBody, 409: errBody, 415: errBody, 502: errBody}}},
		{Method: "POST", Path: "/api/v1/calls/{id}/dtmf", Scope: platform.ScopeCalls, Handler: f(h.dtmf), Op: platform.Operation{
			ID:      "sendCallDigits",
			Summary: "Send DTMF digits to the destination of a call that is up or held",
			Params:  []platform.Param{idParam}, Request: body("the digits", DTMFInput{}),
			Responses: map[int]platform.Body{204: {Description: "sent"}, 400: errBody, 404: errBody, 409: errBody, 415: errBody, 502: errBody}}},
		h.recordRoute(),
	}, append(h.transferRoutes(), h.parkRoutes()...)...)
}

// viewer is whose calls the request may see: its user's; a supervisor's
// (manage_callcenter; admins and the admin token hold every ability),
// everyone's.
func viewer(r *http.Request) Viewer {
	p, _ := platform.PrincipalFrom(r.Context())
	return Viewer{UserID: p.UserID, All: p.Has(platform.AbilityManageCallCenter)}
}

// writeErr maps the engine's errors to the API's.
func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var ae *ari.Error
	switch {
	case errors.Is(err, ErrNotFound):
		platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, "no such call", nil)
	case errors.Is(err, ErrNotOnSIP):
		platform.WriteError(w, r, http.StatusNotImplemented, "not_implemented", err.Error(), nil)
	case errors.Is(err, ErrState):
		platform.WriteError(w, r, http.StatusConflict, platform.CodeConflict, err.Error(), nil)
	case errors.Is(err, ErrBadDigits):
		platform.WriteErr(w, r, platform.Invalid("invalid digits", platform.FieldError{Field: "digits", Message: err.Error()}))
	case errors.Is(err, ErrBadDestination):
		platform.WriteErr(w, r, platform.Invalid("invalid destination", platform.FieldError{Field: "to", Message: err.Error()}))
	case errors.As(err, new(*SIPDialError)):
		platform.WriteErr(w, r, &platform.APIError{Status: http.StatusBadGateway, Code: "bad_gateway", Message: "the SIP peer refused the request", Err: err})
	case errors.As(err, &ae), errors.Is(err, ari.ErrNoResponse):
		platform.WriteErr(w, r, &platform.APIError{Status: http.StatusBadGateway, Code: "bad_gateway", Message: "Asterisk refused the request", Err: err})
	default:
		platform.WriteErr(w, r, err)
	}
}

func (h *Handler) place(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in PlaceInput
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	p, _ := platform.PrincipalFrom(r.Context())
	if p.UserID == "" {
		platform.WriteError(w, r, http.StatusForbidden, platform.CodeForbidden, "a call is placed for a user: use a user's session or token (the admin token and app tokens have no devices)", nil)
		return
	}
	if _, err := ParseDestination(in.To); err != nil {
		writeErr(w, r, err)
		return
	}
	devices, ok := h.ringDevices(w, r, p.UserID, in.Device)
	if !ok {
		return
	}
	c, err := h.eng.Place(r.Context(), PlaceRequest{UserID: p.UserID, Devices: devices, To: in.To})
	if err != nil {
		writeErr(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/calls/"+c.ID)
	platform.WriteJSON(w, http.StatusAccepted, c)
}

func (h *Handler) list(w http.ResponseWriter, r *http.Request) {
	list := h.eng.List(viewer(r))
	if u := r.URL.Query().Get("user"); u != "" {
		list = slices.DeleteFunc(list, func(c Call) bool { return c.UserID != u })
	}
	platform.WriteJSON(w, http.StatusOK, CallList{Calls: list})
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	c, err := h.eng.Get(viewer(r), r.PathValue("id"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, c)
}

func (h *Handler) hangup(w http.ResponseWriter, r *http.Request) {
	h.act(w, r, h.eng.Hangup)
}

func (h *Handler) hold(w http.ResponseWriter, r *http.Request) { h.act(w, r, h.eng.Hold) }

func (h *Handler) resume(w http.ResponseWriter, r *http.Request) { h.act(w, r, h.eng.Resume) }

func (h *Handler) act(w http.ResponseWriter, r *http.Request, fn func(context.Context, Viewer, string) (Call, error)) {
	c, err := fn(r.Context(), viewer(r), r.PathValue("id"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, c)
}

func (h *Handler) dtmf(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in DTMFInput
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	if err := h.eng.DTMF(r.Context(), viewer(r), r.PathValue("id"), in.Digits); err != nil {
		writeErr(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ringDevices answers the devices of userID to ring: device alone when
// given (it must be one of the user's devices.endpoints), else all of
// them. It writes the error (400 naming device, 409 without devices) and
// answers false when there is none to ring.
func (h *Handler) ringDevices(w http.ResponseWriter, r *http.Request, userID, device string) ([]string, bool) {
	eps, err := h.devices.Endpoints(r.Context(), userID)
	if err != nil {
		platform.WriteErr(w, r, err)
		return nil, false
	}
	devices := eps
	if device != "" {
		if !slices.Contains(eps, device) {
			platform.WriteErr(w, r, platform.Invalid("unknown device", platform.FieldError{Field: "device", Message: "is not one of your devices (devices.endpoints)"}))
			return nil, false
		}
		devices = []string{device}
	}
	if len(devices) == 0 {
		platform.WriteError(w, r, http.StatusConflict, platform.CodeConflict, "you have no device to ring: an administrator adds one to your devices.endpoints", nil)
		return nil, false
	}
	return devices, true
}

// decodeOptional decodes a JSON body into v when the request has one (an
// empty body leaves v as it is). It writes the error and answers false on
// a wrong content type or bad JSON.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.ContentLength == 0 {
		return true
	}
	if !platform.RequireContentType(w, r, "application/json") {
		return false
	}
	if err := platform.DecodeJSON(r, v); err != nil {
		platform.WriteErr(w, r, err)
		return false
	}
	return true
}
