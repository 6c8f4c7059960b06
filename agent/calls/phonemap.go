package calls

import (
	"fmt"
	"slices"

	"github.com/pbxagent/pbxagent/provisioning"
)

// DeskPhone is the desk phone that registers an Asterisk endpoint.
type DeskPhone struct {
	// MAC is the phone's MAC address, 12 lower-case hex digits.
	MAC string
	// Vendor is the phone's make, which decides the auto-answer header.
	Vendor provisioning.Vendor
}

// PhoneMap says which desk phone registers an Asterisk endpoint: the
// endpoints the administrator declared on each phone of the phones
// registry.
type PhoneMap interface {
	// PhoneOf returns the phone that registers endpoint ("PJSIP/101");
	// ok is false when no phone declares it.
	PhoneOf(endpoint string) (p DeskPhone, ok bool)
}

// WithPhoneMap lets the engine know the desk phone behind each endpoint:
// the auto-answer header of a click-to-call is the one the phone's vendor
// honours, and POST /api/v1/calls/{id}/answer without "phone" answers on
// the owner's phone that rings.
func WithPhoneMap(m PhoneMap) Option { return func(e *Engine) { e.phoneMap = m } }

// phoneOf returns the desk phone of endpoint, if the engine has a map and
// the endpoint is on a phone.
func (e *Engine) phoneOf(endpoint string) (DeskPhone, bool) {
	if e.phoneMap == nil {
		return DeskPhone{}, false
	}
	return e.phoneMap.PhoneOf(endpoint)
}

// ringingEndpoints lists the endpoints of a call's user legs that still
// ring (none once one answered), sorted.
func (e *Engine) ringingEndpoints(id string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.calls[id]
	if s == nil || s.userLeg != "" {
		return nil
	}
	var out []string
	for _, ep := range s.userLegs {
		if !slices.Contains(out, ep) {
			out = append(out, ep)
		}
	}
	slices.Sort(out)
	return out
}

// ringingPhone picks, among the owner's desk phones owned, the one that
// registers an endpoint ringing for call id. With none or several it
// returns "" and why, for the 400 that asks for "phone".
func (e *Engine) ringingPhone(id string, owned []string) (mac, why string) {
	var macs []string
	for _, ep := range e.ringingEndpoints(id) {
		if p, ok := e.phoneOf(ep); ok && slices.Contains(owned, p.MAC) && !slices.Contains(macs, p.MAC) {
			macs = append(macs, p.MAC)
		}
	}
	switch len(macs) {
	case 1:
		return macs[0], ""
	case 0:
		return "", fmt.Sprintf("required: the call's owner has %d desk phones and none of them declares an endpoint that rings for this call (the phone's endpoints)", len(owned))
	}
	slices.Sort(macs)
	return "", fmt.Sprintf("required: the call rings on %d of the owner's desk phones", len(macs))
}
