package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/pbxagent/pbxagent/agent/client"
)

const appsUsage = `usage: pbxagent apps <command> [flags]

commands:
  list                  list OAuth2 apps
  show CLIENT_ID        show one app
  create --name NAME --redirect-uri URI [--type confidential|public] [--scope S…]
                        register an app; a confidential app's secret is shown only now
  edit CLIENT_ID        change --name, --redirect-uri, --scope or --grant-type
  rotate-secret CLIENT_ID
                        give a confidential app a new secret (shown only now)
  delete CLIENT_ID...   delete apps and revoke their tokens (asks, or --yes)
  cors list             origins allowed to call the API from a browser
  cors add ORIGIN       allow an origin, e.g. https://crm.example.com
  cors remove ORIGIN    remove an origin added with cors add

` + connHelp

func (c *cli) apps(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "apps", appsUsage, map[string]func(context.Context, []string) int{
		"list": c.appsList, "show": c.appsShow, "create": c.appsCreate, "edit": c.appsEdit,
		"rotate-secret": c.appsRotate, "delete": c.appsDelete, "cors": c.cors,
	}, args)
}

func appRow(a *client.App) []string {
	scopes := make([]string, len(a.Scopes))
	for i, s := range a.Scopes {
		scopes[i] = string(s)
	}
	return []string{a.ClientID, a.Name, a.Type, strings.Join(scopes, " "), strings.Join(a.RedirectURIs, " ")}
}

func (c *cli) appsList(ctx context.Context, args []string) int {
	return runList(ctx, c, args, listSpec[client.App]{name: "apps list", summary: "List the OAuth2 apps.",
		key: "apps", empty: "no apps", header: []string{"CLIENT ID", "NAME", "TYPE", "SCOPES", "REDIRECT URIS"},
		row: appRow, fetch: (*client.Client).ListApps})
}

func printApp(w io.Writer, a *client.App) error {
	r := appRow(a)
	secret := ""
	if a.SecretSet != nil {
		secret = "set " + when(*a.SecretSet)
	}
	return fieldLines(w, [][2]string{{"Client ID", r[0]}, {"Name", r[1]}, {"Type", r[2]}, {"Scopes", r[3]}, {"Redirect URIs", r[4]},
		{"Grant types", strings.Join(a.GrantTypes, " ")}, {"Secret", secret}, {"Created", when(a.Created)}, {"Updated", when(a.Updated)}})
}

func (c *cli) appsShow(ctx context.Context, args []string) int {
	return runOne(ctx, c, args, "apps show", "CLIENT_ID", "Show one OAuth2 app (never its secret).",
		(*client.Client).GetApp, printApp)
}

// appFlags are the fields of create and edit; lists repeat or take commas.
func appFlags(fs *flagSet, create bool) map[string]func() any {
	name := fs.String("name", "", "the app's name, shown on the consent page")
	var uris, scopes, grants listFlag
	fs.Var(&uris, "redirect-uri", "a redirect `URI` (exact match); repeatable")
	fs.Var(&scopes, "scope", "a scope the app may ask for; repeatable")
	fs.Var(&grants, "grant-type", "authorization_code, refresh_token or client_credentials; repeatable")
	m := map[string]func() any{
		"name":         func() any { return *name },
		"redirect-uri": func() any { return []string(uris) },
		"scope":        func() any { return []string(scopes) },
		"grant-type":   func() any { return []string(grants) },
	}
	if create {
		typ := fs.String("type", "confidential", "confidential (has a secret: a server) or public (PKCE only: a browser or phone app)")
		m["type"] = func() any { return *typ }
	}
	return m
}

// appDocument renames the list flags to the API's plural fields.
func appDocument(fs *flagSet, fields map[string]func() any, create bool) map[string]any {
	doc := given(fs, fields)
	for from, to := range map[string]string{"redirect_uri": "redirect_uris", "scope": "scopes", "grant_type": "grant_types"} {
		if v, ok := doc[from]; ok {
			doc[to] = v
			delete(doc, from)
		}
	}
	if create {
		if _, ok := doc["type"]; !ok {
			doc["type"] = fields["type"]()
		}
	}
	return doc
}

