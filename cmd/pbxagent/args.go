package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// flagSet is a flag.FlagSet that also accepts flags after positional
// arguments ("contacts get ID --json"); "--" ends the flags.
type flagSet struct {
	*flag.FlagSet
	// args describes the positional arguments in the usage line.
	args string
}

func newFlagSet(name, args, summary string, stderr io.Writer) *flagSet {
	fs := &flagSet{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), args: args}
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s\n\n%s\n\nflags:\n", strings.TrimSpace("pbxagent "+name+" [flags] "+args), summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags anywhere in args and returns the positional ones.
// The error is flag.ErrHelp for -h, otherwise a *usageError (already
// printed by the flag package, so its message is empty).
func (fs *flagSet) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{}
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseExact parses args and checks the number of positional arguments
// is within [min, max] (max < 0: unbounded).
func (fs *flagSet) parseExact(args []string, min, max int) ([]string, error) {
	pos, err := fs.parse(args)
	if err != nil {
		return nil, err
	}
	if len(pos) < min || (max >= 0 && len(pos) > max) {
		want := fs.args
		if want == "" {
			want = "no arguments"
		}
		return nil, usagef("wrong arguments %q; want %s", pos, want)
	}
	return pos, nil
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ", ") }

// Set appends a value.
func (m *multiFlag) Set(s string) error {
	*m = append(*m, s)
	return nil
}

// clean makes text from the daemon safe to print on a terminal: control
// characters (escape sequences, carriage returns, tabs that would break a
// table) become spaces.
func clean(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' {
			return ' '
		}
		return r
	}, s)
}

// cleanLine is clean without newlines, for one table cell or line.
func cleanLine(s string) string {
	return strings.ReplaceAll(clean(s), "\n", " ")
}
