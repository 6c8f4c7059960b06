// Package number normalises telephone numbers for the phone book and turns a
// calling number into the ordered index keys a reverse lookup tries
// (pbxagent's matching algorithm, described in docs/asterisk.md, "Number
// matching").
//
// A stored number is normalised once, at write time, with
// [Normalizer.Normalize]; the store indexes it under [Normalized.IndexKeys].
// A calling number is turned into a [Probe] by [Normalizer.Probe] on the call
// path; the store walks Probe.Levels in order and stops at the first level
// whose keys name at least one contact (exactly one → hit of that level's
// kind, several → ambiguous).
//
// Keys (one flat namespace, the store may prefix it):
//
//	x:<clean>       the cleaned string ("+38761111111", "061111111"); exact level
//	ext:<digits>    an internal extension (no '+', at most ExtensionMaxLen digits)
//	e164:<+digits>  the E.164 form of a valid number (or possible, with AcceptPossible)
//	nsn:<cc>:<nsn>  country code and national significant number of a possible number
//
// Short numbers only ever get an ext: key and long numbers never get one, so
// an extension matches exactly and never the tail of a longer number; no key
// is a suffix or substring of a number.
//
// # Cost on the call path
//
// Probe cleans and rejects with byte loops and never parses an extension.
// A number in "+<cc>…", "<IDD><cc>…" or "<national prefix>…" form is
// turned into keys without github.com/nyaruka/phonenumbers: the country
// code is split off with a table of assigned codes (they are prefix-free).
// Such keys are not checked against number ranges, which cannot cause a
// false match — an e164:/nsn: key only meets a stored key of the same
// country code and digits — but may, for odd input, miss where the parser
// would have rewritten the number. The national/IDD forms are enabled only
// for regions whose example numbers the parser reads the same way (New
// checks), and country codes whose examples round-trip (checked once per
// process). Other input (no prefix, trunk-prefixed, phone-context) is
// parsed. Results are kept in a bounded, sharded LRU keyed by the raw
// input.
//
// Normalize uses the same derivation and then only the validity test,
// which runs on the phone-number metadata compiled into digit automata
// (validate.go: exact, no regexp per number, the library's answer for
// every number); anything not valid that way is parsed in full, so stored
// keys are what the parser would give.
package number
