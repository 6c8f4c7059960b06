package phonebook

import (
	"sort"
	"strings"
)

// entries is everything a contact contributes to the indexes.
type entries struct {
	keys [][]byte // index keys (ix/num, ix/tok, ix/sort, ix/src)
	vals [][]byte // values for keys
}

// indexEntries computes the index entries of c; numKeys are the number keys
// of its numbers (from Numbering.Index).
func indexEntries(c *Contact, numKeys []string) entries {
	var e entries
	nv := numValue(c)
	for _, k := range numKeys {
		e.keys = append(e.keys, kNum(k, c.ID))
		e.vals = append(e.vals, nv)
	}
	sk := sortKey(c)
	vis := visibility(c)
	for _, t := range contactTokens(c) {
		e.keys = append(e.keys, kToken(t, sk, c.ID))
		e.vals = append(e.vals, vis)
	}
	e.keys = append(e.keys, kSort(sk, c.ID))
	e.vals = append(e.vals, vis)
	e.keys = append(e.keys, kSource(c.Source, sourceExtID(c)))
	e.vals = append(e.vals, []byte(c.ID))
	return e
}

// contactTokens returns the distinct search tokens of a contact: its name
// parts, display name, company and e-mail addresses (whole and split).
func contactTokens(c *Contact) []string {
	set := map[string]struct{}{}
	add := func(s string) {
		for _, t := range Tokens(s) {
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
		if a == "" {
			continue
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
