package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/agent/client"
)

const sourcesUsage = `usage: pbxagent sources <command> [flags]

commands:
  list                  list sync sources with their last sync
  show ID|NAME          show a source's settings (secrets never), status and warnings
  add --type TYPE --name NAME --set settings.KEY=VALUE…
                        create a source (m365, custom, sql, csv-url, google, ldap,
                        carddav); --from FILE reads
                        the JSON body
  edit ID|NAME          change a source (--name, --enabled, --interval-hours, --set…)
  test [ID|NAME]        show the first rows a source gives, importing nothing; without
                        ID tests the unsaved source given as for add
  sync ID|NAME          trigger a sync (--wait for its result, --full, --confirm-deletions)
  runs ID|NAME          show a source's last runs, with their errors
  erase ID|NAME         delete a source and every contact it brought (asks, or --yes)
  delete ID|NAME        the same as erase

` + connHelp

func (c *cli) sources(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "sources", sourcesUsage, map[string]func(context.Context, []string) int{
		"list": c.sourcesList, "show": c.sourcesShow, "add": c.sourcesAdd, "edit": c.sourcesEdit,
		"test": c.sourcesTest, "sync": c.sourcesSync, "runs": c.sourcesRuns,
		"erase": c.sourcesErase, "delete": c.sourcesErase,
	}, args)
}

func sourceRow(s *client.Source) []string {
	last, contacts, state := "", "", "disabled"
	if s.Enabled {
		state = "enabled"
	}
	if st := s.Status; st != nil {
		last, contacts = when(st.LastSuccess), strconv.Itoa(st.Contacts)
		switch {
		case st.Running:
			state = "syncing"
		case st.LastError != "":
			state += ", failing"
		}
	}
	return []string{s.ID, s.Name, s.Type, state, contacts, last}
}

var sourceHeader = []string{"ID", "NAME", "TYPE", "STATE", "CONTACTS", "LAST SUCCESS"}

func (c *cli) sourcesList(ctx context.Context, args []string) int {
	return runList(ctx, c, args, listSpec[client.Source]{name: "sources list", summary: "List the sync sources with their state.",
		key: "sources", empty: "no sources", header: sourceHeader, row: sourceRow, fetch: (*client.Client).ListSources})
}

func printSource(w io.Writer, s *client.Source) error {
	keys := make([]string, 0, len(s.Settings))
	for k := range s.Settings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var settings []string
	for _, k := range keys {
		settings = append(settings, k+"="+string(s.Settings[k]))
	}
	kv := [][2]string{{"ID", s.ID}, {"Name", s.Name}, {"Type", s.Type}, {"Enabled", strconv.FormatBool(s.Enabled)},
		{"Interval", fmt.Sprintf("%g h", s.IntervalHours)}, {"Settings", strings.Join(settings, " ")},
		{"Secrets set", strings.Join(s.SecretsSet, ", ")}}
	if st := s.Status; st != nil {
		kv = append(kv, [2]string{"Contacts", strconv.Itoa(st.Contacts)},
			[2]string{"Last success", when(st.LastSuccess)},
			[2]string{"Last counts", fmt.Sprintf("%d synced, %d deleted", st.LastSynced, st.LastDeleted)},
			[2]string{"Last error", st.LastError}, [2]string{"Next run", when(st.NextRun)})
	}
	for _, warn := range s.Warnings {
		kv = append(kv, [2]string{"Warning", warn})
	}
	return fieldLines(w, kv)
}

func (c *cli) sourcesShow(ctx context.Context, args []string) int {
	return runOne(ctx, c, args, "sources show", "ID|NAME", "Show a source: settings (secrets never), status and warnings.",
		(*client.Client).FindSource, printSource)
}

// sourceFlags adds the flags of add, edit and test: the top-level fields
// and the body flags.
func sourceFlags(fs *flagSet, withType bool) (*bodyFlags, map[string]func() any) {
	m := map[string]func() any{}
	if withType {
		typ := fs.String("type", "", "m365, custom, sql, csv-url, google, ldap or carddav")
		m["type"] = func() any { return *typ }
	}
	name := fs.String("name", "", "the source's name (unique)")
	enabled := fs.Bool("enabled", false, "sync on the schedule (--enabled=false stops it)")
	interval := fs.Float64("interval-hours", 0, "hours between syncs (default 24)")
	m["name"] = func() any { return *name }
	m["enabled"] = func() any { return *enabled }
	m["interval-hours"] = func() any { return *interval }
	return addBodyFlags(fs), m
}

func (c *cli) sourcesAdd(ctx context.Context, args []string) int {
	cmd := c.newCommand("sources add", "", "Create a sync source, e.g.\n  --type custom --name crm --set settings.url=https://crm.example.com --set settings.client_id=pbx --set settings.client_secret=…\nSee docs/sources.md for each type's settings. Test it first with pbxagent sources test (same flags).")
	cl, _, doc, code := cmd.startWith(args, 0, cmd.bodyDocument(sourceFlags(cmd.fs, true)), "")
	if cl == nil {
		return code
	}
	s, err := cl.CreateSource(ctx, doc)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.outLine(s, "created %s  %s", cleanLine(s.ID), cleanLine(s.Name))
}

func (c *cli) sourcesEdit(ctx context.Context, args []string) int {
	cmd := c.newCommand("sources edit", "ID|NAME", "Change a source (settings merge key by key; changing where secrets go needs them again).")
	cl, pos, doc, code := cmd.startWith(args, 1, cmd.bodyDocument(sourceFlags(cmd.fs, false)),
		"nothing to change: give --name, --enabled, --interval-hours or --set")
	if cl == nil {
		return code
	}
	s, err := cl.FindSource(ctx, pos[0])
	if err != nil {
		return cmd.fail(err)
	}
	s, err = cl.PatchSource(ctx, s.ID, doc)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.outLine(s, "updated %s  %s", cleanLine(s.ID), cleanLine(s.Name))
}

