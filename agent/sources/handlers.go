package sources

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// maxBody caps a source's JSON body.
const maxBody = 1 << 20

// Error codes of a source test.
const (
	// codeBadGateway: the source was reached and answered wrongly.
	codeBadGateway = "bad_gateway"
	// codeCredentialsRefused: the source refused the credentials (422, the
	// detail names the setting).
	codeCredentialsRefused = "credentials_refused"
	// codeUnreachable: the source's server could not be reached (502, the
	// message names the host and the cause: dns, refused, timeout, tls).
	codeUnreachable = "unreachable"
)

type handlers struct{ e *dirsync.Engine }

// Answer bodies.
type (
	sourceList struct {
		Sources []dirsync.View `json:"sources" doc:"The sync sources with their status"`
	}
	erased struct {
		Erased          bool `json:"erased" doc:"The source and its contacts are gone" example:"true"`
		ContactsDeleted int  `json:"contacts_deleted" doc:"Contacts deleted with the source" example:"1250"`
	}
	started struct {
		Started bool `json:"started" doc:"The sync started (poll GET /api/v1/sources/{id} for its run)" example:"true"`
	}
	testedContacts struct {
		Contacts []previewRow `json:"contacts" doc:"The first contacts the source gives, as it gives them (nothing imported)"`
	}
	localFields struct {
		ID             string   `json:"id" doc:"The contact's id" example:"01JEQ7G8ZK4M2N5P6R7S8T9V0W"`
		LocalFields    []string `json:"local_fields" doc:"The fields changed locally, kept through syncs until reverted" example:"[\"job_title\"]"`
		DeletedLocally bool     `json:"deleted_locally" doc:"The contact was deleted locally and stays deleted through syncs" example:"false"`
	}
)

func decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	return platform.DecodeJSON(r, v)
}

// writeErr answers err in the error envelope.
func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var fe *dirsync.FieldError
	var ve *phonebook.ValidationError
	var ae *platform.APIError
	status, code := 0, ""
	var details []platform.FieldError
	switch {
	case errors.As(err, &ae):
	case errors.As(err, &fe):
		status, code = http.StatusBadRequest, platform.CodeInvalid
		details = []platform.FieldError{{Field: fe.Field, Message: fe.Message}}
	case errors.As(err, &ve):
		status, code = http.StatusBadRequest, platform.CodeInvalid
		for _, f := range ve.Fields {
			details = append(details, platform.FieldError{Field: f.Field, Message: f.Message})
		}
	case errors.Is(err, dirsync.ErrNotFound), errors.Is(err, phonebook.ErrNotFound):
		status, code = http.StatusNotFound, platform.CodeNotFound
	case errors.Is(err, dirsync.ErrRunning), errors.Is(err, dirsync.ErrNameTaken), errors.Is(err, dirsync.ErrEraseInProcess):
		status, code = http.StatusConflict, platform.CodeConflict
	case errors.Is(err, dirsync.ErrNotRunning):
		status, code = http.StatusServiceUnavailable, platform.CodeUnavailable
	case errors.Is(err, dirsync.ErrNotTestable):
		status, code = http.StatusBadRequest, platform.CodeInvalid
	}
	if status != 0 {
		err = &platform.APIError{Status: status, Code: code, Message: err.Error(), Details: details}
	}
	platform.WriteErr(w, r, err)
}

// upstream answers a source's own failure during a test, which the admin
// needs to fix it: 422 credentials_refused naming the setting the source
// refused, 502 unreachable naming the host and the cause, else 502
// bad_gateway with what the source said (its address, its status).
func upstream(w http.ResponseWriter, r *http.Request, err error) {
	var ce *dirsync.CredentialsError
	var ue *dirsync.UnreachableError
	switch {
	case errors.As(err, &ce):
		platform.WriteError(w, r, http.StatusUnprocessableEntity, codeCredentialsRefused,
			"the source refused the credentials: "+ce.Message, []platform.FieldError{{Field: ce.Field, Message: ce.Message}})
	case errors.As(err, &ue):
		var details []platform.FieldError
		if ue.Field != "" {
			details = []platform.FieldError{{Field: ue.Field, Message: ue.Cause + ": " + ue.Host}}
		}
		platform.WriteError(w, r, http.StatusBadGateway, codeUnreachable, ue.Error(), details)
	default:
		platform.LogError(r.Context(), err)
		platform.WriteError(w, r, http.StatusBadGateway, codeBadGateway, "the source failed: "+err.Error(), nil)
	}
}

