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