// previewColumns are the preview fields shown in a table, in order.
var previewColumns = []string{"external_id", "display_name", "company", "numbers", "emails"}

func previewCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		var parts []string
		for _, it := range x {
			if m, ok := it.(map[string]any); ok {
				s := fmt.Sprint(m["value"], m["address"])
				s = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(s, "<nil>", ""), "  ", " "))
				if t, ok := m["type"].(string); ok && t != "" {
					s = t + ":" + s
				}
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, ", ")
	}
	return fmt.Sprint(v)
}

func (c *cli) sourcesTest(ctx context.Context, args []string) int {
	cmd := c.newCommand("sources test", "[ID|NAME]", "Show the first rows a source gives, importing nothing (at most 5 s). Without ID, test the\nunsaved source given by --type, --set and --from, as for add. A refused credential names the\nsetting to fix; an unreachable server names the host and the cause.")
	body, fields := sourceFlags(cmd.fs, true)
	cl, pos, code := cmd.start(args, 0, 1)
	if cl == nil {
		return code
	}
	var rows []client.PreviewRow
	var err error
	if len(pos) == 1 {
		var s *client.Source
		if s, err = cl.FindSource(ctx, pos[0]); err == nil {
			rows, err = cl.TestSource(ctx, s.ID)
		}
	} else {
		var doc map[string]any
		if doc, err = body.document(c, given(cmd.fs, fields)); err == nil {
			if doc["name"] == nil {
				doc["name"] = "test"
			}
			rows, err = cl.TestSourceInput(ctx, doc)
		}
	}
	if err != nil {
		return cmd.fail(err)
	}
	return outRows(cmd, "contacts", rows, "the source answered with no contacts", []string{"EXTERNAL ID", "NAME", "COMPANY", "NUMBERS", "E-MAILS"},
		func(r *client.PreviewRow) []string {
			var cells []string
			for _, col := range previewColumns {
				cells = append(cells, previewCell((*r)[col]))
			}
			return cells
		})
}

func (c *cli) sourcesSync(ctx context.Context, args []string) int {
	cmd := c.newCommand("sources sync", "ID|NAME", "Trigger a sync now: full the first time, then delta.")
	wait := cmd.fs.Bool("wait", false, "wait for the run and print its result")
	var opts client.SyncOptions
	cmd.fs.BoolVar(&opts.Full, "full", false, "a full sync (mark-and-sweep) even when a delta is possible")
	cmd.fs.BoolVar(&opts.ConfirmDeletions, "confirm-deletions", false, "apply deletions above the source's max_delete_percent guard")
	cl, s, code := cmd.startSource(ctx, args)
	if cl == nil {
		return code
	}
	run, err := cl.SyncSource(ctx, s.ID, opts, *wait)
	if err != nil {
		return cmd.fail(err)
	}
	if run == nil {
		return cmd.outLine(map[string]any{"started": true}, "sync of %s started; see pbxagent sources runs %s", cleanLine(s.Name), cleanLine(s.ID))
	}
	code = cmd.out(run, func(w io.Writer) error { return table(w, runHeader, [][]string{runRow(run)}) })
	if code == exitOK && run.Result == "error" {
		return exitError
	}
	return code
}

var runHeader = []string{"STARTED", "MODE", "TRIGGER", "RESULT", "SYNCED", "CHANGED", "DELETED", "ERROR"}

func runRow(r *client.SyncRun) []string {
	return []string{when(r.Started), r.Mode, r.Trigger, r.Result, strconv.Itoa(r.Synced), strconv.Itoa(r.Changed), strconv.Itoa(r.Deleted), r.Error}
}

func (c *cli) sourcesRuns(ctx context.Context, args []string) int {
	cmd := c.newCommand("sources runs", "ID|NAME", "Show a source's last runs, newest first, with their errors.")
	cl, s, code := cmd.startSource(ctx, args)
	if cl == nil {
		return code
	}
	runs := []client.SyncRun{}
	if s.Status != nil && s.Status.Runs != nil {
		runs = s.Status.Runs
	}
	return outRows(cmd, "runs", runs, "no runs yet", runHeader, runRow)
}

func (c *cli) sourcesErase(ctx context.Context, args []string) int {
	cmd := c.newCommand("sources erase", "ID|NAME", "Delete a source: its configuration and every contact it brought. Asks first unless --yes.")
	yes := cmd.yesFlag("erase")
	cl, s, code := cmd.startSource(ctx, args)
	if cl == nil {
		return code
	}
	n := 0
	if s.Status != nil {
		n = s.Status.Contacts
	}
	q := fmt.Sprintf("Erase source %s and its %d contacts? Local edits of them are lost too.", cleanLine(s.Name), n)
	if code, ok := cmd.confirmOrYes(ctx, *yes, q); !ok {
		return code
	}
	deleted, err := cl.EraseSource(ctx, s.ID)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.outLine(map[string]any{"erased": true, "contacts_deleted": deleted}, "erased %s: %d contacts deleted", cleanLine(s.Name), deleted)
}

// startSource starts a command on one source, named by its ID or NAME
// (the one argument): it parses args, builds the client and finds the
// source. When it fails, cl is nil and code is the exit code.
func (cmd *command) startSource(ctx context.Context, args []string) (cl *client.Client, s *client.Source, code int) {
	cl, pos, code := cmd.start(args, 1, 1)
	if cl == nil {
		return nil, nil, code
	}
	s, err := cl.FindSource(ctx, pos[0])
	if err != nil {
		return nil, nil, cmd.fail(err)
	}
	return cl, s, exitOK
}
