package phonebook

import (
	"slices"
	"sort"
	"strings"
	"testing"
)

// contactTokensRef is contactTokens as it was before it folded each field
// once (a set of every field's Tokens, JoinedTokens and AltTokens): the
// reference the faster one must equal.
func contactTokensRef(c *Contact) []string {
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
			continue
		}
		if len(a) <= 64 {
			set[a] = struct{}{}
		}
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

// TestContactTokens: the tokens of contacts whose display name is, or is
// not, the joined name parts equal the reference's.
func TestContactTokens(t *testing.T) {
	tests := []struct {
		name string
		c    Contact
		want []string
	}{
		{name: "derived display name", c: Contact{FirstName: "Dženan", LastName: "O'Brien-Bašić", DisplayName: "Dženan O'Brien-Bašić"},
			want: []string{"basic", "brien", "dzenan", "o", "obrien"}},
		{name: "own display name", c: Contact{FirstName: "Emir", LastName: "Hodžić", DisplayName: "Dr. Emir Hodžić", Company: "Walsh Group"},
			want: []string{"dr", "emir", "group", "hodzic", "walsh"}},
		{name: "middle name, đ", c: Contact{FirstName: "Đorđe", MiddleName: "M", LastName: "Ćurić", DisplayName: "Đorđe M Ćurić"},
			want: []string{"curic", "djordje", "dorde", "m"}},
		{name: "parts with spaces around", c: Contact{FirstName: " Ana ", LastName: "Marić ", DisplayName: "Ana Marić"},
			want: []string{"ana", "maric"}},
		{name: "company only", c: Contact{Company: "ACME d.o.o.", DisplayName: "ACME d.o.o."},
			want: []string{"acme", "d", "o"}},
		{name: "e-mail", c: Contact{DisplayName: "x", Emails: []Email{{Address: " Dzenan.Basic1@Example.com "}}},
			want: []string{"@example.com", "basic1", "dzenan", "dzenan.basic1@example.com", "x"}},
		{name: "long token cut", c: Contact{DisplayName: strings.Repeat("a", 70)},
			want: []string{strings.Repeat("a", 64)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := contactTokens(&tc.c)
			if !slices.Equal(got, tc.want) {
				t.Errorf("contactTokens = %q, want %q", got, tc.want)
			}
			if ref := contactTokensRef(&tc.c); !slices.Equal(got, ref) {
				t.Errorf("contactTokens = %q, the reference gives %q", got, ref)
			}
		})
	}
}

// FuzzContactTokens: contactTokens equals the reference for any fields,
// with the display name derived from the parts or given.
func FuzzContactTokens(f *testing.F) {
	f.Add("Dženan", "", "O'Brien", "", "Walsh Group", "a.b@c.d", true)
	f.Add("Đorđe", "M", "Ćurić", "Dr Đorđe", "", "", false)
	f.Add(" Ana", "\u0301x", "Ω ", "", "\xff", "x@", true)
	f.Fuzz(func(t *testing.T, first, middle, last, display, company, email string, derive bool) {
		c := &Contact{FirstName: first, MiddleName: middle, LastName: last, DisplayName: display, Company: company,
			Emails: []Email{{Address: email}}}
		if derive {
			c.DisplayName = c.DeriveDisplayName()
		}
		if got, ref := contactTokens(c), contactTokensRef(c); !slices.Equal(got, ref) {
			t.Errorf("contactTokens(%+v) = %q, the reference gives %q", c, got, ref)
		}
	})
}
