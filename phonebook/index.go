package phonebook

import (
	"slices"
	"sort"
	"strings"
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
	sk := sortKey(c)
	vis := visibility(c)
	// Since schema 6 the tokens are in the ix/sort value only: name
	// searches are answered by the in-memory name index (nameindex.go),
	// built from those values; ix/tok and the name buckets of ix/pfx are
	// no longer written.
	tv := appendList(vis, contactTokens(c))
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
func contactTokens(c *Contact) []string {
	set := map[string]struct{}{}
	add := func(s string) {
		for _, t := range append(append(Tokens(s), JoinedTokens(s)...), AltTokens(s)...) {
			if len(t) > 64 {
				t = t[:64]
			}
			set[t] = struct{}{}
		}
	}
	add(c.FirstName)
	add(c.MiddleName)
	add(c.LastName)
	add(c.DisplayName)
	add(c.Company)
	for _, e := range c.Emails {
		a := strings.ToLower(strings.TrimSpace(e.Address))
		if a == "" || strings.ContainsFunc(a, func(r rune) bool { return r < 0x20 }) {
			continue // never a token with NUL: keys and values split on it
		}
		if len(a) <= 64 {
			set[a] = struct{}{}
		}
		// The local part's words and "@domain"; not the domain's words,
		// which nearly every contact would share ("com").
		local, domain, _ := strings.Cut(a, "@")
		add(local)
		if d := "@" + domain; len(d) > 1 && len(d) <= 64 {
			set[d] = struct{}{}
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
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
