package number

// maxDigits caps the digits a cleaned number may have; E.164 allows 15,
// internal dial strings a few more. Longer input is not a phone number.
const maxDigits = 24

// cleanBuf holds a cleaned number; it lives on the caller's stack.
type cleanBuf [maxDigits + 16]byte

// cleaned is the result of step 1 (clean) and 2 (reject) of the algorithm.
type cleaned struct {
	b    []byte // "+digits" or "digits", in the caller's cleanBuf
	plus bool   // b starts with '+'
	ctx  bool   // the '+' came from a phone-context parameter
}

// clean implements steps 1–2 of the matching algorithm (docs/asterisk.md,
// "Number matching") with byte loops: strip
// a tel:/sip:/sips: scheme (and a name-addr's <>), keep a SIP URI's user
// part, drop parameters (reading phone-context=+CC first), drop visual
// separators and keep digits and one leading '+'. Anything else left
// (letters such as "anonymous", '*', '#', a second '+') rejects the number:
// ok is false. The result is written into buf.
func clean(raw string, buf *cleanBuf) (c cleaned, ok bool) {
	s := trimSpace(raw)
	if i := indexByte(s, '<'); i >= 0 {
		if j := indexByte(s[i+1:], '>'); j >= 0 {
			s = trimSpace(s[i+1 : i+1+j])
		}
	}
	sip := false
	switch {
	case hasPrefixFold(s, "tel:"):
		s = s[4:]
	case hasPrefixFold(s, "sip:"):
		s, sip = s[4:], true
	case hasPrefixFold(s, "sips:"):
		s, sip = s[5:], true
	}
	if sip {
		if i := indexByte(s, '@'); i >= 0 {
			s = s[:i]
		}
	}
	var ctx string
	if i := indexByte(s, ';'); i >= 0 {
		ctx = phoneContext(s[i+1:])
		s = s[:i]
	}

	out := buf[len(buf)-maxDigits-2 : len(buf)-maxDigits-2]
	plus := false
	for i := 0; i < len(s); i++ {
		b := s[i]
		switch {
		case b >= '0' && b <= '9':
			if len(out) >= maxDigits+1 {
				return cleaned{}, false
			}
			out = append(out, b)
		case b == '+':
			if plus || len(out) > 0 {
				return cleaned{}, false
			}
			plus = true
			out = append(out, '+')
		case b == ' ' || b == '-' || b == '.' || b == '(' || b == ')' || b == '/' || b == '\t':
		case b >= 0x80:
			w := unicodeSeparator(s[i:])
			if w == 0 {
				return cleaned{}, false
			}
			i += w - 1
		default:
			return cleaned{}, false
		}
	}
	digits := len(out)
	if plus {
		digits--
	}
	if digits == 0 || digits > maxDigits {
		return cleaned{}, false
	}
	if !plus && ctx != "" {
		if digits+len(ctx)-1 > maxDigits {
			return cleaned{}, false
		}
		// The digits sit at the end of buf; put the context in front.
		start := len(buf) - maxDigits - 2 - len(ctx)
		copy(buf[start:], ctx)
		return cleaned{b: buf[start : start+len(ctx)+len(out)], plus: true, ctx: true}, true
	}
	return cleaned{b: out, plus: plus}, true
}

// phoneContext returns "+digits" from a phone-context=+CC parameter among
// ';'-separated URI parameters, or "" (domain contexts are ignored).
func phoneContext(params string) string {
	for len(params) > 0 {
		p := params
		if i := indexByte(params, ';'); i >= 0 {
			p, params = params[:i], params[i+1:]
		} else {
			params = ""
		}
		if !hasPrefixFold(p, "phone-context=") {
			continue
		}
		v := p[len("phone-context="):]
		if len(v) < 2 || v[0] != '+' {
			return ""
		}
		var buf [8]byte
		out := append(buf[:0], '+')
		for i := 1; i < len(v); i++ {
			switch b := v[i]; {
			case b >= '0' && b <= '9':
				if len(out) == len(buf) {
					return ""
				}
				out = append(out, b)
			case b == '-' || b == '.' || b == '(' || b == ')':
			default:
				return ""
			}
		}
		if len(out) < 2 {
			return ""
		}
		return string(out)
	}
	return ""
}

// unicodeSeparator returns the byte length of a non-ASCII visual separator
// at the start of s (NBSP, figure space, narrow NBSP, U+2010–U+2015
// hyphens and dashes), or 0.
func unicodeSeparator(s string) int {
	if len(s) >= 2 && s[0] == 0xC2 && s[1] == 0xA0 { // U+00A0
		return 2
	}
	if len(s) >= 3 && s[0] == 0xE2 && s[1] == 0x80 {
		switch b := s[2]; {
		case b >= 0x90 && b <= 0x95: // U+2010..U+2015
			return 3
		case b == 0x87 || b == 0xAF: // U+2007, U+202F
			return 3
		}
	}
	return 0
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n') {
		s = s[1:]
	}
	for len(s) > 0 {
		c := s[len(s)-1]
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			break
		}
		s = s[:len(s)-1]
	}
	return s
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// hasPrefixFold reports whether s starts with the lower-case ASCII prefix p,
// ignoring ASCII case in s.
func hasPrefixFold(s, p string) bool {
	if len(s) < len(p) {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != p[i] {
			return false
		}
	}
	return true
}
