package sync

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/pbxagent/pbxagent/phonebook"
)

// AdminHandler serves the sources API. Mount it, without stripping the
// prefix, at "/api/v1/sources" and "/api/v1/sources/" behind the admin auth:
//
//	GET    /api/v1/sources               list
//	POST   /api/v1/sources               create (Input) → 201 View
//	GET    /api/v1/sources/{id}          View with status and the last 20 runs
//	PATCH  /api/v1/sources/{id}          update (Input)
//	DELETE /api/v1/sources/{id}          same as erase
//	POST   /api/v1/sources/{id}/sync     trigger (body SyncOptions, optional; ?wait=1 waits and returns the Run) → 202
//	POST   /api/v1/sources/{id}/erase    remove config, contacts, state, status
//	POST   /api/v1/sources/{id}/test     first 10 mapped contacts, nothing imported
//	POST   /api/v1/sources/test          the same for an unsaved source (body: Input)
//
// Secrets are accepted in settings and never returned; "secrets_set" names those stored.
// A PATCH that changes where they are sent (a type's Destinations: URL,
// tenant, host…) must send them again. URL settings carry no credentials
// (CheckURL).
//
// The handler has a method Routes() []string that lists these routes.
func (e *Engine) AdminHandler() http.Handler {
	mux := &routeMux{ServeMux: http.NewServeMux()}
	const p = "/api/v1/sources"
	mux.HandleFunc("GET "+p, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"sources": e.List()})
	})
	mux.HandleFunc("POST "+p, func(w http.ResponseWriter, r *http.Request) {
		var in Input
		if !readJSON(w, r, &in) {
			return
		}
		v, err := e.Create(r.Context(), in)
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusCreated, v)
	})
	mux.HandleFunc("GET "+p+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		v, err := e.Get(r.PathValue("id"))
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
	mux.HandleFunc("PATCH "+p+"/{id}", func(w http.ResponseWriter, r *http.Request) {
		var in Input
		if !readJSON(w, r, &in) {
			return
		}
		v, err := e.Update(r.Context(), r.PathValue("id"), in)
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	})
	erase := func(w http.ResponseWriter, r *http.Request) {
		n, err := e.Erase(r.Context(), r.PathValue("id"))
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"erased": true, "contacts_deleted": n})
	}
	mux.HandleFunc("DELETE "+p+"/{id}", erase)
	mux.HandleFunc("POST "+p+"/{id}/erase", erase)
	mux.HandleFunc("POST "+p+"/{id}/sync", func(w http.ResponseWriter, r *http.Request) {
		var opts SyncOptions
		if r.ContentLength != 0 && !readJSON(w, r, &opts) {
			return
		}
		id := r.PathValue("id")
		if wait, _ := strconv.ParseBool(r.URL.Query().Get("wait")); wait {
			run, err := e.SyncNow(r.Context(), id, opts)
			if err != nil {
				writeErr(w, err)
				return
			}
			writeJSON(w, http.StatusOK, run)
			return
		}
		if err := e.Trigger(id, opts); err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"started": true})
	})
	mux.HandleFunc("POST "+p+"/test", func(w http.ResponseWriter, r *http.Request) {
		var in Input
		if !readJSON(w, r, &in) {
			return
		}
		cs, err := e.TestInput(r.Context(), in, 10)
		var fe *FieldError
		if err != nil && !errors.As(err, &fe) && !errors.Is(err, ErrNotTestable) {
			writeError(w, http.StatusBadGateway, nil, err.Error())
			return
		}
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"contacts": cs})
	})
	mux.HandleFunc("POST "+p+"/{id}/test", func(w http.ResponseWriter, r *http.Request) {
		cs, err := e.Test(r.Context(), r.PathValue("id"), 10)
		if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrNotTestable) {
			writeError(w, http.StatusBadGateway, nil, err.Error())
			return
		}
		if err != nil {
			writeErr(w, err)
			return
		}
		if cs == nil {
			cs = []*phonebook.Contact{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"contacts": cs})
	})
	return mux
}

// ContactsHandler serves the overlay endpoints of synced contacts when the
// store implements Overlay. Mount at "/api/v1/contacts/" (no prefix strip):
//
//	GET  /api/v1/contacts/{id}/local   → {"id":…, "local_fields":[…], "deleted_locally":bool}
//	POST /api/v1/contacts/{id}/revert  → the contact as the source has it
func (e *Engine) ContactsHandler() http.Handler {
	mux := http.NewServeMux()
	ov, ok := e.store.(Overlay)
	mux.HandleFunc("GET /api/v1/contacts/{id}/local", func(w http.ResponseWriter, r *http.Request) {
		if !ok {
			writeError(w, http.StatusNotImplemented, nil, "store has no overlay")
			return
		}
		f, deleted, err := ov.LocalFields(r.Context(), r.PathValue("id"))
		if err != nil {
			writeErr(w, err)
			return
		}
		if f == nil {
			f = []string{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "local_fields": f, "deleted_locally": deleted})
	})
	mux.HandleFunc("POST /api/v1/contacts/{id}/revert", func(w http.ResponseWriter, r *http.Request) {
		if !ok {
			writeError(w, http.StatusNotImplemented, nil, "store has no overlay")
			return
		}
		c, err := ov.RevertToSource(r.Context(), r.PathValue("id"))
		if err != nil {
			writeErr(w, err)
			return
		}
		writeJSON(w, http.StatusOK, c)
	})
	return mux
}

// writeError writes the API's error shape {"error":{"code","message","details"}}
// with a code derived from the status.
func writeError(w http.ResponseWriter, status int, details any, msg string) {
	code := "internal"
	switch status {
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		code = "invalid"
	case http.StatusNotFound:
		code = "not_found"
	case http.StatusConflict:
		code = "conflict"
	case http.StatusServiceUnavailable:
		code = "unavailable"
	case http.StatusRequestEntityTooLarge:
		code = "too_large"
	}
	body := map[string]any{"code": code, "message": msg}
	if details != nil {
		body["details"] = details
	}
	writeJSON(w, status, map[string]any{"error": body})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, nil, "body: "+err.Error())
		return false
	}
	return true
}

func writeErr(w http.ResponseWriter, err error) {
	var fe *FieldError
	var ve *phonebook.ValidationError
	switch {
	case errors.As(err, &fe):
		writeError(w, http.StatusBadRequest, []map[string]string{{"field": fe.Field, "message": err.Error()}}, err.Error())
	case errors.As(err, &ve):
		writeError(w, http.StatusBadRequest, nil, err.Error())
	case errors.Is(err, ErrNotFound), errors.Is(err, phonebook.ErrNotFound):
		writeError(w, http.StatusNotFound, nil, err.Error())
	case errors.Is(err, ErrRunning), errors.Is(err, ErrNameTaken), errors.Is(err, ErrEraseInProcess):
		writeError(w, http.StatusConflict, nil, err.Error())
	case errors.Is(err, ErrNotRunning):
		writeError(w, http.StatusServiceUnavailable, nil, err.Error())
	case errors.Is(err, ErrNotTestable):
		writeError(w, http.StatusBadRequest, nil, err.Error())
	default:
		writeError(w, http.StatusInternalServerError, nil, err.Error())
	}
}
