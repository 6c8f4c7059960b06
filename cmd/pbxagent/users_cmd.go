package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pbxagent/pbxagent/agent/client"
	"github.com/pbxagent/pbxagent/agent/users"
)

const usersUsage = `usage: pbxagent users <command> [flags]

commands:
  list [QUERY]            search users by username, name, e-mail, extension or endpoint
                          (table, or --json; --all follows pages)
  get ID|USERNAME         show one user
  add --username NAME     create a user (--display-name, --email, --role, --extensions…)
  set ID|USERNAME         change fields of a user; an empty value (--email "") clears a field
  delete ID|USERNAME...   delete users and end their sessions (asks, or --yes)
  import FILE.csv         create users from a CSV, all or none (- reads stdin)
  import-endpoints        create a user for each numeric Asterisk endpoint no user has
  passwd ID|USERNAME      set a user's password (asked on the terminal, else read from stdin)

Every command takes --server URL (env PBXAGENT_SERVER, default http://127.0.0.1:8080)
and reads the admin token from PBXAGENT_TOKEN or --token-file FILE (env PBXAGENT_TOKEN_FILE).
Run "pbxagent users <command> -h" for its flags.

Exit status: 0 done, 1 the daemon refused or failed (or an answer was no), 2 bad usage.
`

func (c *cli) users(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "users", usersUsage, map[string]func(context.Context, []string) int{
		"list": c.usersList, "get": c.usersGet, "add": c.usersAdd, "set": c.usersSet, "delete": c.usersDelete,
		"import": c.usersImport, "import-endpoints": c.usersImportEndpoints, "passwd": c.usersPasswd,
	}, args)
}

func (c *cli) usersList(ctx context.Context, args []string) int {
	const cmd = "users list"
	fs := newFlagSet(cmd, "[QUERY]", "Search users by username, display name, e-mail, extension or endpoint (any case);\nall users without QUERY. Sorted by username.", c.stderr)
	cn := c.connFlags(fs)
	var q client.UserQuery
	fs.StringVar(&q.Q, "q", "", "search text (same as QUERY)")
	fs.IntVar(&q.Limit, "limit", 0, fmt.Sprintf("page size, 1–%d (daemon default %d)", users.MaxPageSize, users.DefaultPageSize))
	fs.StringVar(&q.Cursor, "cursor", "", "continue from a previous page's next cursor")
	all := fs.Bool("all", false, "follow cursors and list every match")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	pos, err := fs.parse(args)
	if err != nil {
		return c.fail(cmd, err)
	}
	if len(pos) > 0 {
		if q.Q != "" {
			return c.fail(cmd, usagef("give the query as -q or as arguments, not both"))
		}
		q.Q = strings.Join(pos, " ")
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	if !*all {
		page, err := cl.SearchUsers(ctx, q)
		if err != nil {
			return c.fail(cmd, err)
		}
		if *asJSON {
			return c.printJSON(cmd, page)
		}
		if len(page.Users) == 0 {
			fmt.Fprintln(c.stderr, "no users match")
			return exitOK
		}
		tw := newUserTable(c.stdout)
		for i := range page.Users {
			tw.row(&page.Users[i])
		}
		if err := tw.Flush(); err != nil {
			return c.fail(cmd, err)
		}
		if page.NextCursor != "" {
			fmt.Fprintf(c.stderr, "%d of %d users; next page: --cursor %s (or --all)\n", len(page.Users), page.Total, cleanLine(page.NextCursor))
		}
		return exitOK
	}
	found := cl.AllUsers(ctx, q, nil)
	if *asJSON {
		return streamJSON(c, cmd, "users", found)
	}
	return streamTable(c, cmd, "users", found, func() userTable { return newUserTable(c.stdout) })
}

// userTable prints users as an aligned table.
type userTable struct{ *tabwriter.Writer }

func newUserTable(w io.Writer) userTable {
	tw := userTable{tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tROLE\tEXTENSIONS\tENDPOINTS\tSTATUS")
	return tw
}

func (t userTable) row(u *client.User) {
	fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", cleanLine(u.ID), cleanLine(u.Username), cleanLine(u.DisplayName), cleanLine(string(u.Role)),
		cleanLine(strings.Join(u.Extensions, ",")), cleanLine(strings.Join(u.Devices.Endpoints, ",")), userStatus(u))
}

// userStatus says whether the user can sign in.
func userStatus(u *client.User) string {
	switch {
	case u.Disabled:
		return "disabled"
	case !u.HasPassword:
		return "no password"
	}
	return "active"
}

func (c *cli) usersGet(ctx context.Context, args []string) int {
	return runOne(ctx, c, args, "users get", "ID|USERNAME", "Show one user, by id or by username (any case).",
		(*client.Client).FindUser, printUser)
}

// printUser writes the user's fields, one a line.
func printUser(w io.Writer, u *client.User) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	field := func(name, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", name, cleanLine(v))
		}
	}
	abilities := make([]string, len(u.Abilities))
	for i, a := range u.Abilities {
		abilities[i] = string(a)
	}
	field("ID", u.ID)
	field("Username", u.Username)
	field("Name", u.DisplayName)
	field("E-mail", u.Email)
	field("Language", u.Language)
	field("Role", string(u.Role))
	field("Abilities", strings.Join(abilities, ", "))
	field("Extensions", strings.Join(u.Extensions, ", "))
	field("Endpoints", strings.Join(u.Devices.Endpoints, ", "))
	field("Phones", strings.Join(u.Devices.Phones, ", "))
	field("Status", userStatus(u))
	if !u.CreatedAt.IsZero() {
		field("Created", u.CreatedAt.Format(time.DateTime+" MST"))
	}
	if !u.UpdatedAt.IsZero() {
		field("Updated", u.UpdatedAt.Format(time.DateTime+" MST"))
	}
	return tw.Flush()
}

