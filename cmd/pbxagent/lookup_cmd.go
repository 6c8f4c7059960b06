package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/pbxagent/pbxagent/agent/client"
	"github.com/pbxagent/pbxagent/phonebook"
)

func (c *cli) lookup(ctx context.Context, args []string) int {
	const cmd = "lookup"
	fs := newFlagSet(cmd, "NUMBER", "Ask the daemon who has NUMBER (any format: +387 61 111 111, 0038761111111, tel:…).\nExit code 1 when no contact matches.", c.stderr)
	cn := c.connFlags(fs)
	asJSON := fs.Bool("json", false, "print the daemon's answer as JSON (also on a miss)")
	pos, err := fs.parseExact(args, 1, -1)
	if err != nil {
		return c.fail(cmd, err)
	}
	// "lookup +387 61 111 111" without quotes means one number.
	number := strings.Join(pos, " ")
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	res, err := cl.Lookup(ctx, number)
	if err != nil {
		return c.fail(cmd, err)
	}
	if *asJSON {
		if code := c.printJSON(cmd, res); code != exitOK {
			return code
		}
	} else if res.Hit() {
		var about []string
		about = append(about, string(res.Match)+" match")
		if res.E164 != "" {
			about = append(about, res.E164)
		}
		about = append(about, "contact "+res.ContactID)
		if res.Source != "" {
			about = append(about, "source "+res.Source)
		}
		fmt.Fprintf(c.stdout, "%s  (%s)\n", cleanLine(res.Name), cleanLine(strings.Join(about, ", ")))
	} else {
		printMiss(c.stdout, res)
	}
	if !res.Hit() {
		return exitError
	}
	return exitOK
}

// printMiss says why a lookup named nobody; for an ambiguous number it
// lists the contacts that share it.
func printMiss(w io.Writer, res *client.LookupResult) {
	switch res.Match {
	case phonebook.MatchAmbiguous:
		fmt.Fprintf(w, "ambiguous: %d contacts have this number, so caller ID names none of them:\n", res.CandidatesTotal)
		for _, cd := range res.Candidates {
			fmt.Fprintf(w, "  %s  %s  (source %s)\n", cleanLine(cd.ContactID), cleanLine(cd.Name), cleanLine(cd.Source))
		}
		if more := res.CandidatesTotal - len(res.Candidates); more > 0 {
			fmt.Fprintf(w, "  … and %d more\n", more)
		}
	case phonebook.MatchSkipped:
		fmt.Fprintln(w, "no match (skipped): the number is empty, withheld or not a phone number")
	default:
		fmt.Fprintf(w, "no match (%s)\n", cleanLine(string(res.Match)))
	}
}
