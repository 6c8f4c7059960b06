package platform

import (
	"errors"
	"net/http"

	"github.com/pbxagent/pbxagent/phonebook"
)

// CodeNotWriter is the error code of a write sent to a cluster node that
// is not the directory's writer.
const CodeNotWriter = "not_writer"

// NotWriter turns a write refused because this node is a cluster follower
// (phonebook.ErrNotWriter) into a 421 Misdirected Request whose message
// names the writer's address (docs/cluster.md); any other error is
// returned as is.
func NotWriter(err error) error {
	if err == nil || !errors.Is(err, phonebook.ErrNotWriter) {
		return err
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return err
	}
	// The innermost message is the replica's: it names the writer.
	msg := err.Error()
	for e := err; e != nil && e != phonebook.ErrNotWriter; e = errors.Unwrap(e) {
		msg = e.Error()
	}
	return &APIError{Status: http.StatusMisdirectedRequest, Code: CodeNotWriter, Message: msg}
}
