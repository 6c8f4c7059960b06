package callerid

import (
	"fmt"
	"strings"
)

// OverwritePolicy says when a looked-up name may replace the name a call already carries.
type OverwritePolicy int

const (
	// OverwriteWeak (default) replaces only an empty name, "unknown", or a name equal to the number.
	OverwriteWeak OverwritePolicy = iota
	// OverwriteAlways replaces any name.
	OverwriteAlways
	// OverwriteNever never replaces a non-empty name (an empty one is still filled).
	OverwriteNever
)

// String returns the policy's configuration name.
func (p OverwritePolicy) String() string {
	switch p {
	case OverwriteAlways:
		return "always"
	case OverwriteNever:
		return "never"
	default:
		return "weak"
	}
}

// ParseOverwritePolicy reads "weak" (or ""), "always" or "never".
func ParseOverwritePolicy(s string) (OverwritePolicy, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "weak", "default":
		return OverwriteWeak, nil
	case "always":
		return OverwriteAlways, nil
	case "never":
		return OverwriteNever, nil
	}
	return OverwriteWeak, fmt.Errorf("overwrite policy %q: want weak, always or never", s)
}

// ShouldOverwrite reports whether a call whose current caller name is currentName and whose
// number is number should get the looked-up name under policy. Asterisk reports an empty
// name as "unknown" (observed on Asterisk 22.10.1: agi_calleridname: unknown; Asterisk
// res/res_agi.c setup_env), so that counts as empty; a name that merely repeats the number
// (ignoring blanks and visual separators) is no name either.
func ShouldOverwrite(currentName, number string, policy OverwritePolicy) bool {
	name := strings.TrimSpace(currentName)
	if name == "" {
		return true
	}
	switch policy {
	case OverwriteAlways:
		return true
	case OverwriteNever:
		return false
	}
	if strings.EqualFold(name, "unknown") {
		return true
	}
	return sameDigits(name, number)
}

// sameDigits compares two strings after dropping blanks and the separators - . ( ) /.
func sameDigits(a, b string) bool {
	a, b = stripSeparators(a), stripSeparators(b)
	return a != "" && a == b
}

func stripSeparators(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, " -.()/\u00a0\t") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case ' ', '-', '.', '(', ')', '/', '\u00a0', '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
