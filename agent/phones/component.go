package phones

import (
	"net/http"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// Name implements platform.Component.
func (s *Service) Name() string { return "phones" }

// Phone endpoint patterns: the phones' own routes, public to the HTTP
// layer because phones authenticate here (token, Basic, Digest, address).
const (
	PhonebookPattern    = "GET /phonebook/{file...}"
	ProvisioningPattern = "GET /provisioning/{file...}"
)

// Routes implements platform.Router: the admin API (admin scope) and the
// phone endpoints (public: the service authenticates phones itself).
func (s *Service) Routes() []platform.Route {
	admin := platform.ScopeAdmin
	ph := s.PhoneHandler()
	phone := func(v any) map[int]platform.Body {
		return map[int]platform.Body{200: {ContentType: "application/json", Description: "the phone", Schema: v}}
	}
	list := http.HandlerFunc(s.listPhones)
	create := http.HandlerFunc(s.createPhone)
	listOp := platform.Operation{Summary: "List registered phones", Responses: phone(phoneList{})}
	createOp := platform.Operation{Summary: "Register a phone (returns its token once)",
		Description: "The answer is the only time the phone's URL token is shown: put it in the phone's provisioning URL " +
			"(or give the phone a username and password for Basic or Digest). PATCH with rotate_token makes a new one.",
		Request: &platform.Body{ContentType: "application/json", Schema: createRequest{}},
		Responses: map[int]platform.Body{201: {ContentType: "application/json", Description: "the phone with its token", Schema: Phone{}},
			409: {Description: "the MAC address or the username is registered already", Schema: platform.ErrorBody{}}}}
	provXML, provCfg := provisioningExamples()
	fileParams := func(desc string, example string) []platform.Param {
		return []platform.Param{{Name: "file", In: "path", Required: true, Description: desc, Example: example}, tokenParam}
	}
	return []platform.Route{
		// With and without the trailing slash.
		{Method: "GET", Path: "/api/v1/phones", Scope: admin, Handler: list, Op: listOp},
		{Method: "GET", Path: "/api/v1/phones/{$}", Scope: admin, Handler: list, Op: listOp},
		{Method: "POST", Path: "/api/v1/phones", Scope: admin, Handler: create, Op: createOp},
		{Method: "POST", Path: "/api/v1/phones/{$}", Scope: admin, Handler: create, Op: createOp},
		{Method: "GET", Path: "/api/v1/phones/{mac}", Scope: admin, Handler: http.HandlerFunc(s.getPhone),
			Op: platform.Operation{Summary: "Get a phone", Params: []platform.Param{macParam}, Responses: phone(Phone{})}},
		{Method: "PATCH", Path: "/api/v1/phones/{mac}", Scope: admin, Handler: http.HandlerFunc(s.patchPhone),
			Op: platform.Operation{Summary: "Change a phone", Params: []platform.Param{macParam}, Request: &platform.Body{ContentType: "application/json", Schema: patch{}},
				Responses: map[int]platform.Body{200: phone(Phone{})[200], 409: {Description: "the username is used by another phone", Schema: platform.ErrorBody{}}}}},
		{Method: "DELETE", Path: "/api/v1/phones/{mac}", Scope: admin, Handler: http.HandlerFunc(s.deletePhone),
			Op: platform.Operation{Summary: "Remove a phone", Params: []platform.Param{macParam}, Responses: map[int]platform.Body{204: {Description: "removed"}}}},
		{Method: "POST", Path: "/api/v1/phones/{mac}/cti", Scope: admin, Handler: http.HandlerFunc(s.postCTI),
			Op: platform.Operation{Summary: "Send a remote-control command to a phone (answer, hangup, hold, dtmf, dial)",
				Description: "pbxagent sends the command to the phone's own HTTP control interface (Yealink, Fanvil and Snom action URIs, Cisco CiscoIPPhoneExecute, " +
					"Grandstream CTI) at the address of its latest fetch, with the phones.cti credentials (else the phone's own). The phone's cti.capabilities " +
					"say which actions its vendor supports; docs/phones.md lists the vendors' forms and sources.",
				Params:  []platform.Param{macParam},
				Request: &platform.Body{ContentType: "application/json", Schema: ctiRequest{}},
				Responses: map[int]platform.Body{
					200: {ContentType: "application/json", Description: "the phone accepted the command", Schema: ctiResult{}},
					400: {Description: "unknown action, or bad digits", Schema: platform.ErrorBody{}},
					404: {Description: "no such phone", Schema: platform.ErrorBody{}},
					409: {Description: "the phone's vendor cannot do this remotely (\"this device cannot be answered remotely\"), or its address is not known yet", Schema: platform.ErrorBody{}},
					502: {Description: "the phone refused pbxagent's credentials (phone_refused_credentials) or said no (phone_rejected)", Schema: platform.ErrorBody{}},
					504: {Description: "the phone did not answer in time (phone_unreachable)", Schema: platform.ErrorBody{}},
				}}},
		{Method: "GET", Path: "/phonebook/{file...}", Scope: platform.ScopePublic, Handler: ph, Op: platform.Operation{
			Summary: "Vendor phonebook XML (yealink.xml, yealink-groups.xml, cisco.xml, grandstream.xml, snom.xml, fanvil.xml, …); phone auth",
			Params: append(fileParams("The phone book file: its name says the vendor format", "yealink.xml"),
				platform.Param{Name: "q", In: "query", Description: "Search words (name, company or number)", Example: "muller"},
				platform.Param{Name: "number", In: "query", Description: "Look up one number", Example: "+38761111111"},
				platform.Param{Name: "page", In: "query", Description: "The page of a paged book (1-based)", Example: 2, Schema: map[string]any{"type": "integer", "minimum": 1}}),
			Responses: phoneResponses(platform.Body{ContentType: "application/xml", Description: "the phone book in the vendor's XML", Example: yealinkExample()})}},
		{Method: "GET", Path: "/provisioning/{file...}", Scope: platform.ScopePublic, Handler: ph, Op: platform.Operation{
			Summary: "Per-phone provisioning and directory files; phone auth", Params: fileParams("A provisioning file of the phone (see provisioning_files of GET /api/v1/phones/{mac})", "0015654aa937.cfg"),
			Responses: phoneResponses(platform.Body{ContentType: "application/xml", Description: "the file: XML (Cisco, Polycom, Grandstream, Snom, Fanvil) or Yealink's key = value text",
				Example: provXML, Alternatives: []platform.Body{{ContentType: "text/plain", Example: provCfg}}})}},
	}
}

// phoneList is the body of GET /api/v1/phones.
type phoneList struct {
	Phones []Phone `json:"phones" doc:"The registered phones"`
}
