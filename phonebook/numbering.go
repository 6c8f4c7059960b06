package phonebook

// Numbering turns phone numbers into index keys. The store calls Index once
// for every stored number (write time, may be slow) and Probe for every
// reverse lookup (call path, must be fast). The production implementation
// lives in phonebook/number; the store only sees this interface, so the
// matching rules are kept in one place.
type Numbering interface {
	// Index returns the normalised form of a stored number (E.164, or the
	// digits of an internal extension; empty when it cannot be normalised)
	// and every index key the number is found under.
	Index(raw string) (normalized string, keys []string)
	// Probe returns the levels a lookup tries in order, the E.164 form of
	// the calling number when known, and skip=true when there is nothing to
	// look up (anonymous, restricted, empty…).
	Probe(raw string) (levels []ProbeLevel, e164 string, skip bool)
}

// ProbeLevel is one step of the matching order: the keys to read and the
// match kind a unique hit at this level reports.
type ProbeLevel struct {
	Kind MatchKind
	Keys []string
}
