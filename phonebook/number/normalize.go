package number

import (
	"strconv"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Kind classifies a normalised number.
type Kind uint8

// Kinds of Normalized, from "nothing usable" to "valid number".
const (
	// KindRejected: empty, a word (anonymous, restricted…), letters or other
	// symbols; no index keys.
	KindRejected Kind = iota
	// KindExtension: digits only, no '+', at most ExtensionMaxLen digits.
	KindExtension
	// KindUnparsed: a digit string that is not a possible number in the
	// default region (or no region is set); matches exactly only.
	KindUnparsed
	// KindPossible: parses to a possible but not valid number; has an nsn
	// key (and an E.164 key when Config.AcceptPossible is set).
	KindPossible
	// KindValid: a valid number; has E.164 and nsn keys.
	KindValid
)

var kindNames = [...]string{"rejected", "extension", "unparsed", "possible", "valid"}

// String returns the kind's name.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Key prefixes (see the package comment).
const (
	PrefixExact     = "x:"
	PrefixExtension = "ext:"
	PrefixE164      = "e164:"
	PrefixNational  = "nsn:"
)

// Normalized is a stored number after normalisation.
type Normalized struct {
	// Clean is the cleaned string: digits with an optional leading '+';
	// "" when rejected.
	Clean string
	// E164 is "+<cc><nsn>" for a valid number (or a possible one with
	// AcceptPossible); "" otherwise.
	E164 string
	// Extension holds the digits of an internal extension.
	Extension string
	// NSNKey is "<cc>:<nsn>" for a possible or valid number.
	NSNKey string
	// Kind classifies the number.
	Kind Kind
	// keys, when set, holds the index keys back to back in level order
	// ("x:<clean>e164:<+…>nsn:<cc>:<nsn>", or "ext:<digits>"); Clean, E164,
	// NSNKey and Extension are substrings of it, so Normalize allocates one
	// string for all of them and IndexKeys only the slice.
	keys string
}

// newNormalized builds a Normalized with all its strings in one
// allocation; e164, cc and nsn may be empty (no NSN key without nsn).
func newNormalized(kind Kind, clean, e164, cc, nsn []byte) Normalized {
	size := len(PrefixExact) + len(clean)
	if len(e164) > 0 {
		size += len(PrefixE164) + len(e164)
	}
	if len(nsn) > 0 {
		size += len(PrefixNational) + len(cc) + 1 + len(nsn)
	}
	var stack [128]byte
	buf := stack[:0]
	if size > len(stack) {
		buf = make([]byte, 0, size)
	}
	buf = append(append(buf, PrefixExact...), clean...)
	if len(e164) > 0 {
		buf = append(append(buf, PrefixE164...), e164...)
	}
	if len(nsn) > 0 {
		buf = append(append(append(buf, PrefixNational...), cc...), ':')
		buf = append(buf, nsn...)
	}
	all := string(buf)
	off := len(PrefixExact) + len(clean)
	out := Normalized{Kind: kind, Clean: all[len(PrefixExact):off], keys: all}
	if len(e164) > 0 {
		out.E164 = all[off+len(PrefixE164) : off+len(PrefixE164)+len(e164)]
		off += len(PrefixE164) + len(e164)
	}
	if len(nsn) > 0 {
		out.NSNKey = all[off+len(PrefixNational):]
	}
	return out
}

// Value is what the store keeps in phonebook.Number.Normalized: the E.164
// form, else the extension digits, else "".
func (n Normalized) Value() string {
	if n.E164 != "" {
		return n.E164
	}
	return n.Extension
}

// IndexKeys returns the keys this stored number is found under, in level
// order: an extension has only "ext:<digits>"; any other accepted number
// has "x:<clean>" plus "e164:<+…>" and "nsn:<cc>:<nsn>" when they apply.
// A rejected number has none.
func (n Normalized) IndexKeys() []string {
	switch n.Kind {
	case KindRejected:
		return nil
	case KindExtension:
		if n.keys != "" {
			return []string{n.keys}
		}
		return []string{PrefixExtension + n.Extension}
	}
	if n.keys != "" {
		keys := make([]string, 0, 3)
		off := len(PrefixExact) + len(n.Clean)
		keys = append(keys, n.keys[:off])
		if n.E164 != "" {
			end := off + len(PrefixE164) + len(n.E164)
			keys = append(keys, n.keys[off:end])
			off = end
		}
		if n.NSNKey != "" {
			keys = append(keys, n.keys[off:])
		}
		return keys
	}
	keys := make([]string, 0, 3)
	keys = append(keys, PrefixExact+n.Clean)
	if n.E164 != "" {
		keys = append(keys, PrefixE164+n.E164)
	}
	if n.NSNKey != "" {
		keys = append(keys, PrefixNational+n.NSNKey)
	}
	return keys
}

// Normalize cleans and parses a stored number (write time; it may call the
// phonenumbers parser). It never fails: unusable input gives KindRejected.
func (n *Normalizer) Normalize(raw string) Normalized {
	var buf cleanBuf
	c, ok := clean(raw, &buf)
	if !ok {
		return Normalized{}
	}
	if !c.plus && len(c.b) <= n.extMax {
		k := string(append(append(make([]byte, 0, len(PrefixExtension)+len(c.b)), PrefixExtension...), c.b...))
		d := k[len(PrefixExtension):]
		return Normalized{Clean: d, Extension: d, Kind: KindExtension, keys: k}
	}
	if v, ok := n.fastNormalize(c); ok {
		return v
	}
	p := n.parse(string(c.b), c.plus)
	if p.nsn == "" {
		return newNormalized(p.kind, c.b, []byte(p.e164), nil, nil)
	}
	var ccBuf [8]byte
	return newNormalized(p.kind, c.b, []byte(p.e164), strconv.AppendInt(ccBuf[:0], int64(p.cc), 10), []byte(p.nsn))
}

// fastNormalize skips phonenumbers.Parse for the forms Probe derives
// without it (see derive): it builds the number from the derived country
// code and national number and only asks IsValidNumber. Anything but a
// valid number (valid for the default region itself, for the national
// form: only then does the parser strip the national prefix), or a
// national number with a leading zero (Italian style, which needs the
// parser's leading-zero fields), goes to the parser.
func (n *Normalizer) fastNormalize(c cleaned) (Normalized, bool) {
	var e e164Buf
	d, ccLen, national, ok := n.derive(c, &e)
	if !ok || d[ccLen] == '0' {
		return Normalized{}, false
	}
	if !n.validDerived(d, ccLen, national) {
		return Normalized{}, false
	}
	var f e164Buf
	plus := append(append(f[:0], '+'), d...)
	return newNormalized(KindValid, c.b, plus, d[:ccLen], d[ccLen:]), true
}

// validDerived reports whether the derived E.164 digits d (country code
// of ccLen digits, national number without a leading zero) are a valid
// number: for the national form valid for the default region
// (IsValidNumberForRegion), else valid for its country code
// (IsValidNumber). It uses the compiled metadata automata (validate.go)
// and asks the library only for codes they do not cover.
func (n *Normalizer) validDerived(d []byte, ccLen int, national bool) bool {
	cc := int32(0)
	for _, ch := range d[:ccLen] {
		cc = cc*10 + int32(ch-'0')
	}
	nsn := d[ccLen:]
	if !n.libraryOnly {
		if national && n.regionValid != nil {
			return n.regionValid.valid(nsn)
		}
		if v := validatorFor(int(cc)); !national && v != nil {
			return v.valid(nsn)
		}
	}
	var nn uint64
	for _, ch := range nsn {
		nn = nn*10 + uint64(ch-'0')
	}
	pn := &phonenumbers.PhoneNumber{CountryCode: &cc, NationalNumber: &nn}
	if national {
		return phonenumbers.IsValidNumberForRegion(pn, n.region)
	}
	return phonenumbers.IsValidNumber(pn)
}

// parsed is the outcome of parsing a cleaned long number.
type parsed struct {
	kind Kind
	e164 string // "" unless valid (or possible with AcceptPossible)
	cc   int
	nsn  string // "" unless possible
}

// parse runs step 4 of the algorithm on a cleaned number of more than
// ExtensionMaxLen digits (or with '+'). Without '+', a number that does not
// validate and starts with a configured trunk prefix is tried again without
// the prefix.
func (n *Normalizer) parse(s string, plus bool) parsed {
	if !plus && n.region == "" {
		return parsed{kind: KindUnparsed}
	}
	best := n.parseOnce(s)
	if plus || best.kind == KindValid {
		return best
	}
	for _, tp := range n.trunks {
		if len(s)-len(tp) <= n.extMax || !strings.HasPrefix(s, tp) {
			continue
		}
		if p := n.parseOnce(s[len(tp):]); p.kind > best.kind {
			best = p
			if p.kind == KindValid {
				break
			}
		}
	}
	return best
}

func (n *Normalizer) parseOnce(s string) parsed {
	region := n.region
	if region == "" {
		region = "ZZ"
	}
	pn, err := phonenumbers.Parse(s, region)
	if err != nil {
		return parsed{kind: KindUnparsed}
	}
	var p parsed
	switch {
	case n.validParsed(pn):
		p.kind = KindValid
	case phonenumbers.IsPossibleNumber(pn):
		p.kind = KindPossible
	default:
		return parsed{kind: KindUnparsed}
	}
	p.cc = int(pn.GetCountryCode())
	p.nsn = phonenumbers.GetNationalSignificantNumber(pn)
	if p.kind == KindValid || n.acceptPoss {
		p.e164 = "+" + strconv.Itoa(p.cc) + p.nsn
	}
	return p
}

// validParsed is phonenumbers.IsValidNumber(pn), from the compiled
// automata when the code has them and the number no Italian leading zero
// (its national significant number is then the digits of NationalNumber).
func (n *Normalizer) validParsed(pn *phonenumbers.PhoneNumber) bool {
	if v := validatorFor(int(pn.GetCountryCode())); v != nil && !n.libraryOnly && !pn.GetItalianLeadingZero() {
		var buf [24]byte
		return v.valid(strconv.AppendUint(buf[:0], pn.GetNationalNumber(), 10))
	}
	return phonenumbers.IsValidNumber(pn)
}
