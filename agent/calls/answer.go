package calls

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/provisioning/cti"
)

// ErrNoRemoteAnswer is a phone whose driver cannot answer a call.
var ErrNoRemoteAnswer = errors.New("this device cannot be answered remotely")

// DeskPhones reads users' desk phones and reaches their remote control
// (the phones registry).
type DeskPhones interface {
	// Phones returns the MAC addresses of the user's desk phones.
	Phones(ctx context.Context, userID string) ([]string, error)
	// CTI returns the remote-control driver of the registered phone mac.
	CTI(mac string) (cti.Driver, error)
}

// WithDeskPhones lets POST /api/v1/calls/{id}/answer answer on the
// users' desk phones; without it the route answers 409 for every phone.
func WithDeskPhones(p DeskPhones) HandlerOption { return func(h *Handler) { h.phones = p } }

// AnswerInput is the body of POST /api/v1/calls/{id}/answer.
type AnswerInput struct {
	Phone string `json:"phone,omitempty" doc:"The MAC address of the call owner's desk phone to answer on (12 hex digits); may be left out when the owner has exactly one, or when exactly one of the owner's phones registers an endpoint that rings for the call (the phone's endpoints)" example:"0015654aa937"`
}

// UserRinging returns the call if it rings on its owner's devices (no
// device answered yet); ErrState otherwise.
func (e *Engine) UserRinging(v Viewer, id string) (Call, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, err := e.live(v, id)
	if err != nil {
		return Call{}, err
	}
	if s.userLeg != "" || len(s.userLegs) == 0 {
		return Call{}, fmt.Errorf("%w: the call is not ringing on the user's devices", ErrState)
	}
	return snapshot(s), nil
}

// normMAC lower-cases mac and drops the separators ':' '-' '.'.
func normMAC(mac string) string {
	return strings.ToLower(strings.NewReplacer(":", "", "-", "", ".", "").Replace(strings.TrimSpace(mac)))
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request) {
	var in AnswerInput
	if !decodeOptional(w, r, &in) {
		return
	}
	c, err := h.eng.UserRinging(viewer(r), r.PathValue("id"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	var owned []string
	if h.phones != nil {
		if owned, err = h.phones.Phones(r.Context(), c.UserID); err != nil {
			platform.WriteErr(w, r, err)
			return
		}
	}
	mac := normMAC(in.Phone)
	switch {
	case mac != "" && !slices.Contains(owned, mac):
		platform.WriteErr(w, r, platform.Invalid("unknown phone", platform.FieldError{Field: "phone", Message: "is not one of the call owner's desk phones (devices.phones)"}))
		return
	case mac == "" && len(owned) == 1:
		mac = owned[0]
	case mac == "" && len(owned) == 0:
		platform.WriteError(w, r, http.StatusConflict, platform.CodeConflict, ErrNoRemoteAnswer.Error()+": the call's owner has no desk phone (devices.phones)", nil)
		return
	case mac == "":
		// Several phones: the one registering an endpoint that rings.
		var why string
		if mac, why = h.eng.ringingPhone(c.ID, owned); mac == "" {
			platform.WriteErr(w, r, platform.Invalid("which phone?", platform.FieldError{Field: "phone", Message: why}))
			return
		}
	}
	drv, err := h.phones.CTI(mac)
	if err != nil {
		platform.WriteError(w, r, http.StatusConflict, platform.CodeConflict, ErrNoRemoteAnswer.Error()+": the phone is not registered", nil)
		return
	}
	if !drv.Capabilities().Has(cti.Answer) {
		platform.WriteError(w, r, http.StatusConflict, platform.CodeConflict, ErrNoRemoteAnswer.Error(), nil)
		return
	}
	if err := drv.Answer(r.Context()); err != nil {
		if errors.Is(err, cti.ErrNoAddress) {
			platform.WriteError(w, r, http.StatusConflict, platform.CodeConflict,
				"the phone's address is not known yet: it has fetched nothing from pbxagent since the daemon started", nil)
			return
		}
		platform.WriteErr(w, r, &platform.APIError{Status: http.StatusBadGateway, Code: "bad_gateway", Message: "the phone did not answer the call", Err: err})
		return
	}
	platform.WriteJSON(w, http.StatusAccepted, c)
}
