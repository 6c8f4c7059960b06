package phonebook

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// specialFold maps letters that do not decompose into a base letter plus a
// combining mark (so NFD alone would keep them) to ASCII.
var specialFold = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'đ': "dj", 'Đ': "dj", 'ł': "l", 'Ł': "l", 'ø': "o", 'Ø': "o",
	'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'þ': "th", 'Þ': "th", 'ð': "d", 'Ð': "d",
	'ı': "i", 'ħ': "h", 'Ħ': "h",
}

// Fold lower-cases s and removes accents, so "Müller" and "muller" compare
// equal. Letters outside Latin are kept (lower-cased).
func Fold(s string) string {
	upper := false
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return foldLatin(s)
		}
		if s[i] >= 'A' && s[i] <= 'Z' {
			upper = true
		}
	}
	if !upper {
		return s
	}
	// ASCII: NFD leaves it as it is, it holds no combining mark and no
	// letter of specialFold, so folding is lower-casing A–Z (most names
	// of an import; the general path cost 4 % of a 1 M-row import's CPU
	// in its profile, docs/scale.md).
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// latinEnd bounds the letters foldLatin folds from its table: Latin-1,
// Latin Extended-A and B. None of them is a combining mark, and each one's
// canonical decomposition is its base letter and marks, so folding a text
// of them is folding each letter on its own.
const latinEnd = 0x250

// latinFold is Fold of each rune below latinEnd, from the general path.
var latinFold = func() (t [latinEnd]string) {
	for r := range rune(latinEnd) {
		t[r] = foldUnicode(string(r))
	}
	return t
}()

// foldLatin is Fold for text that is not all ASCII: from latinFold when
// every rune is below latinEnd (names in Latin script: "Anić", "Müller"),
// without the general path's decomposition of the whole text; the general
// path otherwise.
func foldLatin(s string) string {
	var b []byte
	for _, r := range s {
		if r >= latinEnd { // utf8.RuneError (an invalid byte) too

			return foldUnicode(s)
		}
		if b == nil {
			b = make([]byte, 0, len(s))
		}
		b = append(b, latinFold[r]...)
	}
	return string(b)
}

// foldUnicode is Fold for text that is not all ASCII: decompose (NFD),
// drop the combining marks, map specialFold's letters and lower-case.
func foldUnicode(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if rep, ok := specialFold[r]; ok {
			b.WriteString(rep)
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Tokens splits folded text into search tokens at anything that is not a
// letter or digit.
func Tokens(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// JoinedTokens returns the tokens of the words of s that hold an
// apostrophe, with the apostrophes removed ("O'Brien" → "obrien"): a
// contact is indexed under them too, and a query word with an apostrophe
// searches them, so "o'br" is one selective prefix rather than "o" and
// "br".
func JoinedTokens(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		if j := unapostrophe(f); j != f {
			out = append(out, Tokens(j)...)
		}
	}
	return out
}

// AltTokens returns the other spellings a word of s is searched by, where
// folding has to pick one: Đ/đ folds to "dj" (Đurić → djuric, as it is
// transliterated) but is typed as a plain "d" just as often, so a contact
// is also indexed under the "d" spelling (duric). Nil when s has no such
// letter.
func AltTokens(s string) []string {
	if !strings.ContainsAny(s, "đĐ") {
		return nil
	}
	return Tokens(strings.NewReplacer("đ", "d", "Đ", "D").Replace(s))
}

// unapostrophe removes the apostrophes (' and ’) of a word.
func unapostrophe(w string) string {
	if !strings.ContainsAny(w, "'’") {
		return w
	}
	return strings.NewReplacer("'", "", "’", "").Replace(w)
}

// Digits returns the decimal digits of s.
func Digits(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// IsNumberQuery reports whether a search text asks for a number: it starts
// with '+' or consists of digits and visual separators only.
func IsNumberQuery(q string) bool {
	q = strings.TrimSpace(q)
	if q == "" {
		return false
	}
	if q[0] == '+' {
		return true
	}
	digits := 0
	for i := 0; i < len(q); i++ {
		switch c := q[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/':
		default:
			return false
		}
	}
	return digits > 0
}
