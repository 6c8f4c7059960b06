package main

import (
	"context"
	"fmt"
	"strings"
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
		fmt.Fprintf(c.stdout, "no match (%s)\n", cleanLine(string(res.Match)))
	}
	if !res.Hit() {
		return exitError
	}
	return exitOK
}
