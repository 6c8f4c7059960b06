package oauth

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// maxScopeLen bounds a scope parameter.
const maxScopeLen = 1024

// ParseScope reads an OAuth2 scope parameter (RFC 6749 §3.3: names
// separated by spaces) into known app scopes, without duplicates, in the
// order of platform.AppScopes. An empty parameter gives an empty list; an
// unknown name is an error naming it.
func ParseScope(s string) ([]platform.Scope, error) {
	if len(s) > maxScopeLen {
		return nil, fmt.Errorf("scope: longer than %d bytes", maxScopeLen)
	}
	var seen []platform.Scope
	for name := range strings.SplitSeq(s, " ") {
		if name == "" {
			continue
		}
		sc := platform.Scope(name)
		if !slices.Contains(platform.AppScopes, sc) {
			return nil, fmt.Errorf("scope: unknown scope %q", truncate(name, 40))
		}
		if !slices.Contains(seen, sc) {
			seen = append(seen, sc)
		}
	}
	return sortScopes(seen), nil
}

// FormatScope writes scopes as a scope parameter.
func FormatScope(scopes []platform.Scope) string {
	var b strings.Builder
	for i, s := range scopes {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(s))
	}
	return b.String()
}

// parseScopeList checks a JSON list of scope names (the apps API), naming
// the field of the first wrong entry.
func parseScopeList(field string, names []string) ([]platform.Scope, *platform.FieldError) {
	var out []platform.Scope
	for i, n := range names {
		sc := platform.Scope(n)
		if !slices.Contains(platform.AppScopes, sc) {
			return nil, &platform.FieldError{Field: fmt.Sprintf("%s[%d]", field, i),
				Message: fmt.Sprintf("unknown scope %q; one of %s", truncate(n, 40), FormatScope(platform.AppScopes))}
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return sortScopes(out), nil
}

// sortScopes orders scopes as platform.AppScopes does.
func sortScopes(s []platform.Scope) []platform.Scope {
	slices.SortFunc(s, func(a, b platform.Scope) int {
		return slices.Index(platform.AppScopes, a) - slices.Index(platform.AppScopes, b)
	})
	return s
}

// subset reports whether every scope of a is in b.
func subset(a, b []platform.Scope) bool {
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}

// intersect returns the scopes of a also in b, in a's order.
func intersect(a, b []platform.Scope) []platform.Scope {
	out := make([]platform.Scope, 0, len(a))
	for _, s := range a {
		if slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

var errEmpty = errors.New("is empty")

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
