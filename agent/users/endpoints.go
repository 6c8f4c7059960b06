package users

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// EndpointImport is the answer to POST /api/v1/users/import-endpoints.
type EndpointImport struct {
	// Created are the new users.
	Created []User `json:"created" doc:"The new users"`
	// Skipped are the endpoints that made no user, with why.
	Skipped []SkippedEndpoint `json:"skipped" doc:"The endpoints that made no user, with why"`
}

// SkippedEndpoint is an endpoint the import left alone.
type SkippedEndpoint struct {
	Endpoint string `json:"endpoint" doc:"The Asterisk endpoint" example:"PJSIP/alice"`
	Reason   string `json:"reason" doc:"Why it made no user" example:"not numeric"`
}

// importEndpoints creates a user for each numeric Asterisk endpoint
// (PJSIP/101 → user "101", extension 101, endpoint PJSIP/101) that no user
// has yet; existing users are left untouched.
func (s *Service) importEndpoints(w http.ResponseWriter, r *http.Request) {
	if s.endpoints == nil {
		platform.WriteErr(w, r, &platform.APIError{Status: http.StatusServiceUnavailable, Code: platform.CodeUnavailable,
			Message: "no Asterisk connection (ARI) is configured"})
		return
	}
	eps, err := s.endpoints.List(r.Context())
	if err != nil {
		platform.WriteErr(w, r, &platform.APIError{Status: http.StatusBadGateway, Code: platform.CodeUnavailable,
			Message: "could not list Asterisk's endpoints", Err: err})
		return
	}
	res := EndpointImport{Created: []User{}, Skipped: []SkippedEndpoint{}}
	var items []newUser
	seen := map[string]bool{}
	s.mu.RLock()
	for _, ep := range eps {
		name := ep.Technology + "/" + ep.Resource
		key, err := validateEndpoint(name)
		skip := func(format string, a ...any) {
			res.Skipped = append(res.Skipped, SkippedEndpoint{Endpoint: name, Reason: fmt.Sprintf(format, a...)})
		}
		switch {
		case err != nil:
			skip("not an endpoint name: %v", err)
		case strings.Trim(ep.Resource, "0123456789") != "" || len(ep.Resource) > MaxExtensionLen:
			skip("the resource is not an extension number")
		case s.byEndpoint[key] != "":
			skip("already a device of user %s", s.byID[s.byEndpoint[key]].Username)
		case s.byName[usernameKey(ep.Resource)] != "":
			skip("user %s exists", ep.Resource)
		case s.byExt[ep.Resource] != "":
			skip("extension %s belongs to user %s", ep.Resource, s.byID[s.byExt[ep.Resource]].Username)
		case seen[ep.Resource]:
			skip("another endpoint of the list makes user %s", ep.Resource)
		default:
			seen[ep.Resource] = true
			items = append(items, newUser{label: name + ": ", in: Input{Username: ep.Resource,
				Extensions: []string{ep.Resource}, Devices: Devices{Endpoints: []string{name}}}})
		}
	}
	s.mu.RUnlock()
	if len(items) > 0 {
		recs, err := s.create(r.Context(), items)
		if err != nil {
			platform.WriteErr(w, r, capDetails(err))
			return
		}
		for _, rec := range recs {
			res.Created = append(res.Created, rec.view())
		}
	}
	s.log.Info("users imported from Asterisk endpoints", "endpoints", len(eps), "created", len(res.Created), "skipped", len(res.Skipped))
	platform.WriteJSON(w, http.StatusOK, res)
}
