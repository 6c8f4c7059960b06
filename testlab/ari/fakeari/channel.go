package fakeari

import (
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// channel is one Asterisk channel. All fields are guarded by Server.mu.
type channel struct {
	id, name, endpoint, tech, resource string
	state                              string
	caller, connected                  ari.CallerID
	dp                                 ari.DialplanCEP
	created                            time.Time
	language                           string
	vars                               map[string]string
	written                            map[string]string
	stasis                             string // app the channel is in; "" = dialplan
	args                               []string
	lastApp                            string
	subs                               map[string]int // apps hearing its events (refcounted)
	originApp                          string
	originArgs                         []string
	originDP                           *ari.DialplanCEP
	dialing                            bool
	outbound                           bool
	answered                           bool
	timeout                            time.Duration
	plan                               Plan
	bridge                             string
	moh                                string
	mohOn, hold, silence               bool
	muted                              string
	dtmfSent, heard                    string // DTMF sent through ARI; pressed by the far end
	redirected                         string // endpoint of the last redirect
	label                              string // label of the last continue
	ringing                            bool   // ARI ring: ringing indicated to the far end
	phoneHold                          bool   // the phone put the call on hold
	refer                              *referState
	snoopOf                            string   // the channel a snoop channel spies on
	peer                               *channel // other half of a Local channel
	recording                          string
	playbacks                          map[string]bool
	timers                             []clock.Timer
	destroyed                          bool
	cause                              int
}

func (c *channel) stopTimers() {
	for _, t := range c.timers {
		t.Stop()
	}
	c.timers = nil
}

func (c *channel) snapshot() ari.Channel {
	return ari.Channel{
		ID:           c.id,
		Name:         c.name,
		State:        c.state,
		ProtocolID:   "",
		Caller:       c.caller,
		Connected:    c.connected,
		Accountcode:  "",
		Dialplan:     c.dp,
		Creationtime: ari.Time{Time: c.created},
		Language:     c.language,
	}
}

func (c *channel) apps() map[string]bool {
	m := make(map[string]bool, len(c.subs))
	for a, n := range c.subs {
		if n > 0 {
			m[a] = true
		}
	}
	return m
}

func (c *channel) sub(app string)   { c.subs[app]++ }
func (c *channel) unsub(app string) { c.subs[app]-- }

// ChannelSnapshot is what the control API and Channel report about a
// channel, including what an ARI client cannot see directly.
type ChannelSnapshot struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Endpoint  string            `json:"endpoint"`
	State     string            `json:"state"`
	InStasis  bool              `json:"in_stasis"`
	App       string            `json:"app,omitempty"`
	Args      []string          `json:"args,omitempty"`
	Caller    ari.CallerID      `json:"caller"`
	Connected ari.CallerID      `json:"connected"`
	Dialplan  ari.DialplanCEP   `json:"dialplan"`
	Variables map[string]string `json:"variables"`
	Bridge    string            `json:"bridge,omitempty"`
	MOH       bool              `json:"moh"`
	MOHClass  string            `json:"moh_class,omitempty"`
	Hold      bool              `json:"hold"`
	PhoneHold bool              `json:"phone_hold"`
	// ReferNotify lists the SIP NOTIFY codes the phone got for its REFER.
	ReferNotify []int  `json:"refer_notify,omitempty"`
	Muted       string `json:"muted,omitempty"`
	DTMFSent    string `json:"dtmf_sent,omitempty"`
	DTMFHeard   string `json:"dtmf_heard,omitempty"`
	Redirect    string `json:"redirected_to,omitempty"`
	// Label is the dialplan label of the channel's last continue ("" if
	// none or none given).
	Label string `json:"label,omitempty"`
	// RingIndicated: POST /channels/{id}/ring asked the channel to indicate
	// ringing to its far end (ast_indicate AST_CONTROL_RINGING: 180
	// Ringing on PJSIP), until ring DELETE or an answer.
	RingIndicated bool `json:"ring_indicated,omitempty"`
	// Ringback: POST /channels/{id}/ring on an answered channel. The
	// channel driver refuses the indication once up (chan_pjsip.c
	// chan_pjsip_indicate) and the core plays the ring tone in-band
	// (main/channel.c indicate_data_internal: ast_playtones_start), until
	// ring DELETE or a file played to the channel (main/file.c
	// openstream_internal deactivates the generator).
	Ringback bool `json:"ringback,omitempty"`
	// BridgeMOH: the channel's bridge plays music on hold
	// (bridges/{id}/moh): the bridge's Announcer channel plays it to every
	// participant (res/res_stasis.c stasis_app_bridge_moh_channel). A
	// channel an application adds to a holding bridge hears nothing of its
	// own (res/stasis/stasis_bridge.c bridge_stasis_push: role
	// holding_participant, idle_mode none), only the bridge's announcer
	// (bridges/bridge_holding.c).
	BridgeMOH bool `json:"bridge_moh,omitempty"`
	// BridgeMOHClass is the class of that music.
	BridgeMOHClass string `json:"bridge_moh_class,omitempty"`
	Machine        bool   `json:"machine"`
	Destroyed      bool   `json:"destroyed"`
	Cause          int    `json:"cause,omitempty"`
	CauseTxt       string `json:"cause_txt,omitempty"`
}

