package phones

import (
	"strings"
	"testing"
)

// FuzzParseEndpoint: whatever the input, an accepted endpoint is
// TECHNOLOGY/resource with an upper-case technology, parses to itself
// again, and carries no space, control character or second '/'.
func FuzzParseEndpoint(f *testing.F) {
	for _, s := range []string{"PJSIP/101", "pjsip/101", " SIP/lobby ", "PJSIP/", "/101", "PJSIP/1/2", "PJ SIP/1", "PJSIP/1 0", "PJSIP/\x00", "IAX2/trunk-ä"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ep, ok := parseEndpoint(s)
		if !ok {
			return
		}
		tech, res, _ := strings.Cut(ep, "/")
		if tech == "" || res == "" || tech != strings.ToUpper(tech) || strings.ContainsAny(res, "/ \t\r\n") || len(ep) > maxEndpointLen {
			t.Fatalf("%q parsed to %q", s, ep)
		}
		if again, ok := parseEndpoint(ep); !ok || again != ep {
			t.Fatalf("%q → %q → %q %v", s, ep, again, ok)
		}
	})
}
