package calls

import (
	"errors"
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// TransferInput is the body of POST /api/v1/calls/{id}/transfer.
type TransferInput struct {
	To   string `json:"to" doc:"The recipient: a leading +, digits, letters, * # . _ - (at most 64), dialled through ari.calls_dial" example:"201"`
	Mode string `json:"mode" openapi:"enum=blind|attended" doc:"blind: hand the destination over at once (the call ends for the user); attended: talk to the recipient first, then complete, cancel or swap" example:"attended"`
}

var transferIDParam = platform.Param{Name: "id", In: "path", Required: true, Description: "The transfer's id", Example: "pbxcall-xfer-5f1c2a9e0b7d4c3a"}

// transferRoutes are the transfer routes (scope calls; a user acts on
// their own calls' transfers, a supervisor with manage_callcenter on
// everyone's).
func (h *Handler) transferRoutes() []platform.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	act := func(opID, summary, desc, path string, fn http.HandlerFunc) platform.Route {
		return platform.Route{Method: "POST", Path: path, Scope: platform.ScopeCalls, Handler: f(fn), Op: platform.Operation{
			ID: opID, Summary: summary, Description: desc, Params: []platform.Param{transferIDParam},
			Responses: map[int]platform.Body{200: resp("the transfer", Transfer{}), 404: errBody, 409: errBody, 502: errBody}}}
	}
	return []platform.Route{
		{Method: "POST", Path: "/api/v1/calls/{id}/transfer", Scope: platform.ScopeCalls, Handler: f(h.transfer), Op: platform.Operation{
			ID:      "transferCall",
			Summary: "Transfer a call's destination, blind or attended",
			Description: "The call must be up or held, with no transfer in progress (409 otherwise). Blind: the user's leg is hung up " +
				"at once (call_ended with ended_by transfer), the destination hears ringback and is bridged with the recipient when it " +
				"answers; if it does not, the destination is hung up with the recipient's cause. Attended: the destination hears music " +
				"on hold while the user talks to the recipient; then complete, cancel or swap (/api/v1/transfers/{id}/…). Answers 202 " +
				"with the transfer (state starting or ringback) and a Location header; follow it with the transfer_* events.",
			Params: []platform.Param{idParam}, Request: body("recipient and mode", TransferInput{}),
			Responses: map[int]platform.Body{202: resp("the transfer, started", Transfer{}), 400: errBody, 404: errBody, 409: errBody, 415: errBody, 502: errBody}}},
		{Method: "GET", Path: "/api/v1/transfers/{id}", Scope: platform.ScopeCalls, Handler: f(h.getTransfer), Op: platform.Operation{
			ID: "getTransfer", Summary: "One transfer of the user's calls (in progress, or over a short while ago)",
			Description: "Another user's transfer is 404, unless the caller holds manage_callcenter (admins do).",
			Params:      []platform.Param{transferIDParam},
			Responses:   map[int]platform.Body{200: resp("the transfer", Transfer{}), 404: errBody}}},
		act("completeTransfer", "Complete an attended transfer: the destination and the recipient talk, the user leaves",
			"The user's leg is hung up (call_ended with ended_by transfer). While the recipient still rings, the destination hears "+
				"ringback and is bridged with the recipient when it answers. Publishes transfer_completed (or transfer_updated).",
			"/api/v1/transfers/{id}/complete", h.completeTransfer),
		act("cancelTransfer", "Cancel an attended transfer: hang up the recipient, the user talks to the destination again",
			"409 for a blind transfer or one that is over. Publishes transfer_cancelled and call_updated.",
			"/api/v1/transfers/{id}/cancel", h.cancelTransfer),
		act("swapTransfer", "During an answered attended transfer, switch between the destination and the recipient",
			"The party the user leaves hears music on hold. 409 unless the transfer is answered. Publishes transfer_updated (talking) and call_updated.",
			"/api/v1/transfers/{id}/swap", h.swapTransfer),
	}
}

// writeTransferErr maps the transfer errors to the API's.
func writeTransferErr(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrTransferNotFound):
		platform.WriteError(w, r, http.StatusNotFound, platform.CodeNotFound, "no such transfer", nil)
	case errors.Is(err, ErrBadMode):
		platform.WriteErr(w, r, platform.Invalid("invalid transfer mode", platform.FieldError{Field: "mode", Message: err.Error()}))
	default:
		writeErr(w, r, err)
	}
}

func (h *Handler) transfer(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in TransferInput
	if err := platform.DecodeJSON(r, &in); err != nil {
		platform.WriteErr(w, r, err)
		return
	}
	var fields []platform.FieldError
	if _, err := ParseDestination(in.To); err != nil {
		fields = append(fields, platform.FieldError{Field: "to", Message: err.Error()})
	}
	if _, err := ParseMode(in.Mode); err != nil {
		fields = append(fields, platform.FieldError{Field: "mode", Message: err.Error()})
	}
	if len(fields) > 0 {
		platform.WriteErr(w, r, platform.Invalid("invalid transfer", fields...))
		return
	}
	t, err := h.eng.StartTransfer(r.Context(), viewer(r), r.PathValue("id"), TransferRequest{To: in.To, Mode: TransferMode(in.Mode)})
	if err != nil {
		writeTransferErr(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/transfers/"+t.ID)
	platform.WriteJSON(w, http.StatusAccepted, t)
}

func (h *Handler) getTransfer(w http.ResponseWriter, r *http.Request) {
	t, err := h.eng.GetTransfer(viewer(r), r.PathValue("id"))
	if err != nil {
		writeTransferErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, t)
}

func (h *Handler) completeTransfer(w http.ResponseWriter, r *http.Request) {
	t, err := h.eng.CompleteTransfer(r.Context(), viewer(r), r.PathValue("id"))
	h.transferResult(w, r, t, err)
}

func (h *Handler) cancelTransfer(w http.ResponseWriter, r *http.Request) {
	t, err := h.eng.CancelTransfer(r.Context(), viewer(r), r.PathValue("id"))
	h.transferResult(w, r, t, err)
}

func (h *Handler) swapTransfer(w http.ResponseWriter, r *http.Request) {
	t, err := h.eng.SwapTransfer(r.Context(), viewer(r), r.PathValue("id"))
	h.transferResult(w, r, t, err)
}

func (h *Handler) transferResult(w http.ResponseWriter, r *http.Request, t Transfer, err error) {
	if err != nil {
		writeTransferErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, t)
}
