package provisioning

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Clean makes s safe for an XML text node or attribute on a phone: invalid
// UTF-8 becomes U+FFFD, characters outside the XML 1.0 Char production (C0
// controls other than tab/LF/CR, surrogates, U+FFFE/U+FFFF) are dropped, tab,
// CR, LF and the other Unicode line separators become a space, and leading and
// trailing spaces are trimmed. Everything else (combining marks, right-to-left
// text, emoji) is kept as is.
func Clean(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && w == 1) || !keepRune(r) || isBreak(r) {
			clean = false
			break
		}
		i += w
	}
	if clean {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		i += w
		switch {
		case r == utf8.RuneError && w == 1:
			b.WriteRune(utf8.RuneError)
		case isBreak(r):
			b.WriteByte(' ')
		case keepRune(r):
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// isBreak reports characters that would break a one-line phone label.
func isBreak(r rune) bool {
	return r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029
}

// keepRune reports whether r is an XML 1.0 Char other than a C0 control.
func keepRune(r rune) bool {
	switch {
	case r < 0x20:
		return false
	case r < 0xD800:
		return r != 0x7F
	case r < 0xE000:
		return false
	case r < 0xFFFE:
		return true
	case r < 0x10000:
		return false
	default:
		return r <= unicode.MaxRune
	}
}

// TruncateRunes cuts s to at most n characters (runes), never splitting one.
func TruncateRunes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n { // n bytes hold at most n runes
		return s
	}
	count := 0
	for i := range s {
		if count == n {
			return s[:i]
		}
		count++
	}
	return s
}

// TruncateBytes cuts s to at most n bytes of UTF-8, on a rune boundary.
func TruncateBytes(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// DialString reduces a stored number to what a phone can dial: digits, '+'
// (leading only), '*' and '#'; spaces, dashes, dots and parentheses are
// removed. A SIP URI ("sip:…") is returned cleaned but otherwise unchanged.
func DialString(number string) string {
	number = Clean(number)
	if strings.HasPrefix(strings.ToLower(number), "sip:") {
		return number
	}
	var b strings.Builder
	b.Grow(len(number))
	for _, r := range number {
		switch {
		case r >= '0' && r <= '9', r == '*', r == '#':
			b.WriteRune(r)
		case r == '+' && b.Len() == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}
