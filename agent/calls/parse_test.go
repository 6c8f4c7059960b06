package calls

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDigits(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "0123456789*#", want: "0123456789*#"},
		{in: "abcdABCD", want: "ABCDABCD"},
		{in: "", bad: true},
		{in: "1e", bad: true},
		{in: "1 2", bad: true},
		{in: strings.Repeat("1", MaxDigits+1), bad: true},
	}
	for _, tt := range tests {
		got, err := ParseDigits(tt.in)
		if tt.bad != (err != nil) || (!tt.bad && got != tt.want) {
			t.Errorf("%q: %q %v, want %q bad=%v", tt.in, got, err, tt.want, tt.bad)
		}
		if err != nil && !errors.Is(err, ErrBadDigits) {
			t.Errorf("%q: %v is not ErrBadDigits", tt.in, err)
		}
	}
}

func TestParseDestination(t *testing.T) {
	tests := []struct {
		in  string
		bad bool
	}{
		{in: "+41441234567"},
		{in: "101"},
		{in: "*97"},
		{in: "alice.smith"},
		{in: "", bad: true},
		{in: "101&PJSIP/666", bad: true},
		{in: "101@other-context", bad: true},
		{in: "1+1", bad: true},
		{in: "10 1", bad: true},
		{in: "1,2", bad: true},
		{in: strings.Repeat("1", MaxDestination+1), bad: true},
	}
	for _, tt := range tests {
		got, err := ParseDestination(tt.in)
		if tt.bad != (err != nil) || (!tt.bad && got != tt.in) {
			t.Errorf("%q: %q %v, want bad=%v", tt.in, got, err, tt.bad)
		}
		if err != nil && !errors.Is(err, ErrBadDestination) {
			t.Errorf("%q: %v is not ErrBadDestination", tt.in, err)
		}
	}
}

func FuzzParseDigits(f *testing.F) {
	for _, s := range []string{"", "123#", "abcd", "*0#", "1e", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseDigits(in)
		if err != nil {
			if !errors.Is(err, ErrBadDigits) {
				t.Fatalf("%q: %v", in, err)
			}
			return
		}
		if len(got) != len(in) || strings.Trim(got, "0123456789ABCD*#") != "" {
			t.Fatalf("%q -> %q: not a DTMF string", in, got)
		}
	})
}

func FuzzParseDestination(f *testing.F) {
	for _, s := range []string{"", "+41441234567", "101&PJSIP/x", "a@b", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseDestination(in)
		if err != nil {
			if !errors.Is(err, ErrBadDestination) {
				t.Fatalf("%q: %v", in, err)
			}
			return
		}
		if got != in || strings.ContainsAny(got, "/@&,;() \t\r\n|\"'$") {
			t.Fatalf("%q accepted: it could change the dial string", in)
		}
	})
}