// listFlag is a list flag: comma-separated items, repeatable; an empty
// value gives an empty list (set clears the field with it).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set appends the comma-separated items of s.
func (l *listFlag) Set(s string) error {
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			*l = append(*l, item)
		}
	}
	return nil
}

// userFlags are the flags of add and set.
type userFlags struct {
	strs     map[string]*string
	lists    map[string]*listFlag
	disabled *bool
}

// userStringFlags maps string flags to the API's JSON names.
var userStringFlags = []struct{ flag, key, usage string }{
	{"username", "username", "username that signs in (letters, digits and . _ - @ +)"},
	{"display-name", "display_name", "name shown to others (default: the username)"},
	{"email", "email", "e-mail address"},
	{"language", "language", "language tag, e.g. en or de-CH"},
	{"role", "role", "admin, supervisor or user (default user)"},
}

// userListFlags maps list flags to the API's JSON path (devices.… for
// devices).
var userListFlags = []struct{ flag, key, usage string }{
	{"extensions", "extensions", "extensions the user is reached at, `LIST` like 101,1101"},
	{"endpoints", "devices.endpoints", "Asterisk endpoints that ring for the user, `LIST` like PJSIP/101"},
	{"phones", "devices.phones", "desk phones by MAC address, `LIST`"},
	{"abilities", "abilities", "rights on top of the role, `LIST` of " + abilityNames()},
}

