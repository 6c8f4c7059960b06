package platform

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
)

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the request id of ctx ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// NewRequestID returns a fresh id, or the caller's X-Request-Id when it is
// sane: 1 to 64 characters of letters, digits, '-', '_', '.' and ':'.
func NewRequestID(callers string) string {
	if n := len(callers); n > 0 && n <= 64 && strings.IndexFunc(callers, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':')
	}) < 0 {
		return callers
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// RequireContentType answers 415 unless the request's media type is one of
// types; it returns false when it did.
func RequireContentType(w http.ResponseWriter, r *http.Request, types ...string) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil {
		for _, t := range types {
			if mt == t {
				return true
			}
		}
	}
	WriteError(w, r, http.StatusUnsupportedMediaType, CodeUnsupportedType,
		fmt.Sprintf("Content-Type must be %s", strings.Join(types, " or ")), nil)
	return false
}

// ReadJSON reads the request's JSON body into v: RequireContentType
// application/json, then DecodeJSON. It returns false when it wrote the
// error (415, 400, 413).
func ReadJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if !RequireContentType(w, r, "application/json") {
		return false
	}
	if err := DecodeJSON(r, v); err != nil {
		WriteErr(w, r, err)
		return false
	}
	return true
}

// DecodeJSON reads one JSON value into v, refusing unknown fields and
// trailing data. Errors are in the API's own terms: "first_name: must be a
// string", "nickname: unknown field", and a body over its cap stays an
// *http.MaxBytesError (WriteErr answers 413).
func DecodeJSON(r *http.Request, v any) error {
	var seen bytes.Buffer // to name a badly typed value with its list indices
	dec := json.NewDecoder(io.TeeReader(r.Body, &seen))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if p := jsonPathAt(seen.Bytes(), te.Offset); p != "" {
				te.Field = p
			}
		}
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return invalidJSON("body", "must hold one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &mbe):
		return err
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		return invalidJSON(field, "must be "+jsonKind(te.Type))
	case errors.As(err, &se):
		return invalidJSON("body", fmt.Sprintf("syntax error at byte %d", se.Offset))
	case errors.Is(err, io.EOF):
		return invalidJSON("body", "is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalidJSON("body", "ends too early")
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return invalidJSON(strings.Trim(name, `"`), "unknown field")
	}
	return invalidJSON("body", "is not valid JSON")
}

// jsonKind names a Go type in JSON terms.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "of another type"
}

// invalidJSON is a 400 whose message names the field and the problem
// ("invalid JSON: first_name: must be a string").
func invalidJSON(field, msg string) *APIError {
	return Invalid("invalid JSON: "+field+": "+msg, FieldError{Field: field, Message: msg})
}
