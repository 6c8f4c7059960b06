package phones

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/provisioning/cti"
)

// PhoneCTI is what pbxagent can do to a phone remotely, as the admin API
// shows it.
type PhoneCTI struct {
	// Capabilities are the actions the phone's vendor driver supports.
	Capabilities []cti.Action `json:"capabilities" doc:"The remote-control actions pbxagent can send this phone (by its vendor): answer, hangup, hold, dtmf, dial; empty: none" example:"[\"answer\",\"hangup\",\"hold\"]"`
	// Address is where commands go: the address of the phone's latest
	// fetch, absent until it has fetched a file since the daemon started.
	Address string `json:"address,omitempty" doc:"Where commands go: the address of the phone's latest provisioning or phone book fetch since the daemon started; absent before" example:"192.0.2.41"`
}

// ctiView is rec's remote-control view.
func (s *Service) ctiView(rec *record) PhoneCTI {
	v := PhoneCTI{Capabilities: cti.CapabilitiesOf(rec.Vendor).List()}
	if a := s.fetches.addr(rec.MAC).Unmap(); a.IsValid() {
		v.Address = a.String()
	}
	return v
}

// CTI returns the remote-control driver of the registered phone mac: its
// vendor's driver aimed at the address of its latest fetch, with the
// phones.cti credentials (else its own). It fails only for an unknown
// phone; a phone with no known address fails each command with
// cti.ErrNoAddress.
func (s *Service) CTI(mac string) (cti.Driver, error) {
	rec, ok := s.reg.get(mac)
	if !ok {
		return nil, errMissing
	}
	return cti.New(s.ctiTarget(rec), cti.WithClient(s.ctiHTTP()), cti.WithTimeout(s.cfg.cti.Timeout))
}

func (s *Service) ctiTarget(rec *record) cti.Target {
	c := s.cfg.cti
	t := cti.Target{MAC: rec.MAC, Vendor: rec.Vendor, HTTPS: c.HTTPS, Username: c.Username, Password: c.Password}
	if t.Username == "" {
		t.Username, t.Password = rec.Username, s.reg.password(rec)
	}
	if a := s.fetches.addr(rec.MAC).Unmap(); a.IsValid() {
		t.Host = a.String()
		if a.Is6() || c.Port != 0 {
			port := c.Port
			if port == 0 {
				port = 80
				if c.HTTPS {
					port = 443
				}
			}
			t.Host = netip.AddrPortFrom(a, uint16(port)).String()
		}
	}
	return t
}

// ctiHTTP is the client of every command: no redirects, phones'
// self-signed certificates accepted.
func (s *Service) ctiHTTP() *http.Client {
	s.ctiOnce.Do(func() {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // phones have self-signed certificates
		tr.MaxIdleConnsPerHost = 1
		s.ctiClient = &http.Client{Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	})
	return s.ctiClient
}

// ctiRequest is the body of POST /api/v1/phones/{mac}/cti.
type ctiRequest struct {
	Action string `json:"action" doc:"What to do: answer, hangup, hold, dtmf or dial" example:"answer"`
	Digits string `json:"digits,omitempty" doc:"The digits of dtmf (0-9, *, #) or the number of dial (a leading + allowed); at most 32" example:"1001"`
}

// ctiResult is the answer of POST /api/v1/phones/{mac}/cti.
type ctiResult struct {
	MAC     string     `json:"mac" doc:"The phone" example:"0015654aa937"`
	Action  cti.Action `json:"action" doc:"The action the phone accepted" example:"answer"`
	Address string     `json:"address" doc:"The address the command went to" example:"192.0.2.41"`
}

// Error codes of the remote-control route.
const (
	codePhoneUnreachable = "phone_unreachable"
	codePhoneRefused     = "phone_refused_credentials"
	codePhoneRejected    = "phone_rejected"
)

var ctiVerb = map[cti.Action]string{cti.Answer: "be answered", cti.Hangup: "hang up", cti.Hold: "hold",
	cti.DTMF: "send DTMF", cti.Dial: "dial"}

func (s *Service) postCTI(w http.ResponseWriter, r *http.Request) {
	if !platform.RequireContentType(w, r, "application/json") {
		return
	}
	mac, ok := s.macParam(w, r)
	if !ok {
		return
	}
	var in ctiRequest
	if err := decodeJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, ok := cti.ParseAction(in.Action)
	if !ok {
		names := make([]string, 0, 5)
		for _, k := range cti.Actions() {
			names = append(names, string(k))
		}
		s.writeError(w, r, invalid("action", "must be one of "+strings.Join(names, ", ")))
		return
	}
	if in.Digits != "" && a != cti.DTMF && a != cti.Dial {
		s.writeError(w, r, invalid("digits", "only with dtmf or dial"))
		return
	}
	rec, ok := s.reg.get(mac)
	if !ok {
		s.writeError(w, r, errMissing)
		return
	}
	target := s.ctiTarget(rec)
	d, err := cti.New(target, cti.WithClient(s.ctiHTTP()), cti.WithTimeout(s.cfg.cti.Timeout))
	if err == nil {
		switch a {
		case cti.Answer:
			err = d.Answer(r.Context())
		case cti.Hangup:
			err = d.Hangup(r.Context())
		case cti.Hold:
			err = d.Hold(r.Context())
		case cti.DTMF:
			err = d.DTMF(r.Context(), in.Digits)
		case cti.Dial:
			err = d.Dial(r.Context(), in.Digits)
		}
	}
	if err != nil {
		s.log.Info("phone remote control failed", "mac", mac, "vendor", rec.Vendor, "action", a, "address", target.Host, "error", err)
		s.writeError(w, r, ctiAPIError(a, err))
		return
	}
	s.log.Info("phone remote control", "mac", mac, "vendor", rec.Vendor, "action", a, "address", target.Host)
	writeJSON(w, http.StatusOK, ctiResult{MAC: mac, Action: a, Address: target.Host})
}

// ctiAPIError maps a driver's failure to the API's answer.
func ctiAPIError(a cti.Action, err error) error {
	var ce *cti.Error
	if !errors.As(err, &ce) {
		return err
	}
	e := &platform.APIError{Status: http.StatusBadGateway, Message: ce.Error(), Err: err}
	switch ce.Kind {
	case cti.KindUnsupported:
		e.Status, e.Code, e.Message = http.StatusConflict, platform.CodeConflict, "this device cannot "+ctiVerb[a]+" remotely"
		e.Details = []platform.FieldError{{Field: "action", Message: ce.Detail}}
	case cti.KindInvalid:
		e.Status, e.Code = http.StatusBadRequest, platform.CodeInvalid
		e.Details = []platform.FieldError{{Field: "digits", Message: ce.Detail}}
	case cti.KindNoAddress:
		e.Status, e.Code, e.Message = http.StatusConflict, platform.CodeConflict, "the phone's address is not known: "+ce.Detail
	case cti.KindUnreachable:
		e.Status, e.Code = http.StatusGatewayTimeout, codePhoneUnreachable
	case cti.KindRefused:
		e.Code = codePhoneRefused
	default:
		e.Code = codePhoneRejected
	}
	if ce.Status != 0 {
		e.Details = append(e.Details, platform.FieldError{Field: "phone_status", Message: strconv.Itoa(ce.Status)})
	}
	return e
}
