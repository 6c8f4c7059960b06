package main

import (
	"context"
	"fmt"
	"io"

	"github.com/pbxagent/pbxagent/agent/client"
)

// The shapes shared by the admin commands on a resource (campaigns,
// sources, phones, apps…): list, show, and delete with --yes, each with
// --json or a table.

// listSpec is a list command taking no arguments.
type listSpec[T any] struct {
	name, summary string
	// key names the items in the JSON answer: {"<key>":[…]}.
	key string
	// empty is the stderr line when there are none.
	empty  string
	header []string
	row    func(*T) []string
	fetch  func(*client.Client, context.Context) ([]T, error)
}

// runList runs a list command: the items as {"<key>":[…]} with --json,
// else a table.
func runList[T any](ctx context.Context, c *cli, args []string, s listSpec[T]) int {
	cmd := c.newCommand(s.name, "", s.summary)
	cl, _, code := cmd.start(args, 0, 0)
	if cl == nil {
		return code
	}
	items, err := s.fetch(cl, ctx)
	if err != nil {
		return cmd.fail(err)
	}
	return outRows(cmd, s.key, items, s.empty, s.header, s.row)
}

// outRows prints items as {"<key>":[…]} with --json, else as a table of
// header and row(item), or the line empty on stderr when there are none.
func outRows[T any](cmd *command, key string, items []T, empty string, header []string, row func(*T) []string) int {
	return cmd.out(map[string]any{key: items}, func(w io.Writer) error {
		if len(items) == 0 {
			fmt.Fprintln(cmd.c.stderr, empty)
			return nil
		}
		return tableOf(w, header, items, row)
	})
}

// tableOf writes items as a table of header and row(item).
func tableOf[T any](w io.Writer, header []string, items []T, row func(*T) []string) error {
	rows := make([][]string, len(items))
	for i := range items {
		rows[i] = row(&items[i])
	}
	return table(w, header, rows)
}

// runOne runs a command on one thing (a show, a rotation…) taking one
// argument (argName in the usage): get fetches (or changes) the thing,
// printed as JSON with --json, else by print.
func runOne[T any](ctx context.Context, c *cli, args []string, name, argName, summary string,
	get func(*client.Client, context.Context, string) (*T, error), print func(io.Writer, *T) error) int {
	cmd := c.newCommand(name, argName, summary)
	cl, pos, code := cmd.start(args, 1, 1)
	if cl == nil {
		return code
	}
	v, err := get(cl, ctx, pos[0])
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.out(v, func(w io.Writer) error { return print(w, v) })
}

// outLine prints v as JSON with --json, else one line made of format and
// a (cleaned by the caller).
func (cmd *command) outLine(v any, format string, a ...any) int {
	return cmd.out(v, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, format+"\n", a...)
		return err
	})
}

// yesFlag adds --yes ("<verb> without asking").
func (cmd *command) yesFlag(verb string) *bool {
	return cmd.fs.Bool("yes", false, verb+" without asking")
}

// removeOne asks question (unless yes is set; yes nil: never asks), runs
// remove, and prints {"<key>": id} with --json, else the line done.
func (cmd *command) removeOne(ctx context.Context, yes *bool, question, key, id string, remove func() error, done string) int {
	if yes != nil {
		if code, ok := cmd.confirmOrYes(ctx, *yes, question); !ok {
			return code
		}
	}
	if err := remove(); err != nil {
		return cmd.fail(err)
	}
	return cmd.outLine(map[string]any{key: id}, "%s", done)
}

// removeEach asks question (unless yes), then runs remove on each id in
// turn, printing done(id) after each one (stopping at the first failure);
// with --json it prints {"deleted":[ids]} at the end.
func (cmd *command) removeEach(ctx context.Context, yes bool, question string, ids []string, remove func(id string) error, done func(id string) string) int {
	if code, ok := cmd.confirmOrYes(ctx, yes, question); !ok {
		return code
	}
	for _, id := range ids {
		if err := remove(id); err != nil {
			return cmd.fail(err)
		}
		if !*cmd.asJSON {
			fmt.Fprintln(cmd.c.stdout, done(id))
		}
	}
	if *cmd.asJSON {
		return cmd.c.printJSON(cmd.name, map[string]any{"deleted": ids})
	}
	return exitOK
}

// outPage prints one page of a longer list: the page as JSON with --json,
// else a table of its items (or the line empty on stderr when there are
// none) followed on stderr by how to see more when the page does not reach
// total.
func outPage[T any](cmd *command, page any, items []T, offset, total int, noun, empty string, header []string, row func(*T) []string) int {
	return cmd.out(page, func(w io.Writer) error {
		if len(items) == 0 {
			fmt.Fprintln(cmd.c.stderr, empty)
			return nil
		}
		if err := tableOf(w, header, items, row); err != nil {
			return err
		}
		if shown := offset + len(items); shown < total {
			fmt.Fprintf(cmd.c.stderr, "%d of %d %s shown: --offset %d for more\n", len(items), total, noun, shown)
		}
		return nil
	})
}

// startWith starts a create or edit command: it parses args (exactly n
// positional ones), builds the client, then the request body with
// document. nothing, when not "", is the usage error of an empty body (an
// edit that changes nothing). When it fails, cl is nil and code is the
// exit code.
func (cmd *command) startWith(args []string, n int, document func() (map[string]any, error), nothing string) (cl *client.Client, pos []string, doc map[string]any, code int) {
	cl, pos, code = cmd.start(args, n, n)
	if cl == nil {
		return nil, nil, nil, code
	}
	doc, err := document()
	if err != nil {
		return nil, nil, nil, cmd.fail(err)
	}
	if nothing != "" && len(doc) == 0 {
		return nil, nil, nil, cmd.fail(usagef("%s", nothing))
	}
	return cl, pos, doc, exitOK
}

// bodyDocument is the document function of a command taking the body
// flags and its own flags (fields).
func (cmd *command) bodyDocument(body *bodyFlags, fields map[string]func() any) func() (map[string]any, error) {
	return func() (map[string]any, error) { return body.document(cmd.c, given(cmd.fs, fields)) }
}
