package dialer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// campaign is a campaign's working state.
type campaign struct {
	cfg   CampaignConfig
	win   window
	state CampaignState

	leads     map[string]*Lead
	leadOrder []*Lead
	queue     leadQueue
	leadSeq   int

	agents  []*agent // logged in, in login order
	ringing []*call  // originated, not answered
	waiting []*call  // answered, waiting for an agent (FIFO)

	channels        int // customer legs alive
	maxChannelsSeen int

	est      *estimator
	attempts []*attemptSlot // placed attempts not yet in est, oldest first
	meter    *meter
	ctl      controller

	dialed, answered, connected, abandoned, machines, hungUp, failed int
	amdFalsePos                                                      float64 // estimated people among MACHINE verdicts, not yet metered
	amdFalsePosTotal                                                 int
	outcomes                                                         map[Outcome]int
	tta                                                              durHist

	strays         int    // customer legs of an earlier run answered into the app
	recordFailures int    // connected calls whose recording could not start
	lastFault      string // the last configuration fault seen
}

// CreateCampaign adds a stopped campaign and returns its configuration with
// defaults filled in.
func (d *Dialer) CreateCampaign(cfg CampaignConfig) (CampaignConfig, error) {
	cfg = d.backendDefaults(cfg).withDefaults()
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := d.checkBackend(cfg.Backend); err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	win, err := parseWindow(cfg.Window)
	if err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.campaigns[cfg.ID]; ok {
		return cfg, fmt.Errorf("campaign %q exists: %w", cfg.ID, ErrConflict)
	}
	c := &campaign{cfg: cfg, win: win, state: CampaignStopped, leads: map[string]*Lead{},
		est: newEstimator(cfg), meter: newMeter(time.Duration(cfg.AbandonWindow)), outcomes: map[Outcome]int{}}
	c.ctl.init(cfg)
	d.campaigns[cfg.ID] = c
	d.corder = append(d.corder, c)
	if err := d.store.SaveCampaign(cfg, c.state); err != nil {
		d.log.Error("dialer: store campaign", "campaign", cfg.ID, "err", err)
	}
	return cfg, nil
}

