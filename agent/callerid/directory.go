package callerid

import (
	"context"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Directory is the reverse lookup the service asks; *phonebook.Store implements it.
// Lookup must honour ctx; the service also stops waiting at its own deadline.
type Directory interface {
	Lookup(ctx context.Context, number string) (phonebook.LookupResult, error)
}

// Outcomes the service adds to the directory's match kinds (they never come from a Directory).
const (
	// MatchTimeout: the lookup did not finish within the deadline; the call goes on unchanged.
	MatchTimeout phonebook.MatchKind = "timeout"
	// MatchError: the directory failed; the call goes on unchanged.
	MatchError phonebook.MatchKind = "error"
)

// allKinds lists every kind a Resolve result can carry, for metric pre-registration.
var allKinds = []phonebook.MatchKind{
	phonebook.MatchExact, phonebook.MatchExtension, phonebook.MatchE164, phonebook.MatchNational,
	phonebook.MatchNone, phonebook.MatchSkipped, phonebook.MatchAmbiguous, MatchTimeout, MatchError,
}
