package platform

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// ErrorBody is the JSON shape of every error the API returns:
// {"error":{"code","message","details":[{"field","message"}],"request_id"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error" doc:"What went wrong"`
}

// ErrorDetail says what went wrong. Details is always a list (empty when
// there is nothing to name).
type ErrorDetail struct {
	Code      string       `json:"code" doc:"A stable code: bad_request, invalid, unauthorized, forbidden, not_found, method_not_allowed, conflict, too_large, unsupported_media_type, too_many_requests, too_many_imports, bad_gateway, unavailable, insufficient_storage, internal" example:"invalid"`
	Message   string       `json:"message" doc:"What went wrong, for people" example:"invalid contact"`
	Details   []FieldError `json:"details" doc:"Each field, parameter or line at fault (empty when there is nothing to name)"`
	RequestID string       `json:"request_id,omitempty" doc:"The request's id (also in X-Request-Id): quote it to find the log line" example:"b3f1c2a4d5e6f708"`
}

// FieldError names a field (or a line, "line 3") and what is wrong with it.
type FieldError struct {
	Field   string `json:"field" doc:"The field, parameter or line at fault" example:"numbers[0].type"`
	Message string `json:"message" doc:"What is wrong with it" example:"must be one of work, mobile, home, fax, other"`
}

// Error codes.
const (
	CodeBadRequest       = "bad_request"
	CodeInvalid          = "invalid"
	CodeUnauthorized     = "unauthorized"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeConflict         = "conflict"
	CodeTooLarge         = "too_large"
	CodeUnsupportedType  = "unsupported_media_type"
	CodeTooManyRequests  = "too_many_requests"
	CodeUnavailable      = "unavailable"
	CodeInsufficientDisk = "insufficient_storage"
	CodeInternal         = "internal"
)

// APIError is an error a handler returns to be written as is.
type APIError struct {
	Status  int
	Code    string
	Message string
	Details []FieldError
	// Err is the cause, logged but never sent.
	Err error
}

// Error renders the message and the cause.
func (e *APIError) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *APIError) Unwrap() error { return e.Err }

// Invalid is a 400 naming fields.
func Invalid(msg string, details ...FieldError) *APIError {
	return &APIError{Status: http.StatusBadRequest, Code: CodeInvalid, Message: msg, Details: details}
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// WriteError writes the error envelope with the request's id.
func WriteError(w http.ResponseWriter, r *http.Request, status int, code, msg string, details []FieldError) {
	if details == nil {
		details = []FieldError{}
	}
	WriteJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg, Details: details, RequestID: RequestID(r.Context())}})
}

// WriteErr writes err: an *APIError as it says, a body over its cap as
// 413, anything else as a 500 that names only the request id (the cause
// goes to the log line of the request, through LogError).
func WriteErr(w http.ResponseWriter, r *http.Request, err error) {
	err = DiskFull(err)  // a write refused for a full disk is a 507 wherever it comes from
	err = NotWriter(err) // a write on a cluster's follower is a 421 naming the writer
	var ae *APIError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		if ae.Err != nil {
			LogError(r.Context(), ae.Err)
		}
		WriteError(w, r, ae.Status, ae.Code, ae.Message, ae.Details)
	case errors.As(err, &mbe):
		WriteError(w, r, http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("request body is larger than %d bytes", mbe.Limit), nil)
	default:
		LogError(r.Context(), err)
		WriteError(w, r, http.StatusInternalServerError, CodeInternal, "internal error; quote request id "+RequestID(r.Context()), nil)
	}
}

type errSinkKey struct{}

// errSink collects the cause of a 500 for the request's log line.
type errSink struct{ err error }

// WithErrorSink returns ctx in which LogError records the cause of a
// failed request, and a function that returns it (the HTTP layer logs it
// with the request id).
func WithErrorSink(ctx context.Context) (context.Context, func() error) {
	s := &errSink{}
	return context.WithValue(ctx, errSinkKey{}, s), func() error { return s.err }
}

// LogError records err as the cause of the request's failure.
func LogError(ctx context.Context, err error) {
	if s, ok := ctx.Value(errSinkKey{}).(*errSink); ok && s.err == nil {
		s.err = err
	}
}
