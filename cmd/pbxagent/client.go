package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/pbxagent/pbxagent/agent"
	"github.com/pbxagent/pbxagent/agent/client"
)

// Environment variables of the client commands.
const (
	envServer    = "PBXAGENT_SERVER"
	envToken     = "PBXAGENT_TOKEN"
	envTokenFile = "PBXAGENT_TOKEN_FILE"
)

// Exit codes of the client commands.
const (
	exitOK    = 0
	exitError = 1 // the daemon refused, a lookup missed, I/O failed
	exitUsage = 2 // bad flags or arguments
)

// cli runs one client command. Everything it touches comes in through
// its fields, so tests drive it without a process or a terminal.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	environ        []string
	// isTerminal reports whether a stream (stdin, stdout) is a terminal.
	isTerminal func(any) bool
	// termWidth returns the columns of the terminal behind a stream
	// (0 when unknown).
	termWidth func(any) int
	// readPassword reads a line from the terminal behind a stream
	// without echo.
	readPassword func(ctx context.Context, stream any) ([]byte, error)
}

// runClient runs a client subcommand against a running daemon; ok is false
// when args[0] is not one.
func runClient(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) (code int, ok bool) {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, environ: environ, isTerminal: fileIsTerminal, termWidth: fileTermWidth,
		readPassword: fileReadPassword}
	return c.run(ctx, args)
}

func (c *cli) run(ctx context.Context, args []string) (code int, ok bool) {
	if len(args) == 0 {
		return 0, false
	}
	switch args[0] {
	case "contacts":
		return c.contacts(ctx, args[1:]), true
	case "users":
		return c.users(ctx, args[1:]), true
	case "phones":
		return c.phones(ctx, args[1:]), true
	case "sources":
		return c.sources(ctx, args[1:]), true
	case "campaigns":
		return c.campaigns(ctx, args[1:]), true
	case "apps":
		return c.apps(ctx, args[1:]), true
	case "lookup":
		return c.lookup(ctx, args[1:]), true
	}
	return 0, false
}

const contactsUsage = `usage: pbxagent contacts <command> [flags]

commands:
  list [QUERY]        search contacts (table, or --json; --all follows pages)
  get ID              show one contact
  add                 create a contact from flags or --json FILE|-
  edit ID             change fields of a contact (flags or a JSON merge patch)
  delete ID...        delete contacts
  import FILE         upload a CSV (--replace, the default, or --merge; --yes)
  export              download the global contacts as CSV (-o FILE, --source csv)
  template            download a CSV template (-o FILE)

Every command takes --server URL (env PBXAGENT_SERVER, default http://127.0.0.1:8080)
and reads the admin token from PBXAGENT_TOKEN or --token-file FILE (env PBXAGENT_TOKEN_FILE),
e.g. the daemon's data/admin.token. Run "pbxagent contacts <command> -h" for its flags.

Exit status: 0 done, 1 the daemon refused or failed (or a lookup found nothing), 2 bad usage.
`

func (c *cli) contacts(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "contacts", contactsUsage, map[string]func(context.Context, []string) int{
		"list": c.list, "get": c.get, "add": c.add, "edit": c.edit, "delete": c.del,
		"import": c.importCSV, "export": c.export, "template": c.template,
	}, args)
}

// conn holds the connection flags every client command takes.
type conn struct {
	server    string
	tokenFile string
}

func (c *cli) getenv(key string) string {
	v := ""
	for _, kv := range c.environ {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val // the last one wins, as with os.Getenv after setenv
		}
	}
	return v
}

// connFlags adds --server and --token-file to fs.
func (c *cli) connFlags(fs *flagSet) *conn {
	cn := &conn{}
	server := c.getenv(envServer)
	if server == "" {
		server = client.DefaultServer
	}
	fs.StringVar(&cn.server, "server", server, "daemon `URL` (env "+envServer+")")
	fs.StringVar(&cn.tokenFile, "token-file", c.getenv(envTokenFile), "`FILE` holding the admin token, e.g. data/admin.token (env "+envTokenFile+"; default: env "+envToken+")")
	return cn
}

// usageError is a bad command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

