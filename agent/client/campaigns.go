package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"

	"github.com/pbxagent/pbxagent/agent/dialer"
)

// CampaignConfig is a dialer campaign's settings.
type CampaignConfig = dialer.CampaignConfig

// CampaignStats are a campaign's real-time figures.
type CampaignStats = dialer.CampaignView

// Agent is a dialer agent's state.
type Agent = dialer.AgentView

// Campaign is a campaign as the campaigns API shows it.
type Campaign struct {
	Config CampaignConfig       `json:"config"`
	State  dialer.CampaignState `json:"state"`
	Stats  *CampaignStats       `json:"stats,omitempty"`
}

// LeadsAdded is the answer to a leads upload.
type LeadsAdded struct {
	Added int `json:"added"`
}

const campaignsPath = "/api/v1/campaigns"

var errNoCampaignID = errors.New("campaign id: empty")

func campaignPath(id string) string { return campaignsPath + "/" + url.PathEscape(id) }

// ListCampaigns returns every campaign.
func (c *Client) ListCampaigns(ctx context.Context) ([]Campaign, error) {
	var out []Campaign
	if err := c.doJSON(ctx, http.MethodGet, campaignsPath, nil, "", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetCampaign returns a campaign with its figures.
func (c *Client) GetCampaign(ctx context.Context, id string) (*Campaign, error) {
	if id == "" {
		return nil, errNoCampaignID
	}
	var out Campaign
	if err := c.doJSON(ctx, http.MethodGet, campaignPath(id), nil, "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateCampaign creates a campaign from a JSON object (CampaignConfig's
// fields; see docs/dialer-asterisk.md).
func (c *Client) CreateCampaign(ctx context.Context, in any) (*Campaign, error) {
	var out Campaign
	if err := c.doJSON(ctx, http.MethodPost, campaignsPath, nil, "application/json", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// PatchCampaign changes some of a campaign's settings.
func (c *Client) PatchCampaign(ctx context.Context, id string, p Patch) (*Campaign, error) {
	if id == "" {
		return nil, errNoCampaignID
	}
	var out Campaign
	if err := c.doJSON(ctx, http.MethodPatch, campaignPath(id), nil, "application/json", p, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CampaignAction starts, pauses or stops a campaign (action "start",
// "pause" or "stop") and returns its figures.
func (c *Client) CampaignAction(ctx context.Context, id, action string) (*CampaignStats, error) {
	if id == "" {
		return nil, errNoCampaignID
	}
	switch action {
	case "start", "pause", "stop":
	default:
		return nil, errors.New("campaign action: start, pause or stop")
	}
	var out CampaignStats
	if err := c.doJSON(ctx, http.MethodPost, campaignPath(id)+"/"+action, nil, "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CampaignStatsOf returns a campaign's real-time figures.
func (c *Client) CampaignStatsOf(ctx context.Context, id string) (*CampaignStats, error) {
	if id == "" {
		return nil, errNoCampaignID
	}
	var out CampaignStats
	if err := c.doJSON(ctx, http.MethodGet, campaignPath(id)+"/stats", nil, "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UploadLeads uploads a leads CSV (number, name, timezone, custom
// columns); the daemon adds every row or none. size is the body length
// when known (0 streams it).
func (c *Client) UploadLeads(ctx context.Context, id string, body io.Reader, size int64) (*LeadsAdded, error) {
	if id == "" {
		return nil, errNoCampaignID
	}
	resp, err := c.send(ctx, request{method: http.MethodPost, path: campaignPath(id) + "/leads", ctype: "text/csv", body: body, size: size})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out LeadsAdded
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, errors.New("POST " + campaignPath(id) + "/leads: decode answer: " + err.Error())
	}
	return &out, nil
}

// ListAgents returns the dialer's agents and their states.
func (c *Client) ListAgents(ctx context.Context) ([]Agent, error) {
	var out []Agent
	if err := c.doJSON(ctx, http.MethodGet, "/api/v1/agents", nil, "", nil, &out); err != nil {
		return nil, err
	}
	return out, nil
}
