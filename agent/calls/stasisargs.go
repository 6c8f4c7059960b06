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
	// KindGroup: a caller for a call group,
	// Stasis(pbxagent-calls,group,ID): it waits in the group's holding
	// bridge while the group's members are offered the call (group.go).
	KindGroup Kind = "group"
	// KindFeature (features.go) is a feature code,
	// Stasis(pbxagent-calls,feature,CODE).
)

// ErrBadStasisArgs is the parse error of the Stasis arguments.
var ErrBadStasisArgs = errors.New("invalid Stasis arguments")

// isKind reports whether s names a Kind.
func isKind(s string) bool {
	switch Kind(s) {
	case KindInternal, KindInbound, KindOutbound, KindGroup, KindFeature:
		return true
	}
	return false
}

// ParseStasisArgs checks the arguments a dialplan channel entered the
// application with: exactly KIND,NUMBER, KIND one of internal, inbound,
// outbound and NUMBER the called extension, DID or dialled number (as
// ParseDestination accepts it); or group,ID with ID a call group's id
// (ValidGroupID), returned in place of the number; or feature,CODE with
// CODE a feature code (ValidFeatureCode: 0-9, * and #).
func ParseStasisArgs(args []string) (Kind, string, error) {
	if len(args) == 0 {
		return "", "", fmt.Errorf("%w: none; want KIND,NUMBER", ErrBadStasisArgs)
	}
	if !isKind(args[0]) {
		return "", "", fmt.Errorf("%w: kind %q, want internal, inbound, outbound, group or feature", ErrBadStasisArgs, args[0])
	}
	if len(args) != 2 {
		return "", "", fmt.Errorf("%w: %d arguments, want KIND,NUMBER (group,ID)", ErrBadStasisArgs, len(args))
	}
	if Kind(args[0]) == KindGroup {
		if !ValidGroupID(args[1]) {
			return "", "", fmt.Errorf("%w: group id %q: want 1 to 32 of a-z, 0-9, _ and -", ErrBadStasisArgs, args[1])
		}
		return KindGroup, args[1], nil
	}
	if Kind(args[0]) == KindFeature {
		if !ValidFeatureCode(args[1]) {
			return "", "", fmt.Errorf("%w: feature code %q: want 1 to 16 of 0-9, * and #", ErrBadStasisArgs, args[1])
		}
		return KindFeature, args[1], nil
	}
	num, err := ParseDestination(args[1])
	if err != nil {
		return "", "", fmt.Errorf("%w: number: %w", ErrBadStasisArgs, err)
	}
	return Kind(args[0]), num, nil
}

// ValidGroupID reports whether id is a call group's id as the call groups
// name them: 1 to 32 characters of a-z, 0-9, "_" and "-". Such an id is
// safe in a bridge id and in the dialplan.
func ValidGroupID(id string) bool {
	if len(id) == 0 || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