// client builds the API client: the token comes from --token-file when
// given, else from PBXAGENT_TOKEN. The token is never printed.
func (c *cli) client(cn *conn) (*client.Client, error) {
	token := c.getenv(envToken)
	if cn.tokenFile != "" {
		b, err := os.ReadFile(cn.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("token file: %w", err)
		}
		token = strings.TrimSpace(string(b))
		if token == "" {
			return nil, fmt.Errorf("token file %s is empty", cn.tokenFile)
		}
	}
	if token == "" {
		return nil, usagef("no admin token: set %s or pass --token-file FILE (the daemon writes data/%s on first start)", envToken, agent.AdminTokenFile)
	}
	cl, err := client.New(cn.server, client.WithToken(token), client.WithUserAgent("pbxagent-cli/"+agent.Version))
	if err != nil {
		return nil, &usageError{err.Error()}
	}
	return cl, nil
}

// fail prints err the way a user should see it and returns the exit code:
// the daemon's message with its details (fields, CSV lines) one per line,
// 2 for usage errors, 1 otherwise.
func (c *cli) fail(cmd string, err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if ue.msg != "" { // flag errors are printed by the flag package
			fmt.Fprintf(c.stderr, "pbxagent %s: %s\n", cmd, ue.msg)
		}
		return exitUsage
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(c.stderr, "pbxagent %s: interrupted\n", cmd)
		return exitError
	}
	var ae *client.APIError
	if !errors.As(err, &ae) {
		fmt.Fprintf(c.stderr, "pbxagent %s: %s\n", cmd, clean(err.Error()))
		return exitError
	}
	msg := ae.Message
	if msg == "" {
		msg = fmt.Sprintf("the daemon answered %d", ae.Status)
	}
	fmt.Fprintf(c.stderr, "pbxagent %s: %s\n", cmd, clean(msg))
	const maxShown = 50
	for i, p := range ae.Problems {
		if i == maxShown {
			fmt.Fprintf(c.stderr, "  … and %d more\n", len(ae.Problems)-maxShown+ae.MoreProblems)
			break
		}
		fmt.Fprintf(c.stderr, "  %s\n", clean(p.String()))
	}
	if ae.MoreProblems > 0 && len(ae.Problems) <= maxShown {
		fmt.Fprintf(c.stderr, "  … and %d more\n", ae.MoreProblems)
	}
	if ae.Status >= 500 && ae.RequestID != "" && !strings.Contains(msg, ae.RequestID) {
		fmt.Fprintf(c.stderr, "request id: %s (the daemon's log line of the request has the cause)\n", cleanLine(ae.RequestID))
	}
	switch {
	case errors.Is(err, client.ErrUnauthorized):
		fmt.Fprintf(c.stderr, "hint: set %s or --token-file (the daemon writes data/%s on first start)\n", envToken, agent.AdminTokenFile)
	case errors.Is(err, client.ErrBusy):
		fmt.Fprintln(c.stderr, "hint: the daemon is applying a bulk change; retry in a few seconds")
	}
	return exitError
}

// confirm asks a yes/no question on the terminal; the default is no.
// When ctx ends first (Ctrl-C) it returns ctx's error; the reading
// goroutine then ends with the next line or EOF on stdin, or with the
// process, which is about to exit.
func (c *cli) confirm(ctx context.Context, question string) (bool, error) {
	fmt.Fprintf(c.stderr, "%s [y/N] ", question)
	type answer struct {
		line string
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		line, err := bufio.NewReader(c.stdin).ReadString('\n')
		ch <- answer{line, err}
	}()
	var a answer
	select {
	case a = <-ch:
	case <-ctx.Done():
		fmt.Fprintln(c.stderr)
		return false, ctx.Err()
	}
	if a.err != nil && !errors.Is(a.err, io.EOF) {
		return false, fmt.Errorf("read answer: %w", a.err)
	}
	switch strings.ToLower(strings.TrimSpace(a.line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

func fileIsTerminal(s any) bool {
	f, ok := s.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func fileTermWidth(s any) int {
	f, ok := s.(*os.File)
	if !ok {
		return 0
	}
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// fileReadPassword reads a password from the terminal behind a stream
// without echo. When ctx ends first (Ctrl-C) it restores the terminal's
// echo and returns ctx's error; the reading goroutine then ends with the
// next line, or with the process, which is about to exit.
func fileReadPassword(ctx context.Context, s any) ([]byte, error) {
	f, ok := s.(*os.File)
	if !ok {
		return nil, errors.New("not a terminal")
	}
	fd := int(f.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return nil, err
	}
	type answer struct {
		b   []byte
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		ch <- answer{b, err}
	}()
	select {
	case a := <-ch:
		return a.b, a.err
	case <-ctx.Done():
		_ = term.Restore(fd, state)
		return nil, ctx.Err()
	}
}
