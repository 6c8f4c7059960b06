package phones

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/provisioning"
)

// MaxPhoneEndpoints bounds a phone's endpoints (the SIP accounts, or
// lines, it registers; Yealink's larger models have 16).
const MaxPhoneEndpoints = 16

// maxEndpointLen bounds one endpoint name, as users' devices.endpoints.
const maxEndpointLen = 80

// OwnerEndpoints is implemented by Owners that know each user's Asterisk
// endpoints (devices.endpoints); the users service does. With it, a
// phone's endpoints must be among its owner's.
type OwnerEndpoints interface {
	// Endpoints returns the user's Asterisk endpoints ("PJSIP/101").
	Endpoints(ctx context.Context, userID string) ([]string, error)
}

// parseEndpoint checks one endpoint, TECHNOLOGY/resource, and returns it
// with the technology upper-cased (as users' devices.endpoints store it).
func parseEndpoint(s string) (string, bool) {
	tech, res, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok || tech == "" || res == "" || len(s) > maxEndpointLen {
		return "", false
	}
	for _, c := range tech {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return "", false
		}
	}
	if strings.IndexFunc(res, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '/' || !unicode.IsPrint(r) }) >= 0 {
		return "", false
	}
	return strings.ToUpper(tech) + "/" + res, true
}

// parseEndpoints checks a phone's endpoints and returns them normalised,
// without duplicates, in the order given; nil for none.
func parseEndpoints(in []string) ([]string, error) {
	if len(in) > MaxPhoneEndpoints {
		return nil, invalid("endpoints", fmt.Sprintf("at most %d", MaxPhoneEndpoints))
	}
	var out []string
	for i, s := range in {
		ep, ok := parseEndpoint(s)
		if !ok {
			return nil, invalid(fmt.Sprintf("endpoints[%d]", i), "must be TECHNOLOGY/resource, like PJSIP/101 (no spaces or control characters, at most 80 characters)")
		}
		if !slices.Contains(out, ep) {
			out = append(out, ep)
		}
	}
	return out, nil
}

// checkOwnerEndpoints refuses (422) endpoints that are not among the
// owner's devices.endpoints. No owner, or owners that do not know
// endpoints (labs): anything goes.
func (s *Service) checkOwnerEndpoints(ctx context.Context, owner string, eps []string) error {
	oe, ok := s.cfg.owners.(OwnerEndpoints)
	if owner == "" || len(eps) == 0 || !ok {
		return nil
	}
	// A user who is gone or disabled has no endpoints (users answers an
	// error for them): every endpoint is refused.
	have, _ := oe.Endpoints(ctx, owner)
	for i, ep := range eps {
		if !slices.Contains(have, ep) {
			return &platform.APIError{Status: http.StatusUnprocessableEntity, Code: platform.CodeInvalid,
				Message: "endpoints: not among the owner's devices.endpoints",
				Details: []platform.FieldError{{Field: fmt.Sprintf("endpoints[%d]", i),
					Message: quoteShort(ep) + " is not one of the owner's devices.endpoints: add it to the user's devices first"}}}
		}
	}
	return nil
}

// PhoneOf returns the registered phone that registers the Asterisk
// endpoint (one of its endpoints): its MAC address and vendor; ok is
// false when no phone declares it.
func (s *Service) PhoneOf(endpoint string) (mac string, vendor provisioning.Vendor, ok bool) {
	ep, valid := parseEndpoint(endpoint)
	if !valid {
		return "", "", false
	}
	s.reg.mu.RLock()
	defer s.reg.mu.RUnlock()
	rec, ok := s.reg.byMAC[s.reg.byEndpoint[ep]]
	if !ok {
		return "", "", false
	}
	return rec.MAC, rec.Vendor, true
}

// endpointsTaken returns an error naming the first of eps registered by a
// phone other than mac. Called with reg.mu held.
func (r *registry) endpointsTaken(mac string, eps []string) error {
	for i, ep := range eps {
		if other, ok := r.byEndpoint[ep]; ok && other != mac {
			return conflict(fmt.Sprintf("endpoints[%d]", i), ep+" is already registered by the phone "+other+" (an endpoint is on one phone)")
		}
	}
	return nil
}
