package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/pbxagent/pbxagent/agent/client"
	"github.com/pbxagent/pbxagent/phonebook"
)

func (c *cli) list(ctx context.Context, args []string) int {
	const cmd = "contacts list"
	fs := newFlagSet(cmd, "[QUERY]", "Search contacts by name, company, e-mail or number prefix; all contacts without QUERY.", c.stderr)
	cn := c.connFlags(fs)
	var q client.Query
	var scope string
	fs.StringVar(&q.Q, "q", "", "search text (same as QUERY)")
	fs.StringVar(&scope, "scope", "", "global or personal")
	fs.StringVar(&q.Owner, "owner", "", "owner of personal contacts")
	fs.StringVar(&q.Source, "source", "", "source: local, csv or a sync source's name")
	fs.IntVar(&q.Limit, "limit", 0, "page size, 1–1000 (daemon default 100)")
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
	q.Scope = phonebook.Scope(scope)
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	if !*all {
		page, err := cl.SearchContacts(ctx, q)
		if err != nil {
			return c.fail(cmd, err)
		}
		if *asJSON {
			return c.printJSON(cmd, page)
		}
		if len(page.Contacts) == 0 {
			fmt.Fprintln(c.stderr, "no contacts match")
			return exitOK
		}
		tw := newContactTable(c.stdout)
		for _, ct := range page.Contacts {
			tw.row(ct)
		}
		if err := tw.Flush(); err != nil {
			return c.fail(cmd, err)
		}
		if page.NextCursor != "" {
			of := strconv.Itoa(page.Total)
			if page.TotalCapped {
				of += "+" // the daemon stopped counting: a lower bound
			}
			fmt.Fprintf(c.stderr, "%d of %s contacts; next page: --cursor %s (or --all)\n", len(page.Contacts), of, page.NextCursor)
		}
		return exitOK
	}
	contacts := cl.AllContacts(ctx, q, nil)
	if *asJSON {
		return streamJSON(c, cmd, "contacts", contacts)
	}
	return streamTable(c, cmd, "contacts", contacts, func() contactTable { return newContactTable(c.stdout) })
}

// contactTable prints contacts as an aligned table.
type contactTable struct{ *tabwriter.Writer }

func newContactTable(w io.Writer) contactTable {
	tw := contactTable{tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	fmt.Fprintln(tw, "ID\tNAME\tCOMPANY\tNUMBERS")
	return tw
}

func (t contactTable) row(ct *phonebook.Contact) {
	nums := make([]string, len(ct.Numbers))
	for i, n := range ct.Numbers {
		nums[i] = string(n.Type) + ":" + n.Value
	}
	fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", cleanLine(ct.ID), cleanLine(ct.DisplayName), cleanLine(ct.Company), cleanLine(strings.Join(nums, ", ")))
}

func (c *cli) printJSON(cmd string, v any) int {
	enc := json.NewEncoder(c.stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return c.fail(cmd, err)
	}
	return exitOK
}

func (c *cli) get(ctx context.Context, args []string) int {
	return runOne(ctx, c, args, "contacts get", "ID", "Show one contact.", (*client.Client).GetContact, printContact)
}

// printContact writes the contact's non-empty fields, one a line.
func printContact(w io.Writer, ct *client.Contact) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	field := func(name, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", name, cleanLine(v))
		}
	}
	field("ID", ct.ID)
	field("Name", ct.DisplayName)
	field("First name", ct.FirstName)
	field("Middle name", ct.MiddleName)
	field("Last name", ct.LastName)
	field("Company", ct.Company)
	field("Department", ct.Department)
	field("Job title", ct.JobTitle)
	field("Office", ct.OfficeLocation)
	field("Language", ct.PreferredLanguage)
	field("UPN", ct.UserPrincipalName)
	for i, n := range ct.Numbers {
		label := ""
		if i == 0 {
			label = "Numbers"
		}
		v := string(n.Type) + " " + n.Value
		if n.Normalized != "" && n.Normalized != n.Value {
			v += " (" + n.Normalized + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\n", colon(label), cleanLine(v))
	}
	for i, e := range ct.Emails {
		label := ""
		if i == 0 {
			label = "E-mails"
		}
		v := e.Address
		if e.Label != "" {
			v = e.Label + " " + v
		}
		fmt.Fprintf(tw, "%s\t%s\n", colon(label), cleanLine(v))
	}
	field("Scope", string(ct.Scope))
	field("Owner", ct.Owner)
	field("Source", ct.Source)
	field("External ID", ct.ExternalID)
	field("Local edits", strings.Join(ct.LocalFields, ", "))
	keys := make([]string, 0, len(ct.Custom))
	for k := range ct.Custom {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		label := ""
		if i == 0 {
			label = "Custom"
		}
		fmt.Fprintf(tw, "%s\t%s=%s\n", colon(label), cleanLine(k), cleanLine(ct.Custom[k]))
	}
	if !ct.CreatedAt.IsZero() {
		field("Created", ct.CreatedAt.Format("2006-01-02 15:04:05 MST"))
	}
	if !ct.UpdatedAt.IsZero() {
		field("Updated", ct.UpdatedAt.Format("2006-01-02 15:04:05 MST"))
	}
	return tw.Flush()
}

