package fakeari

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/pbxagent/pbxagent/testlab/ari/spec"
)

// request is a parsed REST request.
type request struct {
	op   *spec.Operation
	path map[string]string
	q    url.Values        // query plus non-"variables" body keys
	vars map[string]string // body "variables"
	raw  map[string]json.RawMessage
}

func (r *request) p(name string) string { return r.path[name] }

type response struct {
	status int
	body   any
}

func ok(body any) response               { return response{http.StatusOK, body} }
func noContent() response                { return response{http.StatusNoContent, nil} }
func created(b any) response             { return response{http.StatusCreated, b} }
func fail(code int, msg string) response { return response{code, errBody(msg)} }

func errBody(msg string) map[string]string { return map[string]string{"message": msg} }

func writeJSON(w http.ResponseWriter, code int, body any) {
	if body == nil {
		w.WriteHeader(code)
		return
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

// authorized implements res_ari.c: Basic first, then ?api_key=user:pass.
func (s *Server) authorized(r *http.Request) bool {
	eq := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	if u, p, ok := r.BasicAuth(); ok {
		return eq(u, s.user) && eq(p, s.pass)
	}
	if k := r.URL.Query().Get("api_key"); k != "" {
		u, p, _ := strings.Cut(k, ":")
		return eq(u, s.user) && eq(p, s.pass)
	}
	return false
}

type handler func(s *Server, r *request) response

func (s *Server) serveARI(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Asterisk REST Interface"`)
		writeJSON(w, http.StatusUnauthorized, errBody("Authentication required"))
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/ari")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errBody("Could not read body"))
		return
	}
	q := r.URL.Query()
	var probs []spec.Problem
	if s.check {
		probs = s.spec.CheckRequest(r.Method, path, q, body)
	}
	if path == "/events" && r.Method == http.MethodGet {
		s.recordProblems(probs)
		if s.strict && len(probs) > 0 {
			writeJSON(w, http.StatusBadRequest, errBody(probs[0].Error()))
			return
		}
		s.serveEvents(w, r)
		return
	}
	op, params, found := s.spec.Match(r.Method, path)
	if !found {
		s.mu.Lock()
		s.stats.Requests++
		s.mu.Unlock()
		// res_ari.c: unknown path 404, known path with other method 405.
		for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
			if _, _, ok := s.spec.Match(m, path); ok {
				writeJSON(w, http.StatusMethodNotAllowed, errBody("Invalid method"))
				return
			}
		}
		writeJSON(w, http.StatusNotFound, errBody("Resource not found"))
		return
	}
	rq := &request{op: op, path: params, q: q}
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &rq.raw); err != nil {
			writeJSON(w, http.StatusBadRequest, errBody("Could not parse JSON body"))
			return
		}
		for k, v := range rq.raw {
			if k == "variables" {
				vars := map[string]any{}
				if json.Unmarshal(v, &vars) != nil {
					writeJSON(w, http.StatusBadRequest, errBody("Variables must be a JSON object"))
					return
				}
				rq.vars = map[string]string{}
				for name, val := range vars {
					switch x := val.(type) {
					case string:
						rq.vars[name] = x
					case map[string]any:
						sv, _ := x["value"].(string)
						rq.vars[name] = sv
					default:
						b, _ := json.Marshal(x)
						rq.vars[name] = string(b)
					}
				}
				continue
			}
			var sv string
			if json.Unmarshal(v, &sv) != nil {
				sv = strings.Trim(string(v), `"`)
			}
			if !rq.q.Has(k) {
				rq.q.Set(k, sv)
			}
		}
	}
	h := handlers[op.Resource+"."+op.Nickname]
	s.mu.Lock()
	s.stats.Requests++
	if s.closed {
		s.mu.Unlock()
		writeJSON(w, http.StatusServiceUnavailable, errBody("Shutting down"))
		return
	}
	var resp response
	switch {
	case s.strict && len(probs) > 0:
		resp = fail(http.StatusBadRequest, probs[0].Error())
	case h == nil:
		resp = fail(http.StatusNotImplemented, "Not implemented by the testlab stand-in: "+op.Resource+"."+op.Nickname)
	default:
		resp = h(s, rq)
	}
	s.changedLocked()
	if resp.status/100 == 2 {
		// Only requests the stand-in accepts must conform: a request Asterisk
		// would refuse is the test's point, not a contract breach.
		s.problems = append(s.problems, probs...)
	}
	if raw, isRaw := resp.body.(rawBody); isRaw {
		s.mu.Unlock()
		w.Header().Set("Content-Type", raw.contentType)
		w.WriteHeader(resp.status)
		_, _ = w.Write(raw.data)
		return
	}
	var out []byte
	if resp.body != nil {
		out, _ = json.Marshal(resp.body)
	}
	if s.check && resp.status/100 == 2 {
		if probs := s.spec.CheckResponse(op, out); len(probs) > 0 {
			s.problems = append(s.problems, probs...)
		}
	}
	s.mu.Unlock()
	if out == nil {
		w.WriteHeader(resp.status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.status)
	_, _ = w.Write(out)
}

func (s *Server) recordProblems(p []spec.Problem) {
	if len(p) == 0 {
		return
	}
	s.mu.Lock()
	s.problems = append(s.problems, p...)
	s.mu.Unlock()
}

