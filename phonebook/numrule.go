package phonebook

import (
	"fmt"
	"strings"
)

// The rule for numbers, the same on every path that writes or reads a
// contact's numbers (the JSON API, CSV import and export, sync sources):
//
//   - a number's type is work, mobile, home, fax or other (any case on
//     input; an empty type is other);
//   - its value, trimmed, is 1 to 64 bytes of digits, a '+', spaces and the
//     separators - . ( ) / plus the dial characters * and #, with at least
//     one digit.
//
// The API refuses a number that breaks it (400 naming numbers[i].type or
// numbers[i].value), a Central Phone Book CSV import refuses the file
// (naming the line and column), Google and Outlook imports and the sync
// sources skip that number (their data is another program's), and the
// export writes every number that follows it, so what one path accepts
// every other path keeps.

// MaxNumberLen bounds a number's value, in bytes.
const MaxNumberLen = 64

// NumberTypesText lists the number types for messages.
const NumberTypesText = "work, mobile, home, fax or other"

// ParseNumberType maps a case-insensitive name (surrounding blanks
// ignored) to a NumberType, without allocating.
func ParseNumberType(s string) (NumberType, bool) {
	s = strings.TrimSpace(s)
	for _, t := range [...]NumberType{NumberWork, NumberMobile, NumberHome, NumberFax, NumberOther} {
		if strings.EqualFold(s, string(t)) {
			return t, true
		}
	}
	return "", false
}

// CheckNumberValue returns nil when v (already trimmed) is a phone number
// by the rule above, or an error saying what is wrong, in words that fit
// after a field name ("numbers[0].value: …").
func CheckNumberValue(v string) error {
	if v == "" {
		return fmt.Errorf("empty; a number needs at least one digit")
	}
	if len(v) > MaxNumberLen {
		return fmt.Errorf("longer than %d bytes", MaxNumberLen)
	}
	if !ValidNumberValue(v) {
		if err := CheckText(v); err != nil {
			return err
		}
		return fmt.Errorf("%q is not a phone number: use digits, a leading +, spaces and - . ( ) / * #", clipText(v))
	}
	return nil
}

// ValidNumberValue reports whether v (already trimmed) is a phone number by
// the rule above, without allocating.
func ValidNumberValue(v string) bool {
	if len(v) > MaxNumberLen {
		return false
	}
	digit := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case c == '+' || c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' || c == '*' || c == '#':
		default:
			return false
		}
	}
	return digit
}

// DropInvalidNumbers removes the numbers that break the rule (an unknown
// type, a value that is not a phone number) and returns how many it
// removed; known types are set to their canonical lower-case form. Sync
// sources use it: their data cannot be edited here, so one odd number must
// not stop a sync.
func (c *Contact) DropInvalidNumbers() int {
	kept := c.Numbers[:0]
	for _, n := range c.Numbers {
		n.Value = strings.TrimSpace(n.Value)
		t := NumberOther
		if n.Type != "" {
			var ok bool
			if t, ok = ParseNumberType(string(n.Type)); !ok {
				continue
			}
		}
		if !ValidNumberValue(n.Value) {
			continue
		}
		n.Type = t
		kept = append(kept, n)
	}
	dropped := len(c.Numbers) - len(kept)
	clear(c.Numbers[len(kept):])
	c.Numbers = kept
	return dropped
}

// clipText shortens a value quoted in a message to about 40 bytes.
func clipText(s string) string {
	if len(s) <= 40 {
		return s
	}
	i := 40
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}
