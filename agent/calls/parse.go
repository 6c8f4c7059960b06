package calls

import (
	"errors"
	"fmt"
)

// MaxDigits is the longest DTMF string one request may send.
const MaxDigits = 64

// MaxDestination is the longest destination accepted.
const MaxDestination = 64

// ErrBadDigits and ErrBadDestination are the parse errors.
var (
	ErrBadDigits      = errors.New("invalid DTMF digits")
	ErrBadDestination = errors.New("invalid destination")
)

// ParseDigits checks a DTMF string: 1 to MaxDigits of 0-9, A-D (either
// case; returned upper case), * and #.
func ParseDigits(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("%w: no digits", ErrBadDigits)
	}
	if len(s) > MaxDigits {
		return "", fmt.Errorf("%w: %d characters, at most %d", ErrBadDigits, len(s), MaxDigits)
	}
	out := make([]byte, len(s))
	for i := 0; i < len(s); i++ {
		d := s[i]
		switch {
		case d >= '0' && d <= '9', d == '*', d == '#', d >= 'A' && d <= 'D':
		case d >= 'a' && d <= 'd':
			d -= 'a' - 'A'
		default:
			return "", fmt.Errorf("%w: %q at position %d (allowed: 0-9, A-D, *, #)", ErrBadDigits, s[i], i+1)
		}
		out[i] = d
	}
	return string(out), nil
}

// ParseDestination checks a destination before it goes into the dial
// string (ari.calls_dial): 1 to MaxDestination characters, a leading +
// then digits, letters, *, #, '.', '_' and '-'. Anything that could change
// the dial string (/, @, &, ',', spaces, parentheses) is refused.
func ParseDestination(s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("%w: empty", ErrBadDestination)
	}
	if len(s) > MaxDestination {
		return "", fmt.Errorf("%w: %d characters, at most %d", ErrBadDestination, len(s), MaxDestination)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '*', c == '#', c == '.', c == '_', c == '-':
		case c == '+' && i == 0:
		default:
			return "", fmt.Errorf("%w: %q at position %d (allowed: a leading +, digits, letters, * # . _ -)", ErrBadDestination, c, i+1)
		}
	}
	return s, nil
}
