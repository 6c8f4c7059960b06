package phonebook

import "testing"

// TestFoldASCII: an all-ASCII text is folded by lower-casing A–Z only,
// exactly as the general (NFD) path folds it; anything else goes the
// general way.
func TestFoldASCII(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "lower ASCII kept", in: "walsh group", want: "walsh group"},
		{name: "capitals lowered", in: "Walsh Group", want: "walsh group"},
		{name: "punctuation and digits kept", in: "O'Brien-Smith 2ND, Ltd.", want: "o'brien-smith 2nd, ltd."},
		{name: "e-mail", in: "Dzenan.Basic1@Example.COM", want: "dzenan.basic1@example.com"},
		{name: "control bytes kept", in: "A\x00B\tC", want: "a\x00b\tc"},
		{name: "empty", in: "", want: ""},
		{name: "accents removed", in: "Renée Anić", want: "renee anic"},
		{name: "special letters", in: "Đurić Straße", want: "djuric strasse"},
		{name: "ASCII capitals beside a non-ASCII letter", in: "ANIĆ", want: "anic"},
		{name: "non-Latin lower-cased", in: "ΑΘΗΝΑ", want: "αθηνα"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Fold(tc.in); got != tc.want {
				t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got, ref := Fold(tc.in), foldUnicode(tc.in); got != ref {
				t.Errorf("Fold(%q) = %q, the general path gives %q", tc.in, got, ref)
			}
		})
	}
}

// FuzzFold: Fold (with its ASCII path) gives what the general path gives,
// for any input.
func FuzzFold(f *testing.F) {
	for _, s := range []string{"", "Walsh Group", "walsh", "Renée Anić", "ĐURIĆ", "A\x00Z", "\xff\xfeA", "O'Brien"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, ref := Fold(s), foldUnicode(s); got != ref {
			t.Errorf("Fold(%q) = %q, the general path gives %q", s, got, ref)
		}
	})
}

// foldNames is a mix of what an import folds: capitalised ASCII names,
// names with accents, companies and e-mail addresses.
var foldNames = []string{"Emir", "Walsh Group", "Renée", "Anić", "dzenan.basic1@example.com", "Weiß", "Smith", "\"Quoted\" Ltd", "Dženan", "Bašić"}

// BenchmarkFold: Fold over foldNames (the ASCII path against the general
// one: BenchmarkFoldUnicode).
func BenchmarkFold(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		_ = Fold(foldNames[i%len(foldNames)])
	}
}

// BenchmarkFoldUnicode: the general path over the same names.
func BenchmarkFoldUnicode(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		_ = foldUnicode(foldNames[i%len(foldNames)])
	}
}

// TestFoldLatin: the rune-by-rune path for text below U+0250 gives what
// the general path gives for every such rune, alone and beside ASCII,
// another Latin rune, a combining mark and another script (the last two
// take the general path).
func TestFoldLatin(t *testing.T) {
	for r := rune(0x80); r < 0x250; r++ {
		for _, s := range []string{
			string(r),
			"Ab" + string(r) + "Cd",
			string(r) + "ž" + string(r),
			string(r) + "\u0301",
			"\u0323" + string(r),
			string(r) + "Ω",
		} {
			if got, ref := Fold(s), foldUnicode(s); got != ref {
				t.Errorf("Fold(%q) = %q, the general path gives %q", s, got, ref)
			}
		}
	}
	for _, tc := range []struct{ in, want string }{
		{in: "Dženan Bašić", want: "dzenan basic"},
		{in: "Đorđe Čolić", want: "djordje colic"},
		{in: "Weiß Ærø", want: "weiss aero"},
	} {
		if got := Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
