package dialer

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Restore reloads what the Store saved: campaigns with their
// configuration, leads (attempts, outcomes per kind, next retry times,
// dispositions), the do-not-call list, the numbers under the 72-hour
// quarantine and the abandonment meters. Call it once, after New and
// before Start or any other method.
//
// A campaign saved as running comes back paused: after a restart every
// agent has to log in again, and an operator resumes dialling on purpose
// (it is also the safe choice when the restart followed a fault). Paused
// and stopped campaigns keep their state.
//
// A lead that was being dialled when the dialer went away has an unknown
// outcome: the customer may have answered into a dialer that was no longer
// there, which is an abandoned call. Such a lead is recorded as "lost" and
// its number is quarantined for 72 hours from the restore, like an
// abandoned call (not counted in the abandonment meter, which cannot know).
func (d *Dialer) Restore(ctx context.Context) error {
	saved, err := d.store.Load(ctx)
	if err != nil {
		return fmt.Errorf("dialer restore: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.restored || d.started || len(d.campaigns) > 0 {
		return fmt.Errorf("dialer restore: must run once, before Start and before campaigns are created: %w", ErrConflict)
	}
	d.restored = true
	now := d.clk.Now()
	for n, at := range saved.DNC {
		d.dnc.Add(n, at)
	}
	for n, at := range saved.Abandoned {
		if now.Sub(at) >= AbandonQuarantine {
			if err := d.store.SaveAbandoned(n, time.Time{}); err != nil {
				d.log.Error("dialer restore: drop expired abandoned record", "err", err)
			}
			continue
		}
		d.abandoned[n] = at
	}
	var resumed, lost, leads int
	for _, sc := range saved.Campaigns {
		c, inDoubt, err := d.restoreCampaign(sc, now)
		if err != nil {
			d.log.Error("dialer restore: campaign skipped", "campaign", sc.Config.ID, "err", err)
			continue
		}
		if sc.State == CampaignRunning {
			resumed++
		}
		lost += inDoubt
		leads += len(c.leadOrder)
	}
	d.log.Info("dialer: restored", "campaigns", len(d.corder), "leads", leads, "dnc", d.dnc.Len(),
		"quarantined", len(d.abandoned), "running_now_paused", resumed, "calls_in_doubt", lost)
	return nil
}

// restoreCampaign rebuilds one campaign and its lead queue; inDoubt counts
// the leads that were being dialled.
func (d *Dialer) restoreCampaign(sc SavedCampaign, now time.Time) (c *campaign, inDoubt int, err error) {
	cfg := sc.Config.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, 0, err
	}
	win, err := parseWindow(cfg.Window)
	if err != nil {
		return nil, 0, err
	}
	if _, ok := d.campaigns[cfg.ID]; ok {
		return nil, 0, fmt.Errorf("campaign %q twice in the store: %w", cfg.ID, ErrConflict)
	}
	state := sc.State
	switch state {
	case CampaignRunning:
		state = CampaignPaused
		d.log.Warn("dialer: campaign was running before the restart; restored paused", "campaign", cfg.ID)
	case CampaignPaused, CampaignStopped:
	default:
		state = CampaignStopped
	}
	c = &campaign{cfg: cfg, win: win, state: state, leads: map[string]*Lead{},
		est: newEstimator(cfg), meter: newMeter(time.Duration(cfg.AbandonWindow)), outcomes: map[Outcome]int{}}
	c.ctl.init(cfg)
	if sc.Meter != nil && !c.meter.restore(*sc.Meter, now) {
		d.log.Warn("dialer restore: abandonment meter of another window width ignored", "campaign", cfg.ID)
	}
	ls := slices.Clone(sc.Leads)
	slices.SortFunc(ls, func(a, b Lead) int { return compareLeadIDs(a.ID, b.ID) })
	for i := range ls {
		l := &ls[i]
		if _, dup := c.leads[l.ID]; dup || l.ID == "" {
			d.log.Warn("dialer restore: duplicate or empty lead id skipped", "campaign", cfg.ID, "lead", l.ID)
			continue
		}
		zs, err := d.zones.zonesFor(l.TZ, l.Number, cfg.Window.DefaultTZ)
		if err != nil {
			return nil, 0, fmt.Errorf("lead %s: %w", l.ID, err)
		}
		l.zones, l.heapIdx = zs, -1
		l.Fields = maps.Clone(l.Fields)
		if l.counts == nil {
			l.counts = map[Outcome]int{}
		} else {
			l.counts = maps.Clone(l.counts)
		}
		if n, err := strconv.Atoi(l.ID); err == nil && n > c.leadSeq {
			c.leadSeq = n
		}
		c.leads[l.ID] = l
		c.leadOrder = append(c.leadOrder, l)
		switch l.Status {
		case LeadDialing:
			// Outcome unknown: possibly answered into a dialer that was gone.
			inDoubt++
			l.counts[OutcomeLost]++
			l.LastOutcome = OutcomeLost
			if d.abandoned[l.Number].Before(now) {
				d.abandoned[l.Number] = now
				if err := d.store.SaveAbandoned(l.Number, now); err != nil {
					d.log.Error("dialer restore: store quarantine", "campaign", cfg.ID, "lead", l.ID, "err", err)
				}
			}
			if l.Attempts >= cfg.Retry.MaxAttempts {
				l.Status = LeadDone
			} else {
				l.Status = LeadPending
				l.NextAt = now.Add(AbandonQuarantine)
				c.queue.push(l, now)
			}
			d.saveLead(c, l)
		case LeadPending:
			c.queue.push(l, now)
		}
	}
	d.campaigns[cfg.ID] = c
	d.corder = append(d.corder, c)
	if state != sc.State {
		if err := d.store.SaveCampaign(cfg, state); err != nil {
			d.log.Error("dialer: store campaign", "campaign", cfg.ID, "err", err)
		}
	}
	return c, inDoubt, nil
}

// compareLeadIDs orders numeric ids numerically, then others as strings.
func compareLeadIDs(a, b string) int {
	na, ea := strconv.Atoi(a)
	nb, eb := strconv.Atoi(b)
	switch {
	case ea == nil && eb == nil:
		return na - nb
	case ea == nil:
		return -1
	case eb == nil:
		return 1
	}
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}
