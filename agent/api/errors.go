package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/pbxagent/pbxagent/phonebook/csvbook"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
)

// writeErr writes err in the error envelope: validation errors → 400 with
// the fields, not found → 404, a body over the cap → 413, a busy store →
// 503 with Retry-After; anything else → 500 naming only the request id.
func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	var be *busyError
	if errors.As(err, &be) {
		w.Header().Set("Retry-After", be.retryAfter())
	}
	platform.WriteErr(w, r, apiError(err))
}

// busyError is a write refused because a bulk operation held the
// directory for longer than the write waits (writeWait). When the holder
// is a CSV import with an estimate (from its rows written so far, see
// ImportStatus.SecondsLeft), the answer says how long is left, in its
// message, its details and Retry-After; a sync round or an import too
// young to estimate gives Retry-After: 5.
//
// Writes are refused rather than queued behind the import: an import
// takes minutes, far longer than a client holds a request open, and a
// write queued behind a replacing import would land on a book it was not
// written for (an edit of a contact the import deletes).
type busyError struct {
	left  time.Duration
	about string
	known bool
}

// Error implements error.
func (e *busyError) Error() string { return "the directory is busy with a bulk operation" }

// retryAfter is the Retry-After header's value.
func (e *busyError) retryAfter() string {
	if !e.known {
		return "5"
	}
	return retryAfter(e.left)
}

// apiError is the 503 answer.
func (e *busyError) apiError() *platform.APIError {
	if !e.known {
		return &platform.APIError{Status: http.StatusServiceUnavailable, Code: platform.CodeUnavailable,
			Message: "the directory is busy with a bulk operation (a sync round or an import); retry in 5 s"}
	}
	secs := e.retryAfter()
	return &platform.APIError{Status: http.StatusServiceUnavailable, Code: platform.CodeUnavailable,
		Message: "the directory is busy: " + e.about + "; about " + secs + " s left, retry then",
		Details: []platform.FieldError{{Field: "import", Message: e.about}, {Field: "seconds_left", Message: secs}}}
}

// apiError maps the store's errors to the API's.
func apiError(err error) error {
	var ve *phonebook.ValidationError
	var qe *phonebook.QueryError
	switch {
	case errors.As(err, &ve):
		return platform.Invalid(ve.Error(), fieldErrors(ve.Fields)...)
	case errors.As(err, &qe):
		return platform.Invalid(qe.Param+": "+qe.Message, platform.FieldError{Field: qe.Param, Message: qe.Message})
	case errors.Is(err, phonebook.ErrNotFound):
		return &platform.APIError{Status: http.StatusNotFound, Code: platform.CodeNotFound, Message: "not found"}
	}
	var be *busyError
	if errors.As(err, &be) {
		return be.apiError()
	}
	return err
}

// fieldErrors converts the store's field errors.
func fieldErrors(fs []phonebook.FieldError) []platform.FieldError {
	out := make([]platform.FieldError, len(fs))
	for i, f := range fs {
		out[i] = platform.FieldError{Field: f.Field, Message: f.Message}
	}
	return out
}

// MaxContactBodyBytes caps the JSON body of a contact write (POST, PUT,
// PATCH), below the router's http.max_body_bytes: the largest contact the
// field limits allow (64 numbers, 32 e-mails, 64 custom fields of 2 KiB…)
// is about 200 KB, so 2 MiB leaves room for escaped text and refuses a body
// of, say, 200 000 numbers before it is decoded (413).
const MaxContactBodyBytes = 2 << 20

// decodeJSON reads one JSON value of at most MaxContactBodyBytes into v,
// rejecting unknown fields, with errors in the API's terms.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxContactBodyBytes)
	return platform.DecodeJSON(r, v)
}

// MaxImportProblems bounds the problems of a refused CSV listed in an
// error's details; the last entry counts the rest.
const MaxImportProblems = 100

// parseDetails lists a malformed CSV's problems (the first
// MaxImportProblems) as "line N" (", column") fields, and one "body" entry
// counting those not listed.
func parseDetails(pe *csvbook.ParseError) []platform.FieldError {
	ps := pe.Problems
	if len(ps) > MaxImportProblems {
		ps = ps[:MaxImportProblems]
	}
	out := make([]platform.FieldError, 0, len(ps)+1)
	for _, p := range ps {
		field := "line " + strconv.Itoa(p.Line)
		if p.Field != "" {
			field += ", " + p.Field
		}
		out = append(out, platform.FieldError{Field: field, Message: p.Msg})
	}
	total := max(pe.Total, len(pe.Problems))
	if more := total - len(ps); more > 0 {
		rows := ""
		if pe.Rows > 0 {
			rows = " on " + strconv.Itoa(pe.Rows) + " rows"
		}
		out = append(out, platform.FieldError{Field: "body", Message: strconv.Itoa(more) + " more problems not listed (" +
			strconv.Itoa(total) + " in all" + rows + ")"})
	}
	return out
}
