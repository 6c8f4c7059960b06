package dialer

import (
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Request and answer bodies of the HTTP API.
type (
	directoryQuery struct {
		Query string `json:"query" openapi:"required" doc:"A phone book search (as GET /api/v1/contacts?q=): every number of every global contact it finds becomes a lead" example:"Ankunding"`
	}
	loginInput struct {
		Campaign string `json:"campaign" openapi:"required" doc:"The campaign the agent works on" example:"spring-renewals"`
		Endpoint string `json:"endpoint" openapi:"required" doc:"The agent's phone, which pbxagent calls and keeps up between calls: on an ari campaign an Asterisk endpoint (PJSIP/101); on a sip campaign a SIP URI (sip:101@10.0.0.5) or the user name of a phone registered to pbxagent (101)" example:"PJSIP/101"`
	}
	pauseInput struct {
		Reason string `json:"reason" doc:"Why the agent pauses" example:"break"`
	}
	dispositionInput struct {
		Disposition string `json:"disposition" doc:"The call's disposition, free text (sale, callback, not_interested, …)" example:"callback"`
		OptOut      bool   `json:"opt_out" doc:"The customer asked not to be called again: the number goes on the do-not-call list" example:"false"`
	}
	dncInput struct {
		Numbers []string `json:"numbers" openapi:"required" doc:"Numbers for the do-not-call list (E.164, or national in the region parameter)" example:"[\"+38761100004\",\"061100005\"]"`
	}
	leadsAdded struct {
		Received int           `json:"received" doc:"Leads in the request" example:"120"`
		Added    int           `json:"added" doc:"Leads added (numbers already in the campaign are not)" example:"118"`
		Skipped  []leadSkipped `json:"skipped,omitempty" doc:"The leads not added because their number was already in the campaign or earlier in the upload, up to 100"`
	}
	leadSkipped struct {
		Line   int    `json:"line,omitempty" doc:"The line of the CSV (absent for a JSON upload)" example:"4"`
		Index  int    `json:"index" doc:"The lead's position in the upload, from 1" example:"3"`
		Number string `json:"number" doc:"The lead's number (E.164)" example:"+38761100001"`
		Reason string `json:"reason" doc:"Why it was not added" example:"already in the campaign"`
	}
	leadsDeleted struct {
		Deleted int `json:"deleted" doc:"Leads deleted" example:"120"`
	}
	dncPage struct {
		Total   int        `json:"total" doc:"Listed numbers that match q" example:"431"`
		Offset  int        `json:"offset" doc:"The offset of this page" example:"0"`
		Numbers []DNCEntry `json:"numbers" doc:"The numbers of this page, in number order"`
	}
	dncAdded struct {
		Added  int `json:"added" doc:"Numbers newly listed" example:"2"`
		Listed int `json:"listed" doc:"Numbers on the do-not-call list now" example:"431"`
	}
	leadPage struct {
		Total  int    `json:"total" doc:"Leads of the campaign" example:"120"`
		Offset int    `json:"offset" doc:"The offset of this page" example:"0"`
		Leads  []Lead `json:"leads" doc:"The leads of this page"`
	}
)

// Routes lists the handler's routes, each needing the dialer scope.
func (h *Handler) Routes() []platform.Route {
	js := func(v any) *platform.Body { return &platform.Body{ContentType: "application/json", Schema: v} }
	res := func(code int, v any) map[int]platform.Body {
		return map[int]platform.Body{code: {ContentType: "application/json", Description: "success", Schema: v}}
	}
	csvOrJSON := func(v any, csv string) *platform.Body {
		return &platform.Body{ContentType: "text/csv", Description: "CSV, or JSON as the schema", Schema: map[string]any{"type": "string"}, Example: csv,
			Alternatives: []platform.Body{{ContentType: "application/json", Schema: v}}}
	}
	campaign := []platform.Param{{Name: "id", In: "path", Required: true, Description: "The campaign's id", Example: "spring-renewals"}}
	agent := []platform.Param{{Name: "id", In: "path", Required: true, Description: "The agent's id (chosen at login)", Example: "alice"}}
	conflict := platform.Body{Description: "the campaign or agent is not in a state that allows this", Schema: platform.ErrorBody{}}
	resC := func(code int, v any) map[int]platform.Body {
		m := res(code, v)
		m[409] = conflict
		return m
	}
	r := func(method, path string, f http.HandlerFunc, op platform.Operation) platform.Route {
		return platform.Route{Method: method, Path: path, Scope: platform.ScopeDialer, Handler: f, Op: op}
	}
	d := h.d
	return []platform.Route{
		r("GET", "/api/v1/campaigns", h.listCampaigns, platform.Operation{Summary: "List dialer campaigns", Responses: res(200, []campaignOut{})}),
		r("POST", "/api/v1/campaigns", h.createCampaign, platform.Operation{Summary: "Create a campaign (mode preview, progressive, spare or predictive)",
			Request: js(CampaignConfig{}), Responses: resC(201, campaignOut{})}),
		r("GET", "/api/v1/campaigns/{id}", h.getCampaign, platform.Operation{Params: campaign, Summary: "Get a campaign", Responses: res(200, campaignOut{})}),
		r("PUT", "/api/v1/campaigns/{id}", h.putCampaign, platform.Operation{Params: campaign, Summary: "Replace a campaign's settings", Request: js(CampaignConfig{}), Responses: res(200, campaignOut{})}),
		r("PATCH", "/api/v1/campaigns/{id}", h.patchCampaign, platform.Operation{Params: campaign, Summary: "Change a campaign's settings", Request: js(CampaignConfig{}), Responses: res(200, campaignOut{})}),
		r("POST", "/api/v1/campaigns/{id}/start", h.campaignAction(d.StartCampaign), platform.Operation{Params: campaign, Summary: "Start dialling", Responses: resC(200, CampaignView{})}),
		r("POST", "/api/v1/campaigns/{id}/pause", h.campaignAction(d.PauseCampaign), platform.Operation{Params: campaign, Summary: "Pause dialling", Responses: resC(200, CampaignView{})}),
		r("POST", "/api/v1/campaigns/{id}/stop", h.campaignAction(d.StopCampaign), platform.Operation{Params: campaign, Summary: "Stop the campaign", Responses: resC(200, CampaignView{})}),
		r("POST", "/api/v1/campaigns/{id}/leads", h.uploadLeads, platform.Operation{Params: campaign, Summary: "Upload leads (CSV: number, name, timezone, custom fields; or JSON)",
			Request: csvOrJSON([]LeadInput{}, "number,name,timezone,contract\n+38761100004,Amra Hodžić,Europe/Sarajevo,C-2291\n061100005,Mirza Begić,,C-2292\n"), Responses: res(200, leadsAdded{})}),
		r("POST", "/api/v1/campaigns/{id}/leads/directory", h.directoryLeads, platform.Operation{Params: campaign, Summary: "Add leads from a directory query",
			Request: js(directoryQuery{}), Responses: res(200, leadsAdded{})}),
		r("GET", "/api/v1/campaigns/{id}/leads", h.listLeads, platform.Operation{Summary: "List a campaign's leads",
			Params: append([]platform.Param{
				{Name: "offset", In: "query", Description: "Leads to skip (default 0)", Example: 0, Schema: map[string]any{"type": "integer", "minimum": 0}},
				{Name: "limit", In: "query", Description: "Page size (default 100)", Example: 100, Schema: map[string]any{"type": "integer", "minimum": 0}}}, campaign...), Responses: res(200, leadPage{})}),
		r("DELETE", "/api/v1/campaigns/{id}", h.deleteCampaign, platform.Operation{Params: campaign,
			Summary:   "Delete a campaign with its leads and figures (409 while it runs, has calls in progress or agents logged in)",
			Responses: map[int]platform.Body{204: {Description: "deleted"}, 409: conflict}}),
		r("DELETE", "/api/v1/campaigns/{id}/leads", h.deleteLeads, platform.Operation{Params: campaign,
			Summary: "Delete every lead of a campaign (409 while one is being dialled)", Responses: resC(200, leadsDeleted{})}),
		r("DELETE", "/api/v1/campaigns/{id}/leads/{lead}", h.deleteLead, platform.Operation{
			Summary:   "Delete one lead of a campaign (409 while it is being dialled)",
			Params:    append([]platform.Param{{Name: "lead", In: "path", Required: true, Description: "The lead's id", Example: "17"}}, campaign...),
			Responses: map[int]platform.Body{204: {Description: "deleted"}, 409: conflict}}),
		r("GET", "/api/v1/dnc", h.listDNC, platform.Operation{Summary: "List the do-not-call numbers (E.164, in number order)",
			Params: []platform.Param{
				{Name: "q", In: "query", Description: "Only numbers containing these digits", Example: "61100"},
				{Name: "offset", In: "query", Description: "Numbers to skip (default 0)", Example: 0, Schema: map[string]any{"type": "integer", "minimum": 0}},
				{Name: "limit", In: "query", Description: "Page size (default 100; 0: all)", Example: 100, Schema: map[string]any{"type": "integer", "minimum": 0}}},
			Responses: res(200, dncPage{})}),
		r("DELETE", "/api/v1/dnc/{number}", h.removeDNC, platform.Operation{Summary: "Take a number off the do-not-call list",
			Params: []platform.Param{{Name: "number", In: "path", Required: true, Description: "The number: E.164, or national in region", Example: "+38761100004"},
				{Name: "region", In: "query", Description: "The ISO country of a national number (without +); default numbers.default_region", Example: "BA"}},
			Responses: map[int]platform.Body{204: {Description: "removed"}, 404: {Description: "the number is not listed", Schema: platform.ErrorBody{}}}}),
		r("GET", "/api/v1/campaigns/{id}/stats", h.stats, platform.Operation{Params: campaign, Summary: "A campaign's real-time figures", Responses: res(200, CampaignView{})}),
		r("POST", "/api/v1/dnc", h.addDNC, platform.Operation{Summary: "Add numbers to the do-not-call list (text/csv, one a line, or JSON)",
			Params:  []platform.Param{{Name: "region", In: "query", Description: "The ISO country of national numbers (without +)", Example: "BA"}},
			Request: csvOrJSON(dncInput{}, "+38761100004\n061100005\n"), Responses: res(200, dncAdded{})}),
		r("GET", "/api/v1/agents", h.listAgents, platform.Operation{Summary: "List agents and their states", Responses: res(200, []AgentView{})}),
		r("GET", "/api/v1/agents/{id}", h.getAgent, platform.Operation{Params: agent, Summary: "Get an agent's state", Responses: res(200, AgentView{})}),
		r("POST", "/api/v1/agents/{id}/login", h.login, platform.Operation{Params: agent, Summary: "Log an agent in (pbxagent calls the agent's endpoint)",
			Request: js(loginInput{}), Responses: res(200, AgentView{})}),
		r("POST", "/api/v1/agents/{id}/logout", h.agentAction(d.Logout), platform.Operation{Params: agent, Summary: "Log an agent out", Responses: resC(200, AgentView{})}),
		r("POST", "/api/v1/agents/{id}/resume", h.agentAction(d.Resume), platform.Operation{Params: agent, Summary: "Make a paused agent ready", Responses: resC(200, AgentView{})}),
		r("POST", "/api/v1/agents/{id}/pause", h.pause, platform.Operation{Params: agent, Summary: "Pause an agent with a reason", Request: js(pauseInput{}), Responses: resC(200, AgentView{})}),
		r("POST", "/api/v1/agents/{id}/next", h.next, platform.Operation{Params: agent, Summary: "Preview mode: the agent asks for the next call", Responses: resC(200, Lead{})}),
		r("POST", "/api/v1/agents/{id}/disposition", h.disposition, platform.Operation{Params: agent, Summary: "Set the call's disposition (and opt-out)",
			Request: js(dispositionInput{}), Responses: res(200, AgentView{})}),
		r("GET", "/api/v1/dialer/stream", h.stream, platform.Operation{Summary: "Real-time agent and campaign state (server-sent events)",
			Responses: map[int]platform.Body{200: {ContentType: "text/event-stream", Description: "snapshot events; end when the server stops", Schema: Snapshot{}}}}),
	}
}
