package fakeari

import (
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/ari"
)

// knownTechs are the channel technologies the stand-in can allocate;
// others fail like a missing channel driver ({"error":"Allocation failed"}).
var knownTechs = map[string]bool{"PJSIP": true, "SIP": true, "Local": true, "IAX2": true, "DAHDI": true}

const maxUniqueID = 149 // AST_MAX_PUBLIC_UNIQUEID

// controlLocked is find_control: 404 if missing, 409 if not in Stasis.
func (s *Server) controlLocked(id string) (*channel, *response) {
	c := s.channels[id]
	if c == nil {
		r := fail(http.StatusNotFound, "Channel not found")
		return nil, &r
	}
	if c.stasis == "" {
		r := fail(http.StatusConflict, "Channel not in Stasis application")
		return nil, &r
	}
	return c, nil
}

// invalidState is channel_state_invalid: Down, Rsrvd and Ringing.
func invalidState(c *channel) bool {
	switch c.state {
	case ari.StateDown, ari.StateRsrvd, ari.StateRinging:
		return true
	}
	return false
}

// stasisOp wraps operations subject to find_control and the 412 rule.
func stasisOp(f func(s *Server, c *channel, r *request)) handler {
	return func(s *Server, r *request) response {
		c, errResp := s.controlLocked(r.p("channelId"))
		if errResp != nil {
			return *errResp
		}
		if invalidState(c) {
			return fail(http.StatusPreconditionFailed, "Channel in invalid state")
		}
		if f != nil {
			f(s, c, r)
		}
		return noContent()
	}
}

func dirOr(r *request, def string) string {
	if d := r.q.Get("direction"); d != "" {
		return d
	}
	return def
}

// holdOn is app_control_hold (res/stasis/control.c): ast_indicate(HOLD)
// tells the channel's own far end it is held (chan_pjsip plays it music on
// hold). Asterisk publishes no ChannelHold for it: that event comes from a
// phone putting its call on hold (ast_queue_hold, main/channel.c), see
// Server.PhoneHold.
func (s *Server) holdOn(c *channel, _ *request) { c.hold = true }

// holdOff is app_control_unhold: no event either.
func (s *Server) holdOff(c *channel, _ *request) { c.hold = false }

func (s *Server) hChannelList(_ *request) response {
	ids := make([]string, 0, len(s.channels))
	for id := range s.channels {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	out := make([]ari.Channel, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.channels[id].snapshot())
	}
	return ok(out)
}

func (s *Server) hChannelGet(r *request) response {
	c := s.channels[r.p("channelId")]
	if c == nil {
		return fail(http.StatusNotFound, "Channel not found")
	}
	return ok(c.snapshot())
}

var callerIDRe = regexp.MustCompile(`^\s*"?([^"<]*?)"?\s*<([^>]*)>\s*$`)

func parseCallerID(s string) ari.CallerID {
	if m := callerIDRe.FindStringSubmatch(s); m != nil {
		return ari.CallerID{Name: strings.TrimSpace(m[1]), Number: m[2]}
	}
	return ari.CallerID{Number: strings.TrimSpace(s)}
}

// originateCheck validates endpoint and ids the way resource_channels.c does.
// originateCheck validates an originate or create the way
// resource_channels.c does, in the same order.
func (s *Server) originateCheck(r *request, id string, needTarget bool) *response {
	bad := func(code int, msg string) *response { x := fail(code, msg); return &x }
	if len(id) > maxUniqueID || len(r.q.Get("otherChannelId")) > maxUniqueID {
		return bad(http.StatusBadRequest, "Uniqueid length exceeds maximum of 149")
	}
	ep := r.q.Get("endpoint")
	if ep == "" {
		return bad(http.StatusBadRequest, "Endpoint must be specified")
	}
	if r.q.Get("originator") != "" && r.q.Get("formats") != "" {
		return bad(http.StatusBadRequest, "Originator and formats can't both be specified")
	}
	tech, res, _ := strings.Cut(ep, "/")
	if tech == "" || res == "" {
		return bad(http.StatusBadRequest, "Invalid endpoint specified")
	}
	if needTarget && r.q.Get("app") == "" && r.q.Get("extension") == "" {
		return bad(http.StatusBadRequest, "Application or extension must be specified")
	}
	if o := r.q.Get("originator"); o != "" && s.channels[o] == nil {
		return bad(http.StatusBadRequest, "Provided originator channel was not found")
	}
	if (id != "" && s.channels[id] != nil) || (r.q.Get("otherChannelId") != "" && s.channels[r.q.Get("otherChannelId")] != nil) {
		return bad(http.StatusConflict, "Channel with given unique ID already exists")
	}
	if !knownTechs[tech] {
		return &response{http.StatusInternalServerError, map[string]string{"error": "Allocation failed"}}
	}
	return nil
}

