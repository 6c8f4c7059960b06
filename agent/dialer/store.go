package dialer

import (
	"context"
	"maps"
	"sort"
	"sync"
	"time"
)

// Store persists what the dialer must not forget across a restart:
// campaigns, leads, the do-not-call list, the 72-hour abandoned-number
// records and the abandonment meters. The dialer keeps its working state in
// memory and hands every change to the Store with its lock held, so the
// Save methods must not block for long (KVStore queues them and writes
// behind). Restore reads everything back through Load.
type Store interface {
	// SaveCampaign records a campaign's configuration and run state.
	SaveCampaign(cfg CampaignConfig, state CampaignState) error
	// SaveLead records a lead's state after a change.
	SaveLead(campaignID string, l Lead) error
	// SaveDNC records a number put on the do-not-call list at at.
	SaveDNC(number string, at time.Time) error
	// SaveAbandoned records the time of the last abandoned call to a
	// number (72-hour rule); a zero time removes the record.
	SaveAbandoned(number string, at time.Time) error
	// SaveMeter records a campaign's abandonment meter.
	SaveMeter(campaignID string, m MeterSnapshot) error
	// DeleteLeads forgets leads of a campaign.
	DeleteLeads(campaignID string, leadIDs []string) error
	// DeleteCampaign forgets a campaign, its meter and the leads named.
	DeleteCampaign(campaignID string, leadIDs []string) error
	// DeleteDNC takes a number off the do-not-call list.
	DeleteDNC(number string) error
	// Load returns everything saved.
	Load(ctx context.Context) (Saved, error)
}

// MeterSnapshot is a campaign's abandonment meter: live answers and
// abandoned calls per time bucket of the regulatory window.
type MeterSnapshot struct {
	// Bucket is the bucket width (the window / 1440).
	Bucket  Duration      `json:"bucket"`
	Buckets []MeterBucket `json:"buckets"`
}

// MeterBucket is one bucket of a MeterSnapshot; Index is the bucket's
// start in Unix nanoseconds divided by the width.
type MeterBucket struct {
	Index     int64 `json:"i"`
	Answers   int   `json:"a"`
	Abandoned int   `json:"x"`
}

// Saved is the content of a Store as Load returns it.
type Saved struct {
	Campaigns []SavedCampaign
	// DNC maps numbers to when they were listed.
	DNC map[string]time.Time
	// Abandoned maps numbers to their last abandoned call.
	Abandoned map[string]time.Time
}

// SavedCampaign is one campaign of a Saved.
type SavedCampaign struct {
	Config CampaignConfig
	State  CampaignState
	// Leads with their attempt counts per outcome, in any order.
	Leads []Lead
	// Meter is nil when none was saved.
	Meter *MeterSnapshot
}

// MemoryStore is a Store that keeps copies in memory (tests, and a dialer
// that need not survive a restart). Safe for concurrent use.
type MemoryStore struct {
	mu        sync.Mutex
	campaigns map[string]storedCampaign
	leads     map[string]map[string]Lead
	dnc       map[string]time.Time
	abandoned map[string]time.Time
	meters    map[string]MeterSnapshot
}

type storedCampaign struct {
	cfg   CampaignConfig
	state CampaignState
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{campaigns: map[string]storedCampaign{}, leads: map[string]map[string]Lead{},
		dnc: map[string]time.Time{}, abandoned: map[string]time.Time{}, meters: map[string]MeterSnapshot{}}
}

// SaveCampaign implements Store.
func (m *MemoryStore) SaveCampaign(cfg CampaignConfig, state CampaignState) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.campaigns[cfg.ID] = storedCampaign{cfg, state}
	return nil
}

// SaveLead implements Store.
func (m *MemoryStore) SaveLead(campaignID string, l Lead) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.leads[campaignID] == nil {
		m.leads[campaignID] = map[string]Lead{}
	}
	m.leads[campaignID][l.ID] = detachLead(l)
	return nil
}

// SaveDNC implements Store.
func (m *MemoryStore) SaveDNC(number string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.dnc[number]; !ok {
		m.dnc[number] = at
	}
	return nil
}

// SaveAbandoned implements Store.
func (m *MemoryStore) SaveAbandoned(number string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if at.IsZero() {
		delete(m.abandoned, number)
	} else {
		m.abandoned[number] = at
	}
	return nil
}

// SaveMeter implements Store.
func (m *MemoryStore) SaveMeter(campaignID string, s MeterSnapshot) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s.Buckets = append([]MeterBucket(nil), s.Buckets...)
	m.meters[campaignID] = s
	return nil
}

// DeleteLeads implements Store.
func (m *MemoryStore) DeleteLeads(campaignID string, leadIDs []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, id := range leadIDs {
		delete(m.leads[campaignID], id)
	}
	return nil
}

// DeleteCampaign implements Store.
func (m *MemoryStore) DeleteCampaign(campaignID string, _ []string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.campaigns, campaignID)
	delete(m.leads, campaignID)
	delete(m.meters, campaignID)
	return nil
}

// DeleteDNC implements Store.
func (m *MemoryStore) DeleteDNC(number string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.dnc, number)
	return nil
}

// DNCListed reports whether a number is on the stored do-not-call list.
func (m *MemoryStore) DNCListed(number string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.dnc[number]
	return ok
}

// Load implements Store.
func (m *MemoryStore) Load(ctx context.Context) (Saved, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := Saved{DNC: maps.Clone(m.dnc), Abandoned: maps.Clone(m.abandoned)}
	for id, c := range m.campaigns {
		sc := SavedCampaign{Config: c.cfg, State: c.state}
		for _, l := range m.leads[id] {
			sc.Leads = append(sc.Leads, detachLead(l))
		}
		if s, ok := m.meters[id]; ok {
			s.Buckets = append([]MeterBucket(nil), s.Buckets...)
			sc.Meter = &s
		}
		out.Campaigns = append(out.Campaigns, sc)
	}
	sort.Slice(out.Campaigns, func(i, j int) bool { return out.Campaigns[i].Config.ID < out.Campaigns[j].Config.ID })
	return out, nil
}

// Campaign returns a stored campaign.
func (m *MemoryStore) Campaign(id string) (CampaignConfig, CampaignState, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.campaigns[id]
	return c.cfg, c.state, ok
}

// Lead returns a stored lead.
func (m *MemoryStore) Lead(campaignID, leadID string) (Lead, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.leads[campaignID][leadID]
	return l, ok
}

// detachLead returns a copy of l that shares no map with it and holds no
// working-state pointers.
func detachLead(l Lead) Lead {
	l.Fields = maps.Clone(l.Fields)
	l.counts = maps.Clone(l.counts)
	l.zones, l.heapIdx = nil, -1
	return l
}

type nopStore struct{}

func (nopStore) SaveCampaign(CampaignConfig, CampaignState) error { return nil }
func (nopStore) SaveLead(string, Lead) error                      { return nil }
func (nopStore) SaveDNC(string, time.Time) error                  { return nil }
func (nopStore) SaveAbandoned(string, time.Time) error            { return nil }
func (nopStore) SaveMeter(string, MeterSnapshot) error            { return nil }
func (nopStore) DeleteLeads(string, []string) error               { return nil }
func (nopStore) DeleteCampaign(string, []string) error            { return nil }
func (nopStore) DeleteDNC(string) error                           { return nil }
func (nopStore) Load(context.Context) (Saved, error)              { return Saved{}, nil }