func abilityNames() string {
	s := make([]string, len(users.Abilities))
	for i, a := range users.Abilities {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

func addUserFlags(fs *flagSet, set bool) *userFlags {
	uf := &userFlags{strs: map[string]*string{}, lists: map[string]*listFlag{}}
	for _, f := range userStringFlags {
		uf.strs[f.flag] = fs.String(f.flag, "", f.usage)
	}
	for _, f := range userListFlags {
		l := &listFlag{}
		uf.lists[f.flag] = l
		usage := f.usage + "; repeatable"
		if set {
			usage += "; replaces the user's list (\"\" empties it)"
		}
		fs.Var(l, f.flag, usage)
	}
	usage := "the user cannot sign in"
	if set {
		usage = "disable the user, ending their sessions (--disabled=false enables)"
	}
	uf.disabled = fs.Bool("disabled", false, usage)
	return uf
}

// document builds the JSON object to send from the flags given. For set
// (a merge patch) an empty string or list clears the field (null);
// devices are sent as {"devices":{…}}, which the daemon merges.
func (uf *userFlags) document(fs *flagSet, set bool) map[string]any {
	doc := map[string]any{}
	devices := map[string]any{}
	fs.Visit(func(f *flag.Flag) {
		for _, sf := range userStringFlags {
			if sf.flag == f.Name {
				v := strings.TrimSpace(*uf.strs[f.Name])
				if set && v == "" {
					doc[sf.key] = nil
				} else {
					doc[sf.key] = v
				}
				return
			}
		}
		for _, lf := range userListFlags {
			if lf.flag == f.Name {
				var v any = []string(*uf.lists[f.Name])
				if set && len(*uf.lists[f.Name]) == 0 {
					v = nil
				}
				if key, ok := strings.CutPrefix(lf.key, "devices."); ok {
					devices[key] = v
				} else {
					doc[lf.key] = v
				}
				return
			}
		}
		if f.Name == "disabled" {
			doc["disabled"] = *uf.disabled
		}
	})
	if len(devices) > 0 {
		doc["devices"] = devices
	}
	return doc
}

func (c *cli) usersAdd(ctx context.Context, args []string) int {
	const cmd = "users add"
	fs := newFlagSet(cmd, "", "Create a user, e.g. --username ann --display-name \"Ann Smith\" --extensions 101 --endpoints PJSIP/101.\nSet the password afterwards with pbxagent users passwd.", c.stderr)
	cn := c.connFlags(fs)
	uf := addUserFlags(fs, false)
	asJSON := fs.Bool("json", false, "print the new user as JSON")
	quiet := fs.Bool("quiet", false, "print only the new user's id")
	if _, err := fs.parseExact(args, 0, 0); err != nil {
		return c.fail(cmd, err)
	}
	doc := uf.document(fs, false)
	if doc["username"] == nil || doc["username"] == "" {
		return c.fail(cmd, usagef("--username is required"))
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	u, err := cl.CreateUserJSON(ctx, doc)
	if err != nil {
		return c.fail(cmd, err)
	}
	switch {
	case *asJSON:
		return c.printJSON(cmd, u)
	case *quiet:
		fmt.Fprintln(c.stdout, u.ID)
		return exitOK
	}
	fmt.Fprintf(c.stdout, "created %s  %s\n", cleanLine(u.ID), cleanLine(u.Username))
	return exitOK
}

func (c *cli) usersSet(ctx context.Context, args []string) int {
	const cmd = "users set"
	fs := newFlagSet(cmd, "ID|USERNAME", "Change fields of a user; an empty value (--email \"\") clears a field. Disabling ends\nthe user's sessions. Set passwords with pbxagent users passwd.", c.stderr)
	cn := c.connFlags(fs)
	uf := addUserFlags(fs, true)
	asJSON := fs.Bool("json", false, "print the changed user as JSON")
	pos, err := fs.parseExact(args, 1, 1)
	if err != nil {
		return c.fail(cmd, err)
	}
	doc := uf.document(fs, true)
	if len(doc) == 0 {
		return c.fail(cmd, usagef("nothing to change: give fields as flags (--display-name, --role, --extensions…)"))
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	u, err := cl.FindUser(ctx, pos[0])
	if err != nil {
		return c.fail(cmd, err)
	}
	u, err = cl.PatchUser(ctx, u.ID, doc)
	if err != nil {
		return c.fail(cmd, err)
	}
	if *asJSON {
		return c.printJSON(cmd, u)
	}
	fmt.Fprintf(c.stdout, "updated %s  %s\n", cleanLine(u.ID), cleanLine(u.Username))
	return exitOK
}

func (c *cli) usersDelete(ctx context.Context, args []string) int {
	const cmd = "users delete"
	fs := newFlagSet(cmd, "ID|USERNAME...", "Delete users and end their sessions. Asks first unless --yes; all users are looked up\nbefore any is deleted.", c.stderr)
	cn := c.connFlags(fs)
	yes := fs.Bool("yes", false, "delete without asking")
	keys, err := fs.parseExact(args, 1, -1)
	if err != nil {
		return c.fail(cmd, err)
	}
	if !*yes && !c.isTerminal(c.stdin) {
		return c.fail(cmd, usagef("refusing to delete without confirmation: stdin is not a terminal; pass --yes"))
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	found := make([]*client.User, 0, len(keys))
	for _, k := range keys {
		u, err := cl.FindUser(ctx, k)
		if err != nil {
			return c.fail(cmd, err)
		}
		found = append(found, u)
	}
	if !*yes {
		names := make([]string, len(found))
		for i, u := range found {
			names[i] = cleanLine(u.Username) + " (" + cleanLine(u.ID) + ")"
		}
		ok, err := c.confirm(ctx, "Delete "+strings.Join(names, ", ")+" and end their sessions?")
		if err != nil {
			return c.fail(cmd, err)
		}
		if !ok {
			fmt.Fprintln(c.stderr, "nothing deleted")
			return exitError
		}
	}
	for _, u := range found {
		if err := cl.DeleteUser(ctx, u.ID); err != nil {
			return c.fail(cmd+" "+cleanLine(u.Username), err)
		}
		fmt.Fprintf(c.stdout, "deleted %s  %s\n", cleanLine(u.ID), cleanLine(u.Username))
	}
	return exitOK
}

func (c *cli) usersImport(ctx context.Context, args []string) int {
	const cmd = "users import"
	fs := newFlagSet(cmd, "FILE.csv", "Create users from a CSV (- reads stdin): a header line with any of\n"+strings.Join(users.CSVColumns, ",")+
		"\n(username required), then one user a line; lists separated by ';'. All users are created or none:\nevery problem is listed with its line.", c.stderr)
	cn := c.connFlags(fs)
	asJSON := fs.Bool("json", false, "print the daemon's answer as JSON")
	pos, err := fs.parseExact(args, 1, 1)
	if err != nil {
		return c.fail(cmd, err)
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	name := pos[0]
	body, size, closeFn, err := c.openUpload(name)
	if err != nil {
		return c.fail(cmd, err)
	}
	defer closeFn()
	res, err := cl.ImportUsersCSV(ctx, body, size)
	if err != nil {
		code := c.fail(cmd, err)
		if errors.Is(err, client.ErrInvalid) {
			fmt.Fprintln(c.stderr, "nothing was imported")
		}
		return code
	}
	if *asJSON {
		return c.printJSON(cmd, res)
	}
	if name == "-" {
		name = "stdin"
	}
	fmt.Fprintf(c.stdout, "imported %s: %d users created\n", cleanLine(name), res.Created)
	if len(res.Users) > 0 {
		tw := newUserTable(c.stdout)
		for i := range res.Users {
			tw.row(&res.Users[i])
		}
		if err := tw.Flush(); err != nil {
			return c.fail(cmd, err)
		}
	}
	return exitOK
}

func (c *cli) usersImportEndpoints(ctx context.Context, args []string) int {
	const cmd = "users import-endpoints"
	fs := newFlagSet(cmd, "", "Create a user for each numeric Asterisk endpoint that no user has (PJSIP/101 becomes user 101\nwith extension 101); existing users are left alone.", c.stderr)
	cn := c.connFlags(fs)
	asJSON := fs.Bool("json", false, "print the daemon's answer as JSON")
	if _, err := fs.parseExact(args, 0, 0); err != nil {
		return c.fail(cmd, err)
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	res, err := cl.ImportUsersFromEndpoints(ctx)
	if err != nil {
		return c.fail(cmd, err)
	}
	if *asJSON {
		return c.printJSON(cmd, res)
	}
	fmt.Fprintf(c.stdout, "%d users created, %d endpoints skipped\n", len(res.Created), len(res.Skipped))
	if len(res.Created) > 0 {
		tw := newUserTable(c.stdout)
		for i := range res.Created {
			tw.row(&res.Created[i])
		}
		if err := tw.Flush(); err != nil {
			return c.fail(cmd, err)
		}
	}
	for _, s := range res.Skipped {
		fmt.Fprintf(c.stdout, "skipped %s: %s\n", cleanLine(s.Endpoint), cleanLine(s.Reason))
	}
	return exitOK
}

func (c *cli) usersPasswd(ctx context.Context, args []string) int {
	const cmd = "users passwd"
	fs := newFlagSet(cmd, "ID|USERNAME", fmt.Sprintf("Set a user's password (%d to %d bytes) and end their sessions. On a terminal the password is\nasked twice without echo; otherwise the first line of stdin is the password.", users.MinPasswordLen, users.MaxPasswordLen), c.stderr)
	cn := c.connFlags(fs)
	pos, err := fs.parseExact(args, 1, 1)
	if err != nil {
		return c.fail(cmd, err)
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	// Look the user up first: a typo fails before the password is typed.
	u, err := cl.FindUser(ctx, pos[0])
	if err != nil {
		return c.fail(cmd, err)
	}
	pw, err := c.newPassword(ctx, u.Username)
	if err != nil {
		return c.fail(cmd, err)
	}
	if _, err := cl.SetUserPassword(ctx, u.ID, pw); err != nil {
		return c.fail(cmd, err)
	}
	fmt.Fprintf(c.stdout, "password set for %s; their sessions have ended\n", cleanLine(u.Username))
	return exitOK
}

// errPasswordsDiffer: the two entries on the terminal differ.
var errPasswordsDiffer = errors.New("the passwords differ; nothing changed")

// newPassword reads a new password: twice without echo from a terminal,
// else the first line of stdin (without its line ending).
func (c *cli) newPassword(ctx context.Context, username string) (string, error) {
	if !c.isTerminal(c.stdin) {
		line, err := readLine(ctx, c.stdin, users.MaxPasswordLen+2)
		if err != nil {
			return "", fmt.Errorf("read the password from stdin: %w", err)
		}
		if line == "" {
			return "", usagef("no password on stdin (stdin is not a terminal: give the password as its first line)")
		}
		return line, nil
	}
	fmt.Fprintf(c.stderr, "New password for %s: ", cleanLine(username))
	first, err := c.readPassword(ctx, c.stdin)
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if len(first) == 0 {
		return "", usagef("empty password; nothing changed")
	}
	fmt.Fprint(c.stderr, "Again: ")
	again, err := c.readPassword(ctx, c.stdin)
	fmt.Fprintln(c.stderr)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if string(first) != string(again) {
		return "", errPasswordsDiffer
	}
	return string(first), nil
}

// readLine reads the first line of r (at most max bytes, without the
// line ending). When ctx ends first it returns ctx's error; the reading
// goroutine then ends with the next line or EOF, or with the process.
func readLine(ctx context.Context, r io.Reader, max int) (string, error) {
	type answer struct {
		line string
		err  error
	}
	ch := make(chan answer, 1)
	go func() {
		br := bufio.NewReader(io.LimitReader(r, int64(max)+1))
		line, err := br.ReadString('\n')
		if errors.Is(err, io.EOF) {
			err = nil
			if len(line) > max {
				err = fmt.Errorf("the first line is longer than %d bytes", max)
			}
		}
		ch <- answer{strings.TrimRight(line, "\r\n"), err}
	}()
	select {
	case a := <-ch:
		return a.line, a.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
