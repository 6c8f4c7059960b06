package fakeari

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/pbxagent/pbxagent/ari"
)

// Refer is a SIP REFER a phone sends on one of its calls: a blind transfer
// (Destination) or an attended one (Replaces: the phone's other call).
//
// Only Asterisk 22's ari-only handling is modelled: the channel must have
// PJSIP_TRANSFER_HANDLING()=ari-only (set through ARI or the dialplan);
// Asterisk then only reports the REFER as ChannelTransfer and leaves the
// transfer to the app, which reports progress back to the phone with
// POST /channels/{id}/transfer_progress (res/res_pjsip_refer.c).
type Refer struct {
	// Channel is the call the REFER arrives on (required).
	Channel string
	// Destination is the number dialled for a blind transfer.
	Destination string
	// Replaces is the channel of the phone's other call (attended).
	Replaces string
	// Params are extra Refer-To parameters (additional_protocol_params).
	Params map[string]string
	// Context is where a blind transfer handled by Asterisk's core dials
	// Destination (default: the channel's TRANSFER_CONTEXT variable, else
	// its dialplan context).
	Context string
}

// ErrCoreTransfer: an attended transfer on a channel without ari-only
// handling: Asterisk's core would run it, which the stand-in does not model.
var ErrCoreTransfer = errors.New("fakeari: attended transfer handled by the Asterisk core (set PJSIP_TRANSFER_HANDLING()=ari-only); not modelled")

// coreBlindTransferLocked is ast_bridge_transfer_blind for a channel in a
// Stasis bridge (main/bridge.c): Stasis bridges are
// AST_BRIDGE_FLAG_TRANSFER_BRIDGE_ONLY (res_stasis.c), so
// blind_transfer_bridge requests Local/exten@context, sets BLINDTRANSFER on
// it and imparts it into the bridge in the transferer's place; the Local
// channel enters the transferer's app (StasisStart with replace_channel,
// bridge_stasis_push_peek in res/stasis/stasis_bridge.c). Asterisk
// publishes these from different threads; the stand-in sends one order they
// may arrive in: BridgeBlindTransfer, ChannelLeftBridge (transferer),
// StasisStart and ChannelEnteredBridge (Local ;1); the phone then hangs up
// the transferer (NOTIFY 200, BYE). The Local channel's far end follows the
// peer plan of "Local/exten@context": on answer it goes Up, on failure it
// is hung up with the plan's cause.
func (s *Server) coreBlindTransferLocked(c *channel, exten, context string) error {
	b := s.bridges[c.bridge]
	if b == nil || len(b.channels) < 2 || c.stasis == "" {
		return errors.New("fakeari: a core blind transfer needs the channel in a Stasis bridge with a peer; not modelled otherwise")
	}
	if context == "" {
		context = c.vars["TRANSFER_CONTEXT"]
	}
	if context == "" {
		context = c.dp.Context
	}
	var transferee *ari.Channel
	if len(b.channels) == 2 {
		transferee, _ = s.peerLocked(c)
	}
	ep := "Local/" + exten + "@" + context
	l1 := s.newChannelLocked("", ep)
	base := l1.name
	l1.name = base + ";1"
	l2 := s.newChannelLocked("", ep)
	l2.name = base + ";2"
	l2.dp = ari.DialplanCEP{Context: context, Exten: exten, Priority: 1}
	l1.peer, l2.peer = l2, l1
	l1.outbound = true
	l1.vars["BLINDTRANSFER"] = c.name
	l1.plan = s.planForChannel(l1)

	apps := c.apps()
	for a := range b.apps() {
		apps[a] = true
	}
	local := l1.snapshot()
	bs := b.snapshot()
	s.emit(apps, &ari.BridgeBlindTransfer{Header: ari.Header{Type: "BridgeBlindTransfer"}, Bridge: &bs, Channel: c.snapshot(),
		Context: context, Exten: exten, IsExternal: true, ReplaceChannel: &local, Result: "Success", Transferee: transferee})

	s.leaveBridgeLocked(b, c)
	replaced := c.snapshot()
	l1.stasis, l1.args, l1.lastApp = c.stasis, []string{}, c.stasis
	l1.dp.AppName, l1.dp.AppData = "Stasis", c.stasis
	l1.sub(c.stasis)
	s.emit(l1.apps(), &ari.StasisStart{Header: ari.Header{Type: "StasisStart"}, Args: []string{}, Channel: l1.snapshot(), ReplaceChannel: &replaced})
	s.joinBridgeLocked(b, l1)
	s.hangupLocked(c, ari.CauseNormalClearing, hangupHow{request: true})

	p := l1.plan
	switch p.Outcome {
	case Answer:
		l1.timers = append(l1.timers, s.after(p.Ring, func() {
			if l1.destroyed {
				return
			}
			l1.answered = true
			s.stateLocked(l1, ari.StateUp)
			s.stateLocked(l2, ari.StateUp)
		}))
	case NoAnswer, Wait:
		// Rings in the dialplan until hung up.
	default:
		cause := map[Outcome]int{Busy: 17, Congestion: 34, Rejected: 21, Unallocated: 1, Unreachable: 20}[p.Outcome]
		if p.Cause != 0 {
			cause = p.Cause
		}
		l1.timers = append(l1.timers, s.after(p.Ring, func() { s.hangupLocked(l1, cause, hangupHow{request: true}) }))
	}
	return nil
}

