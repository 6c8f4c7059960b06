package phones

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/pbxagent/pbxagent/agent/api"
	"github.com/pbxagent/pbxagent/provisioning"
)

// createRequest is the body of POST /api/v1/phones.
type createRequest struct {
	MAC      string `json:"mac"`
	Vendor   string `json:"vendor"`
	Model    string `json:"model"`
	Owner    string `json:"owner"`
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Service) adminMux() http.Handler {
	mux := api.NewRouteMux()
	// With and without the trailing slash, however the caller mounts it.
	mux.HandleFunc("GET /api/v1/phones", s.listPhones)
	mux.HandleFunc("GET /api/v1/phones/{$}", s.listPhones)
	mux.HandleFunc("POST /api/v1/phones", s.createPhone)
	mux.HandleFunc("POST /api/v1/phones/{$}", s.createPhone)
	mux.HandleFunc("GET /api/v1/phones/{mac}", s.getPhone)
	mux.HandleFunc("PATCH /api/v1/phones/{mac}", s.patchPhone)
	mux.HandleFunc("DELETE /api/v1/phones/{mac}", s.deletePhone)
	return mux
}

func (s *Service) view(rec *record, token string) Phone {
	return Phone{
		MAC: rec.MAC, Vendor: rec.Vendor, Model: rec.Model, Owner: rec.Owner, Username: rec.Username,
		HasPassword: rec.hasPassword(), Token: token, Files: provisioningFiles(rec.MAC, rec.Vendor),
		CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt,
	}
}

func (s *Service) listPhones(w http.ResponseWriter, r *http.Request) {
	recs := s.reg.list()
	out := make([]Phone, len(recs))
	for i, rec := range recs {
		out[i] = s.view(rec, "")
	}
	writeJSON(w, http.StatusOK, map[string]any{"phones": out})
}

func (s *Service) createPhone(w http.ResponseWriter, r *http.Request) {
	var in createRequest
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, err)
		return
	}
	mac, ok := provisioning.ParseMAC(in.MAC)
	if !ok || mac == globalMAC {
		s.writeError(w, invalid("mac", "must be 12 hex digits (separators ':', '-', '.' allowed), not all zero"))
		return
	}
	vendor, ok := provisioning.ParseVendor(in.Vendor)
	if !ok {
		s.writeError(w, invalid("vendor", vendorsMsg()))
		return
	}
	rec := &record{MAC: mac, Vendor: vendor, Model: strings.TrimSpace(in.Model),
		Owner: strings.TrimSpace(in.Owner), Username: strings.TrimSpace(in.Username)}
	if err := checkUsername(rec.Username); err != nil {
		s.writeError(w, err)
		return
	}
	switch {
	case rec.Username != "" && in.Password == "":
		s.writeError(w, invalid("password", "required with a username"))
		return
	case rec.Username == "" && in.Password != "":
		s.writeError(w, invalid("username", "required with a password"))
		return
	case in.Password != "":
		if err := checkPassword(in.Password); err != nil {
			s.writeError(w, err)
			return
		}
	}
	tok, err := s.reg.create(r.Context(), rec, in.Password, s.cfg.clock.Now().UTC())
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.log.Info("phone registered", "mac", mac, "vendor", vendor, "owner", rec.Owner, "username", rec.Username)
	writeJSON(w, http.StatusCreated, s.view(rec, tok))
}

func (s *Service) macParam(w http.ResponseWriter, r *http.Request) (string, bool) {
	mac, ok := provisioning.ParseMAC(r.PathValue("mac"))
	if !ok {
		s.writeError(w, invalid("mac", "must be 12 hex digits"))
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
		s.writeError(w, errMissing)
		return
	}
	writeJSON(w, http.StatusOK, s.view(rec, ""))
}

func (s *Service) patchPhone(w http.ResponseWriter, r *http.Request) {
	mac, ok := s.macParam(w, r)
	if !ok {
		return
	}
	var p patch
	if err := decodeJSON(r, &p); err != nil {
		s.writeError(w, err)
		return
	}
	rec, tok, err := s.reg.update(r.Context(), mac, p, s.cfg.clock.Now().UTC())
	if err != nil {
		s.writeError(w, err)
		return
	}
	s.log.Info("phone updated", "mac", mac, "token_rotated", tok != "", "password_changed", p.Password != nil)
	writeJSON(w, http.StatusOK, s.view(rec, tok))
}

func (s *Service) deletePhone(w http.ResponseWriter, r *http.Request) {
	mac, ok := s.macParam(w, r)
	if !ok {
		return
	}
	if err := s.reg.remove(r.Context(), mac); err != nil {
		s.writeError(w, err)
		return
	}
	s.log.Info("phone removed", "mac", mac)
	w.WriteHeader(http.StatusNoContent)
}

func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalid("body", "invalid JSON: "+err.Error())
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeError answers {"error":{"code","message","details"}}.
func (s *Service) writeError(w http.ResponseWriter, err error) {
	status, code := http.StatusInternalServerError, "internal"
	var fe *fieldError
	details := map[string]string{}
	if errors.As(err, &fe) {
		details["field"] = fe.field
	}
	switch {
	case errors.Is(err, errInvalid):
		status, code = http.StatusBadRequest, "invalid"
	case errors.Is(err, errConflict):
		status, code = http.StatusConflict, "conflict"
	case errors.Is(err, errMissing):
		status, code = http.StatusNotFound, "not_found"
	}
	msg := err.Error()
	if status == http.StatusInternalServerError {
		s.log.Error("phone admin request failed", "error", err)
		msg = "internal error"
	}
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": msg, "details": details}})
}