// dialTimeout is ast_dial's global timeout: >0 seconds, -1 none (0 here),
// anything else the default 30 s.
func dialTimeout(v string) time.Duration {
	n, err := strconv.Atoi(v)
	switch {
	case err == nil && n > 0:
		return time.Duration(n) * time.Second
	case err == nil && n == -1:
		return 0
	}
	return 30 * time.Second
}

func splitArgs(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// allocLocked creates the channel (and the ;2 half of a Local channel).
func (s *Server) allocLocked(r *request, id string) *channel {
	ep := r.q.Get("endpoint")
	c := s.newChannelLocked(id, ep)
	c.outbound = true
	if c.tech == "Local" {
		base := c.name
		c.name = base + ";1"
		// core_unreal.c: without otherChannelId the ;2 half is "<id>;2".
		other := r.q.Get("otherChannelId")
		if other == "" && id != "" {
			other = id + ";2"
		}
		p := s.newChannelLocked(other, ep)
		p.name = base + ";2"
		ext, ctx, _ := strings.Cut(c.resource, "@")
		if ctx == "" {
			ctx = "default"
		}
		p.dp = ari.DialplanCEP{Context: ctx, Exten: ext, Priority: 1}
		c.peer, p.peer = p, c
	}
	c.dp = ari.DialplanCEP{Context: "default", Exten: "s", Priority: 1, AppName: "AppDial2", AppData: "(Outgoing Line)"}
	if cid := r.q.Get("callerId"); cid != "" {
		c.caller = parseCallerID(cid)
		c.connected = c.caller
	}
	for k, v := range r.vars {
		s.setVarLocked(c, k, v, false)
	}
	return c
}

func (s *Server) hOriginate(r *request) response {
	id := r.p("channelId")
	if id == "" {
		id = r.q.Get("channelId")
	}
	if errResp := s.originateCheck(r, id, true); errResp != nil {
		return *errResp
	}
	app := r.q.Get("app")
	ext := r.q.Get("extension")
	timeout := dialTimeout(r.q.Get("timeout"))
	c := s.allocLocked(r, id)
	s.stats.Originates++
	c.timeout = timeout
	c.plan = s.planForChannel(c)
	if app != "" {
		c.originApp = app
		c.originArgs = splitArgs(r.q.Get("appArgs"))
		c.sub(app)
		if c.peer != nil {
			c.peer.sub(app)
		}
	} else {
		ctx := r.q.Get("context")
		if ctx == "" {
			ctx = "default"
		}
		prio := 1
		if p, err := strconv.Atoi(r.q.Get("priority")); err == nil && p > 0 {
			prio = p
		}
		c.originDP = &ari.DialplanCEP{Context: ctx, Exten: ext, Priority: int64(prio)}
	}
	snap := c.snapshot()
	c.timers = append(c.timers, s.after(0, func() { s.startDialLocked(c) }))
	return ok(snap)
}

func (s *Server) hCreate(r *request) response {
	id := r.q.Get("channelId")
	if errResp := s.originateCheck(r, id, false); errResp != nil {
		return *errResp
	}
	app := r.q.Get("app")
	c := s.allocLocked(r, id)
	c.dp = ari.DialplanCEP{Context: "default", Exten: "s", Priority: 1}
	if c.peer != nil {
		c.peer.sub(app)
	}
	if !s.enterStasisLocked(c, app, splitArgs(r.q.Get("appArgs"))) {
		return ok(c.snapshot())
	}
	return ok(c.snapshot())
}

func (s *Server) hDial(r *request) response {
	c, errResp := s.controlLocked(r.p("channelId"))
	if errResp != nil {
		return *errResp
	}
	if c.state != ari.StateDown && c.state != ari.StateRsrvd || c.dialing {
		return fail(http.StatusConflict, "Channel is not in the 'Down' state")
	}
	if !c.outbound {
		return fail(http.StatusConflict, "Dialing a channel not created by ARI")
	}
	c.timeout = dialTimeout(r.q.Get("timeout"))
	c.plan = s.planForChannel(c)
	c.timers = append(c.timers, s.after(0, func() { s.startDialLocked(c) }))
	return noContent()
}

func (s *Server) hHangup(r *request) response {
	c := s.channels[r.p("channelId")]
	if c == nil {
		return fail(http.StatusNotFound, "Channel not found")
	}
	reason, code := r.q.Get("reason"), r.q.Get("reason_code")
	if reason != "" && code != "" {
		return fail(http.StatusBadRequest, "The reason and reason_code can't both be specified")
	}
	cause := 16
	if reason != "" {
		n, found := hangupReasons[reason]
		if !found {
			return fail(http.StatusBadRequest, "Invalid reason for hangup reason provided")
		}
		cause = n
	}
	if code != "" {
		n, err := strconv.Atoi(code)
		if err != nil {
			return fail(http.StatusBadRequest, "Invalid reason for hangup reason provided")
		}
		cause = n
	}
	// ast_softhangup(AST_SOFTHANGUP_EXPLICIT): the request event carries
	// cause 32 ("soft"); the Q.850 cause set here shows in ChannelDestroyed.
	s.hangupLocked(c, cause, hangupHow{request: true, soft: true, requestCause: 32, dial: "CANCEL"})
	return noContent()
}

func (s *Server) hAnswer(r *request) response {
	c, errResp := s.controlLocked(r.p("channelId"))
	if errResp != nil {
		return *errResp
	}
	if invalidState(c) {
		return fail(http.StatusPreconditionFailed, "Channel in invalid state")
	}
	c.answered = true
	s.stateLocked(c, ari.StateUp)
	return noContent()
}

func (s *Server) hContinue(r *request) response {
	c, errResp := s.controlLocked(r.p("channelId"))
	if errResp != nil {
		return *errResp
	}
	if invalidState(c) {
		return fail(http.StatusPreconditionFailed, "Channel in invalid state")
	}
	ctx, ext, label := r.q.Get("context"), r.q.Get("extension"), r.q.Get("label")
	prio, _ := strconv.Atoi(r.q.Get("priority"))
	labelPrio := 0
	if label != "" {
		// resource_channels.c: sscanf(label, "%30d") else
		// ast_findlabel_extension in the target context; -1 → 404, 0 → 400.
		lctx := c.dp.Context
		if ctx != "" {
			lctx = ctx
		}
		n, err := strconv.Atoi(label)
		switch known, declared := s.labels[lctx][label], s.labels[lctx] != nil; {
		case err == nil:
			labelPrio = n
		case declared && known == 0:
			return fail(http.StatusNotFound, "Requested label can not be found")
		case declared:
			labelPrio = known
		default:
			labelPrio = 1
		}
		if labelPrio == 0 {
			return fail(http.StatusBadRequest, "Requested priority is illegal")
		}
	}
	s.leaveStasisLocked(c)
	c.label = label
	// continue_in_dialplan: a context without extension means "s"; no
	// context keeps the current one; no location at all: next priority.
	dp := c.dp
	if ctx != "" {
		dp.Context, dp.Exten = ctx, "s"
	}
	if ext != "" {
		dp.Exten = ext
	}
	switch {
	case label != "":
		dp.Priority = int64(labelPrio)
	case prio > 0:
		dp.Priority = int64(prio)
	case ctx == "" && ext == "":
		dp.Priority++
	default:
		dp.Priority = 1
	}
	dp.AppName, dp.AppData = "", ""
	c.dp = dp
	if s.noise && len(c.apps()) > 0 {
		s.emit(c.apps(), &ari.ChannelDialplan{Header: ari.Header{Type: "ChannelDialplan"}, Channel: c.snapshot(), DialplanApp: "NoOp", DialplanAppData: ""})
	}
	if s.amdCtx != "" && dp.Context == s.amdCtx {
		if s.amdBroken {
			// AMD() is not loaded: the dialplan ends and the PBX hangs up
			// without a cause.
			c.timers = append(c.timers, s.after(0, func() { s.hangupLocked(c, 0, hangupHow{}) }))
			return noContent()
		}
		s.amdLocked(c)
	}
	return noContent()
}

func (s *Server) hMove(r *request) response {
	c, errResp := s.controlLocked(r.p("channelId"))
	if errResp != nil {
		return *errResp
	}
	target := r.q.Get("app")
	args := splitArgs(r.q.Get("appArgs"))
	if a := s.apps[target]; a == nil || a.sess == nil {
		s.emit(c.apps(), &ari.ApplicationMoveFailed{Header: ari.Header{Type: "ApplicationMoveFailed"}, Channel: c.snapshot(), Destination: target, Args: args})
		return noContent()
	}
	s.leaveStasisLocked(c)
	s.enterStasisLocked(c, target, args)
	return noContent()
}

// hRedirect follows ast_ari_channels_redirect's checks in order. The
// channel's far end then takes the call elsewhere (PJSIP: 302 before
// answer, REFER after) and the original leg ends with cause 16.
func (s *Server) hRedirect(r *request) response {
	c, errResp := s.controlLocked(r.p("channelId"))
	if errResp != nil {
		return *errResp
	}
	if invalidState(c) {
		return fail(http.StatusPreconditionFailed, "Channel in invalid state")
	}
	ep := r.q.Get("endpoint")
	if ep == "" {
		return fail(http.StatusBadRequest, "Required parameter 'endpoint' not provided.")
	}
	tech, res, found := strings.Cut(ep, "/")
	if !found || tech == "" {
		return fail(http.StatusUnprocessableEntity, "Endpoint parameter '"+ep+"' does not contain tech/resource")
	}
	if res == "" {
		return fail(http.StatusUnprocessableEntity, "No resource provided in endpoint parameter '"+ep+"'")
	}
	if !strings.EqualFold(tech, c.tech) {
		return fail(http.StatusUnprocessableEntity, "Endpoint technology '"+tech+"' does not match channel technology '"+c.tech+"'")
	}
	// app_control_redirect (res/stasis/control.c) calls ast_transfer: only
	// technologies with a transfer callback act on it (chan_pjsip.c,
	// chan_iax2.c); on any other (Local, Snoop) Asterisk logs "Unsupported
	// transfer requested" and the channel stays where it is, after a 204
	// (observed on Asterisk 22.10.1 with a Local channel).
	if !strings.EqualFold(c.tech, "PJSIP") && !strings.EqualFold(c.tech, "IAX2") {
		return noContent()
	}
	c.redirected = ep
	c.timers = append(c.timers, s.after(0, func() { s.hangupLocked(c, 16, hangupHow{request: true}) }))
	return noContent()
}

// hDTMF is ast_ari_channels_send_dtmf: the digits go to the channel's far
// end (no event); the stand-in remembers them (ChannelSnapshot.DTMFSent).
// Its checks run in Asterisk's order: find_control, channel_state_invalid,
// then the digits.
func (s *Server) hDTMF(r *request) response {
	c, errResp := s.controlLocked(r.p("channelId"))
	if errResp != nil {
		return *errResp
	}
	if invalidState(c) {
		return fail(http.StatusPreconditionFailed, "Channel in invalid state")
	}
	digits := r.q.Get("dtmf")
	if digits == "" {
		return fail(http.StatusBadRequest, "DTMF is required")
	}
	c.dtmfSent += digits
	return noContent()
}

// getVarLocked reads a variable or one of the dialplan functions the
// stand-in implements.
func (s *Server) getVarLocked(c *channel, name string) (string, bool) {
	switch strings.ToUpper(name) {
	case "CALLERID(NAME)":
		return c.caller.Name, true
	case "CALLERID(NUM)", "CALLERID(NUMBER)":
		return c.caller.Number, true
	case "CALLERID(ALL)":
		return `"` + c.caller.Name + `" <` + c.caller.Number + `>`, true
	case "CONNECTEDLINE(NAME)":
		return c.connected.Name, true
	case "CONNECTEDLINE(NUM)", "CONNECTEDLINE(NUMBER)":
		return c.connected.Number, true
	case "CHANNEL(NAME)":
		return c.name, true
	case "CHANNEL(UNIQUEID)", "UNIQUEID":
		return c.id, true
	case "CHANNEL(STATE)":
		return c.state, true
	case "CHANNEL(LANGUAGE)":
		return c.language, true
	}
	if v, found := c.vars[name]; found {
		return v, true
	}
	if strings.HasSuffix(name, ")") {
		if v, ok := s.funcReadLocked(name); ok { // presence.go
			return v, true
		}
		// Other dialplan functions read as what was last written, else "".
		return c.written[name], true
	}
	return "", false
}

// setVarLocked sets a variable or function and emits what Asterisk emits.
func (s *Server) setVarLocked(c *channel, name, value string, events bool) {
	c.written[name] = value
	callerEv := false
	switch strings.ToUpper(name) {
	case "CALLERID(NAME)":
		c.caller.Name, callerEv = value, true
	case "CALLERID(NUM)", "CALLERID(NUMBER)":
		c.caller.Number, callerEv = value, true
	case "CALLERID(ALL)":
		c.caller, callerEv = parseCallerID(value), true
	case "CONNECTEDLINE(NAME)":
		c.connected.Name = value
		if events {
			s.emit(c.apps(), &ari.ChannelConnectedLine{Header: ari.Header{Type: "ChannelConnectedLine"}, Channel: c.snapshot()})
		}
		return
	case "CONNECTEDLINE(NUM)", "CONNECTEDLINE(NUMBER)":
		c.connected.Number = value
		if events {
			s.emit(c.apps(), &ari.ChannelConnectedLine{Header: ari.Header{Type: "ChannelConnectedLine"}, Channel: c.snapshot()})
		}
		return
	default:
		delete(c.written, name)
		c.vars[name] = value
	}
	if !events {
		return
	}
	if callerEv {
		s.emit(c.apps(), &ari.ChannelCallerId{Header: ari.Header{Type: "ChannelCallerId"}, CallerPresentation: 0, CallerPresentationTxt: "Presentation Allowed, Not Screened", Channel: c.snapshot()})
		return
	}
	snap := c.snapshot()
	s.emit(c.apps(), &ari.ChannelVarset{Header: ari.Header{Type: "ChannelVarset"}, Variable: name, Value: value, Channel: &snap})
}

func (s *Server) hGetVar(r *request) response {
	name := r.q.Get("variable")
	if name == "" {
		return fail(http.StatusBadRequest, "Variable name is required")
	}
	c := s.channels[r.p("channelId")]
	if c == nil {
		return fail(http.StatusNotFound, "Provided channel was not found")
	}
	if arg, ok := dbArg(name); ok {
		return s.dbReadLocked(arg) // astdb.go
	}
	v, found := s.getVarLocked(c, name)
	if !found {
		return fail(http.StatusNotFound, "Provided variable was not found")
	}
	return ok(ari.Variable{Value: v})
}

func (s *Server) hSetVar(r *request) response {
	name := r.q.Get("variable")
	if name == "" {
		return fail(http.StatusBadRequest, "Variable name is required")
	}
	c, errResp := s.controlLocked(r.p("channelId"))
	if errResp != nil {
		return *errResp
	}
	s.setVarLocked(c, name, r.q.Get("value"), true)
	return noContent()
}

func (s *Server) hSnoop(r *request) response {
	spy, whisper := r.q.Get("spy"), r.q.Get("whisper")
	if (spy == "" || spy == "none") && (whisper == "" || whisper == "none") {
		return fail(http.StatusBadRequest, "Direction must be specified for at least spy or whisper")
	}
	app := r.q.Get("app")
	if app == "" {
		return fail(http.StatusBadRequest, "Application name is required")
	}
	c := s.channels[r.p("channelId")]
	if c == nil {
		return fail(http.StatusNotFound, "Provided channel was not found")
	}
	id := r.p("snoopId")
	if id == "" {
		id = r.q.Get("snoopId")
	}
	if id != "" && s.channels[id] != nil {
		return fail(http.StatusInternalServerError, "Snoop channel could not be created")
	}
	sn := s.newChannelLocked(id, "Snoop/"+c.id)
	sn.name = "Snoop/" + c.id + "-" + sn.name[len(sn.name)-8:]
	sn.state = ari.StateUp
	sn.answered = true
	sn.snoopOf = c.id
	s.enterStasisLocked(sn, app, splitArgs(r.q.Get("appArgs")))
	return ok(sn.snapshot())
}