func colon(label string) string {
	if label == "" {
		return ""
	}
	return label + ":"
}

// contactFlags are the flags of add and edit; keys are the JSON names.
type contactFlags struct {
	strs    map[string]*string
	emails  multiFlag
	numbers multiFlag
	custom  multiFlag
	json    string
}

var contactStringFlags = []struct{ flag, key, usage string }{
	{"first", "first_name", "first name"},
	{"middle", "middle_name", "middle name"},
	{"last", "last_name", "last name"},
	{"display", "display_name", "display name (default: derived from the name parts or company)"},
	{"company", "company", "company"},
	{"department", "department", "department"},
	{"title", "job_title", "job title"},
	{"office", "office_location", "office location"},
	{"language", "preferred_language", "preferred language"},
	{"upn", "user_principal_name", "user principal name"},
	{"scope", "scope", "global (default) or personal"},
	{"owner", "owner", "owner (user id) of a personal contact"},
}

func addContactFlags(fs *flagSet, edit bool) *contactFlags {
	cf := &contactFlags{strs: map[string]*string{}}
	for _, f := range contactStringFlags {
		cf.strs[f.flag] = fs.String(f.flag, "", f.usage)
	}
	replace := func(what string) string {
		if edit {
			return "; replaces all the contact's " + what
		}
		return ""
	}
	fs.Var(&cf.emails, "email", "e-mail `[LABEL:]ADDRESS`, repeatable"+replace("e-mails"))
	fs.Var(&cf.numbers, "number", "number `[TYPE:]VALUE`, TYPE work (default), mobile, home, fax or other; repeatable"+replace("numbers"))
	fs.Var(&cf.custom, "custom", "custom field `KEY=VALUE`, repeatable"+replace("custom fields"))
	doc := "read the contact as JSON from `FILE` or - (stdin); flags override its fields"
	if edit {
		doc = "read a JSON merge patch from `FILE` or - (stdin); flags override its fields"
	}
	fs.StringVar(&cf.json, "json", "", doc)
	return cf
}

// document builds the JSON object to send: the --json file, then the flags
// that were given on top. In edit mode an empty string flag clears the
// field (null).
func (c *cli) document(fs *flagSet, cf *contactFlags, edit bool) (map[string]any, error) {
	doc := map[string]any{}
	if cf.json != "" {
		var r io.Reader
		if cf.json == "-" {
			r = c.stdin
		} else {
			f, err := os.Open(cf.json)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			r = f
		}
		dec := json.NewDecoder(r)
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, usagef("--json %s: not a JSON object: %v", cf.json, err)
		}
		if doc == nil { // the file was "null"
			doc = map[string]any{}
		}
	}
	var err error
	fs.Visit(func(f *flag.Flag) {
		if err != nil {
			return
		}
		for _, sf := range contactStringFlags {
			if sf.flag == f.Name {
				v := *cf.strs[f.Name]
				if edit && v == "" {
					doc[sf.key] = nil
				} else {
					doc[sf.key] = v
				}
				return
			}
		}
		switch f.Name {
		case "email":
			emails := []phonebook.Email{}
			for _, s := range cf.emails {
				emails = append(emails, parseEmailFlag(s))
			}
			doc["emails"] = emails
		case "number":
			nums := []phonebook.Number{}
			for _, s := range cf.numbers {
				n, e := parseNumberFlag(s)
				if e != nil {
					err = e
					return
				}
				nums = append(nums, n)
			}
			doc["numbers"] = nums
		case "custom":
			m := map[string]string{}
			for _, s := range cf.custom {
				k, v, ok := strings.Cut(s, "=")
				if !ok || k == "" {
					err = usagef("--custom %q: want KEY=VALUE", s)
					return
				}
				m[k] = v
			}
			doc["custom"] = m
		}
	})
	return doc, err
}

