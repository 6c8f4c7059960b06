package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/pbxagent/pbxagent/agent/client"
)

const phonesUsage = `usage: pbxagent phones <command> [flags]

commands:
  list                  list registered desk phones
  show MAC              show one phone and its provisioning files
  add --mac MAC --vendor VENDOR
                        register a phone (--model, --owner, --username, --password,
                        --endpoints); prints its token, shown only this once
  edit MAC              change --vendor, --model, --owner, --username, --password
                        or --endpoints
  rotate-token MAC      issue a new token (shown once); the old one stops working
  delete MAC...         unregister phones (asks, or --yes)
  cti MAC ACTION [DIGITS]
                        press keys on the phone remotely: answer, hangup, hold,
                        dtmf DIGITS or dial NUMBER

` + connHelp

func (c *cli) phones(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "phones", phonesUsage, map[string]func(context.Context, []string) int{
		"list": c.phonesList, "show": c.phonesShow, "add": c.phonesAdd, "edit": c.phonesEdit,
		"rotate-token": c.phonesRotate, "delete": c.phonesDelete, "cti": c.phonesCTI,
	}, args)
}

func phoneRow(p *client.Phone) []string {
	auth := "token"
	if p.Username != "" {
		auth = "user " + p.Username
	}
	return []string{p.MAC, string(p.Vendor), p.Model, p.Owner, auth, when(p.UpdatedAt)}
}

var phoneHeader = []string{"MAC", "VENDOR", "MODEL", "OWNER", "AUTH", "UPDATED"}

func (c *cli) phonesList(ctx context.Context, args []string) int {
	return runList(ctx, c, args, listSpec[client.Phone]{name: "phones list", summary: "List the registered desk phones.",
		key: "phones", empty: "no phones registered", header: phoneHeader, row: phoneRow, fetch: (*client.Client).ListPhones})
}

// printPhone writes a phone's fields; the token only when the answer
// carries it (just generated).
func printPhone(w io.Writer, p *client.Phone) error {
	pw := "no"
	if p.HasPassword {
		pw = "set"
	}
	err := fieldLines(w, [][2]string{{"MAC", p.MAC}, {"Vendor", string(p.Vendor)}, {"Model", p.Model}, {"Owner", p.Owner},
		{"Username", p.Username}, {"Password", pw}, {"Endpoints", strings.Join(p.Endpoints, ", ")}, {"Files", strings.Join(p.Files, ", ")},
		{"Created", when(p.CreatedAt)}, {"Updated", when(p.UpdatedAt)}})
	if err == nil && p.Token != "" {
		_, err = fmt.Fprintf(w, "Token:    %s\n(shown only now: put it in the phone's URLs if it uses token authentication)\n", cleanLine(p.Token))
	}
	return err
}

func (c *cli) phonesShow(ctx context.Context, args []string) int {
	return runOne(ctx, c, args, "phones show", "MAC", "Show one phone.", (*client.Client).GetPhone, printPhone)
}

// phoneFlags are the fields of add and edit.
type phoneFlags struct {
	mac, vendor, model, owner, username, password *string
	passwordStdin                                 *bool
	endpoints                                     *listFlag
}

func addPhoneFlags(fs *flagSet, add bool) (*phoneFlags, map[string]func() any) {
	pf := &phoneFlags{}
	if add {
		pf.mac = fs.String("mac", "", "the phone's MAC address (any of : - . or none)")
	}
	pf.vendor = fs.String("vendor", "", "yealink, cisco, polycom, grandstream, snom or fanvil")
	pf.model = fs.String("model", "", "model, e.g. T46U (informational)")
	pf.owner = fs.String("owner", "", "user id whose personal contacts the phone also shows")
	pf.username = fs.String("username", "", "HTTP username of the phone (with --password)")
	pf.password = fs.String("password", "", "HTTP password of the phone (with --username); visible to other users of this machine: prefer --password-stdin")
	pf.passwordStdin = fs.Bool("password-stdin", false, "read the phone's HTTP password from the first line of stdin")
	pf.endpoints = &listFlag{}
	fs.Var(pf.endpoints, "endpoints", "Asterisk endpoints the phone registers, `LIST` like PJSIP/101 (comma-separated, repeatable; empty clears)")
	get := func(p *string) func() any { return func() any { return *p } }
	m := map[string]func() any{"vendor": get(pf.vendor), "model": get(pf.model), "owner": get(pf.owner),
		"username": get(pf.username), "password": get(pf.password),
		"endpoints": func() any { return append([]string{}, *pf.endpoints...) }}
	if add {
		m["mac"] = get(pf.mac)
	}
	return pf, m
}