func (c *channel) control() ChannelSnapshot {
	v := maps.Clone(c.vars)
	maps.Copy(v, c.written)
	cs := ChannelSnapshot{
		ID: c.id, Name: c.name, Endpoint: c.endpoint, State: c.state,
		InStasis: c.stasis != "", App: c.stasis, Args: c.args,
		Caller: c.caller, Connected: c.connected, Dialplan: c.dp,
		Variables: v, Bridge: c.bridge, MOH: c.mohOn, MOHClass: c.moh, Hold: c.hold, PhoneHold: c.phoneHold,
		Muted: c.muted, DTMFSent: c.dtmfSent, DTMFHeard: c.heard, Redirect: c.redirected,
		Label: c.label, RingIndicated: c.ringing && c.state != ari.StateUp, Ringback: c.ringing && c.state == ari.StateUp,
		Machine: c.plan.Machine, Destroyed: c.destroyed,
	}
	if c.refer != nil {
		cs.ReferNotify = append([]int{}, c.refer.notify...)
	}
	if c.destroyed {
		cs.State = "Destroyed"
		cs.Cause, cs.CauseTxt = c.cause, causeText(c.cause)
	}
	return cs
}

// Channel returns a snapshot of a live or recently destroyed channel.
func (s *Server) Channel(id string) (ChannelSnapshot, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.channels[id]; c != nil {
		return s.controlOf(c), true
	}
	cs, ok := s.gone[id]
	return cs, ok
}

// Channels returns snapshots of all live channels.
func (s *Server) Channels() []ChannelSnapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ChannelSnapshot, 0, len(s.channels))
	for _, c := range s.channels {
		out = append(out, s.controlOf(c))
	}
	return out
}

func (s *Server) nextUniqueID() string {
	s.seq++
	return fmt.Sprintf("%d.%d", s.startup.Unix(), s.seq)
}

// newChannel allocates a channel for endpoint "tech/resource".
func (s *Server) newChannelLocked(id, endpoint string) *channel {
	tech, res, _ := strings.Cut(endpoint, "/")
	if id == "" {
		id = s.nextUniqueID()
	} else {
		s.seq++
	}
	base := res
	if tech != "Local" {
		if i := strings.LastIndex(res, "@"); i >= 0 {
			base = res[i+1:]
		}
	}
	c := &channel{
		id: id, endpoint: endpoint, tech: tech, resource: res,
		name:      fmt.Sprintf("%s/%s-%08x", tech, base, s.seq),
		state:     ari.StateDown,
		created:   s.now(),
		language:  "en",
		dp:        ari.DialplanCEP{Context: "default", Exten: "s", Priority: 1},
		vars:      map[string]string{},
		written:   map[string]string{},
		subs:      map[string]int{},
		playbacks: map[string]bool{},
	}
	s.channels[id] = c
	return c
}

// Q.850 cause texts as ast_cause2str renders them.
var causeTexts = map[int]string{
	0: "Unknown", 1: "Unallocated (unassigned) number", 3: "No route to destination",
	16: "Normal Clearing", 17: "User busy", 18: "No user responding", 19: "User alerting, no answer",
	20: "Subscriber absent", 21: "Call Rejected", 22: "Number changed", 26: "Answered elsewhere",
	27: "Destination out of order", 28: "Invalid number format", 31: "Normal, unspecified",
	34: "Circuit/channel congestion", 38: "Network out of order", 41: "Temporary failure",
	42: "Switching equipment congestion", 44: "Requested channel not available",
	58: "Bearer capability not available", 102: "Recovery on timer expiry", 127: "Interworking, unspecified",
}

func causeText(c int) string {
	if t, ok := causeTexts[c]; ok {
		return t
	}
	return "Unknown"
}

// dialStatus is ast_hangup_cause_to_dial_status (main/dial.c).
func dialStatus(cause int) string {
	switch cause {
	case 17:
		return "BUSY"
	case 34:
		return "CONGESTION"
	case 3, 20:
		return "CHANUNAVAIL"
	}
	return "NOANSWER"
}

