package ua

import (
	"bytes"
	"strconv"
	"strings"
)

// parseDTMFInfo reads the digit of a SIP INFO carrying DTMF: the de facto
// application/dtmf-relay body ("Signal=5\r\nDuration=160\r\n"; some
// phones send 10 for * and 11 for #) or application/dtmf ("5"). ok is
// false for other content types or a body without a digit.
func parseDTMFInfo(contentType string, body []byte) (digit rune, ok bool) {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	if len(body) > 1024 {
		return 0, false
	}
	switch ct {
	case "application/dtmf-relay":
		for _, line := range bytes.Split(body, []byte("\n")) {
			k, v, found := bytes.Cut(bytes.TrimSpace(line), []byte("="))
			if found && strings.EqualFold(string(bytes.TrimSpace(k)), "signal") {
				return dtmfDigit(string(bytes.TrimSpace(v)))
			}
		}
		return 0, false
	case "application/dtmf":
		return dtmfDigit(string(bytes.TrimSpace(body)))
	}
	return 0, false
}

// dtmfDigit reads one DTMF signal: 0-9, *, #, A-D (any case), or the
// event numbers 10 (*) to 15 (D) of RFC 4733 section 3.2.
func dtmfDigit(s string) (rune, bool) {
	if len(s) == 1 {
		c := rune(s[0])
		switch {
		case c >= '0' && c <= '9', c == '*', c == '#':
			return c, true
		case c >= 'A' && c <= 'D':
			return c, true
		case c >= 'a' && c <= 'd':
			return c - 'a' + 'A', true
		}
		return 0, false
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 10 && n <= 15 && len(s) == 2 {
		return rune("*#ABCD"[n-10]), true
	}
	return 0, false
}
