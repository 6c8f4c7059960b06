package dialer

import (
	"maps"
	"sync"
)

// Store persists campaigns and leads. The dialer keeps its working state in
// memory and writes through to the Store on every change; a Store must not
// block for long, since it is called with the dialer's lock held.
type Store interface {
	// SaveCampaign records a campaign's configuration and run state.
	SaveCampaign(cfg CampaignConfig, state CampaignState) error
	// SaveLead records a lead's state after a change.
	SaveLead(campaignID string, l Lead) error
}

// MemoryStore is a Store that keeps copies in memory (tests, and the
// default until a persistent store is wired in). Safe for concurrent use.
type MemoryStore struct {
	mu        sync.Mutex
	campaigns map[string]storedCampaign
	leads     map[string]map[string]Lead
}

type storedCampaign struct {
	cfg   CampaignConfig
	state CampaignState
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{campaigns: map[string]storedCampaign{}, leads: map[string]map[string]Lead{}}
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
	l.Fields = maps.Clone(l.Fields)
	l.zones, l.counts = nil, nil
	m.leads[campaignID][l.ID] = l
	return nil
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

type nopStore struct{}

func (nopStore) SaveCampaign(CampaignConfig, CampaignState) error { return nil }
func (nopStore) SaveLead(string, Lead) error                      { return nil }
