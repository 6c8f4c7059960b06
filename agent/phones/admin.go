package phones

import (
	"errors"
	"net/http"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/provisioning"
)

// createRequest is the body of POST /api/v1/phones.
type createRequest struct {
	MAC    string `json:"mac" doc:"The phone's MAC address (any common notation; stored as 12 lower-case hex digits)" example:"00:15:65:4a:a9:37"`
	Vendor string `json:"vendor" doc:"The phone's make: yealink, cisco, polycom, grandstream, snom or fanvil" example:"yealink"`
	Model  string `json:"model" doc:"The model, informational" example:"T46U"`
	// Owner is the user who owns the phone: their id or username (stored
	// as the id); the phone then also sees their personal contacts and is
	// listed among their devices. An unknown user is refused (422).
	Owner    string `json:"owner" doc:"The owner: a user id or username (stored as the id); the phone also sees their personal contacts and is listed among their devices; an unknown user is refused (422)" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	Username string `json:"username" doc:"An HTTP username for the phone (Basic or Digest); empty: token only" example:"phone-0015654aa937"`
	Password string `json:"password" doc:"The phone's HTTP password (write-only)" example:"Vq9!rT4zL2wX"`
	// Endpoints are the Asterisk endpoints the phone registers.
	Endpoints []string `json:"endpoints" doc:"The Asterisk endpoints the phone registers (its SIP accounts, e.g. PJSIP/101); each on at most one phone (409) and, for an owned phone, one of the owner's devices.endpoints (422)" example:"[\"PJSIP/101\"]"`
}

func (s *Service) adminMux() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.Routes() {
		if rt.Scope != platform.ScopePublic {
			mux.Handle(rt.Pattern(), rt.Handler)
		}
	}
	return mux
}

// view is rec as the admin API shows it to r (whose Host is the base URL
// when none is configured), with token when one was just made.
func (s *Service) view(r *http.Request, rec *record, token string) Phone {
	prov, book := s.fetches.get(rec.MAC)
	return Phone{
		MAC: rec.MAC, Vendor: rec.Vendor, Model: rec.Model, Owner: rec.Owner, Username: rec.Username,
		HasPassword: rec.hasPassword(), Token: token, Files: provisioningFiles(rec.MAC, rec.Vendor),
		ProvisioningURL:  provisioningURL(s.base(r), rec.MAC, rec.Vendor),
		LastProvisioning: prov, LastPhonebook: book, CTI: s.ctiView(rec),
		CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt, Endpoints: append([]string{}, rec.Endpoints...),
	}
}

func (s *Service) listPhones(w http.ResponseWriter, r *http.Request) {
	recs := s.reg.list()
	out := make([]Phone, len(recs))
	for i, rec := range recs {
		out[i] = s.view(r, rec, "")
	}
	writeJSON(w, http.StatusOK, phoneList{Phones: out})
}

func (s *Service) createPhone(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in createRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	mac, ok := provisioning.ParseMAC(in.MAC)
	if !ok || mac == globalMAC {
		s.writeError(w, r, invalid("mac", "must be 12 hex digits (separators ':', '-', '.' allowed), not all zero"))
		return
	}
	vendor, ok := provisioning.ParseVendor(in.Vendor)
	if !ok {
		s.writeError(w, r, invalid("vendor", vendorsMsg()))
		return
	}
	owner, err := s.resolveOwner(in.Owner)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	eps, err := parseEndpoints(in.Endpoints)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.checkOwnerEndpoints(r.Context(), owner, eps); err != nil {
		s.writeError(w, r, err)
		return
	}
	rec := &record{MAC: mac, Vendor: vendor, Model: strings.TrimSpace(in.Model),
		Owner: owner, Username: strings.TrimSpace(in.Username), Endpoints: eps}
	if err := checkUsername(rec.Username); err != nil {
		s.writeError(w, r, err)
		return
	}
	switch {
	case rec.Username != "" && in.Password == "":
		s.writeError(w, r, invalid("password", "required with a username"))
		return
	case rec.Username == "" && in.Password != "":
		s.writeError(w, r, invalid("username", "required with a password"))
		return
	case in.Password != "":
		if err := checkPassword(in.Password); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	tok, err := s.reg.create(r.Context(), rec, in.Password, s.cfg.clock.Now().UTC())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rec.Owner != "" {
		if err := s.setOwner(r.Context(), mac, rec.Owner); err != nil {
			if rerr := s.reg.remove(r.Context(), mac); rerr != nil {
				s.log.Error("phone left registered after its owner was refused", "mac", mac, "error", rerr)
			}
			s.writeError(w, r, err)
			return
		}
	}
	s.log.Info("phone registered", "mac", mac, "vendor", vendor, "owner", rec.Owner, "username", rec.Username, "endpoints", rec.Endpoints)
	writeJSON(w, http.StatusCreated, s.view(r, rec, tok))
}

func (s *Service) macParam(w http.ResponseWriter, r *http.Request) (string, bool) {
	mac, ok := provisioning.ParseMAC(r.PathValue("mac"))
	if !ok {
		s.writeError(w, r, invalid("mac", "must be 12 hex digits"))
	}
	return mac, ok
}

func (s *Service) getPhone(w http.ResponseWriter, r *http.Request) {
	mac, ok := s.macParam(w, r)
	if !ok {
		return
	}
	rec, ok := s.reg.get(mac)
	if !ok {
		s.writeError(w, r, errMissing)
		return
	}
	writeJSON(w, http.StatusOK, s.view(r, rec, ""))
}

func (s *Service) patchPhone(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/merge-patch+json", "application/json") {
		return
	}
	mac, ok := s.macParam(w, r)
	if !ok {
		return
	}
	var p patch
	if err := decodeJSON(w, r, &p); err != nil {
		s.writeError(w, r, err)
		return
	}
	old, ok := s.reg.get(mac)
	if !ok {
		s.writeError(w, r, errMissing)
		return
	}
	ownerChanged := false
	owner, eps := old.Owner, old.Endpoints
	if p.Endpoints != nil {
		parsed, err := parseEndpoints(*p.Endpoints)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		eps = parsed
	}
	if p.Owner != nil {
		var err error
		if owner, err = s.resolveOwner(*p.Owner); err != nil {
			s.writeError(w, r, err)
			return
		}
		p.Owner = &owner
	}
	if p.Owner != nil || p.Endpoints != nil {
		// A change of either must leave the endpoints the owner's.
		if err := s.checkOwnerEndpoints(r.Context(), owner, eps); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if p.Owner != nil {
		if owner != old.Owner {
			// The user's devices first: they may refuse the phone.
			if err := s.setOwner(r.Context(), mac, owner); err != nil {
				s.writeError(w, r, err)
				return
			}
			ownerChanged = true
		}
	}
	rec, tok, err := s.reg.update(r.Context(), mac, p, s.cfg.clock.Now().UTC())
	if err != nil {
		if ownerChanged {
			if rerr := s.setOwner(r.Context(), mac, old.Owner); rerr != nil {
				s.log.Error("phone's devices entry not restored", "mac", mac, "error", rerr)
			}
		}
		s.writeError(w, r, err)
		return
	}
	s.log.Info("phone updated", "mac", mac, "token_rotated", tok != "", "password_changed", p.Password != nil)
	writeJSON(w, http.StatusOK, s.view(r, rec, tok))
}

func (s *Service) deletePhone(w http.ResponseWriter, r *http.Request) {
	mac, ok := s.macParam(w, r)
	if !ok {
		return
	}
	rec, _ := s.reg.get(mac)
	if err := s.reg.remove(r.Context(), mac); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.fetches.forget(mac)
	if rec != nil && rec.Owner != "" {
		if err := s.setOwner(r.Context(), mac, ""); err != nil {
			s.log.Warn("removed phone still listed among its owner's devices", "mac", mac, "owner", rec.Owner, "error", err)
		}
	}
	s.log.Info("phone removed", "mac", mac)
	w.WriteHeader(http.StatusNoContent)
}

// decodeJSON reads a body of at most 64 KiB (413 beyond) into v, with
// errors in the API's terms.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	return platform.DecodeJSON(r, v)
}

// writeJSON writes v, never to be cached (a new token is shown once).
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Cache-Control", "no-store")
	platform.WriteJSON(w, status, v)
}

// writeError answers in the error envelope; a 500's cause goes to the
// request's log line, not to the client.
func (s *Service) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var fe *fieldError
	var details []platform.FieldError
	if errors.As(err, &fe) {
		details = []platform.FieldError{{Field: fe.field, Message: fe.message}}
	}
	switch {
	case errors.Is(err, errInvalid):
		err = &platform.APIError{Status: http.StatusBadRequest, Code: platform.CodeInvalid, Message: err.Error(), Details: details}
	case errors.Is(err, errConflict):
		err = &platform.APIError{Status: http.StatusConflict, Code: platform.CodeConflict, Message: err.Error(), Details: details}
	case errors.Is(err, errMissing):
		err = &platform.APIError{Status: http.StatusNotFound, Code: platform.CodeNotFound, Message: err.Error(), Details: details}
	}
	w.Header().Set("Cache-Control", "no-store")
	platform.WriteErr(w, r, err)
}
