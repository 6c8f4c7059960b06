package phonebook

import "testing"

// TestFold: an all-ASCII text is folded by lower-casing A–Z only, a text
// of Latin-script letters from the per-letter table, exactly as the
// general (NFD) path folds them; a text with a letter beyond the table, a
// combining mark or an invalid byte goes the general way.
func TestFold(t *testing.T) {
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
		{name: "Bosnian name", in: "Amra Ali Anić", want: "amra ali anic"},
		{name: "German", in: "Jürgen Weiß-Müller", want: "jurgen weiss-muller"},
		{name: "capitals with accents", in: "ÉMILE ÇELIK", want: "emile celik"},
		{name: "special Latin letters", in: "Łukasz Øster Þór", want: "lukasz oster thor"},
		{name: "Latin Extended-B (no canonical decomposition)", in: "Ǆenan", want: "ǆenan"},
		{name: "a combining mark (beyond the table)", in: "Rene\u0301e", want: "renee"},
		{name: "a letter beyond the table", in: "Ánh Nguyễn", want: "anh nguyen"},
		{name: "an invalid byte", in: "Anić\xff", want: "anic\ufffd"},
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

// TestFoldLatin: every letter below latinEnd (the per-letter table) is
// folded as the general path folds it, alone and beside others.
func TestFoldLatin(t *testing.T) {
	for r := rune(0x80); r < latinEnd; r++ {
		for _, s := range []string{string(r), "Ab" + string(r) + "Ć z", string(r) + string(r) + "é"} {
			if got, ref := Fold(s), foldUnicode(s); got != ref {
				t.Fatalf("Fold(%q) = %q, the general path gives %q", s, got, ref)
			}
		}
	}
}

// BenchmarkFoldLatin: folding a Latin-script name with accents.
func BenchmarkFoldLatin(b *testing.B) {
	for _, bc := range []struct {
		name string
		fold func(string) string
	}{
		{name: "Fold", fold: Fold},
		{name: "general", fold: foldUnicode},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bc.fold("Amra Ali Anić")
			}
		})
	}
}
