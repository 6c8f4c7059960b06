package api

import (
	"strconv"

	"errors"
	"github.com/pbxagent/pbxagent/phonebook/csvbook"
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/phonebook"
)

// writeErr writes err in the error envelope: validation errors → 400 with
// the fields, not found → 404, a body over the cap → 413, a busy store →
// 503 with Retry-After; anything else → 500 naming only the request id.
func writeErr(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errBusy) {
		w.Header().Set("Retry-After", "5")
	}
	platform.WriteErr(w, r, apiError(err))
}

// apiError maps the store's errors to the API's.
func apiError(err error) error {
	var ve *phonebook.ValidationError
	switch {
	case errors.As(err, &ve):
		return platform.Invalid(ve.Error(), fieldErrors(ve.Fields)...)
	case errors.Is(err, phonebook.ErrNotFound):
		return &platform.APIError{Status: http.StatusNotFound, Code: platform.CodeNotFound, Message: "not found"}
	case errors.Is(err, errBusy):
		return &platform.APIError{Status: http.StatusServiceUnavailable, Code: platform.CodeUnavailable,
			Message: "the directory is busy with a bulk operation; retry shortly"}
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

var errBusy = errors.New("busy")

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
