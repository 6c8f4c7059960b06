package callerid

import (
	"strconv"
	"strings"
)

// Presentation is Asterisk's combined calling presentation (agi_callingpres, CALLERPRES()).
// Bits 0x60 carry the restriction: 0x00 allowed, 0x20 restricted, 0x40 unavailable (Asterisk
// include/asterisk/callerid.h AST_PRES_*, main/channel.c ast_party_id_presentation).
type Presentation int

// PresentationUnknown means the front end had no presentation value; the number decides alone.
const PresentationUnknown Presentation = -1

// PresentationAllowed is the plain "allowed, not screened" value 0.
const PresentationAllowed Presentation = 0

// Withheld reports whether the number must not be looked up (restricted or unavailable).
func (p Presentation) Withheld() bool {
	return p >= 0 && p&0x60 != 0
}

// ParsePresentation reads a presentation as Asterisk prints it: a decimal number
// (agi_callingpres) or a CALLERPRES() name such as "allowed_not_screened" or "prohib".
// Anything unreadable gives PresentationUnknown.
func ParsePresentation(s string) Presentation {
	s = strings.TrimSpace(s)
	if s == "" {
		return PresentationUnknown
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 0xff {
			return PresentationUnknown
		}
		return Presentation(n)
	}
	s = strings.ToLower(s)
	switch {
	case strings.HasPrefix(s, "allowed"):
		return PresentationAllowed
	case strings.HasPrefix(s, "prohib"):
		return 0x23
	case strings.HasPrefix(s, "unavailable"):
		return 0x43
	}
	return PresentationUnknown
}

// nonNumbers are caller "numbers" that mean the number is withheld or missing ("anonymous":
// RFC 3323; "unknown": Asterisk res/res_agi.c; the other words have no single source).
var nonNumbers = map[string]struct{}{
	"": {}, "anonymous": {}, "restricted": {}, "unknown": {}, "unavailable": {}, "private": {},
	"withheld": {},
}

// Withheld reports whether a caller number with the given presentation must not be looked up:
// restricted/unavailable presentation, an empty number, or one of anonymous, unknown, restricted,
// unavailable, private, withheld (any case, surrounding blanks ignored).
func Withheld(number string, pres Presentation) bool {
	if pres.Withheld() {
		return true
	}
	n := strings.TrimSpace(number)
	if len(n) > len("unavailable") {
		return false
	}
	_, ok := nonNumbers[strings.ToLower(n)]
	return ok
}
