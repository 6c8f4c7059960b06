package cti

import (
	"errors"
	"fmt"

	"github.com/pbxagent/pbxagent/provisioning"
)

// Kind classifies a failure.
type Kind string

// Kinds of failure.
const (
	// KindUnsupported: the vendor's driver cannot do this action.
	KindUnsupported Kind = "unsupported"
	// KindInvalid: the digits or number are not acceptable.
	KindInvalid Kind = "invalid"
	// KindNoAddress: the phone's address is not known (it has not fetched
	// anything since the daemon started) or not usable.
	KindNoAddress Kind = "no_address"
	// KindUnreachable: no HTTP answer (connection refused, timeout, TLS).
	KindUnreachable Kind = "unreachable"
	// KindRefused: the phone refused the credentials (HTTP 401/403, Cisco
	// error 4, Grandstream's error answer to a wrong passcode is not told
	// apart and counts as KindRejected).
	KindRefused Kind = "refused"
	// KindRejected: the phone answered but said no (another HTTP status, an
	// error document, a failed status).
	KindRejected Kind = "rejected"
)

// Sentinels for errors.Is; an *Error matches the one of its Kind.
var (
	ErrUnsupported = errors.New("action not supported by this phone")
	ErrInvalid     = errors.New("invalid digits")
	ErrNoAddress   = errors.New("phone address unknown")
	ErrUnreachable = errors.New("phone unreachable")
	ErrRefused     = errors.New("phone refused the credentials")
	ErrRejected    = errors.New("phone rejected the command")
)

var kindErr = map[Kind]error{KindUnsupported: ErrUnsupported, KindInvalid: ErrInvalid, KindNoAddress: ErrNoAddress,
	KindUnreachable: ErrUnreachable, KindRefused: ErrRefused, KindRejected: ErrRejected}

// Error is a failed command: which phone, vendor and action, what kind of
// failure, the HTTP status when there was one, and the detail.
type Error struct {
	MAC    string
	Vendor provisioning.Vendor
	Action Action
	Kind   Kind
	// Status is the phone's HTTP status (0 when none).
	Status int
	// Detail says what failed, in words; never a credential.
	Detail string
	// Err is the underlying error (transport), if any.
	Err error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("phone %s (%s) %s: %s", e.MAC, e.Vendor, e.Action, kindErr[e.Kind])
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the kind's sentinel and the cause.
func (e *Error) Unwrap() []error {
	out := []error{kindErr[e.Kind]}
	if e.Err != nil {
		out = append(out, e.Err)
	}
	return out
}
