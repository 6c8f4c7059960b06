package dialer

import (
	"container/heap"
	"fmt"
	"slices"
	"time"
)

// leadRemoved marks a lead deleted while a queue or an agent still points
// to it: the queue skips it and saveLead does not write it back.
const leadRemoved LeadStatus = "removed"

// RemoveDNC takes a canonical number off the do-not-call list; ErrNotFound
// when it is not listed. Leads already retired as dnc stay so.
func (d *Dialer) RemoveDNC(number string) error {
	if !d.dnc.Remove(number) {
		return fmt.Errorf("number %s is not on the do-not-call list: %w", number, ErrNotFound)
	}
	if err := d.store.DeleteDNC(number); err != nil {
		d.log.Error("dialer: store do-not-call removal", "err", err)
	}
	d.notify()
	return nil
}

// DeleteLead removes one lead of a campaign; ErrConflict while it is being
// dialled.
func (d *Dialer) DeleteLead(campaignID, leadID string) error {
	var rerr error
	d.run(func(now time.Time) {
		c, err := d.campaignLocked(campaignID)
		if err != nil {
			rerr = err
			return
		}
		l, ok := c.leads[leadID]
		if !ok {
			rerr = fmt.Errorf("campaign %q lead %q: %w", campaignID, leadID, ErrNotFound)
			return
		}
		if l.Status == LeadDialing {
			rerr = fmt.Errorf("campaign %q lead %q is being dialled: %w", campaignID, leadID, ErrConflict)
			return
		}
		if l.heapIdx >= 0 && l.heapIdx < len(c.queue.deferred) && c.queue.deferred[l.heapIdx] == l {
			heap.Remove(&c.queue.deferred, l.heapIdx)
		}
		l.Status = leadRemoved
		delete(c.leads, leadID)
		c.leadOrder = slices.DeleteFunc(c.leadOrder, func(x *Lead) bool { return x == l })
		if err := d.store.DeleteLeads(campaignID, []string{leadID}); err != nil {
			d.log.Error("dialer: store lead removal", "campaign", campaignID, "lead", leadID, "err", err)
		}
	})
	return rerr
}

// DeleteLeads removes every lead of a campaign and returns how many;
// ErrConflict while any is being dialled.
func (d *Dialer) DeleteLeads(campaignID string) (int, error) {
	var n int
	var rerr error
	d.run(func(now time.Time) {
		c, err := d.campaignLocked(campaignID)
		if err != nil {
			rerr = err
			return
		}
		ids := make([]string, 0, len(c.leadOrder))
		for _, l := range c.leadOrder {
			if l.Status == LeadDialing {
				rerr = fmt.Errorf("campaign %q: lead %q is being dialled; pause or stop the campaign and wait for its calls to end: %w",
					campaignID, l.ID, ErrConflict)
				return
			}
			ids = append(ids, l.ID)
		}
		for _, l := range c.leadOrder {
			l.Status = leadRemoved
		}
		c.leads, c.leadOrder, c.queue = map[string]*Lead{}, nil, leadQueue{}
		n = len(ids)
		if err := d.store.DeleteLeads(campaignID, ids); err != nil {
			d.log.Error("dialer: store lead removal", "campaign", campaignID, "err", err)
		}
	})
	return n, rerr
}

// DeleteCampaign removes a campaign with its leads and abandonment meter.
// It is refused (ErrConflict) while the campaign runs, has calls in
// progress or agents logged in to it.
func (d *Dialer) DeleteCampaign(id string) error {
	var rerr error
	d.run(func(now time.Time) {
		c, err := d.campaignLocked(id)
		if err != nil {
			rerr = err
			return
		}
		calls := 0
		for _, cl := range d.calls {
			if cl.c == c {
				calls++
			}
		}
		switch {
		case c.state == CampaignRunning:
			rerr = fmt.Errorf("campaign %q is running: stop it first: %w", id, ErrConflict)
		case calls > 0 || len(c.ringing) > 0 || len(c.waiting) > 0:
			rerr = fmt.Errorf("campaign %q has %d calls in progress: wait for them to end: %w", id, max(calls, len(c.ringing)+len(c.waiting)), ErrConflict)
		case len(c.agents) > 0:
			rerr = fmt.Errorf("campaign %q has %d agents logged in: log them out first: %w", id, len(c.agents), ErrConflict)
		}
		if rerr != nil {
			return
		}
		ids := make([]string, 0, len(c.leadOrder))
		for _, l := range c.leadOrder {
			l.Status = leadRemoved
			ids = append(ids, l.ID)
		}
		delete(d.campaigns, id)
		d.corder = slices.DeleteFunc(d.corder, func(x *campaign) bool { return x == c })
		if err := d.store.DeleteCampaign(id, ids); err != nil {
			d.log.Error("dialer: store campaign removal", "campaign", id, "err", err)
		}
	})
	return rerr
}
