package cti

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Action is a remote-control command.
type Action string

// The actions a driver may support.
const (
	// Answer answers the phone's ringing call.
	Answer Action = "answer"
	// Hangup ends the phone's current call.
	Hangup Action = "hangup"
	// Hold puts the phone's current call on hold (on most phones the same
	// key resumes it).
	Hold Action = "hold"
	// DTMF sends digits (0-9, *, #) in the current call.
	DTMF Action = "dtmf"
	// Dial places a call to a number from the phone.
	Dial Action = "dial"
)

// Actions lists every action, in a stable order.
func Actions() []Action { return []Action{Answer, Hangup, Hold, DTMF, Dial} }

// ParseAction returns the action named s (case-insensitive).
func ParseAction(s string) (Action, bool) {
	a := Action(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Actions() {
		if a == k {
			return a, true
		}
	}
	return "", false
}

func (a Action) bit() Caps {
	for i, k := range Actions() {
		if a == k {
			return 1 << i
		}
	}
	return 0
}

// Caps is a set of actions a driver can perform.
type Caps uint8

// CapsOf makes a set of the given actions.
func CapsOf(as ...Action) Caps {
	var c Caps
	for _, a := range as {
		c |= a.bit()
	}
	return c
}

// Has reports whether a is in the set.
func (c Caps) Has(a Action) bool { b := a.bit(); return b != 0 && c&b != 0 }

// List returns the set's actions in the order of Actions; never nil.
func (c Caps) List() []Action {
	out := []Action{}
	for _, a := range Actions() {
		if c.Has(a) {
			out = append(out, a)
		}
	}
	return out
}

// String is the comma-separated list.
func (c Caps) String() string {
	l := c.List()
	s := make([]string, len(l))
	for i, a := range l {
		s[i] = string(a)
	}
	return strings.Join(s, ",")
}

// MarshalJSON writes the set as a list of action names.
func (c Caps) MarshalJSON() ([]byte, error) { return json.Marshal(c.List()) }

// maxDigits bounds DTMF and dialled strings.
const maxDigits = 32

// checkDigits validates DTMF digits (0-9, *, #) or, with plus, a number to
// dial (a leading + allowed).
func checkDigits(s string, dial bool) error {
	if s == "" {
		return fmt.Errorf("no digits")
	}
	if len(s) > maxDigits {
		return fmt.Errorf("%d characters, at most %d", len(s), maxDigits)
	}
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '*', r == '#':
		case r == '+' && dial && i == 0:
		default:
			return fmt.Errorf("character %q at %d: want 0-9, * or #%s", r, i+1, map[bool]string{true: " (and a leading +)"}[dial])
		}
	}
	return nil
}