// referState is an ari-only REFER waiting for the app's progress reports.
type referState struct {
	destination, protocolID string
	replaces                string
	params                  []ari.AdditionalParam
	done                    bool  // a final state was reported: the frame hook detached
	notify                  []int // SIP NOTIFY status codes sent to the phone
}

func ariOnly(c *channel) bool {
	for _, k := range []string{"PJSIP_TRANSFER_HANDLING()", "PJSIP_TRANSFER_HANDLING"} {
		if strings.EqualFold(c.written[k], "ari-only") || strings.EqualFold(c.vars[k], "ari-only") {
			return true
		}
	}
	return false
}

// PhoneTransfer delivers a phone's REFER: ChannelTransfer (without state)
// to the apps watching the channel, naming the channel, its bridge peer
// and bridge, and for an attended transfer the call to replace with its
// peer and bridge.
func (s *Server) PhoneTransfer(r Refer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.changedLocked()
	c := s.channels[r.Channel]
	if c == nil {
		return fmt.Errorf("%w: %s", ErrNoChannel, r.Channel)
	}
	if (r.Destination == "") == (r.Replaces == "") {
		return errors.New("fakeari: a REFER has either a destination (blind) or a call it replaces (attended)")
	}
	if c.tech != "PJSIP" {
		return fmt.Errorf("fakeari: REFER on a %s channel: only PJSIP channels receive it", c.tech)
	}
	if !ariOnly(c) {
		if r.Replaces != "" {
			return ErrCoreTransfer
		}
		return s.coreBlindTransferLocked(c, r.Destination, r.Context)
	}
	st := &referState{destination: r.Destination, replaces: r.Replaces}
	if r.Replaces != "" {
		if s.channels[r.Replaces] == nil {
			return fmt.Errorf("%w: %s", ErrNoChannel, r.Replaces)
		}
		st.protocolID = "fake-" + r.Replaces + "@pbxagent.invalid" // the SIP Call-ID of the replaced dialog
	}
	for k, v := range r.Params {
		st.params = append(st.params, ari.AdditionalParam{ParameterName: k, ParameterValue: v})
	}
	c.refer = st
	s.emitTransferLocked(c, "")
	return nil
}

// peerLocked returns the other member of c's two-party bridge and the bridge.
func (s *Server) peerLocked(c *channel) (*ari.Channel, *ari.Bridge) {
	b := s.bridges[c.bridge]
	if b == nil {
		return nil, nil
	}
	snap := b.snapshot()
	var peer *ari.Channel
	for _, id := range b.channels {
		if id != c.id && s.channels[id] != nil && peer == nil {
			p := s.channels[id].snapshot()
			peer = &p
		}
	}
	return peer, &snap
}

// emitTransferLocked is ari_transfer_to_json (main/stasis_channels.c).
func (s *Server) emitTransferLocked(c *channel, state string) {
	st := c.refer
	ev := &ari.ChannelTransfer{Header: ari.Header{Type: "ChannelTransfer"}, State: state}
	ev.ReferTo.RequestedDestination = ari.RequiredDestination{Destination: st.destination, ProtocolID: st.protocolID, AdditionalProtocolParams: st.params}
	if d := s.channels[st.replaces]; d != nil {
		snap := d.snapshot()
		ev.ReferTo.DestinationChannel = &snap
		ev.ReferTo.ConnectedChannel, ev.ReferTo.Bridge = s.peerLocked(d)
	}
	ev.ReferredBy.SourceChannel = c.snapshot()
	ev.ReferredBy.ConnectedChannel, ev.ReferredBy.Bridge = s.peerLocked(c)
	s.emit(c.apps(), ev)
}

// transferStates maps transfer_progress states to the AST_TRANSFER_*
// state the event then shows (ast_channel_transfer_state2str) and the SIP
// NOTIFY the phone gets (refer_ari_progress_framehook).
var transferStates = map[string]struct {
	shown  string
	notify int
	final  bool
}{
	"channel_progress":    {shown: "channel_progress", notify: 100},
	"channel_answered":    {shown: "channel_answered", notify: 200, final: true},
	"channel_unavailable": {shown: "channel_declined", notify: 503, final: true},
	"channel_declined":    {shown: "channel_declined", notify: 603, final: true},
}

// hTransferProgress is ast_ari_channels_transfer_progress.
func (s *Server) hTransferProgress(r *request) response {
	c, errResp := s.controlLocked(r.p("channelId"))
	if errResp != nil {
		return *errResp
	}
	states := r.q.Get("states")
	if states == "" {
		return fail(http.StatusBadRequest, "states must not be empty")
	}
	ts, found := transferStates[strings.ToLower(states)]
	if !found {
		return fail(http.StatusBadRequest, "Invalid states value")
	}
	// ast_indicate_data(AST_CONTROL_TRANSFER): only a REFER's frame hook,
	// until a final state detaches it, turns it into a NOTIFY and an event.
	if st := c.refer; st != nil && !st.done {
		st.notify = append(st.notify, ts.notify)
		st.done = ts.final
		s.emitTransferLocked(c, ts.shown)
	}
	return noContent()
}