// UpdateCampaign replaces a campaign's configuration (its id stays). The
// abandonment window and counters are kept.
func (d *Dialer) UpdateCampaign(cfg CampaignConfig) (CampaignConfig, error) {
	cfg = d.backendDefaults(cfg).withDefaults()
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if err := d.checkBackend(cfg.Backend); err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	win, err := parseWindow(cfg.Window)
	if err != nil {
		return cfg, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var out CampaignConfig
	var rerr error
	d.run(func(now time.Time) {
		c, err := d.campaignLocked(cfg.ID)
		if err != nil {
			rerr = err
			return
		}
		if c.cfg.Mode != cfg.Mode && (len(c.ringing) > 0 || len(c.waiting) > 0) {
			rerr = fmt.Errorf("campaign %q: mode change with calls in progress: %w", cfg.ID, ErrConflict)
			return
		}
		if c.cfg.AbandonWindow != cfg.AbandonWindow {
			c.meter = newMeter(time.Duration(cfg.AbandonWindow))
			c.meter.dirty = true
		}
		c.cfg, c.win = cfg, win
		c.ctl.init(cfg)
		out = cfg
		if err := d.store.SaveCampaign(cfg, c.state); err != nil {
			d.log.Error("dialer: store campaign", "campaign", cfg.ID, "err", err)
		}
	})
	return out, rerr
}

// CampaignConfigOf returns a campaign's configuration.
func (d *Dialer) CampaignConfigOf(id string) (CampaignConfig, CampaignState, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, err := d.campaignLocked(id)
	if err != nil {
		return CampaignConfig{}, "", err
	}
	return c.cfg, c.state, nil
}

// StartCampaign starts (or resumes) dialling.
func (d *Dialer) StartCampaign(id string) error {
	return d.setCampaignState(id, CampaignRunning)
}

// PauseCampaign stops new calls; calls in progress finish normally.
func (d *Dialer) PauseCampaign(id string) error {
	return d.setCampaignState(id, CampaignPaused)
}

// StopCampaign stops new calls, cancels ringing calls once they have rung
// the minimum ring time, and lets answered calls finish.
func (d *Dialer) StopCampaign(id string) error {
	return d.setCampaignState(id, CampaignStopped)
}

func (d *Dialer) setCampaignState(id string, s CampaignState) error {
	var rerr error
	d.run(func(now time.Time) {
		c, err := d.campaignLocked(id)
		if err != nil {
			rerr = err
			return
		}
		if s == CampaignRunning {
			if err := d.checkBackend(c.cfg.Backend); err != nil {
				rerr = fmt.Errorf("%w: %w", ErrInvalid, err)
				return
			}
		}
		c.state = s
		if err := d.store.SaveCampaign(c.cfg, s); err != nil {
			d.log.Error("dialer: store campaign", "campaign", id, "err", err)
		}
		if s == CampaignStopped {
			d.cancelRinging(c, now)
		}
		if s == CampaignRunning {
			d.pace(c, now)
		}
	})
	return rerr
}

// AddLeads appends leads to a campaign (whole or not at all) and returns
// how many were added. Numbers already in the campaign are skipped.
func (d *Dialer) AddLeads(id string, in []LeadInput) (int, error) {
	n, _, err := d.addLeads(id, in)
	return n, err
}

// addLeads is AddLeads that also returns the indexes in in of the leads
// skipped because their number was already in the campaign (or earlier in in).
func (d *Dialer) addLeads(id string, in []LeadInput) (int, []int, error) {
	d.mu.Lock()
	c, err := d.campaignLocked(id)
	if err != nil {
		d.mu.Unlock()
		return 0, nil, err
	}
	cfg := c.cfg
	d.mu.Unlock()

	type prepared struct {
		in    LeadInput
		zones *zoneSet
	}
	prep := make([]prepared, 0, len(in))
	for i, li := range in {
		num, err := CanonicalNumber(li.Number, d.Region(cfg.DefaultRegion))
		if err != nil {
			return 0, nil, fmt.Errorf("%w: lead %d: %w", ErrInvalid, i+1, err)
		}
		li.Number = num
		zs, err := d.zones.zonesFor(li.TZ, num, cfg.Window.DefaultTZ)
		if err != nil {
			return 0, nil, fmt.Errorf("%w: lead %d: %w", ErrInvalid, i+1, err)
		}
		prep = append(prep, prepared{li, zs})
	}
	added := 0
	var skipped []int
	d.run(func(now time.Time) {
		c, err = d.campaignLocked(id)
		if err != nil {
			return
		}
		seen := make(map[string]bool, len(c.leads))
		for _, l := range c.leadOrder {
			seen[l.Number] = true
		}
		for i, p := range prep {
			if seen[p.in.Number] {
				skipped = append(skipped, i)
				continue
			}
			seen[p.in.Number] = true
			c.leadSeq++
			l := &Lead{ID: strconv.Itoa(c.leadSeq), Number: p.in.Number, Name: p.in.Name, TZ: p.in.TZ,
				Fields: p.in.Fields, Status: LeadPending, zones: p.zones, counts: map[Outcome]int{}, heapIdx: -1}
			c.leads[l.ID] = l
			c.leadOrder = append(c.leadOrder, l)
			c.queue.push(l, now)
			added++
			if err := d.store.SaveLead(id, *l); err != nil {
				d.log.Error("dialer: store lead", "campaign", id, "err", err)
			}
		}
	})
	return added, skipped, err
}

// Leads returns copies of a campaign's leads, offset and limit paging them
// (limit 0: all).
func (d *Dialer) Leads(id string, offset, limit int) ([]Lead, int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, err := d.campaignLocked(id)
	if err != nil {
		return nil, 0, err
	}
	total := len(c.leadOrder)
	if offset > total {
		offset = total
	}
	end := total
	if limit > 0 && offset+limit < end {
		end = offset + limit
	}
	out := make([]Lead, 0, end-offset)
	for _, l := range c.leadOrder[offset:end] {
		cp := *l
		cp.zones, cp.counts = nil, nil
		out = append(out, cp)
	}
	return out, total, nil
}

// AddDNC puts canonical numbers on the do-not-call list at once.
func (d *Dialer) AddDNC(numbers []string) {
	now := d.clk.Now()
	for _, n := range numbers {
		d.addDNC(n, now)
	}
}

// addDNC lists a number and records it in the store.
func (d *Dialer) addDNC(number string, now time.Time) {
	if d.dnc.Contains(number) {
		return
	}
	d.dnc.Add(number, now)
	if err := d.store.SaveDNC(number, now); err != nil {
		d.log.Error("dialer: store do-not-call number", "err", err)
	}
}

// DNC returns the dialer's do-not-call list.
func (d *Dialer) DNC() *DNCList { return d.dnc }

// nextLead returns the next lead that may be called now, deferring leads
// that are outside their calling window, in the 72-hour quarantine or
// already being called, and retiring do-not-call numbers.
func (d *Dialer) nextLead(c *campaign, now time.Time) *Lead {
	c.queue.promote(now)
	for {
		l := c.queue.pop()
		if l == nil {
			return nil
		}
		if l.Status != LeadPending {
			continue
		}
		if d.dnc.Contains(l.Number) {
			l.Status = LeadDNC
			d.saveLead(c, l)
			continue
		}
		if t, ok := d.abandoned[l.Number]; ok && now.Before(t.Add(AbandonQuarantine)) {
			l.NextAt = t.Add(AbandonQuarantine)
			c.queue.push(l, now)
			continue
		}
		if d.inflight[l.Number] {
			l.NextAt = now.Add(time.Minute)
			c.queue.push(l, now)
			continue
		}
		if !c.win.open(now, l.zones) {
			next, ok := d.zones.nextOpen(c.win, now, l.zones)
			if !ok {
				l.Status = LeadDone
				l.LastOutcome = OutcomeUnknown
				d.saveLead(c, l)
				continue
			}
			l.NextAt = next
			c.queue.push(l, now)
			continue
		}
		return l
	}
}

func (d *Dialer) saveLead(c *campaign, l *Lead) {
	if l.Status == leadRemoved {
		return // deleted (DeleteLead): an agent's late disposition must not bring it back
	}
	if err := d.store.SaveLead(c.cfg.ID, *l); err != nil {
		d.log.Error("dialer: store lead", "campaign", c.cfg.ID, "lead", l.ID, "err", err)
	}
}

// backendDefaults fills the backend (the daemon's default) and a sip
// campaign's dial string (the daemon's trunk template).
func (d *Dialer) backendDefaults(cfg CampaignConfig) CampaignConfig {
	if cfg.Backend == "" {
		cfg.Backend = d.backends[0]
	}
	if cfg.Backend == BackendSIP && cfg.DialString == "" {
		cfg.DialString = d.sipTrunk
	}
	return cfg
}

// checkBackend refuses a backend the daemon does not run.
func (d *Dialer) checkBackend(b string) error {
	if slices.Contains(d.backends, b) {
		return nil
	}
	switch b {
	case BackendSIP:
		return fmt.Errorf("campaign backend: sip: pbxagent's SIP user agent is off (set sip_ua.addr in the configuration)")
	case BackendARI:
		return fmt.Errorf("campaign backend: ari: no Asterisk connection is configured (set ari.url, or use backend sip)")
	}
	return fmt.Errorf("campaign backend: %q is not ari or sip", b)
}

// endpointFor fills the campaign's dial string.
func endpointFor(c *campaign, number string) string {
	return strings.ReplaceAll(c.cfg.DialString, "{number}", number)
}
