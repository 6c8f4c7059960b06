package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pbxagent/pbxagent/agent/client"
)

// connHelp is the connection paragraph of every admin group's usage.
const connHelp = `Every command takes --server URL (env PBXAGENT_SERVER, default http://127.0.0.1:8080)
and reads the admin token from PBXAGENT_TOKEN or --token-file FILE (env PBXAGENT_TOKEN_FILE).
Every command takes --json for machine-readable output; otherwise it prints a table or
one field a line.

Exit status: 0 done, 1 the daemon refused or failed, 2 bad usage.
`

// command is one admin command being run: its name, flags, connection
// and output mode.
type command struct {
	c      *cli
	name   string
	fs     *flagSet
	cn     *conn
	asJSON *bool
}

// newCommand returns a command with the connection flags and --json.
func (c *cli) newCommand(name, args, summary string) *command {
	fs := newFlagSet(name, args, summary, c.stderr)
	cmd := &command{c: c, name: name, fs: fs, cn: c.connFlags(fs)}
	cmd.asJSON = fs.Bool("json", false, "print JSON")
	return cmd
}

// start parses args (between min and max positional ones; max < 0:
// unbounded) and builds the client. When it fails, code is the exit code
// and cl is nil.
func (cmd *command) start(args []string, min, max int) (cl *client.Client, pos []string, code int) {
	pos, err := cmd.fs.parseExact(args, min, max)
	if err != nil {
		return nil, nil, cmd.c.fail(cmd.name, err)
	}
	cl, err = cmd.c.client(cmd.cn)
	if err != nil {
		return nil, nil, cmd.c.fail(cmd.name, err)
	}
	return cl, pos, exitOK
}

// fail prints err and returns the exit code.
func (cmd *command) fail(err error) int { return cmd.c.fail(cmd.name, err) }

// out prints v as JSON with --json, else runs text.
func (cmd *command) out(v any, text func(w io.Writer) error) int {
	if *cmd.asJSON {
		return cmd.c.printJSON(cmd.name, v)
	}
	if err := text(cmd.c.stdout); err != nil {
		return cmd.fail(err)
	}
	return exitOK
}

// table writes an aligned table: a header and rows, cells cleaned.
func table(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, v := range r {
			cells[i] = cleanLine(v)
			if cells[i] == "" {
				cells[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

// fieldLines writes "Name:  value" lines, skipping empty values.
func fieldLines(w io.Writer, kv [][2]string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range kv {
		if f[1] != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", f[0], cleanLine(f[1]))
		}
	}
	return tw.Flush()
}

// when formats a time for a table ("" when zero).
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format(time.DateTime)
}

// setFlag is a repeatable KEY=VALUE flag building a JSON object: a dotted
// key nests (settings.url=…), and a value that is JSON (a number, true,
// false, null, an array or an object) is sent as such, anything else as a
// string; KEY:=VALUE forces JSON and KEY=VALUE with a quoted "VALUE" forces
// a string.
type setFlag struct{ doc map[string]any }

func (s *setFlag) String() string { return "" }

// Set adds one KEY=VALUE.
func (s *setFlag) Set(v string) error {
	key, val, ok := strings.Cut(v, "=")
	if !ok || strings.TrimSpace(key) == "" {
		return fmt.Errorf("%q: want KEY=VALUE", v)
	}
	forceJSON := strings.HasSuffix(key, ":")
	key = strings.TrimSuffix(strings.TrimSpace(key), ":")
	var value any = val
	var decoded any
	if err := json.Unmarshal([]byte(val), &decoded); err == nil {
		value = decoded
	} else if forceJSON {
		return fmt.Errorf("%s: %q is not JSON", key, val)
	}
	if s.doc == nil {
		s.doc = map[string]any{}
	}
	m := s.doc
	parts := strings.Split(key, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = value
	return nil
}

// bodyFlags are --from FILE (a JSON object, "-" for stdin) and --set
// KEY=VALUE, merged (--set wins) into the request body.
type bodyFlags struct {
	from string
	set  setFlag
}

func addBodyFlags(fs *flagSet) *bodyFlags {
	b := &bodyFlags{}
	fs.StringVar(&b.from, "from", "", "read the JSON object to send from `FILE` (- for stdin)")
	fs.Var(&b.set, "set", "set a field, `KEY=VALUE` (dotted keys nest: settings.url=https://…; JSON values such as 24 or true are sent as JSON); repeatable")
	return b
}

// document returns the body: --from's object with --set applied over it,
// then extra (the command's own flags) over both.
func (b *bodyFlags) document(c *cli, extra map[string]any) (map[string]any, error) {
	doc := map[string]any{}
	if b.from != "" {
		var r io.Reader = c.stdin
		if b.from != "-" {
			f, err := os.Open(b.from)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			r = f
		}
		dec := json.NewDecoder(io.LimitReader(r, 16<<20))
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("--from %s: not a JSON object: %w", b.from, err)
		}
	}
	merge(doc, b.set.doc)
	merge(doc, extra)
	return doc, nil
}

// merge copies src into dst, merging nested objects.
func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// given returns the values of the flags the user set, by JSON key.
func given(fs *flagSet, byFlag map[string]func() any) map[string]any {
	out := map[string]any{}
	fs.Visit(func(f *flag.Flag) {
		if get, ok := byFlag[f.Name]; ok {
			out[jsonKey(f.Name)] = get()
		}
	})
	return out
}

// jsonKey turns a flag name into its API field name ("redirect-uri" →
// "redirect_uri").
func jsonKey(flagName string) string { return strings.ReplaceAll(flagName, "-", "_") }

// confirmOrYes asks question unless yes; it refuses when stdin is not a
// terminal. ok false means code is the exit code.
func (cmd *command) confirmOrYes(ctx context.Context, yes bool, question string) (code int, ok bool) {
	if yes {
		return exitOK, true
	}
	c := cmd.c
	if !c.isTerminal(c.stdin) {
		return cmd.fail(usagef("refusing without confirmation: stdin is not a terminal; pass --yes")), false
	}
	answer, err := c.confirm(ctx, question)
	if err != nil {
		return cmd.fail(err), false
	}
	if !answer {
		fmt.Fprintln(c.stderr, "nothing changed")
		return exitError, false
	}
	return exitOK, true
}
