package calls

import (
	"errors"
	"fmt"
)

// Kind is what a call the dialplan sends to the application is:
// the first argument of Stasis(pbxagent-calls,KIND,NUMBER).
type Kind string

// Kinds of dialplan calls.
const (
	// KindInternal: a user calls an extension; the extension's user's
	// devices ring.
	KindInternal Kind = "internal"
	// KindInbound: a trunk call to a DID or extension; as internal, with
	// the caller's name looked up in the directory.
	KindInbound Kind = "inbound"
	// KindOutbound: a user dials out; pbxagent dials the number
	// (ari.calls_dial) and follows it as the user's outbound call.
	KindOutbound Kind = "outbound"
)

// ErrBadStasisArgs is the parse error of the Stasis arguments.
var ErrBadStasisArgs = errors.New("invalid Stasis arguments")

// isKind reports whether s names a Kind.
func isKind(s string) bool {
	switch Kind(s) {
	case KindInternal, KindInbound, KindOutbound:
		return true
	}
	return false
}

// ParseStasisArgs checks the arguments a dialplan channel entered the
// application with: exactly KIND,NUMBER, KIND one of internal, inbound,
// outbound and NUMBER the called extension, DID or dialled number (as
// ParseDestination accepts it).
func ParseStasisArgs(args []string) (Kind, string, error) {
	if len(args) == 0 {
		return "", "", fmt.Errorf("%w: none; want KIND,NUMBER", ErrBadStasisArgs)
	}
	if !isKind(args[0]) {
		return "", "", fmt.Errorf("%w: kind %q, want internal, inbound or outbound", ErrBadStasisArgs, args[0])
	}
	if len(args) != 2 {
		return "", "", fmt.Errorf("%w: %d arguments, want KIND,NUMBER", ErrBadStasisArgs, len(args))
	}
	num, err := ParseDestination(args[1])
	if err != nil {
		return "", "", fmt.Errorf("%w: number: %w", ErrBadStasisArgs, err)
	}
	return Kind(args[0]), num, nil
}
