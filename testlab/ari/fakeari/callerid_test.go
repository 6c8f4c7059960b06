package fakeari

import "testing"

func TestParseCallerID(t *testing.T) {
	tests := []struct{ in, name, num string }{
		{`"Acme Ltd" <+442070000000>`, "Acme Ltd", "+442070000000"},
		{`Acme <100>`, "Acme", "100"},
		{`<100>`, "", "100"},
		{`+44123`, "", "+44123"},
	}
	for _, tt := range tests {
		got := parseCallerID(tt.in)
		if got.Name != tt.name || got.Number != tt.num {
			t.Errorf("parseCallerID(%q) = %+v", tt.in, got)
		}
	}
}

func FuzzParseCallerID(f *testing.F) {
	f.Add(`"Acme" <100>`)
	f.Add(`100`)
	f.Add(`<>`)
	f.Fuzz(func(t *testing.T, s string) {
		c := parseCallerID(s)
		if len(c.Name)+len(c.Number) > len(s) {
			t.Fatalf("parse grew input: %q -> %+v", s, c)
		}
	})
}
