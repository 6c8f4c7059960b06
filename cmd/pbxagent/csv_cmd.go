package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pbxagent/pbxagent/agent/api"
	"github.com/pbxagent/pbxagent/agent/client"
)

// confirmReplace is the question asked before a replacing import, the
// daemon's own wording.
const confirmReplace = api.ConfirmReplaceMessage

// maxWarningsShown bounds the import warnings printed.
const maxWarningsShown = 50

func (c *cli) importCSV(ctx context.Context, args []string) int {
	const cmd = "contacts import"
	fs := newFlagSet(cmd, "FILE", "Upload a CSV (Central Phone Book, Google or Outlook; - reads stdin). The daemon checks it whole\nand applies it all or nothing. --replace (the default) deletes CSV contacts the file lacks\nand asks first; --merge only creates and updates.", c.stderr)
	cn := c.connFlags(fs)
	replace := fs.Bool("replace", false, "make the CSV contacts equal to the file (default)")
	merge := fs.Bool("merge", false, "create and update only; delete nothing")
	yes := fs.Bool("yes", false, "replace without asking")
	asJSON := fs.Bool("json", false, "print the daemon's summary as JSON")
	pos, err := fs.parseExact(args, 1, 1)
	if err != nil {
		return c.fail(cmd, err)
	}
	if *replace && *merge {
		return c.fail(cmd, usagef("--replace and --merge exclude each other"))
	}
	name := pos[0]
	opts := client.ImportOptions{Mode: client.ImportReplace}
	if *merge {
		opts.Mode = client.ImportMerge
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	body, size, closeFn, err := c.openUpload(name)
	if err != nil {
		return c.fail(cmd, err)
	}
	defer closeFn()
	opts.Size = size
	if opts.Mode == client.ImportReplace {
		if !*yes {
			switch {
			case name == "-":
				return c.fail(cmd, usagef("stdin holds the file, so it cannot answer: pass --yes to replace, or --merge"))
			case !c.isTerminal(c.stdin):
				return c.fail(cmd, usagef("refusing to replace without confirmation: stdin is not a terminal; pass --yes to replace, or --merge"))
			}
			ok, err := c.confirm(ctx, confirmReplace)
			if err != nil {
				return c.fail(cmd, err)
			}
			if !ok {
				fmt.Fprintln(c.stderr, "import cancelled; nothing changed")
				return exitError
			}
		}
		opts.Confirm = true
	}
	var bar *progressReader
	if c.isTerminal(c.stdout) {
		width := c.termWidth(c.stderr)
		if width <= 0 {
			width = c.termWidth(c.stdout)
		}
		bar = &progressReader{r: body, w: c.stderr, total: opts.Size, width: width}
		body = bar
		opts.Progress = bar.status
	}
	res, err := cl.ImportCSV(ctx, body, opts)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		code := c.fail(cmd, err)
		if errors.Is(err, client.ErrConfirmRequired) {
			fmt.Fprintln(c.stderr, "hint: pass --yes to replace, or --merge")
		}
		return code
	}
	if *asJSON {
		return c.printJSON(cmd, res)
	}
	label := name
	if name == "-" {
		label = "stdin"
	}
	fmt.Fprintf(c.stdout, "imported %s (%s, %s): %d rows, %d created, %d updated, %d unchanged, %d deleted\n",
		cleanLine(label), cleanLine(res.Format), cleanLine(res.Mode), res.Rows, res.Created, res.Updated, res.Unchanged, res.Deleted)
	if res.Format != "central-phone-book" && res.FormatDescription != "" {
		fmt.Fprintf(c.stderr, "format: %s\n", cleanLine(res.FormatDescription))
	}
	for _, sc := range res.SkippedColumns {
		fmt.Fprintf(c.stderr, "skipped column %d %q: %d values not imported (no contact field has that name)\n", sc.Column, cleanLine(sc.Name), sc.Cells)
	}
	for i, w := range res.Warnings {
		if i == maxWarningsShown {
			fmt.Fprintf(c.stderr, "… and %d more warnings (--json lists the first %d)\n", max(res.WarningsTotal, len(res.Warnings))-maxWarningsShown, len(res.Warnings))
			break
		}
		fmt.Fprintf(c.stderr, "warning: %s\n", cleanLine(w.String()))
	}
	return exitOK
}

func (c *cli) export(ctx context.Context, args []string) int {
	var source string
	return c.download(ctx, args, "contacts export", "Download the global contacts as Central Phone Book CSV.",
		func(fs *flagSet) {
			fs.StringVar(&source, "source", "", "only the contacts of this `SOURCE`: csv gives the CSV-managed book, the file to edit and import again with --replace (the whole book also holds local and synced contacts, which an import would add as CSV copies)")
		},
		func(cl *client.Client, ctx context.Context, w io.Writer) (int64, error) {
			return cl.ExportCSV(ctx, w, source)
		})
}

func (c *cli) template(ctx context.Context, args []string) int {
	return c.download(ctx, args, "contacts template", "Download a CSV template to fill in and import.", nil, (*client.Client).TemplateCSV)
}

// download streams a CSV to stdout or, with -o, to a file that appears
// only when the transfer completed; flags, when set, adds the command's
// own flags.
func (c *cli) download(ctx context.Context, args []string, cmd, summary string, flags func(*flagSet), get func(*client.Client, context.Context, io.Writer) (int64, error)) int {
	fs := newFlagSet(cmd, "", summary, c.stderr)
	cn := c.connFlags(fs)
	out := fs.String("o", "", "write to `FILE` instead of stdout (replaced only after a complete download)")
	if flags != nil {
		flags(fs)
	}
	if _, err := fs.parseExact(args, 0, 0); err != nil {
		return c.fail(cmd, err)
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	if *out == "" || *out == "-" {
		if _, err := get(cl, ctx, c.stdout); err != nil {
			return c.fail(cmd, err)
		}
		return exitOK
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*.tmp")
	if err != nil {
		return c.fail(cmd, err)
	}
	n, err := get(cl, ctx, tmp)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), *out)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return c.fail(cmd, err)
	}
	fmt.Fprintf(c.stderr, "wrote %s (%s)\n", *out, formatBytes(n))
	return exitOK
}