// handlers maps "resource.nickname" (from the specification) to handlers.
var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"asterisk.getInfo":      (*Server).hAsteriskInfo,
		"asterisk.ping":         (*Server).hPing,
		"asterisk.getGlobalVar": (*Server).hGetGlobal,
		"asterisk.setGlobalVar": (*Server).hSetGlobal,

		"channels.list":               (*Server).hChannelList,
		"channels.get":                (*Server).hChannelGet,
		"channels.originate":          (*Server).hOriginate,
		"channels.originateWithId":    (*Server).hOriginate,
		"channels.create":             (*Server).hCreate,
		"channels.dial":               (*Server).hDial,
		"channels.hangup":             (*Server).hHangup,
		"channels.answer":             (*Server).hAnswer,
		"channels.ring":               stasisOp(func(s *Server, c *channel, r *request) { c.ringing = true }),
		"channels.ringStop":           stasisOp(func(s *Server, c *channel, r *request) { c.ringing = false }),
		"channels.progress":           stasisOp(nil),
		"channels.continueInDialplan": (*Server).hContinue,
		"channels.move":               (*Server).hMove,
		"channels.redirect":           (*Server).hRedirect,
		"channels.getChannelVar":      (*Server).hGetVar,
		"channels.setChannelVar":      (*Server).hSetVar,
		"channels.sendDTMF":           (*Server).hDTMF,
		"channels.mute":               stasisOp(func(s *Server, c *channel, r *request) { c.muted = dirOr(r, "both") }),
		"channels.unmute":             stasisOp(func(s *Server, c *channel, r *request) { c.muted = "" }),
		"channels.hold":               stasisOp((*Server).holdOn),
		"channels.unhold":             stasisOp((*Server).holdOff),
		"channels.startMoh":           stasisOp(func(s *Server, c *channel, r *request) { c.mohOn, c.moh = true, r.q.Get("mohClass") }),
		"channels.stopMoh":            stasisOp(func(s *Server, c *channel, r *request) { c.mohOn, c.moh = false, "" }),
		"channels.startSilence":       stasisOp(func(s *Server, c *channel, r *request) { c.silence = true }),
		"channels.stopSilence":        stasisOp(func(s *Server, c *channel, r *request) { c.silence = false }),
		"channels.play":               (*Server).hChannelPlay,
		"channels.playWithId":         (*Server).hChannelPlay,
		"channels.record":             (*Server).hChannelRecord,
		"channels.snoopChannel":       (*Server).hSnoop,
		"channels.snoopChannelWithId": (*Server).hSnoop,
		"channels.transfer_progress":  (*Server).hTransferProgress,

		"bridges.list":          (*Server).hBridgeList,
		"bridges.get":           (*Server).hBridgeGet,
		"bridges.create":        (*Server).hBridgeCreate,
		"bridges.createWithId":  (*Server).hBridgeCreate,
		"bridges.destroy":       (*Server).hBridgeDestroy,
		"bridges.addChannel":    (*Server).hAddChannel,
		"bridges.removeChannel": (*Server).hRemoveChannel,
		"bridges.startMoh":      (*Server).hBridgeMOH,
		"bridges.stopMoh":       (*Server).hBridgeMOH,
		"bridges.play":          (*Server).hBridgePlay,
		"bridges.playWithId":    (*Server).hBridgePlay,
		"bridges.record":        (*Server).hBridgeRecord,

		"playbacks.get":     (*Server).hPlaybackGet,
		"playbacks.stop":    (*Server).hPlaybackStop,
		"playbacks.control": (*Server).hPlaybackControl,

		"recordings.getLive":       (*Server).hRecLive,
		"recordings.stop":          recHandler(recStop),
		"recordings.cancel":        recHandler(recCancel),
		"recordings.pause":         recHandler(recPause),
		"recordings.unpause":       recHandler(recUnpause),
		"recordings.mute":          recHandler(recMute),
		"recordings.unmute":        recHandler(recUnmute),
		"recordings.listStored":    (*Server).hStoredList,
		"recordings.getStored":     (*Server).hStoredGet,
		"recordings.getStoredFile": (*Server).hStoredFile,
		"recordings.copyStored":    (*Server).hStoredCopy,
		"recordings.deleteStored":  (*Server).hStoredDelete,

		"endpoints.list":        (*Server).hEndpointList,
		"endpoints.listByTech":  (*Server).hEndpointList,
		"endpoints.get":         (*Server).hEndpointGet,
		"endpoints.sendMessage": (*Server).hSendMessage,

		"deviceStates.list":   (*Server).hDeviceList,
		"deviceStates.get":    (*Server).hDeviceGet,
		"deviceStates.update": (*Server).hDeviceUpdate,
		"deviceStates.delete": (*Server).hDeviceDelete,

		"events.userEvent": (*Server).hUserEvent,

		"mailboxes.list":   (*Server).hMailboxList,
		"mailboxes.get":    (*Server).hMailboxGet,
		"mailboxes.update": (*Server).hMailboxUpdate,
		"mailboxes.delete": (*Server).hMailboxDelete,

		"applications.list":        (*Server).hAppList,
		"applications.get":         (*Server).hAppGet,
		"applications.subscribe":   (*Server).hAppSubscribe,
		"applications.unsubscribe": (*Server).hAppUnsubscribe,
	}
}
