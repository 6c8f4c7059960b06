package phonebook

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// The rule for contact text, the same on every path (the JSON API, CSV
// imports, sync sources): every text field of a contact — names, company,
// department, job title, office location, language, user principal name,
// owner, external id, e-mail addresses and labels, number values, custom
// keys and values — is valid UTF-8 without control characters (U+0000–U+001F,
// U+007F–U+009F: NUL, tab, line breaks, escape…). Such text fits on one CSV
// line, one XML attribute of a phone's book and one line of a display, so a
// contact the API accepts exports and imports back unchanged.
//
// The API and CSV imports refuse text that breaks the rule (naming the
// field); sync sources, whose data an administrator cannot edit, have it
// cleaned by CleanText instead.

// CheckText returns nil when s follows the rule for contact text, or an
// error saying what breaks it (invalid UTF-8, or which control character at
// which byte offset).
func CheckText(s string) error {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			continue
		}
		if c < 0x80 {
			return fmt.Errorf("contains the control character U+%04X at byte %d", c, i)
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			return fmt.Errorf("not valid UTF-8 at byte %d", i)
		}
		if isControl(r) {
			return fmt.Errorf("contains the control character U+%04X at byte %d", r, i)
		}
		i += size - 1
	}
	return nil
}

// isControl reports whether r is a C0 or C1 control character or DEL.
func isControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }

// CleanText returns s made to follow the rule for contact text: invalid
// UTF-8 becomes U+FFFD and each control character a space. Text that
// already follows the rule is returned as is, without allocating.
func CleanText(s string) string {
	if CheckText(s) == nil {
		return s
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, s)
}

// CleanText applies CleanText to every text field of c but its source and
// external id (which identify it, and are checked rather than changed).
func (c *Contact) CleanText() {
	for _, p := range []*string{&c.Owner, &c.FirstName, &c.MiddleName, &c.LastName, &c.DisplayName,
		&c.Company, &c.Department, &c.JobTitle, &c.OfficeLocation, &c.PreferredLanguage, &c.UserPrincipalName} {
		*p = CleanText(*p)
	}
	for i := range c.Emails {
		c.Emails[i].Label = CleanText(c.Emails[i].Label)
		c.Emails[i].Address = CleanText(c.Emails[i].Address)
	}
	for i := range c.Numbers {
		c.Numbers[i].Value = CleanText(c.Numbers[i].Value)
	}
	for k, v := range c.Custom {
		ck := CleanText(k)
		if ck != k {
			delete(c.Custom, k)
			if _, taken := c.Custom[ck]; taken {
				continue
			}
		}
		c.Custom[ck] = CleanText(v)
	}
}