// hangupReasons maps DELETE /channels?reason= to causes
// (convert_reason_to_hangup_code in res/ari/resource_channels.c).
var hangupReasons = map[string]int{
	"normal": 16, "busy": 17, "congestion": 34, "no_answer": 19, "timeout": 18, "rejected": 21,
	"unallocated": 1, "normal_unspecified": 31, "number_incomplete": 28, "codec_mismatch": 58,
	"interworking": 127, "failure": 38, "answered_elsewhere": 26,
}

type hangupHow struct {
	request bool   // emit ChannelHangupRequest
	soft    bool   // it was requested through ARI
	dial    string // dialstatus for a leg still dialing ("" = from cause)
	// requestCause is the ChannelHangupRequest cause when it differs from
	// the destroy cause (32 for an ARI hang-up).
	requestCause int
}

// hangupLocked ends a channel with the Asterisk event sequence.
func (s *Server) hangupLocked(c *channel, cause int, how hangupHow) {
	if c.destroyed {
		return
	}
	c.stopTimers()
	snap := c.snapshot()
	if how.request {
		rc := cause
		if how.requestCause != 0 {
			rc = how.requestCause
		}
		ev := &ari.ChannelHangupRequest{Header: ari.Header{Type: "ChannelHangupRequest"}, Cause: rc, Channel: snap}
		ev.Soft = how.soft
		s.emit(c.apps(), ev)
	}
	if c.dialing {
		c.dialing = false
		ds := how.dial
		if ds == "" {
			ds = dialStatus(cause)
		}
		s.emit(c.apps(), &ari.Dial{Header: ari.Header{Type: "Dial"}, Peer: snap, Dialstatus: ds, Dialstring: c.resource})
	}
	for pid := range c.playbacks {
		if p := s.playbacks[pid]; p != nil {
			s.finishPlaybackLocked(p, "done")
		}
	}
	if c.recording != "" {
		if r := s.recs[c.recording]; r != nil {
			s.finishRecordingLocked(r, "done", "")
		}
	}
	if c.bridge != "" {
		if b := s.bridges[c.bridge]; b != nil {
			s.leaveBridgeLocked(b, c)
		}
	}
	if c.stasis != "" {
		// stasis_app_exec (res/res_stasis.c) sends StasisEnd and then
		// app_unsubscribe_channel: the app hears no more of a channel it
		// held only through Stasis (one that entered from the dialplan, a
		// snoop channel). Only an explicit subscription (an originate into
		// the app, applications/{app}/subscription) still gets
		// ChannelDestroyed, as observed on Asterisk 22.10.1.
		s.emit(c.apps(), &ari.StasisEnd{Header: ari.Header{Type: "StasisEnd"}, Channel: c.snapshot()})
		c.unsub(c.stasis)
		c.stasis = ""
	}
	c.destroyed = true
	c.cause = cause
	s.emit(c.apps(), &ari.ChannelDestroyed{Header: ari.Header{Type: "ChannelDestroyed"}, Cause: cause, CauseTxt: causeText(cause), Channel: c.snapshot()})
	delete(s.channels, c.id)
	for _, a := range s.apps {
		delete(a.channels, c.id)
	}
	s.gone[c.id] = s.controlOf(c)
	s.goneOrder = append(s.goneOrder, c.id)
	if len(s.goneOrder) > s.history {
		delete(s.gone, s.goneOrder[0])
		s.goneOrder = s.goneOrder[1:]
	}
	if p := c.peer; p != nil && !p.destroyed {
		s.hangupLocked(p, cause, hangupHow{})
	}
	// A snoop channel's audiohooks stop with the channel they spy on:
	// snoop_read (res/res_stasis_snoop.c) returns no frame and the snoop
	// channel is hung up, with no cause set.
	for _, sn := range s.channels {
		if sn.snoopOf == c.id && !sn.destroyed {
			s.hangupLocked(sn, 0, hangupHow{})
		}
	}
}

func (s *Server) stateLocked(c *channel, state string) {
	if c.state == state {
		return
	}
	c.state = state
	s.emit(c.apps(), &ari.ChannelStateChange{Header: ari.Header{Type: "ChannelStateChange"}, Channel: c.snapshot()})
}

