package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/pbxagent/pbxagent/phonebook"
)

// ErrorBody is the JSON shape of every API error:
// {"error":{"code":"…","message":"…","details":…}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong; Details names fields or lines.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

// Error codes.
const (
	CodeBadRequest   = "bad_request"
	CodeInvalid      = "invalid"
	CodeUnauthorized = "unauthorized"
	CodeForbidden    = "forbidden"
	CodeNotFound     = "not_found"
	CodeConflict     = "conflict"
	CodeTooLarge     = "too_large"
	CodeUnavailable  = "unavailable"
	CodeInternal     = "internal"

	// CodeMethodNotAllowed comes with 405 and an Allow header.
	CodeMethodNotAllowed = "method_not_allowed"
)

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// WriteError writes the error shape.
func WriteError(w http.ResponseWriter, status int, code, msg string, details any) {
	WriteJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg, Details: details}})
}

// WriteErr maps a Go error to a status and the error shape: validation
// errors → 400 with the fields, not found → 404, a body over the cap →
// 413, a busy store → 503; anything else → 500 without internals.
func WriteErr(w http.ResponseWriter, err error) {
	var ve *phonebook.ValidationError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ve):
		WriteError(w, http.StatusBadRequest, CodeInvalid, ve.Error(), ve.Fields)
	case errors.Is(err, phonebook.ErrNotFound):
		WriteError(w, http.StatusNotFound, CodeNotFound, "not found", nil)
	case errors.As(err, &mbe):
		WriteError(w, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("request body is larger than %d bytes", mbe.Limit), nil)
	case errors.Is(err, errBusy):
		w.Header().Set("Retry-After", "5")
		WriteError(w, http.StatusServiceUnavailable, CodeUnavailable, "the directory is busy with a bulk operation; retry shortly", nil)
	default:
		WriteError(w, http.StatusInternalServerError, CodeInternal, "internal error", nil)
	}
}

var errBusy = errors.New("busy")

// MaxContactBodyBytes caps the JSON body of a contact write (POST, PUT,
// PATCH), below the router's http.max_body_bytes: the largest contact the
// field limits allow (64 numbers, 32 e-mails, 64 custom fields of 2 KiB…)
// is about 200 KB, so 2 MiB leaves room for escaped text and refuses a body
// of, say, 200 000 numbers before it is decoded (413).
const MaxContactBodyBytes = 2 << 20

// decodeJSON reads one JSON object of at most MaxContactBodyBytes into v,
// rejecting unknown fields.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, MaxContactBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return &phonebook.ValidationError{Fields: []phonebook.FieldError{{Field: "body", Message: "invalid JSON: " + err.Error()}}}
	}
	return nil
}
