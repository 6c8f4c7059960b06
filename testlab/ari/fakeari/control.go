package fakeari

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// serveControl is the testlab control API (documented in testlab/README.md):
//
//	POST   /testlab/calls?app=APP&caller=NUMBER[&name=&exten=&context=&args=a,b&hangup_after=30s]
//	GET    /testlab/channels            all live channels
//	GET    /testlab/channels/{id}       one channel (also recently destroyed)
//	DELETE /testlab/channels/{id}[?cause=16]   the far end hangs up
//	POST   /testlab/channels/{id}/answer          the ringing far end answers
//	POST   /testlab/channels/{id}/reject[?cause=21] the ringing far end refuses
//	POST   /testlab/channels/{id}/hold[?class=] the phone puts the call on hold (ChannelHold)
//	POST   /testlab/channels/{id}/unhold        the phone takes it off hold (ChannelUnhold)
//	POST   /testlab/channels/{id}/refer?to=NUMBER | ?replaces=CHANNEL  the phone sends REFER (ChannelTransfer, ari-only)
//	POST   /testlab/channels/{id}/dtmf?digits=12#[&duration=100ms] the far end presses keys
//	POST   /testlab/websockets/drop     drop every events WebSocket
//	POST   /testlab/apps/{app}/replace  another client takes the app
//	GET    /testlab/problems            spec deviations seen so far
//
// It uses the same credentials as ARI.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Asterisk REST Interface"`)
		writeJSON(w, http.StatusUnauthorized, errBody("Authentication required"))
		return
	}
	path := strings.Trim(strings.TrimPrefix(r.URL.Path, "/testlab"), "/")
	parts := strings.Split(path, "/")
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPost && path == "calls":
		call := InboundCall{App: q.Get("app"), Caller: q.Get("caller"), CallerName: q.Get("name"), Exten: q.Get("exten"), Context: q.Get("context"), Endpoint: q.Get("endpoint")}
		if a := q.Get("args"); a != "" {
			call.Args = strings.Split(a, ",")
		}
		if h := q.Get("hangup_after"); h != "" {
			d, err := time.ParseDuration(h)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, errBody("hangup_after: "+err.Error()))
				return
			}
			call.HangupAfter = d
		}
		if call.App == "" {
			writeJSON(w, http.StatusBadRequest, errBody("app is required"))
			return
		}
		id, err := s.PlaceInbound(call)
		switch {
		case errors.Is(err, ErrAppNotActive):
			writeJSON(w, http.StatusConflict, map[string]string{"channel_id": id, "message": "Stasis app '" + call.App + "' not registered or not active; the call was hung up"})
		case err != nil:
			writeJSON(w, http.StatusBadRequest, errBody(err.Error()))
		default:
			writeJSON(w, http.StatusOK, map[string]string{"channel_id": id})
		}
	case r.Method == http.MethodGet && path == "channels":
		writeJSON(w, http.StatusOK, s.Channels())
	case len(parts) == 2 && parts[0] == "channels" && r.Method == http.MethodGet:
		cs, found := s.Channel(parts[1])
		if !found {
			writeJSON(w, http.StatusNotFound, errBody("Channel not found"))
			return
		}
		writeJSON(w, http.StatusOK, cs)
	case len(parts) == 2 && parts[0] == "channels" && r.Method == http.MethodDelete:
		cause, _ := strconv.Atoi(q.Get("cause"))
		if !s.Hangup(parts[1], cause) {
			writeJSON(w, http.StatusNotFound, errBody("Channel not found"))
			return
		}
		writeJSON(w, http.StatusNoContent, nil)
	case len(parts) == 3 && parts[0] == "channels" && r.Method == http.MethodPost:
		s.serveFarEnd(w, parts[1], parts[2], q)
	case r.Method == http.MethodPost && path == "websockets/drop":
		s.DropWebSockets()
		writeJSON(w, http.StatusNoContent, nil)
	case len(parts) == 3 && parts[0] == "apps" && parts[2] == "replace" && r.Method == http.MethodPost:
		s.ReplaceApp(parts[1])
		writeJSON(w, http.StatusNoContent, nil)
	case r.Method == http.MethodGet && path == "problems":
		probs := s.Problems()
		out := make([]string, len(probs))
		for i, p := range probs {
			out[i] = p.Error()
		}
		writeJSON(w, http.StatusOK, out)
	default:
		writeJSON(w, http.StatusNotFound, errBody("Resource not found"))
	}
}

// serveFarEnd runs a far-end command on channel id: answer, reject, dtmf.
func (s *Server) serveFarEnd(w http.ResponseWriter, id, cmd string, q url.Values) {
	var err error
	switch cmd {
	case "answer":
		err = s.PickUp(id)
	case "reject":
		cause := 0
		if c := q.Get("cause"); c != "" {
			n, perr := strconv.Atoi(c)
			if perr != nil || n < 0 || n > 127 {
				writeJSON(w, http.StatusBadRequest, errBody("cause: want a Q.850 cause 1-127, got "+strconv.Quote(c)))
				return
			}
			cause = n
		}
		err = s.Reject(id, cause)
	case "refer":
		err = s.PhoneTransfer(Refer{Channel: id, Destination: q.Get("to"), Replaces: q.Get("replaces")})
	case "hold", "unhold":
		err = s.PhoneHold(id, cmd == "hold", q.Get("class"))
	case "dtmf":
		var d time.Duration
		if v := q.Get("duration"); v != "" {
			var perr error
			if d, perr = time.ParseDuration(v); perr != nil || d < 0 {
				writeJSON(w, http.StatusBadRequest, errBody("duration: want a positive duration such as 100ms, got "+strconv.Quote(v)))
				return
			}
		}
		err = s.PressDTMF(id, q.Get("digits"), d)
	default:
		writeJSON(w, http.StatusNotFound, errBody("Resource not found"))
		return
	}
	switch {
	case errors.Is(err, ErrNoChannel):
		writeJSON(w, http.StatusNotFound, errBody("Channel not found"))
	case errors.Is(err, ErrNotRinging), errors.Is(err, ErrCoreTransfer):
		writeJSON(w, http.StatusConflict, errBody(err.Error()))
	case errors.Is(err, ErrBadDigit):
		writeJSON(w, http.StatusBadRequest, errBody("digits: "+err.Error()))
	case err != nil:
		writeJSON(w, http.StatusBadRequest, errBody(err.Error()))
	default:
		writeJSON(w, http.StatusNoContent, nil)
	}
}