// phoneDocument is the body of add or edit: the flags given, and the
// password from stdin with --password-stdin.
func (c *cli) phoneDocument(ctx context.Context, fs *flagSet, pf *phoneFlags, fields map[string]func() any) (map[string]any, error) {
	doc := given(fs, fields)
	if *pf.passwordStdin {
		if _, ok := doc["password"]; ok {
			return nil, usagef("give the password with --password or --password-stdin, not both")
		}
		line, err := readLine(ctx, c.stdin, 1024)
		if err != nil {
			return nil, fmt.Errorf("read the password from stdin: %w", err)
		}
		doc["password"] = line
	}
	return doc, nil
}

func (c *cli) phonesAdd(ctx context.Context, args []string) int {
	cmd := c.newCommand("phones add", "", "Register a phone, e.g. --mac 00:15:65:4a:a9:37 --vendor yealink --owner alice.\nThe answer shows the phone's token, only this once.")
	pf, fields := addPhoneFlags(cmd.fs, true)
	cl, _, doc, code := cmd.startWith(args, 0, func() (map[string]any, error) { return c.phoneDocument(ctx, cmd.fs, pf, fields) }, "")
	if cl == nil {
		return code
	}
	if doc["mac"] == nil || doc["vendor"] == nil {
		return cmd.fail(usagef("--mac and --vendor are required"))
	}
	p, err := cl.CreatePhone(ctx, doc)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.out(p, func(w io.Writer) error {
		fmt.Fprintf(w, "registered %s\n", cleanLine(p.MAC))
		return printPhone(w, p)
	})
}

func (c *cli) phonesEdit(ctx context.Context, args []string) int {
	cmd := c.newCommand("phones edit", "MAC", "Change a phone's fields; an empty --owner clears it, an empty --username and --password\nmake it a token-only phone.")
	pf, fields := addPhoneFlags(cmd.fs, false)
	cl, pos, doc, code := cmd.startWith(args, 1, func() (map[string]any, error) { return c.phoneDocument(ctx, cmd.fs, pf, fields) },
		"nothing to change: give fields as flags (--vendor, --model, --owner…)")
	if cl == nil {
		return code
	}
	p, err := cl.PatchPhone(ctx, pos[0], doc)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.outLine(p, "updated %s", cleanLine(p.MAC))
}

func (c *cli) phonesRotate(ctx context.Context, args []string) int {
	return runOne(ctx, c, args, "phones rotate-token", "MAC", "Issue a new token for a phone (shown only now); the old one stops working at once.",
		(*client.Client).RotatePhoneToken, func(w io.Writer, p *client.Phone) error {
			_, err := fmt.Fprintf(w, "new token for %s: %s\n(shown only now; the old token no longer works)\n", cleanLine(p.MAC), cleanLine(p.Token))
			return err
		})
}

func (c *cli) phonesDelete(ctx context.Context, args []string) int {
	cmd := c.newCommand("phones delete", "MAC...", "Unregister phones: their credentials and tokens stop working at once. Asks first unless --yes.")
	yes := cmd.yesFlag("delete")
	cl, pos, code := cmd.start(args, 1, -1)
	if cl == nil {
		return code
	}
	return cmd.removeEach(ctx, *yes, "Unregister "+cleanLine(strings.Join(pos, ", "))+"?", pos,
		func(mac string) error { return cl.DeletePhone(ctx, mac) }, func(mac string) string { return "deleted " + cleanLine(mac) })
}

func (c *cli) phonesCTI(ctx context.Context, args []string) int {
	cmd := c.newCommand("phones cti", "MAC ACTION [DIGITS]", "Send a remote-control command to the phone: answer, hangup, hold, dtmf DIGITS or dial NUMBER\n(to the address of its latest fetch; see docs/phones.md, Remote control).")
	cl, pos, code := cmd.start(args, 2, 3)
	if cl == nil {
		return code
	}
	digits := ""
	if len(pos) == 3 {
		digits = pos[2]
	}
	res, err := cl.PhoneCTI(ctx, pos[0], pos[1], digits)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.outLine(res, "%s: %s sent to %s", cleanLine(res.MAC), cleanLine(res.Action), cleanLine(res.Address))
}
