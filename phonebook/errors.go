package phonebook

import (
	"errors"
	"fmt"
	"strings"
)

// Errors callers branch on.
var (
	// ErrNotFound: no contact (or key) with that id.
	ErrNotFound = errors.New("not found")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store closed")
	// ErrNewerSchema: the data dir was written by a newer pbxagent.
	ErrNewerSchema = errors.New("data written by a newer pbxagent")
)

// FieldError reports one invalid field of a contact.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ValidationError lists every invalid field of a contact.
type ValidationError struct {
	Fields []FieldError
}

// Error lists the invalid fields and what is wrong with each.
func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = fmt.Sprintf("%s: %s", f.Field, f.Message)
	}
	return "invalid contact: " + strings.Join(parts, "; ")
}

// QueryError reports an invalid search parameter (of a Query): not a
// contact's field, so it is not a ValidationError.
type QueryError struct {
	// Param is the parameter's name (scope, limit, cursor).
	Param string
	// Message says what is wrong, without the name.
	Message string
}

// Error renders "search parameter scope: must be …".
func (e *QueryError) Error() string { return "search parameter " + e.Param + ": " + e.Message }