func (c *cli) appsCreate(ctx context.Context, args []string) int {
	cmd := c.newCommand("apps create", "", "Register an OAuth2 app, e.g. --name CRM --redirect-uri https://crm.example.com/cb --scope contacts:read.\nA confidential app's secret is printed only now: store it in the app.")
	fields := appFlags(cmd.fs, true)
	cl, _, code := cmd.start(args, 0, 0)
	if cl == nil {
		return code
	}
	a, err := cl.CreateApp(ctx, appDocument(cmd.fs, fields, true))
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.out(a, func(w io.Writer) error {
		fmt.Fprintf(w, "created app %s\n", cleanLine(a.ClientID))
		if err := printApp(w, &a.App); err != nil {
			return err
		}
		if a.ClientSecret != "" {
			_, err := fmt.Fprintf(w, "Client secret:  %s\n(shown only now: it cannot be read again, only replaced with rotate-secret)\n", cleanLine(a.ClientSecret))
			return err
		}
		return nil
	})
}

func (c *cli) appsEdit(ctx context.Context, args []string) int {
	cmd := c.newCommand("apps edit", "CLIENT_ID", "Change an app; a list flag replaces the whole list. Scopes taken away apply to its tokens at once.")
	fields := appFlags(cmd.fs, false)
	cl, pos, doc, code := cmd.startWith(args, 1, func() (map[string]any, error) { return appDocument(cmd.fs, fields, false), nil },
		"nothing to change: give --name, --redirect-uri, --scope or --grant-type")
	if cl == nil {
		return code
	}
	a, err := cl.PatchApp(ctx, pos[0], doc)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.outLine(a, "updated app %s", cleanLine(a.ClientID))
}

func (c *cli) appsRotate(ctx context.Context, args []string) int {
	return runOne(ctx, c, args, "apps rotate-secret", "CLIENT_ID", "Give a confidential app a new secret (printed only now); the old one stops working.",
		(*client.Client).RotateAppSecret, func(w io.Writer, s *client.AppSecret) error {
			_, err := fmt.Fprintf(w, "new secret for %s: %s\n(shown only now; the old secret no longer works)\n", cleanLine(s.ClientID), cleanLine(s.ClientSecret))
			return err
		})
}

func (c *cli) appsDelete(ctx context.Context, args []string) int {
	cmd := c.newCommand("apps delete", "CLIENT_ID...", "Delete apps and revoke their tokens. Asks first unless --yes.")
	yes := cmd.yesFlag("delete")
	cl, pos, code := cmd.start(args, 1, -1)
	if cl == nil {
		return code
	}
	return cmd.removeEach(ctx, *yes, "Delete app "+cleanLine(strings.Join(pos, ", "))+" and revoke its tokens?", pos,
		func(id string) error { return cl.DeleteApp(ctx, id) }, func(id string) string { return "deleted app " + cleanLine(id) })
}

const corsUsage = `usage: pbxagent apps cors <command> [flags]

commands:
  list            origins allowed to call the API from a browser (source config or api)
  add ORIGIN      allow an origin, e.g. https://crm.example.com
  remove ORIGIN   remove an origin added with add (those of cors.origins stay)

` + connHelp

func (c *cli) cors(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "apps cors", corsUsage, map[string]func(context.Context, []string) int{
		"list": c.corsList, "add": c.corsAdd, "remove": c.corsRemove,
	}, args)
}

func (c *cli) corsList(ctx context.Context, args []string) int {
	return runList(ctx, c, args, listSpec[client.CORSOrigin]{name: "apps cors list", summary: "List the origins allowed to call the API from a browser.",
		key: "origins", empty: "no origins allowed", header: []string{"ORIGIN", "SOURCE"},
		row: func(o *client.CORSOrigin) []string { return []string{o.Origin, o.Source} }, fetch: (*client.Client).ListCORSOrigins})
}

func (c *cli) corsAdd(ctx context.Context, args []string) int {
	return runOne(ctx, c, args, "apps cors add", "ORIGIN", "Allow an origin (scheme, host and port, no path), e.g. https://crm.example.com.",
		(*client.Client).AddCORSOrigin, func(w io.Writer, o *client.CORSOrigin) error {
			_, err := fmt.Fprintf(w, "allowed %s\n", cleanLine(o.Origin))
			return err
		})
}

func (c *cli) corsRemove(ctx context.Context, args []string) int {
	cmd := c.newCommand("apps cors remove", "ORIGIN", "Remove an origin added through the API.")
	cl, pos, code := cmd.start(args, 1, 1)
	if cl == nil {
		return code
	}
	origin := pos[0]
	return cmd.removeOne(ctx, nil, "", "removed", origin, func() error { return cl.RemoveCORSOrigin(ctx, origin) }, "removed "+cleanLine(origin))
}
