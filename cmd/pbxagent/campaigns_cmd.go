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
	cmd := c.newCommand("campaigns list", "", "List the dialer's campaigns.")
	cl, _, code := cmd.start(args, 0, 0)
	if cl == nil {
		return code
	}
	cs, err := cl.ListCampaigns(ctx)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.out(map[string]any{"campaigns": cs}, func(w io.Writer) error {
		if len(cs) == 0 {
			fmt.Fprintln(c.stderr, "no campaigns")
			return nil
		}
		rows := make([][]string, len(cs))
		for i := range cs {
			rows[i] = campaignRow(&cs[i])
		}
		return table(w, campaignHeader, rows)
	})
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
	cmd := c.newCommand("campaigns show", "ID", "Show a campaign's settings and figures.")
	cl, pos, code := cmd.start(args, 1, 1)
	if cl == nil {
		return code
	}
	cp, err := cl.GetCampaign(ctx, pos[0])
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.out(cp, func(w io.Writer) error { return printCampaign(w, cp) })
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
	body, fields := campaignFlags(cmd.fs, true)
	cl, _, code := cmd.start(args, 0, 0)
	if cl == nil {
		return code
	}
	doc, err := body.document(c, given(cmd.fs, fields))
	if err != nil {
		return cmd.fail(err)
	}
	cp, err := cl.CreateCampaign(ctx, doc)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.out(cp, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "created campaign %s (%s)\n", cleanLine(cp.Config.ID), cp.Config.Mode)
		return err
	})
}

func (c *cli) campaignsEdit(ctx context.Context, args []string) int {
	cmd := c.newCommand("campaigns edit", "ID", "Change some of a campaign's settings (--name, --set KEY=VALUE, --from FILE).")
	body, fields := campaignFlags(cmd.fs, false)
	cl, pos, code := cmd.start(args, 1, 1)
	if cl == nil {
		return code
	}
	doc, err := body.document(c, given(cmd.fs, fields))
	if err != nil {
		return cmd.fail(err)
	}
	if len(doc) == 0 {
		return cmd.fail(usagef("nothing to change: give --name, --set or --from"))
	}
	cp, err := cl.PatchCampaign(ctx, pos[0], doc)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.out(cp, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "updated campaign %s\n", cleanLine(cp.Config.ID))
		return err
	})
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
	return cmd.out(s, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "campaign %s: %s\n", cleanLine(pos[0]), s.State)
		return err
	})
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
	return cmd.out(res, func(w io.Writer) error {
		_, err := fmt.Fprintf(w, "%d leads added to %s\n", res.Added, cleanLine(pos[0]))
		return err
	})
}

func (c *cli) campaignsStats(ctx context.Context, args []string) int {
	cmd := c.newCommand("campaigns stats", "ID", "A campaign's real-time figures.")
	cl, pos, code := cmd.start(args, 1, 1)
	if cl == nil {
		return code
	}
	s, err := cl.CampaignStatsOf(ctx, pos[0])
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.out(s, func(w io.Writer) error { return printStats(w, s) })
}

func (c *cli) campaignsAgents(ctx context.Context, args []string) int {
	cmd := c.newCommand("campaigns agents", "", "The dialer's agents: campaign, state, time in state, calls.")
	cl, _, code := cmd.start(args, 0, 0)
	if cl == nil {
		return code
	}
	as, err := cl.ListAgents(ctx)
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.out(map[string]any{"agents": as}, func(w io.Writer) error {
		if len(as) == 0 {
			fmt.Fprintln(c.stderr, "no agents logged in")
			return nil
		}
		rows := make([][]string, len(as))
		for i, a := range as {
			rows[i] = []string{a.ID, a.Campaign, string(a.State), a.PauseReason, time.Duration(a.InState).Round(time.Second).String(), strconv.Itoa(a.Calls)}
		}
		return table(w, []string{"AGENT", "CAMPAIGN", "STATE", "PAUSE REASON", "IN STATE", "CALLS"}, rows)
	})
}
