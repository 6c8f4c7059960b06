package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/pbxagent/pbxagent/agent/client"
)

const campaignsUsage = `usage: pbxagent campaigns <command> [flags]

commands:
  list                  list dialer campaigns with their state and counters
  show ID               show a campaign's settings and figures
  create --id ID --mode MODE --set KEY=VALUE…
                        create a campaign (preview, progressive, spare, predictive);
                        --from FILE reads the JSON body
  edit ID               change a campaign's settings (--name, --set, --from)
  start|pause|stop ID   start, pause or stop dialling
  delete ID             delete a stopped campaign with its leads and figures (--yes)
  leads upload ID FILE  add leads from a CSV (number, name, timezone, custom columns;
                        - reads stdin); every row or none
  leads list ID         a campaign's leads (--offset, --limit)
  leads delete ID LEAD  delete one lead; --all deletes every lead (--yes)
  dnc list [DIGITS]     the do-not-call list (numbers containing DIGITS)
  dnc add NUMBER...     add numbers (E.164, or national in --region)
  dnc remove NUMBER     take a number off the list (--yes)
  stats ID              a campaign's real-time figures
  agents                the dialer's agents and their states

` + connHelp

func (c *cli) campaigns(ctx context.Context, args []string) int {
	action := func(a string) func(context.Context, []string) int {
		return func(ctx context.Context, args []string) int { return c.campaignsAction(ctx, a, args) }
	}
	return c.dispatch(ctx, "campaigns", campaignsUsage, map[string]func(context.Context, []string) int{
		"list": c.campaignsList, "show": c.campaignsShow, "create": c.campaignsCreate, "edit": c.campaignsEdit,
		"start": action("start"), "pause": action("pause"), "stop": action("stop"),
		"delete": c.campaignsDelete, "leads": c.campaignsLeads, "dnc": c.dnc,
		"stats": c.campaignsStats, "agents": c.campaignsAgents,
	}, args)
}

var campaignHeader = []string{"ID", "NAME", "MODE", "STATE", "LEADS DUE", "DIALED", "CONNECTED", "ABANDONED", "AGENTS"}

func campaignRow(cp *client.Campaign) []string {
	r := []string{cp.Config.ID, cp.Config.Name, string(cp.Config.Mode), string(cp.State), "", "", "", "", ""}
	if s := cp.Stats; s != nil {
		r[4], r[5], r[6], r[7], r[8] = strconv.Itoa(s.LeadsDue), strconv.Itoa(s.Dialed), strconv.Itoa(s.Connected),
			strconv.Itoa(s.Abandoned), strconv.Itoa(s.AgentsLoggedIn)
	}
	return r
}

func (c *cli) campaignsList(ctx context.Context, args []string) int {
	return runList(ctx, c, args, listSpec[client.Campaign]{name: "campaigns list", summary: "List the dialer's campaigns.",
		key: "campaigns", empty: "no campaigns", header: campaignHeader, row: campaignRow, fetch: (*client.Client).ListCampaigns})
}

// printStats writes a campaign's figures.
func printStats(w io.Writer, s *client.CampaignStats) error {
	return fieldLines(w, [][2]string{{"Campaign", s.ID}, {"State", string(s.State)},
		{"Leads", fmt.Sprintf("%d due, %d deferred", s.LeadsDue, s.LeadsDeferred)},
		{"Calls", fmt.Sprintf("%d ringing, %d waiting, %d channels", s.Ringing, s.Waiting, s.Channels)},
		{"Dialed", strconv.Itoa(s.Dialed)}, {"Answered", strconv.Itoa(s.Answered)}, {"Connected", strconv.Itoa(s.Connected)},
		{"Abandoned", fmt.Sprintf("%d (rate %.2f%%)", s.Abandoned, 100*s.AbandonRate)},
		{"Agents", fmt.Sprintf("%d logged in, %d ready, %d on a call", s.AgentsLoggedIn, s.AgentsReady, s.AgentsOnCall)},
		{"Time to agent", fmt.Sprintf("p99 %s, max %s", time.Duration(s.TimeToAgentP99), time.Duration(s.TimeToAgentMax))}})
}

func printCampaign(w io.Writer, cp *client.Campaign) error {
	cfg := cp.Config
	if err := fieldLines(w, [][2]string{{"ID", cfg.ID}, {"Name", cfg.Name}, {"Mode", string(cfg.Mode)}, {"State", string(cp.State)},
		{"Max channels", strconv.Itoa(cfg.MaxChannels)}, {"Caller ID", cfg.CallerID}, {"Dial string", cfg.DialString},
		{"Default region", cfg.DefaultRegion}, {"Time zone", cfg.Window.DefaultTZ}}); err != nil {
		return err
	}
	if cp.Stats != nil {
		return printStats(w, cp.Stats)
	}
	return nil
}

