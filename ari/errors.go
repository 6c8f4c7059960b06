package ari

import (
	"errors"
	"fmt"
)

// Error is a non-2xx reply from Asterisk. Message is Asterisk's
// {"message": ...} (or {"error": ...}, which some 500s use). Branch on
// Status through the Is* helpers, never on Message: the text differs
// between the specification and the code.
type Error struct {
	// Op is the client operation, e.g. "channels.continue".
	Op string
	// Method and Path are the HTTP request.
	Method, Path string
	// Status is the HTTP status code.
	Status int
	// Message is Asterisk's explanation.
	Message string
}

// ErrUnauthorized is what a 401 from Asterisk matches (errors.Is): it
// refused the ARI user or password (an ari.conf user and its password,
// or the client's WithAuth). Conn.LastError matches it once the events
// WebSocket was refused for that reason (until another failure).
var ErrUnauthorized = errors.New("ari: Asterisk rejected the ARI user or password")

// Is makes a 401 match ErrUnauthorized.
func (e *Error) Is(target error) bool { return target == ErrUnauthorized && e.Status == 401 }

// Error renders the operation, request, status and message.
func (e *Error) Error() string {
	return fmt.Sprintf("ari %s: %s %s: %d %s", e.Op, e.Method, e.Path, e.Status, e.Message)
}

func statusOf(err error) (int, string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Status, e.Op
	}
	return 0, ""
}

// IsBadRequest reports a 400: a missing or invalid parameter (no DTMF
// digits, no snoop direction, an unknown hangup reason, ...).
func IsBadRequest(err error) bool { s, _ := statusOf(err); return s == 400 }

// IsNotFound reports a 404: the channel, bridge, playback, variable... does
// not exist (for channels: it hung up).
func IsNotFound(err error) bool { s, _ := statusOf(err); return s == 404 }

// IsConflict reports a 409 (duplicate id, channel not in Stasis, recording
// name in use, ...).
func IsConflict(err error) bool { s, _ := statusOf(err); return s == 409 }

// IsInvalidState reports a 412: the channel is Down, Rsrvd or Ringing (an
// outbound leg not yet answered) for answer/continue/moh/... .
func IsInvalidState(err error) bool { s, _ := statusOf(err); return s == 412 }

// IsUnprocessable reports a 422 (unknown format, redirect to another tech,
// channel not in Stasis when adding it to a bridge).
func IsUnprocessable(err error) bool { s, _ := statusOf(err); return s == 422 }

// IsUnauthorized reports a 401 or 403.
func IsUnauthorized(err error) bool { s, _ := statusOf(err); return s == 401 || s == 403 }

// IsNotInStasis reports that the channel exists but is not controlled by a
// Stasis application: 409 on a channel operation other than
// originate/create/record/snoop-with-id, or 422 from bridge addChannel.
func IsNotInStasis(err error) bool {
	s, op := statusOf(err)
	switch s {
	case 409:
		switch op {
		case "channels.originate", "channels.create", "channels.record", "channels.snoop", "channels.dial":
			return false
		}
		return len(op) > 9 && op[:9] == "channels."
	case 422:
		return op == "bridges.addChannel"
	}
	return false
}
