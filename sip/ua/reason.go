package ua

import (
	"strconv"
	"strings"
)

// reasonCause reads the Q.850 cause of a Reason header value (RFC 3326
// section 2: `Q.850;cause=16;text="Terminated"`); a value may list several
// reasons separated by commas, and the first Q.850 one counts. ok is false
// when there is none, or its cause is not a number in 0-127.
func reasonCause(value string) (cause int, ok bool) {
	for _, r := range splitUnquoted(value, ',') {
		params := splitUnquoted(r, ';')
		if len(params) == 0 || !strings.EqualFold(strings.TrimSpace(params[0]), "Q.850") {
			continue
		}
		for _, p := range params[1:] {
			name, val, found := strings.Cut(p, "=")
			if !found || !strings.EqualFold(strings.TrimSpace(name), "cause") {
				continue
			}
			val = strings.TrimSpace(val)
			if len(val) == 0 || len(val) > 3 {
				return 0, false
			}
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 || n > 127 || val[0] == '+' || val[0] == '-' {
				return 0, false
			}
			return n, true
		}
	}
	return 0, false
}

// reasonHeader is the value of a Reason header carrying Q.850 cause.
func reasonHeader(cause int) string {
	return "Q.850;cause=" + strconv.Itoa(cause)
}

// splitUnquoted splits s on sep outside double-quoted strings (with
// backslash escapes inside them, RFC 3261 section 25.1 quoted-pair).
func splitUnquoted(s string, sep byte) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