func (c *cli) campaignsShow(ctx context.Context, args []string) int {
	return runOne(ctx, c, args, "campaigns show", "ID", "Show a campaign's settings and figures.",
		(*client.Client).GetCampaign, printCampaign)
}

func campaignFlags(fs *flagSet, create bool) (*bodyFlags, map[string]func() any) {
	m := map[string]func() any{}
	if create {
		id := fs.String("id", "", "the campaign's id (letters, digits, - and _)")
		mode := fs.String("mode", "", "preview, progressive, spare or predictive")
		m["id"] = func() any { return *id }
		m["mode"] = func() any { return *mode }
	}
	name := fs.String("name", "", "the campaign's name")
	m["name"] = func() any { return *name }
	return addBodyFlags(fs), m
}

func (c *cli) campaignsCreate(ctx context.Context, args []string) int {
	cmd := c.newCommand("campaigns create", "", "Create a campaign, e.g.\n  --id spring --mode progressive --set max_channels=10 --set info_message=sound:info --set window.default_tz=Europe/Sarajevo\nSee docs/dialer-asterisk.md for every setting.")
	cl, _, doc, code := cmd.startWith(args, 0, cmd.bodyDocument(campaignFlags(cmd.fs, true)), "")
	if cl == nil {
		return code
	}
	cp, err := cl.CreateCampaign(ctx, doc)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.outLine(cp, "created campaign %s (%s)", cleanLine(cp.Config.ID), cp.Config.Mode)
}

func (c *cli) campaignsEdit(ctx context.Context, args []string) int {
	cmd := c.newCommand("campaigns edit", "ID", "Change some of a campaign's settings (--name, --set KEY=VALUE, --from FILE).")
	cl, pos, doc, code := cmd.startWith(args, 1, cmd.bodyDocument(campaignFlags(cmd.fs, false)), "nothing to change: give --name, --set or --from")
	if cl == nil {
		return code
	}
	cp, err := cl.PatchCampaign(ctx, pos[0], doc)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.outLine(cp, "updated campaign %s", cleanLine(cp.Config.ID))
}

func (c *cli) campaignsAction(ctx context.Context, action string, args []string) int {
	cmd := c.newCommand("campaigns "+action, "ID", map[string]string{"start": "Start dialling.", "pause": "Pause dialling (calls in progress go on).",
		"stop": "Stop the campaign."}[action])
	cl, pos, code := cmd.start(args, 1, 1)
	if cl == nil {
		return code
	}
	s, err := cl.CampaignAction(ctx, pos[0], action)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.outLine(s, "campaign %s: %s", cleanLine(pos[0]), s.State)
}

const leadsUsage = `usage: pbxagent campaigns leads <command> [flags]

commands:
  upload ID FILE.csv    add leads from a CSV (- reads stdin); every row or none
  list ID               a campaign's leads (--offset, --limit)
  delete ID LEAD        delete one lead; --all instead of LEAD deletes every lead (--yes)

` + connHelp

func (c *cli) campaignsLeads(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "campaigns leads", leadsUsage, map[string]func(context.Context, []string) int{
		"upload": c.leadsUpload, "list": c.leadsList, "delete": c.leadsDelete,
	}, args)
}

func (c *cli) leadsUpload(ctx context.Context, args []string) int {
	cmd := c.newCommand("campaigns leads upload", "ID FILE.csv", "Add leads from a CSV (- reads stdin): a header line naming number and, optionally, name,\ntimezone and custom columns. National numbers are read in the campaign's default_region, else\nnumbers.default_region. Every row is added or none: every bad line is named.")
	cl, pos, code := cmd.start(args, 2, 2)
	if cl == nil {
		return code
	}
	body, size, closeFn, err := c.openUpload(pos[1])
	if err != nil {
		return cmd.fail(err)
	}
	defer closeFn()
	res, err := cl.UploadLeads(ctx, pos[0], body, size)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.outLine(res, "%d leads added to %s", res.Added, cleanLine(pos[0]))
}

func (c *cli) campaignsStats(ctx context.Context, args []string) int {
	return runOne(ctx, c, args, "campaigns stats", "ID", "A campaign's real-time figures.",
		(*client.Client).CampaignStatsOf, printStats)
}

func (c *cli) campaignsAgents(ctx context.Context, args []string) int {
	return runList(ctx, c, args, listSpec[client.Agent]{name: "campaigns agents", summary: "The dialer's agents: campaign, state, time in state, calls.",
		key: "agents", empty: "no agents logged in", header: []string{"AGENT", "CAMPAIGN", "STATE", "PAUSE REASON", "IN STATE", "CALLS"},
		row: func(a *client.Agent) []string {
			return []string{a.ID, a.Campaign, string(a.State), a.PauseReason, time.Duration(a.InState).Round(time.Second).String(), strconv.Itoa(a.Calls)}
		}, fetch: (*client.Client).ListAgents})
}
