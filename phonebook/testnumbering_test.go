package phonebook

import "strings"

// testNumbering is a small stand-in for phonebook/number in this package's
// tests (that package imports this one): region BA, extensions up to 6
// digits, national numbers with trunk prefix 0.
type testNumbering struct{}

func (testNumbering) clean(raw string) string {
	raw = strings.TrimPrefix(strings.TrimPrefix(raw, "tel:"), "sip:")
	if i := strings.IndexAny(raw, "@;"); i >= 0 {
		raw = raw[:i]
	}
	var b strings.Builder
	for i, r := range raw {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (t testNumbering) e164(c string) string {
	switch {
	case strings.HasPrefix(c, "+"):
		return c
	case strings.HasPrefix(c, "00"):
		return "+" + c[2:]
	case strings.HasPrefix(c, "0"):
		return "+387" + c[1:]
	}
	return "+387" + c
}

func (t testNumbering) Index(raw string) (string, []string) {
	c := t.clean(raw)
	if c == "" {
		return "", nil
	}
	if !strings.HasPrefix(c, "+") && len(c) <= 6 {
		return c, []string{"ext:" + c}
	}
	e := t.e164(c)
	return e, []string{"x:" + c, "e164:" + e}
}

func (t testNumbering) Probe(raw string) ([]ProbeLevel, string, bool) {
	switch strings.ToLower(raw) {
	case "", "anonymous", "restricted", "unknown":
		return nil, "", true
	}
	c := t.clean(raw)
	if c == "" {
		return nil, "", true
	}
	if !strings.HasPrefix(c, "+") && len(c) <= 6 {
		return []ProbeLevel{{MatchExtension, []string{"ext:" + c}}}, "", false
	}
	e := t.e164(c)
	return []ProbeLevel{{MatchExact, []string{"x:" + c}}, {MatchE164, []string{"e164:" + e}}}, e, false
}
