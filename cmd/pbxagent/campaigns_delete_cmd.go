package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/agent/client"
)

// The commands that remove dialer data: a campaign, its leads, and the
// do-not-call list's numbers.

func (c *cli) campaignsDelete(ctx context.Context, args []string) int {
	cmd := c.newCommand("campaigns delete", "ID", "Delete a campaign with its leads and figures. The daemon refuses while it runs, has calls\nin progress or agents logged in: stop it first. Asks first unless --yes.")
	yes := cmd.yesFlag("delete")
	cl, pos, code := cmd.start(args, 1, 1)
	if cl == nil {
		return code
	}
	id := pos[0]
	return cmd.removeOne(ctx, yes, "Delete campaign "+cleanLine(id)+" with its leads and figures?", "deleted", id,
		func() error { return cl.DeleteCampaign(ctx, id) }, "deleted campaign "+cleanLine(id))
}

func (c *cli) leadsList(ctx context.Context, args []string) int {
	cmd := c.newCommand("campaigns leads list", "ID", "List a campaign's leads: id, number, name, status, attempts.")
	offset := cmd.fs.Int("offset", 0, "leads to skip")
	limit := cmd.fs.Int("limit", 100, "leads to show")
	cl, pos, code := cmd.start(args, 1, 1)
	if cl == nil {
		return code
	}
	page, err := cl.ListLeads(ctx, pos[0], *offset, *limit)
	if err != nil {
		return cmd.fail(err)
	}
	return outPage(cmd, page, page.Leads, page.Offset, page.Total, "leads", fmt.Sprintf("no leads (%d in the campaign)", page.Total),
		[]string{"LEAD", "NUMBER", "NAME", "STATUS", "ATTEMPTS"},
		func(l *client.Lead) []string {
			return []string{l.ID, l.Number, l.Name, string(l.Status), strconv.Itoa(l.Attempts)}
		})
}

func (c *cli) leadsDelete(ctx context.Context, args []string) int {
	cmd := c.newCommand("campaigns leads delete", "ID [LEAD|--all]", "Delete one lead of a campaign (its id, from leads list), or every lead with --all.\nThe daemon refuses while the lead is being dialled. Asks first unless --yes.")
	all := cmd.fs.Bool("all", false, "delete every lead of the campaign")
	yes := cmd.yesFlag("delete")
	cl, pos, code := cmd.start(args, 1, 2)
	if cl == nil {
		return code
	}
	id := pos[0]
	switch {
	case *all && len(pos) == 2:
		return cmd.fail(usagef("give a LEAD or --all, not both"))
	case !*all && len(pos) == 1:
		return cmd.fail(usagef("give the LEAD to delete, or --all"))
	}
	if *all {
		if code, ok := cmd.confirmOrYes(ctx, *yes, "Delete every lead of campaign "+cleanLine(id)+"?"); !ok {
			return code
		}
		n, err := cl.DeleteLeads(ctx, id)
		if err != nil {
			return cmd.fail(err)
		}
		return cmd.outLine(map[string]any{"deleted": n}, "%d leads deleted from %s", n, cleanLine(id))
	}
	lead := pos[1]
	return cmd.removeOne(ctx, yes, "Delete lead "+cleanLine(lead)+" of campaign "+cleanLine(id)+"?", "deleted", lead,
		func() error { return cl.DeleteLead(ctx, id, lead) }, "deleted lead "+cleanLine(lead)+" of "+cleanLine(id))
}

const dncUsage = `usage: pbxagent campaigns dnc <command> [flags]

commands:
  list [DIGITS]       the do-not-call numbers (those containing DIGITS), in number order
  add NUMBER...       add numbers: E.164, or national in --region (default numbers.default_region)
  remove NUMBER       take a number off the list (asks first unless --yes)

The list is shared by every campaign: a listed number is never dialled.

` + connHelp

func (c *cli) dnc(ctx context.Context, args []string) int {
	return c.dispatch(ctx, "campaigns dnc", dncUsage, map[string]func(context.Context, []string) int{
		"list": c.dncList, "add": c.dncAdd, "remove": c.dncRemove,
	}, args)
}

func (c *cli) dncList(ctx context.Context, args []string) int {
	cmd := c.newCommand("campaigns dnc list", "[DIGITS]", "List the do-not-call numbers, those containing DIGITS when given, in number order.")
	offset := cmd.fs.Int("offset", 0, "numbers to skip")
	limit := cmd.fs.Int("limit", 0, "numbers to show (0: all)")
	cl, pos, code := cmd.start(args, 0, 1)
	if cl == nil {
		return code
	}
	q := ""
	if len(pos) == 1 {
		q = pos[0]
	}
	page, err := cl.ListDNC(ctx, q, *offset, *limit)
	if err != nil {
		return cmd.fail(err)
	}
	return outPage(cmd, page, page.Numbers, page.Offset, page.Total, "numbers", "no numbers listed", []string{"NUMBER", "ADDED"},
		func(n *client.DNCEntry) []string {
			return []string{n.Number, n.AddedAt.Local().Format("2006-01-02 15:04")}
		})
}

func (c *cli) dncAdd(ctx context.Context, args []string) int {
	cmd := c.newCommand("campaigns dnc add", "NUMBER...", "Put numbers on the do-not-call list: E.164, or national numbers read in --region\n(default: the daemon's numbers.default_region).")
	region := cmd.fs.String("region", "", "the ISO country of national numbers, e.g. BA")
	cl, pos, code := cmd.start(args, 1, -1)
	if cl == nil {
		return code
	}
	res, err := cl.AddDNC(ctx, pos, strings.ToUpper(*region))
	if err != nil {
		return cmd.fail(err)
	}
	return cmd.outLine(res, "%d added to the do-not-call list; it holds %d", res.Added, res.Listed)
}

func (c *cli) dncRemove(ctx context.Context, args []string) int {
	cmd := c.newCommand("campaigns dnc remove", "NUMBER", "Take a number off the do-not-call list (E.164, or national in --region, default the\ndaemon's numbers.default_region): campaigns may call it again. Asks first unless --yes.")
	region := cmd.fs.String("region", "", "the ISO country of a national number, e.g. BA")
	yes := cmd.yesFlag("remove")
	cl, pos, code := cmd.start(args, 1, 1)
	if cl == nil {
		return code
	}
	number := pos[0]
	return cmd.removeOne(ctx, yes, "Take "+cleanLine(number)+" off the do-not-call list? Campaigns may call it again.", "removed", number,
		func() error { return cl.RemoveDNC(ctx, number, strings.ToUpper(*region)) }, "removed "+cleanLine(number)+" from the do-not-call list")
}
