package phonebook

// MatchKind says how a reverse lookup matched (or why it did not).
type MatchKind string

// Match kinds, in the order of the matching algorithm (docs/asterisk.md,
// "Number matching").
const (
	// MatchExact: the cleaned input equals a stored number's cleaned form.
	MatchExact MatchKind = "exact"
	// MatchExtension: a short internal number matched exactly.
	MatchExtension MatchKind = "extension"
	// MatchE164: the input normalised to a stored E.164 number.
	MatchE164 MatchKind = "e164"
	// MatchNational: matched on country code + national significant number.
	MatchNational MatchKind = "national"
	// MatchNone: a valid number that is not in the directory.
	MatchNone MatchKind = "none"
	// MatchSkipped: nothing to look up (anonymous, restricted, empty, letters…).
	MatchSkipped MatchKind = "skipped"
	// MatchAmbiguous: several distinct contacts matched; no name is given.
	MatchAmbiguous MatchKind = "ambiguous"
)

// Hit reports whether the kind names a successful match.
func (k MatchKind) Hit() bool {
	switch k {
	case MatchExact, MatchExtension, MatchE164, MatchNational:
		return true
	}
	return false
}

// LookupResult is the answer to "who is calling from this number?".
type LookupResult struct {
	// Name is the matched contact's display name; empty on a miss.
	Name string `json:"name"`
	// ContactID is the matched contact's id; empty on a miss.
	ContactID string `json:"contact_id,omitempty"`
	// Match says how the number matched, or why it did not.
	Match MatchKind `json:"match"`
	// Source is the matched contact's source ("local", "csv", a sync source).
	Source string `json:"source,omitempty"`
	// E164 is the normalised calling number when it could be normalised.
	E164 string `json:"e164,omitempty"`
}
