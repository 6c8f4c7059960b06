package dialer

import (
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Request and answer bodies of the HTTP API.
type (
	directoryQuery struct {
		Query string `json:"query" openapi:"required"`
	}
	loginInput struct {
		Campaign string `json:"campaign" openapi:"required"`
		Endpoint string `json:"endpoint" openapi:"required"`
	}
	pauseInput struct {
		Reason string `json:"reason"`
	}
	dispositionInput struct {
		Disposition string `json:"disposition"`
		OptOut      bool   `json:"opt_out"`
	}
	dncInput struct {
		Numbers []string `json:"numbers" openapi:"required"`
	}
	leadsAdded struct {
		// Received is how many leads the upload held.
		Received int `json:"received"`
		// Added is how many joined the campaign.
		Added int `json:"added"`
		// Skipped lists the leads not added because their number was
		// already in the campaign (or earlier in the upload), up to 100.
		Skipped []leadSkipped `json:"skipped,omitempty"`
	}
	leadSkipped struct {
		// Line of the CSV (0 for a JSON upload).
		Line int `json:"line,omitempty"`
		// Index is the lead's position in the upload, from 1.
		Index  int    `json:"index"`
		Number string `json:"number"`
		Reason string `json:"reason" openapi:"example=already in the campaign"`
	}
	leadsDeleted struct {
		Deleted int `json:"deleted"`
	}
	dncPage struct {
		// Total is how many listed numbers match q.
		Total   int        `json:"total"`
		Offset  int        `json:"offset"`
		Numbers []DNCEntry `json:"numbers"`
	}
	dncAdded struct {
		Added  int `json:"added"`
		Listed int `json:"listed"`
	}
	leadPage struct {
		Total  int    `json:"total"`
		Offset int    `json:"offset"`
		Leads  []Lead `json:"leads"`
	}
)

// Routes lists the handler's routes, each needing the dialer scope.
func (h *Handler) Routes() []platform.Route {
	js := func(v any) *platform.Body { return &platform.Body{ContentType: "application/json", Schema: v} }
	res := func(code int, v any) map[int]platform.Body {
		return map[int]platform.Body{code: {ContentType: "application/json", Description: "success", Schema: v}}
	}
	csvOrJSON := func(v any) *platform.Body {
		return &platform.Body{ContentType: "text/csv", Description: "text/csv, or application/json " + "as the schema", Schema: v}
	}
	r := func(method, path string, f http.HandlerFunc, op platform.Operation) platform.Route {
		return platform.Route{Method: method, Path: path, Scope: platform.ScopeDialer, Handler: f, Op: op}
	}
	noContent := func(what string) map[int]platform.Body {
		return map[int]platform.Body{204: {Description: what}}
	}
	idParam := platform.Param{Name: "id", In: "path", Required: true, Description: "the campaign's id"}
	paging := []platform.Param{
		{Name: "offset", In: "query", Description: "skip this many (default 0)", Schema: map[string]any{"type": "integer", "minimum": 0}},
		{Name: "limit", In: "query", Description: "at most this many (default 100; 0: all)", Schema: map[string]any{"type": "integer", "minimum": 0}},
	}
	d := h.d
	return []platform.Route{
		r("GET", "/api/v1/campaigns", h.listCampaigns, platform.Operation{Summary: "List dialer campaigns", Responses: res(200, []campaignOut{})}),
		r("POST", "/api/v1/campaigns", h.createCampaign, platform.Operation{Summary: "Create a campaign (mode preview, progressive, spare or predictive)",
			Request: js(CampaignConfig{}), Responses: res(201, campaignOut{})}),
		r("GET", "/api/v1/campaigns/{id}", h.getCampaign, platform.Operation{Summary: "Get a campaign", Responses: res(200, campaignOut{})}),
		r("PUT", "/api/v1/campaigns/{id}", h.putCampaign, platform.Operation{Summary: "Replace a campaign's settings", Request: js(CampaignConfig{}), Responses: res(200, campaignOut{})}),
		r("PATCH", "/api/v1/campaigns/{id}", h.patchCampaign, platform.Operation{Summary: "Change a campaign's settings", Request: js(CampaignConfig{}), Responses: res(200, campaignOut{})}),
		r("POST", "/api/v1/campaigns/{id}/start", h.campaignAction(d.StartCampaign), platform.Operation{Summary: "Start dialling", Responses: res(200, CampaignView{})}),
		r("POST", "/api/v1/campaigns/{id}/pause", h.campaignAction(d.PauseCampaign), platform.Operation{Summary: "Pause dialling", Responses: res(200, CampaignView{})}),
		r("POST", "/api/v1/campaigns/{id}/stop", h.campaignAction(d.StopCampaign), platform.Operation{Summary: "Stop the campaign", Responses: res(200, CampaignView{})}),
		r("POST", "/api/v1/campaigns/{id}/leads", h.uploadLeads, platform.Operation{Summary: "Upload leads (CSV: number, name, timezone, custom fields; or JSON)",
			Request: csvOrJSON([]LeadInput{}), Responses: res(200, leadsAdded{})}),
		r("POST", "/api/v1/campaigns/{id}/leads/directory", h.directoryLeads, platform.Operation{Summary: "Add leads from a directory query",
			Request: js(directoryQuery{}), Responses: res(200, leadsAdded{})}),
		r("GET", "/api/v1/campaigns/{id}/leads", h.listLeads, platform.Operation{Summary: "List a campaign's leads",
			Params: []platform.Param{{Name: "offset", In: "query"}, {Name: "limit", In: "query"}}, Responses: res(200, leadPage{})}),
		r("DELETE", "/api/v1/campaigns/{id}", h.deleteCampaign, platform.Operation{
			Summary: "Delete a campaign with its leads and figures (409 while it runs, has calls in progress or agents logged in)",
			Params:  []platform.Param{idParam}, Responses: noContent("deleted")}),
		r("DELETE", "/api/v1/campaigns/{id}/leads", h.deleteLeads, platform.Operation{
			Summary: "Delete every lead of a campaign (409 while one is being dialled)",
			Params:  []platform.Param{idParam}, Responses: res(200, leadsDeleted{})}),
		r("DELETE", "/api/v1/campaigns/{id}/leads/{lead}", h.deleteLead, platform.Operation{
			Summary: "Delete one lead of a campaign (409 while it is being dialled)",
			Params:  []platform.Param{idParam, {Name: "lead", In: "path", Required: true, Description: "the lead's id"}}, Responses: noContent("deleted")}),
		r("GET", "/api/v1/dnc", h.listDNC, platform.Operation{Summary: "List the do-not-call numbers (E.164, in number order)",
			Params:    append([]platform.Param{{Name: "q", In: "query", Description: "only numbers containing these digits"}}, paging...),
			Responses: res(200, dncPage{})}),
		r("DELETE", "/api/v1/dnc/{number}", h.removeDNC, platform.Operation{Summary: "Take a number off the do-not-call list",
			Params: []platform.Param{{Name: "number", In: "path", Required: true, Description: "the number, E.164 (+38761100004) or national with region"},
				{Name: "region", In: "query", Description: "ISO country for a national number (BA, GB); without it such numbers are read as US numbers"}},
			Responses: noContent("removed")}),
		r("GET", "/api/v1/campaigns/{id}/stats", h.stats, platform.Operation{Summary: "A campaign's real-time figures", Responses: res(200, CampaignView{})}),
		r("POST", "/api/v1/dnc", h.addDNC, platform.Operation{Summary: "Add numbers to the do-not-call list (text/csv, one a line, or JSON)",
			Params: []platform.Param{{Name: "region", In: "query"}}, Request: csvOrJSON(dncInput{}), Responses: res(200, dncAdded{})}),
		r("GET", "/api/v1/agents", h.listAgents, platform.Operation{Summary: "List agents and their states", Responses: res(200, []AgentView{})}),
		r("GET", "/api/v1/agents/{id}", h.getAgent, platform.Operation{Summary: "Get an agent's state", Responses: res(200, AgentView{})}),
		r("POST", "/api/v1/agents/{id}/login", h.login, platform.Operation{Summary: "Log an agent in (pbxagent calls the agent's endpoint)",
			Request: js(loginInput{}), Responses: res(200, AgentView{})}),
		r("POST", "/api/v1/agents/{id}/logout", h.agentAction(d.Logout), platform.Operation{Summary: "Log an agent out", Responses: res(200, AgentView{})}),
		r("POST", "/api/v1/agents/{id}/resume", h.agentAction(d.Resume), platform.Operation{Summary: "Make a paused agent ready", Responses: res(200, AgentView{})}),
		r("POST", "/api/v1/agents/{id}/pause", h.pause, platform.Operation{Summary: "Pause an agent with a reason", Request: js(pauseInput{}), Responses: res(200, AgentView{})}),
		r("POST", "/api/v1/agents/{id}/next", h.next, platform.Operation{Summary: "Preview mode: the agent asks for the next call", Responses: res(200, Lead{})}),
		r("POST", "/api/v1/agents/{id}/disposition", h.disposition, platform.Operation{Summary: "Set the call's disposition (and opt-out)",
			Request: js(dispositionInput{}), Responses: res(200, AgentView{})}),
		r("GET", "/api/v1/dialer/stream", h.stream, platform.Operation{Summary: "Real-time agent and campaign state (server-sent events)",
			Responses: map[int]platform.Body{200: {ContentType: "text/event-stream", Description: "snapshot events; end when the server stops", Schema: Snapshot{}}}}),
	}
}