// enterStasisLocked puts c in app (StasisStart); false if app is inactive,
// in which case Stasis() fails and the channel is hung up.
func (s *Server) enterStasisLocked(c *channel, appName string, args []string) bool {
	a := s.apps[appName]
	if a == nil || a.sess == nil {
		s.log.Warn("fakeari: Stasis app not registered or not active", "app", appName, "channel", c.id)
		s.hangupLocked(c, 16, hangupHow{})
		return false
	}
	if args == nil {
		args = []string{}
	}
	c.stasis, c.args, c.lastApp = appName, args, appName
	c.dp.AppName, c.dp.AppData = "Stasis", strings.Join(append([]string{appName}, args...), ",")
	c.sub(appName)
	s.emit(c.apps(), &ari.StasisStart{Header: ari.Header{Type: "StasisStart"}, Args: args, Channel: c.snapshot()})
	return true
}

// leaveStasisLocked emits StasisEnd and drops the app's Stasis subscription.
func (s *Server) leaveStasisLocked(c *channel) {
	if c.stasis == "" {
		return
	}
	if c.bridge != "" {
		if b := s.bridges[c.bridge]; b != nil {
			s.leaveBridgeLocked(b, c)
		}
	}
	s.emit(c.apps(), &ari.StasisEnd{Header: ari.Header{Type: "StasisEnd"}, Channel: c.snapshot()})
	c.unsub(c.stasis)
	c.stasis = ""
	c.args = nil
}

// startDialLocked runs the dial of an outbound leg according to its plan.
func (s *Server) startDialLocked(c *channel) {
	if c.destroyed {
		return
	}
	p := c.plan
	if p.Outcome == Unreachable {
		cause := p.Cause
		if cause == 0 {
			cause = 20
		}
		s.hangupLocked(c, cause, hangupHow{})
		return
	}
	c.dialing = true
	s.emit(c.apps(), &ari.Dial{Header: ari.Header{Type: "Dial"}, Peer: c.snapshot(), Dialstatus: "", Dialstring: c.resource})
	if c.tech == "Local" && (p.Outcome == Busy || p.Outcome == Congestion) {
		// Busy() or Congestion() in the Local channel's dialplan: no ringing
		// first; main/dial.c publishes the Dial status and hangs up without
		// setting a cause, so ChannelDestroyed says cause 0 (Unknown).
		status := map[Outcome]string{Busy: "BUSY", Congestion: "CONGESTION"}[p.Outcome]
		c.timers = append(c.timers, s.after(p.Ring, func() { s.hangupLocked(c, 0, hangupHow{dial: status}) }))
		return
	}
	if c.tech == "Local" && p.Outcome == Answer && p.Ring == 0 {
		// A Local channel whose dialplan answers at once (Answer() first)
		// never indicates ringing: Dial{""}, then Up and Dial{ANSWER}
		// (observed on Asterisk 22.10.1).
		c.timers = append(c.timers, s.after(0, func() { s.answerOutboundLocked(c) }))
		return
	}
	c.state = ari.StateRinging
	s.emit(c.apps(), &ari.ChannelStateChange{Header: ari.Header{Type: "ChannelStateChange"}, Channel: c.snapshot()})
	s.emit(c.apps(), &ari.Dial{Header: ari.Header{Type: "Dial"}, Peer: c.snapshot(), Dialstatus: "RINGING", Dialstring: c.resource})

	forever := false
	d := p.Ring
	var fn func()
	fail := func(cause int) func() { return func() { s.hangupLocked(c, cause, hangupHow{}) } }
	switch p.Outcome {
	case Answer:
		fn = func() { s.answerOutboundLocked(c) }
	case NoAnswer:
		if d > 0 {
			fn = fail(18)
		} else {
			forever = true
		}
	case Wait:
		forever = true
	case Busy:
		fn = fail(17)
	case Congestion:
		fn = fail(34)
	case Rejected:
		fn = fail(21)
	case Unallocated:
		fn = fail(1)
	default:
		cause := p.Cause
		if cause == 0 {
			cause = 31
		}
		fn = fail(cause)
	}
	if c.timeout > 0 && (forever || d >= c.timeout) {
		// The originate's timeout: main/dial.c handle_timeout_trip sets
		// cause 19 (NO_ANSWER) and hangs the channel up without publishing
		// a Dial status (observed on Asterisk 22.10.1: Dial{RINGING}, then
		// ChannelDestroyed cause 19, no Dial{NOANSWER}).
		d, fn, forever = c.timeout, func() {
			c.dialing = false
			s.hangupLocked(c, 19, hangupHow{})
		}, false
	}
	if !forever {
		c.timers = append(c.timers, s.after(d, fn))
	}
}

