package callerid

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// CNAMMaxLen is the North American CNAM limit: 15 printable ASCII characters
// (https://docs.microsoft.com/en-us/microsoftteams/more-about-calling-line-id-and-calling-party-name ;
// https://supportdesk.46labs.com/portal/en/kb/articles/calling-name-identification-cnam).
const CNAMMaxLen = 15

// maxNameBytes bounds any name the service hands to a front end (AGI lines, SIP headers).
const maxNameBytes = 200

// foldSpecial holds letters that Unicode decomposition does not reduce to ASCII.
var foldSpecial = map[rune]string{
	'Đ': "Dj", 'đ': "dj", 'Ð': "D", 'ð': "d", 'Ł': "L", 'ł': "l", 'Ø': "O", 'ø': "o",
	'ß': "ss", 'Æ': "AE", 'æ': "ae", 'Œ': "OE", 'œ': "oe", 'Þ': "Th", 'þ': "th", 'ı': "i",
	'Ħ': "H", 'ħ': "h", 'Ŋ': "N", 'ŋ': "n", 'ĸ': "k", 'Ŧ': "T", 'ŧ': "t", 'ſ': "s",
	'‘': "'", '’': "'", '‚': "'", '“': "\"", '”': "\"", '„': "\"", '–': "-", '—': "-",
	'\u00a0': " ",
}

// CNAM transliterates name deterministically to at most 15 printable ASCII characters:
// letters lose their diacritics ("Đurić Šećo" → "Djuric Seco"), other characters without an
// ASCII form are dropped, runs of blanks collapse, and the result is cut at 15 characters
// (trailing blanks removed).
func CNAM(name string) string {
	var b strings.Builder
	b.Grow(CNAMMaxLen)
	space := true // drop leading blanks
	n := 0
	emit := func(s string) bool {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c <= ' ' || c == 0x7f { // blanks and control characters separate words
				if space {
					continue
				}
				space = true
				c = ' '
			} else {
				space = false
			}
			if n == CNAMMaxLen {
				return false
			}
			b.WriteByte(c)
			n++
		}
		return true
	}
	for _, r := range name {
		if r < utf8.RuneSelf {
			if !emit(string(rune(r))) {
				break
			}
			continue
		}
		if s, ok := foldSpecial[r]; ok {
			if !emit(s) {
				break
			}
			continue
		}
		var ascii []byte
		for _, d := range norm.NFD.String(string(r)) {
			if d < utf8.RuneSelf {
				ascii = append(ascii, byte(d))
			} else if s, ok := foldSpecial[d]; ok {
				ascii = append(ascii, s...)
			} else if unicode.Is(unicode.Mn, d) {
				continue
			}
		}
		if !emit(string(ascii)) {
			break
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// CleanName makes a directory name safe for any front end: control characters (CR, LF, NUL…)
// and invalid UTF-8 become blanks, blank runs collapse, and the result is at most 200 bytes,
// cut on a rune boundary.
func CleanName(name string) string {
	if isClean(name) {
		return name
	}
	var b strings.Builder
	space := true
	for _, r := range name {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		if b.Len()+utf8.RuneLen(r) > maxNameBytes {
			break
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}

// isClean reports whether CleanName would return name unchanged.
func isClean(name string) bool {
	if len(name) > maxNameBytes || name == "" {
		return name == ""
	}
	prevSpace := true // a leading blank is not clean
	for i := 0; i < len(name); {
		c := name[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			if c == ' ' {
				if prevSpace {
					return false
				}
				prevSpace = true
			} else {
				prevSpace = false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(name[i:])
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) {
			return false
		}
		prevSpace = false
		i += n
	}
	return !prevSpace
}
