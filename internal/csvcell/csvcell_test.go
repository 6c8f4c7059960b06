package csvcell

import (
	"slices"
	"strings"
	"testing"
)

func TestGuard(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{name: "empty", in: "", want: ""},
		{name: "digits", in: "101", want: "101"},
		{name: "international number", in: "+41441234567", want: "+41441234567"},
		{name: "negative amount", in: "-1.5000", want: "-1.5000"},
		{name: "negative integer", in: "-2", want: "-2"},
		{name: "number with a space", in: "+41 44", want: "'+41 44"},
		{name: "plus alone", in: "+", want: "'+"},
		{name: "minus alone", in: "-", want: "'-"},
		{name: "sum", in: "=1+1", want: "'=1+1"},
		{name: "signed formula", in: "+1+cmd|' /C calc'!A0", want: "'+1+cmd|' /C calc'!A0"},
		{name: "hyperlink", in: `=HYPERLINK("x")`, want: `'=HYPERLINK("x")`},
		{name: "at", in: "@SUM(1)", want: "'@SUM(1)"},
		{name: "tab", in: "\tx", want: "'\tx"},
		{name: "carriage return", in: "\rx", want: "'\rx"},
		{name: "quote before text", in: "'t Hooft", want: "'t Hooft"},
		{name: "formula later on", in: "a=1", want: "a=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Guard(tc.in); got != tc.want {
				t.Errorf("Guard(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestGuardRow(t *testing.T) {
	row := []string{"=x", "101", "+44"}
	got := GuardRow(row)
	if want := []string{"'=x", "101", "+44"}; !slices.Equal(got, want) || !slices.Equal(row, want) {
		t.Fatalf("GuardRow = %q (row %q), want %q in place", got, row, want)
	}
}

// FuzzGuard: a guarded cell never starts a formula unless it is a plain
// signed number, and the guard only ever adds one leading quote.
func FuzzGuard(f *testing.F) {
	for _, s := range []string{"", "=1+1", "+41441234567", "-1.5", "@x", "\t", "'t", "+"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		g := Guard(v)
		if g != v && g != "'"+v {
			t.Fatalf("Guard(%q) = %q: more than one quote added", v, g)
		}
		if g != "" && strings.ContainsRune("=@\t\r", rune(g[0])) {
			t.Fatalf("Guard(%q) = %q starts a formula", v, g)
		}
		if g != "" && (g[0] == '+' || g[0] == '-') && strings.Trim(g[1:], "0123456789.") != "" {
			t.Fatalf("Guard(%q) = %q starts a formula", v, g)
		}
	})
}
