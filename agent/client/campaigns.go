package client

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

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

// DeleteCampaign deletes a campaign with its leads and figures; the
// daemon refuses (409) while it runs, has calls in progress or agents
// logged in.
func (c *Client) DeleteCampaign(ctx context.Context, id string) error {
	if id == "" {
		return errNoCampaignID
	}
	return c.doJSON(ctx, http.MethodDelete, campaignPath(id), nil, "", nil, nil)
}

// DeleteLead deletes one lead of a campaign (409 while it is being
// dialled).
func (c *Client) DeleteLead(ctx context.Context, id, lead string) error {
	if id == "" {
		return errNoCampaignID
	}
	if lead == "" {
		return errors.New("lead id: empty")
	}
	return c.doJSON(ctx, http.MethodDelete, campaignPath(id)+"/leads/"+url.PathEscape(lead), nil, "", nil, nil)
}

// DeleteLeads deletes every lead of a campaign and returns how many went
// (409 while one is being dialled).
func (c *Client) DeleteLeads(ctx context.Context, id string) (int, error) {
	if id == "" {
		return 0, errNoCampaignID
	}
	var out struct {
		Deleted int `json:"deleted"`
	}
	if err := c.doJSON(ctx, http.MethodDelete, campaignPath(id)+"/leads", nil, "", nil, &out); err != nil {
		return 0, err
	}
	return out.Deleted, nil
}

// DNCEntry is a number on the do-not-call list.
type DNCEntry = dialer.DNCEntry

// DNCPage is a page of the do-not-call list.
type DNCPage struct {
	Total   int        `json:"total"`
	Offset  int        `json:"offset"`
	Numbers []DNCEntry `json:"numbers"`
}

// DNCAdded is the answer to adding numbers to the do-not-call list.
type DNCAdded struct {
	Added  int `json:"added"`
	Listed int `json:"listed"`
}

const dncPath = "/api/v1/dnc"

// ListDNC returns the do-not-call numbers containing the digits of q
// (all when empty), from offset, at most limit of them (0: all).
func (c *Client) ListDNC(ctx context.Context, q string, offset, limit int) (*DNCPage, error) {
	v := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
	if q != "" {
		v.Set("q", q)
	}
	var out DNCPage
	if err := c.doJSON(ctx, http.MethodGet, dncPath, v, "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AddDNC puts numbers on the do-not-call list; national numbers are read
// in region (the ISO country; empty: the daemon's numbers.default_region).
func (c *Client) AddDNC(ctx context.Context, numbers []string, region string) (*DNCAdded, error) {
	var v url.Values
	if region != "" {
		v = url.Values{"region": {region}}
	}
	var out DNCAdded
	in := struct {
		Numbers []string `json:"numbers"`
	}{numbers}
	if err := c.doJSON(ctx, http.MethodPost, dncPath, v, "application/json", in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// RemoveDNC takes a number off the do-not-call list (E.164, or national
// in region).
func (c *Client) RemoveDNC(ctx context.Context, number, region string) error {
	if number == "" {
		return errors.New("number: empty")
	}
	var v url.Values
	if region != "" {
		v = url.Values{"region": {region}}
	}
	return c.doJSON(ctx, http.MethodDelete, dncPath+"/"+url.PathEscape(number), v, "", nil, nil)
}

// Lead is a campaign's lead as the leads list shows it.
type Lead = dialer.Lead

// LeadPage is a page of a campaign's leads.
type LeadPage struct {
	Total  int    `json:"total"`
	Offset int    `json:"offset"`
	Leads  []Lead `json:"leads"`
}

// ListLeads returns a campaign's leads from offset, at most limit of them.
func (c *Client) ListLeads(ctx context.Context, id string, offset, limit int) (*LeadPage, error) {
	if id == "" {
		return nil, errNoCampaignID
	}
	v := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
	var out LeadPage
	if err := c.doJSON(ctx, http.MethodGet, campaignPath(id)+"/leads", v, "", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