func (s *Server) answerOutboundLocked(c *channel) {
	if c.destroyed {
		return
	}
	c.dialing = false
	c.answered = true
	if s.noise {
		s.emit(c.apps(), &ari.ChannelConnectedLine{Header: ari.Header{Type: "ChannelConnectedLine"}, Channel: c.snapshot()})
	}
	s.stateLocked(c, ari.StateUp)
	s.emit(c.apps(), &ari.Dial{Header: ari.Header{Type: "Dial"}, Peer: c.snapshot(), Dialstatus: "ANSWER", Dialstring: c.resource})
	if p := c.peer; p != nil {
		s.stateLocked(p, ari.StateUp)
	}
	switch {
	case c.stasis != "":
		// Created with /channels/create: already in Stasis.
	case c.originApp != "":
		if !s.enterStasisLocked(c, c.originApp, c.originArgs) {
			return
		}
	case c.originDP != nil:
		c.dp = *c.originDP
	}
	if c.plan.Talk > 0 {
		c.timers = append(c.timers, s.after(c.plan.Talk, func() {
			s.hangupLocked(c, 16, hangupHow{request: true})
		}))
	}
}

// InboundCall describes a call arriving from a trunk into a Stasis app.
type InboundCall struct {
	// App is the Stasis application (required).
	App string
	// Caller is the calling number; CallerName its name.
	Caller, CallerName string
	// Exten is the dialled number (default "s"); Context the dialplan
	// context (default "from-trunk").
	Exten, Context string
	// Args are the Stasis() arguments.
	Args []string
	// Endpoint is the trunk (default "PJSIP/trunk").
	Endpoint string
	// HangupAfter makes the caller hang up after this long (0: never).
	HangupAfter time.Duration
	// Answered places the call in state Up instead of Ring.
	Answered bool
}

// ErrAppNotActive is returned when an inbound call reaches a Stasis app no
// WebSocket holds: Asterisk's Stasis() fails and the call is hung up.
var ErrAppNotActive = fmt.Errorf("fakeari: Stasis app not registered or not active")

// PlaceInbound places an inbound call into a Stasis app: the app receives
// StasisStart (state Ring). It returns the channel id; if the app is not
// active the channel is hung up at once and ErrAppNotActive returned.
func (s *Server) PlaceInbound(call InboundCall) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.changedLocked()
	return s.placeInboundLocked(call)
}

func (s *Server) placeInboundLocked(call InboundCall) (string, error) {
	if call.App == "" {
		return "", fmt.Errorf("fakeari: inbound call: app is required")
	}
	ep := call.Endpoint
	if ep == "" {
		ep = "PJSIP/trunk"
	}
	c := s.newChannelLocked("", ep)
	s.stats.Inbound++
	c.caller = ari.CallerID{Name: call.CallerName, Number: call.Caller}
	c.state = ari.StateRing
	if call.Answered {
		c.state = ari.StateUp
		c.answered = true
	}
	c.dp = ari.DialplanCEP{Context: "from-trunk", Exten: "s", Priority: 1}
	if call.Context != "" {
		c.dp.Context = call.Context
	}
	if call.Exten != "" {
		c.dp.Exten = call.Exten
	}
	if !s.enterStasisLocked(c, call.App, call.Args) {
		return c.id, ErrAppNotActive
	}
	if call.HangupAfter > 0 {
		c.timers = append(c.timers, s.after(call.HangupAfter, func() {
			s.hangupLocked(c, 16, hangupHow{request: true})
		}))
	}
	return c.id, nil
}

// Hangup hangs a channel up from the far end (the caller or callee puts the
// phone down): ChannelHangupRequest, StasisEnd if in Stasis, ChannelDestroyed.
func (s *Server) Hangup(id string, cause int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[id]
	if c == nil {
		return false
	}
	if cause == 0 {
		cause = 16
	}
	s.hangupLocked(c, cause, hangupHow{request: true})
	s.changedLocked()
	return true
}

// amdLocked simulates AMD() then Stasis(app,amd,STATUS,CAUSE).
func (s *Server) amdLocked(c *channel) {
	status, cause, d := "HUMAN", "HUMAN-500-800", 1300*time.Millisecond
	if c.plan.Machine {
		status, cause, d = "MACHINE", "LONGGREETING-1600-1500", 1600*time.Millisecond
	}
	c.dp.AppName, c.dp.AppData = "AMD", ""
	app := c.lastApp
	c.timers = append(c.timers, s.after(d, func() {
		if c.destroyed {
			return
		}
		c.vars["AMDSTATUS"], c.vars["AMDCAUSE"] = status, cause
		c.dp.Priority++
		s.enterStasisLocked(c, app, []string{"amd", status, cause})
	}))
}
