package phonebook

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// entries is everything a contact contributes to the indexes.
type entries struct {
	keys [][]byte // index keys (number buckets of ix/pfx, ix/sort, ix/src; ix/num is a list, see numindex.go)
	vals [][]byte // values for keys
}

// indexEntries computes the index entries of c; numKeys are the number keys
// of its numbers (from Numbering.Index).
func indexEntries(c *Contact, numKeys []string) entries {
	var e entries
	fd := Fold(c.DisplayName)
	sk := sortKeyFolded(fd)
	vis := visibility(c)
	// Since schema 6 the tokens are in the ix/sort value only: name
	// searches are answered by the in-memory name index (nameindex.go),
	// built from those values; ix/tok and the name buckets of ix/pfx are
	// no longer written.
	tv := appendList(vis, contactTokensFolded(c, fd))
	sv := tv
	for _, k := range numKeys {
		if searchableNumKey(k) {
			if len(sv) == len(tv) {
				sv = append(slices.Clip(tv), 1) // numbers follow a \x01
			}
			sv = append(sv, 0)
			sv = append(sv, k...)
		}
	}
	// Number buckets ("#" and the first digits of each x: and e164: key),
	// valued with the number keys only: number searches walk them in name
	// order.
	var nbs []string
	var nv2 []byte // visibility, an empty token list, then the number keys
	for _, k := range numKeys {
		if b, ok := numBucket(k); ok && !slices.Contains(nbs, b) {
			if nv2 == nil {
				nv2 = append(appendList(vis, nil), sv[len(tv):]...)
			}
			nbs = append(nbs, b)
			e.keys = append(e.keys, kBucket(b, sk, c.ID))
			e.vals = append(e.vals, nv2)
		}
	}
	e.keys = append(e.keys, kSort(sk, c.ID))
	e.vals = append(e.vals, sv)
	e.keys = append(e.keys, kSource(c.Source, sourceExtID(c)))
	e.vals = append(e.vals, []byte(c.ID))
	return e
}

// contactTokens returns the distinct search tokens of a contact: its name
// parts, display name, company and e-mail addresses (whole and split).
func contactTokens(c *Contact) []string { return contactTokensFolded(c, Fold(c.DisplayName)) }

// contactTokensFolded is contactTokens given Fold(c.DisplayName) (the
// sort key is cut from it too). Each field is folded once; a display name
// that is the name parts joined (the usual case) adds no token of its own.
func contactTokensFolded(c *Contact, display string) []string {
	out := make([]string, 0, 16)
	add := func(s, folded string) {
		out = appendTokens(out, folded)
		if strings.ContainsAny(s, "'’") {
			out = append(out, JoinedTokens(s)...)
		}
		out = append(out, AltTokens(s)...)
	}
	for _, p := range [...]string{c.FirstName, c.MiddleName, c.LastName} {
		add(p, Fold(p))
	}
	if !joinsNameParts(c) {
		add(c.DisplayName, display)
	}
	add(c.Company, Fold(c.Company))
	for _, e := range c.Emails {
		a := strings.ToLower(strings.TrimSpace(e.Address))
		if a == "" || strings.ContainsFunc(a, func(r rune) bool { return r < 0x20 }) {
			continue // never a token with NUL: keys and values split on it
		}
		if len(a) <= 64 {
			out = append(out, a)
		}
		// The local part's words and "@domain"; not the domain's words,
		// which nearly every contact would share ("com").
		local, domain, _ := strings.Cut(a, "@")
		add(local, Fold(local))
		if d := "@" + domain; len(d) > 1 && len(d) <= 64 {
			out = append(out, d)
		}
	}
	for i, t := range out {
		if len(t) > 64 {
			out[i] = t[:64]
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// appendTokens appends the tokens of folded text (see Tokens) to out.
func appendTokens(out []string, folded string) []string {
	start := -1
	for i := 0; i < len(folded); {
		c := folded[i]
		word, size := false, 1
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			word = true
		case c < utf8.RuneSelf:
			word = c >= 'A' && c <= 'Z'
		default:
			var r rune
			r, size = utf8.DecodeRuneInString(folded[i:])
			word = unicode.IsLetter(r) || unicode.IsDigit(r)
		}
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, folded[start:i])
			start = -1
		}
		i += size
	}
	if start >= 0 {
		out = append(out, folded[start:])
	}
	return out
}

// joinsNameParts reports whether c's display name is its name parts
// trimmed and joined with spaces (DeriveDisplayName's form): its tokens
// are then the parts' tokens, as folding and splitting at a space work
// part by part.
func joinsNameParts(c *Contact) bool {
	d := c.DisplayName
	n := 0
	for _, p := range [...]string{c.FirstName, c.MiddleName, c.LastName} {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if n > 0 {
			if !strings.HasPrefix(d, " ") {
				return false
			}
			d = d[1:]
		}
		if !strings.HasPrefix(d, p) {
			return false
		}
		d, n = d[len(p):], n+1
	}
	return n > 0 && d == ""
}

// appendList returns a copy of vis followed by the items, each after a NUL:
// the value of ix/pfx entries, and of ix/sort entries where \x01 and the
// number keys (each after a NUL) may follow. Items hold no control
// characters, so "\x00"+w occurs in the list exactly when an item starts
// with w.
func appendList(vis []byte, items []string) []byte {
	n := len(vis)
	for _, t := range items {
		n += 1 + len(t)
	}
	b := make([]byte, 0, n+1)
	b = append(b, vis...)
	for _, t := range items {
		b = append(b, 0)
		b = append(b, t...)
	}
	if len(items) == 0 {
		b = append(b, 0) // the list starts after a NUL, even empty
	}
	return b
}

// searchableNumKey reports whether a number search finds a contact by
// this number key: the number as written (x:), its E.164 form (e164:) and
// an internal extension (ext:); nsn: is for caller-ID matching only.
func searchableNumKey(k string) bool {
	return strings.HasPrefix(k, "x:") || strings.HasPrefix(k, "e164:") || strings.HasPrefix(k, "ext:")
}

// numBucketLen is the count of leading digits of a number key that name
// its ix/pfx bucket.
const numBucketLen = 6

// numBucket returns the ix/pfx bucket of an x:, e164: or ext: number key:
// '#' and its first numBucketLen digits (ok is false for other keys and
// shorter numbers).
func numBucket(numKey string) (string, bool) {
	var d string
	switch {
	case strings.HasPrefix(numKey, "x:"):
		d = strings.TrimPrefix(numKey[2:], "+")
	case strings.HasPrefix(numKey, "e164:+"):
		d = numKey[6:]
	case strings.HasPrefix(numKey, "ext:"):
		d = numKey[4:]
	default:
		return "", false
	}
	if len(d) < numBucketLen {
		return "", false
	}
	return "#" + d[:numBucketLen], true
}
