package ldapdir

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/phonebook"
)

// tri is a filter's value: RFC 4511 §4.5.1.7 evaluates to TRUE, FALSE or
// Undefined.
type tri uint8

const (
	fFalse tri = iota
	fTrue
	fUndefined
)

// matcher evaluates a filter on contacts. hits are the contacts the
// caller-ID lookup found for a number assertion value (see plan.go): a
// number assertion also matches the contact the lookup finds for it, as
// the lookup normalises numbers (national, international and trunk
// forms) where plain digits do not.
type matcher struct {
	hits map[string]string // assertion value → contact id
}

// match reports whether f is TRUE for c.
func (m *matcher) match(f *Filter, c *phonebook.Contact) bool { return m.eval(f, c) == fTrue }

func (m *matcher) eval(f *Filter, c *phonebook.Contact) tri {
	switch f.Op {
	case OpAnd:
		r := fTrue
		for _, ch := range f.Children {
			switch m.eval(ch, c) {
			case fFalse:
				return fFalse
			case fUndefined:
				r = fUndefined
			}
		}
		return r
	case OpOr:
		r := fFalse
		for _, ch := range f.Children {
			switch m.eval(ch, c) {
			case fTrue:
				return fTrue
			case fUndefined:
				r = fUndefined
			}
		}
		return r
	case OpNot:
		switch m.eval(f.Children[0], c) {
		case fTrue:
			return fFalse
		case fFalse:
			return fTrue
		}
		return fUndefined
	case OpPresent:
		a := canonical(f.Attr)
		if a == "" {
			return fFalse
		}
		return boolTri(len(values(c, a)) > 0)
	case OpEquality, OpApprox:
		a := canonical(f.Attr)
		if a == "" {
			return fUndefined
		}
		return boolTri(m.equal(c, a, f.Value))
	case OpSubstrings:
		a := canonical(f.Attr)
		if a == "" {
			return fUndefined
		}
		return boolTri(m.substrings(c, a, f))
	}
	// Ordering and extensible matching are not offered: Undefined.
	return fUndefined
}

func boolTri(b bool) tri {
	if b {
		return fTrue
	}
	return fFalse
}

// equal is equality on attribute a: numbers by their digits (or the
// lookup's match), other values case- and accent-insensitively.
func (m *matcher) equal(c *phonebook.Contact, a, v string) bool {
	vals := values(c, a)
	if isNumberAttr(a) {
		if len(vals) > 0 && m.hits != nil && m.hits[v] == c.ID {
			return true
		}
		want := phonebook.Digits(v)
		if want == "" {
			return false
		}
		for _, x := range vals {
			if phonebook.Digits(x) == want {
				return true
			}
		}
		return false
	}
	want := phonebook.Fold(strings.TrimSpace(v))
	for _, x := range vals {
		if phonebook.Fold(x) == want {
			return true
		}
	}
	return false
}

// substrings matches a substrings filter on attribute a. Numbers match on
// their digits; other values case- and accent-insensitively, where the
// initial part may also match at the start of any word of the value
// ("smi*" finds cn "John Smith", as the phone book's search does): phones
// search cn with what the user types, and users type a last name as
// often as a first one.
func (m *matcher) substrings(c *phonebook.Contact, a string, f *Filter) bool {
	vals := values(c, a)
	if isNumberAttr(a) {
		if len(vals) > 0 && m.hits != nil && f.Initial != "" && len(f.Any) == 0 && f.Final == "" && m.hits[f.Initial] == c.ID {
			return true
		}
		ini, fin := phonebook.Digits(f.Initial), phonebook.Digits(f.Final)
		anys := make([]string, 0, len(f.Any))
		for _, x := range f.Any {
			if d := phonebook.Digits(x); d != "" {
				anys = append(anys, d)
			}
		}
		for _, x := range vals {
			if substrMatch(phonebook.Digits(x), ini, anys, fin) {
				return true
			}
		}
		return false
	}
	ini, fin := phonebook.Fold(f.Initial), phonebook.Fold(f.Final)
	anys := make([]string, len(f.Any))
	for i, x := range f.Any {
		anys[i] = phonebook.Fold(x)
	}
	for _, x := range vals {
		v := phonebook.Fold(x)
		if substrMatch(v, ini, anys, fin) {
			return true
		}
		if ini == "" {
			continue
		}
		for i := wordStart(v, 1); i < len(v); i = wordStart(v, i+1) {
			if substrMatch(v[i:], ini, anys, fin) {
				return true
			}
		}
	}
	return false
}

// wordStart returns the first index from i that starts a word of s (a
// letter or digit after anything else), or len(s).
func wordStart(s string, i int) int {
	for i < len(s) {
		r, _ := utf8.DecodeRuneInString(s[i:])
		p, _ := utf8.DecodeLastRuneInString(s[:i])
		if isWordRune(r) && !isWordRune(p) {
			return i
		}
		i++
		for i < len(s) && !utf8.RuneStart(s[i]) {
			i++
		}
	}
	return len(s)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// substrMatch is the substrings rule of X.520: v starts with ini, holds
// each of anys in order after it, and ends with fin, none overlapping.
func substrMatch(v, ini string, anys []string, fin string) bool {
	if !strings.HasPrefix(v, ini) {
		return false
	}
	v = v[len(ini):]
	for _, a := range anys {
		i := strings.Index(v, a)
		if i < 0 {
			return false
		}
		v = v[i+len(a):]
	}
	return strings.HasSuffix(v, fin)
}
