package ua

import (
	"context"
	"errors"
)

// Incoming is an incoming call not answered yet (a server INVITE
// transaction).
type Incoming struct{}

// From is the caller's URI and display name; To the called URI.
func (in *Incoming) From() (uri, name string) { return "", "" }

// To is the Request-URI's user part (the number called).
func (in *Incoming) To() string { return "" }

// Header returns the first value of the request's header name.
func (in *Incoming) Header(name string) string { return "" }

// Ringing sends 180 Ringing.
func (in *Incoming) Ringing() error { return errors.New("ua: Ringing not written yet") }

// Answer answers with 200 and the SDP answer, waits for the ACK, and
// returns the established call (a 488 is sent and an error returned when
// the offer has no common codec).
func (in *Incoming) Answer(ctx context.Context) (*Call, error) {
	return nil, errors.New("ua: Answer not written yet")
}

// Reject answers with a final status (486 Busy Here, 603 Decline, …).
func (in *Incoming) Reject(status int, reason string) error {
	return errors.New("ua: Reject not written yet")
}

// Cancelled is closed when the caller cancels (CANCEL, answered 487)
// before the call was answered.
func (in *Incoming) Cancelled() <-chan struct{} { return nil }
