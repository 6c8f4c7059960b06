package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"os"
	"strings"
)

// dispatch runs the subcommand args[0] of group ("contacts", "users") from
// cmds, printing usage for help and for an unknown or missing command.
func (c *cli) dispatch(ctx context.Context, group, usage string, cmds map[string]func(context.Context, []string) int, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usage)
		return exitUsage
	}
	if f, ok := cmds[args[0]]; ok {
		return f(ctx, args[1:])
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(c.stdout, usage)
		return exitOK
	}
	fmt.Fprintf(c.stderr, "pbxagent %s: unknown command %q\n\n%s", group, args[0], usage)
	return exitUsage
}

// streamJSON writes {"<key>":[…],"total":N} as the items arrive, one item
// a line; the total is the count written, exact even where the daemon's
// own count stops ("1000+").
func streamJSON[T any](c *cli, cmd, key string, items iter.Seq2[T, error]) int {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	total := 0
	fmt.Fprintf(c.stdout, "{%q:[", key)
	for it, err := range items {
		if err != nil {
			fmt.Fprintln(c.stdout, "]}")
			return c.fail(cmd, err)
		}
		buf.Reset()
		_ = enc.Encode(it) // a decoded item always encodes
		if total > 0 {
			fmt.Fprint(c.stdout, ",")
		}
		total++
		fmt.Fprint(c.stdout, "\n", strings.TrimSuffix(buf.String(), "\n"))
	}
	if _, err := fmt.Fprintf(c.stdout, "\n],\"total\":%d}\n", total); err != nil {
		return c.fail(cmd, err)
	}
	return exitOK
}

// rowTable is an aligned table of items of one kind.
type rowTable[T any] interface {
	row(T)
	Flush() error
}

// streamTable prints the items as a table opened at the first one (none:
// the line "no <noun> match" on stderr).
func streamTable[T any, W rowTable[T]](c *cli, cmd, noun string, items iter.Seq2[T, error], open func() W) int {
	var tw W
	rows := 0
	for it, err := range items {
		if err != nil {
			if rows > 0 {
				_ = tw.Flush()
			}
			return c.fail(cmd, err)
		}
		if rows == 0 {
			tw = open()
		}
		tw.row(it)
		rows++
	}
	if rows == 0 {
		fmt.Fprintf(c.stderr, "no %s match\n", noun)
		return exitOK
	}
	if err := tw.Flush(); err != nil {
		return c.fail(cmd, err)
	}
	return exitOK
}

// openUpload opens the file to upload ("-": stdin) and returns it with its
// size when known (0 otherwise) and a function that closes it.
func (c *cli) openUpload(name string) (body io.Reader, size int64, closeFn func(), err error) {
	if name == "-" {
		return c.stdin, 0, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, nil, fmt.Errorf("%s is a directory", name)
	}
	if st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, func() { f.Close() }, nil
}