func (h handlers) list(w http.ResponseWriter, r *http.Request) {
	platform.WriteJSON(w, http.StatusOK, sourceList{Sources: h.e.List()})
}

func (h handlers) create(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in dirsync.Input
	if err := decode(w, r, &in); err != nil {
		writeErr(w, r, err)
		return
	}
	v, err := h.e.Create(r.Context(), in)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusCreated, v)
}

func (h handlers) get(w http.ResponseWriter, r *http.Request) {
	v, err := h.e.Get(r.PathValue("id"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, v)
}

func (h handlers) update(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/merge-patch+json", "application/json") {
		return
	}
	var in dirsync.Input
	if err := decode(w, r, &in); err != nil {
		writeErr(w, r, err)
		return
	}
	v, err := h.e.Update(r.Context(), r.PathValue("id"), in)
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, v)
}

func (h handlers) erase(w http.ResponseWriter, r *http.Request) {
	n, err := h.e.Erase(r.Context(), r.PathValue("id"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusOK, erased{Erased: true, ContactsDeleted: n})
}

func (h handlers) sync(w http.ResponseWriter, r *http.Request) {
	var opts dirsync.SyncOptions
	if r.ContentLength != 0 {
		if !platform.RequireContentType(w, r, "application/json") {
			return
		}
		if err := decode(w, r, &opts); err != nil {
			writeErr(w, r, err)
			return
		}
	}
	id := r.PathValue("id")
	if wait, _ := strconv.ParseBool(r.URL.Query().Get("wait")); wait {
		run, err := h.e.SyncNow(r.Context(), id, opts)
		if err != nil {
			writeErr(w, r, err)
			return
		}
		platform.WriteJSON(w, http.StatusOK, run)
		return
	}
	if err := h.e.Trigger(id, opts); err != nil {
		writeErr(w, r, err)
		return
	}
	platform.WriteJSON(w, http.StatusAccepted, started{Started: true})
}

func (h handlers) testInput(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	var in dirsync.Input
	if err := decode(w, r, &in); err != nil {
		writeErr(w, r, err)
		return
	}
	cs, err := h.e.TestInput(r.Context(), in, 10)
	var fe *dirsync.FieldError
	writeTested(w, r, cs, err, errors.As(err, &fe))
}

func (h handlers) test(w http.ResponseWriter, r *http.Request) {
	cs, err := h.e.Test(r.Context(), r.PathValue("id"), 10)
	writeTested(w, r, cs, err, errors.Is(err, dirsync.ErrNotFound))
}

// writeTested answers a source test: the mapped rows, or the error. ours
// says the error is about the request (a field, an unknown source) rather
// than what the source answered, which is a 502.
func writeTested(w http.ResponseWriter, r *http.Request, cs []*phonebook.Contact, err error, ours bool) {
	switch {
	case err != nil && !ours && !errors.Is(err, dirsync.ErrNotTestable):
		upstream(w, r, err)
	case err != nil:
		writeErr(w, r, err)
	default:
		rows := make([]previewRow, 0, len(cs))
		for _, c := range cs {
			rows = append(rows, preview(c))
		}
		platform.WriteJSON(w, http.StatusOK, testedContacts{Contacts: rows})
	}
}

// local serves GET /api/v1/contacts/{id}/local: which fields of a synced
// contact are local edits (501 when the store keeps none).
func (h handlers) local(w http.ResponseWriter, r *http.Request) {
	ov, ok := h.e.Overlay()
	if !ok {
		platform.WriteError(w, r, http.StatusNotImplemented, "not_implemented", "the store keeps no local edits", nil)
		return
	}
	f, deleted, err := ov.LocalFields(r.Context(), r.PathValue("id"))
	if err != nil {
		writeErr(w, r, err)
		return
	}
	if f == nil {
		f = []string{}
	}
	platform.WriteJSON(w, http.StatusOK, localFields{ID: r.PathValue("id"), LocalFields: f, DeletedLocally: deleted})
}