// parseNumberFlag reads "[TYPE:]VALUE". A prefix of letters that is not a
// number type is an error (a typo like "mobil:"), except the "tel:" URI
// scheme, which is part of the value.
func parseNumberFlag(s string) (phonebook.Number, error) {
	s = strings.TrimSpace(s)
	prefix, rest, ok := strings.Cut(s, ":")
	if ok && prefix != "" && !strings.EqualFold(prefix, "tel") && !strings.ContainsFunc(prefix, func(r rune) bool { return !unicode.IsLetter(r) }) {
		t, known := phonebook.ParseNumberType(prefix)
		if !known {
			return phonebook.Number{}, usagef("--number %q: unknown type %q (want work, mobile, home, fax or other)", s, prefix)
		}
		s = strings.TrimSpace(rest)
		if s == "" {
			return phonebook.Number{}, usagef("--number %q: no number after the type", prefix+":")
		}
		return phonebook.Number{Type: t, Value: s}, nil
	}
	if s == "" {
		return phonebook.Number{}, usagef("--number: empty")
	}
	return phonebook.Number{Type: phonebook.NumberWork, Value: s}, nil
}

// parseEmailFlag reads "[LABEL:]ADDRESS"; a colon after an "@" belongs to
// the address.
func parseEmailFlag(s string) phonebook.Email {
	s = strings.TrimSpace(s)
	if label, addr, ok := strings.Cut(s, ":"); ok && !strings.Contains(label, "@") && !strings.EqualFold(label, "mailto") {
		return phonebook.Email{Label: strings.TrimSpace(label), Address: strings.TrimSpace(addr)}
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "mailto:"), "MAILTO:")
	return phonebook.Email{Address: s}
}

func (c *cli) add(ctx context.Context, args []string) int {
	const cmd = "contacts add"
	fs := newFlagSet(cmd, "", "Create a contact, e.g. --first Ana --last Kovač --number mobile:+38761111111.", c.stderr)
	cn := c.connFlags(fs)
	cf := addContactFlags(fs, false)
	quiet := fs.Bool("quiet", false, "print only the new contact's id")
	if _, err := fs.parseExact(args, 0, 0); err != nil {
		return c.fail(cmd, err)
	}
	doc, err := c.document(fs, cf, false)
	if err != nil {
		return c.fail(cmd, err)
	}
	if len(doc) == 0 {
		return c.fail(cmd, usagef("nothing to add: give fields as flags (--first, --last, --company, --number…) or --json FILE"))
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	ct, err := cl.CreateContactJSON(ctx, doc)
	if err != nil {
		return c.fail(cmd, err)
	}
	if *quiet {
		fmt.Fprintln(c.stdout, ct.ID)
	} else {
		fmt.Fprintf(c.stdout, "created %s  %s\n", ct.ID, cleanLine(ct.DisplayName))
	}
	return exitOK
}

func (c *cli) edit(ctx context.Context, args []string) int {
	const cmd = "contacts edit"
	fs := newFlagSet(cmd, "ID", "Change fields of a contact; an empty value (--company \"\") clears a field.", c.stderr)
	cn := c.connFlags(fs)
	cf := addContactFlags(fs, true)
	pos, err := fs.parseExact(args, 1, 1)
	if err != nil {
		return c.fail(cmd, err)
	}
	doc, err := c.document(fs, cf, true)
	if err != nil {
		return c.fail(cmd, err)
	}
	if len(doc) == 0 {
		return c.fail(cmd, usagef("nothing to change: give fields as flags or --json FILE"))
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	ct, err := cl.PatchContact(ctx, pos[0], doc)
	if err != nil {
		return c.fail(cmd, err)
	}
	fmt.Fprintf(c.stdout, "updated %s  %s\n", ct.ID, cleanLine(ct.DisplayName))
	return exitOK
}

func (c *cli) del(ctx context.Context, args []string) int {
	const cmd = "contacts delete"
	fs := newFlagSet(cmd, "ID...", "Delete contacts; a synced contact stays deleted through syncs.", c.stderr)
	cn := c.connFlags(fs)
	ids, err := fs.parseExact(args, 1, -1)
	if err != nil {
		return c.fail(cmd, err)
	}
	cl, err := c.client(cn)
	if err != nil {
		return c.fail(cmd, err)
	}
	code := exitOK
	for _, id := range ids {
		if err := cl.DeleteContact(ctx, id); err != nil {
			code = c.fail(cmd+" "+cleanLine(id), err)
			// A missing id does not stop the others; a wrong token, an
			// unreachable daemon or an interrupt would fail them all.
			if !errors.Is(err, client.ErrNotFound) {
				return code
			}
			continue
		}
		fmt.Fprintf(c.stdout, "deleted %s\n", cleanLine(id))
	}
	return code
}
