package main

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/pbxagent/pbxagent/phonebook"
)

func TestFlagSetParseInterspersed(t *testing.T) {
	tests := []struct {
		args    []string
		pos     []string
		json    bool
		server  string
		wantErr bool
	}{
		{args: []string{"ID"}, pos: []string{"ID"}},
		{args: []string{"ID", "--json"}, pos: []string{"ID"}, json: true},
		{args: []string{"--json", "A", "--server", "http://x", "B"}, pos: []string{"A", "B"}, json: true, server: "http://x"},
		{args: []string{"A", "--", "--json", "-x"}, pos: []string{"A", "--json", "-x"}},
		{args: []string{"--", "-1805"}, pos: []string{"-1805"}},
		{args: []string{"+387", "61"}, pos: []string{"+387", "61"}},
		{args: []string{"A", "--nope"}, wantErr: true},
		{args: []string{"--server"}, wantErr: true},
		{args: nil, pos: nil},
	}
	for _, tc := range tests {
		fs := newFlagSet("t", "", "", io.Discard)
		j := fs.Bool("json", false, "")
		s := fs.String("server", "", "")
		pos, err := fs.parse(tc.args)
		if (err != nil) != tc.wantErr {
			t.Fatalf("%q: err %v", tc.args, err)
		}
		if err != nil {
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("%q: %T is not a usage error", tc.args, err)
			}
			continue
		}
		if !slices.Equal(pos, tc.pos) || *j != tc.json || *s != tc.server {
			t.Fatalf("%q: pos %q json %v server %q", tc.args, pos, *j, *s)
		}
	}
	fs := newFlagSet("t", "", "", io.Discard)
	if _, err := fs.parse([]string{"-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
}

func TestParseNumberFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    phonebook.Number
		wantErr string
	}{
		{in: "mobile:+387 61 111 111", want: phonebook.Number{Type: "mobile", Value: "+387 61 111 111"}},
		{in: "WORK: 033 123", want: phonebook.Number{Type: "work", Value: "033 123"}},
		{in: "Fax:1", want: phonebook.Number{Type: "fax", Value: "1"}},
		{in: "+38761111111", want: phonebook.Number{Type: "work", Value: "+38761111111"}},
		{in: "tel:+387-61", want: phonebook.Number{Type: "work", Value: "tel:+387-61"}},
		{in: "1805", want: phonebook.Number{Type: "work", Value: "1805"}},
		{in: "mobil:061", wantErr: `unknown type "mobil"`},
		{in: "home:", wantErr: "no number"},
		{in: " ", wantErr: "empty"},
	}
	for _, tc := range tests {
		got, err := parseNumberFlag(tc.in)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v %v, want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseEmailFlag(t *testing.T) {
	tests := map[string]phonebook.Email{
		"a@b.c":           {Address: "a@b.c"},
		"work:a@b.c":      {Label: "work", Address: "a@b.c"},
		" home : a@b.c ":  {Label: "home", Address: "a@b.c"},
		"mailto:a@b.c":    {Address: "a@b.c"},
		"a@b.c:weird":     {Address: "a@b.c:weird"},
		"private:x:y@b.c": {Label: "private", Address: "x:y@b.c"},
	}
	for in, want := range tests {
		if got := parseEmailFlag(in); got != want {
			t.Errorf("%q: %+v, want %+v", in, got, want)
		}
	}
}

func TestClean(t *testing.T) {
	tests := map[string]string{
		"Jürgen Müller":          "Jürgen Müller",
		"evil\x1b[2Jname":        "evil [2Jname",
		"tab\there\r":            "tab here ",
		"two\nlines":             "two\nlines",
		"\u0085next-line\u009b1": " next-line 1",
	}
	for in, want := range tests {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := cleanLine("a\nb"); got != "a b" {
		t.Errorf("cleanLine: %q", got)
	}
}

func FuzzParseNumberFlag(f *testing.F) {
	for _, s := range []string{"mobile:+387 61", "tel:+1", "x:1", ":", "home:", "1805", "wOrK:1:2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseNumberFlag(s)
		if err != nil {
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("%q: %T", s, err)
			}
			return
		}
		if _, ok := phonebook.ParseNumberType(string(n.Type)); !ok || n.Value == "" {
			t.Fatalf("%q: %+v", s, n)
		}
	})
}

func FuzzRenderProgress(f *testing.F) {
	f.Add(int64(5), int64(10), 80)
	f.Add(int64(0), int64(0), 0)
	f.Add(int64(-3), int64(7), 3)
	f.Fuzz(func(t *testing.T, done, total int64, width int) {
		if width > 1000 {
			width = 1000
		}
		if total > 1<<50 || done > 1<<50 || done < -(1<<50) { // keep done*bar far from overflow
			return
		}
		line := renderProgress(done, total, width)
		w := width
		if w <= 0 {
			w = defaultWidth
		}
		if n := len([]rune(line)); n > max(w-1, 0) {
			t.Fatalf("(%d,%d,%d): %q is %d columns", done, total, width, line, n)
		}
	})
}
