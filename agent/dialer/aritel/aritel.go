// Package aritel implements dialer.Telephony on the ARI client (package
// ari): customer legs are originated into the Stasis application with the
// dialer's ids, each agent's leg is called and parked alone in its own
// mixing bridge, so joining a customer is one addChannel; ARI events become
// dialer events, and after a WebSocket reconnect the adapter reconciles
// what it tracked with what Asterisk lists.
package aritel

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pbxagent/pbxagent/agent/dialer"
	"github.com/pbxagent/pbxagent/ari"
)

// Telephony is the ARI adapter. Create it with New, then call Run with the
// dialer's HandleEvent.
type Telephony struct {
	cli        ari.Client
	app        string
	amdContext string
	mohClass   string
	recFormat  string
	log        *slog.Logger

	mu        sync.Mutex
	calls     map[string]*custCall // customer channel id
	agents    map[string]*agentLeg // agent id
	agentChan map[string]string    // agent channel id -> agent id
	playbacks map[string]string    // playback id -> channel id to hang up after it
	seq       uint64
	run       string // random per adapter: ids chosen here never repeat across restarts

	processed atomic.Int64 // events handled
	wire      atomic.Int64 // of which sent by Asterisk (not the client's synthetic ones)
	reconnect atomic.Int64
	disconn   atomic.Int64
	notify    chan struct{}
	sub       *ari.Subscription
}

type custCall struct {
	answered bool
	inAMD    bool
	amd      bool
	moh      bool
	ringback string // playback id of the ringback tone
	// dialStatus is the last final status of the Dial events for this leg
	// (BUSY, CONGESTION, NOANSWER, CHANUNAVAIL...). On a Local channel it
	// is the only record of a busy or congested customer: Asterisk destroys
	// the channel with cause 0 (main/dial.c hangs up on AST_CONTROL_BUSY
	// without setting a cause).
	dialStatus string
}

// campaignVar is the channel variable naming a customer leg's campaign, set
// at originate, so that a later run can tell whose call a stray leg is.
const campaignVar = "PBXAGENT_CAMPAIGN"

// Stasis arguments of the legs this adapter originates.
const (
	argCustomer = "dialer"
	argAgent    = "dialer-agent"
	argAMD      = "amd"
)

type agentLeg struct {
	channel string
	bridge  string
	up      bool
}

// Option configures the adapter.
type Option func(*Telephony)

// WithAMDContext sets the dialplan context that runs AMD() and returns to
// the app with args ["amd", AMDSTATUS, AMDCAUSE] (Asterisk apps/app_amd.c); required for
// campaigns with AMD.
func WithAMDContext(ctx string) Option { return func(t *Telephony) { t.amdContext = ctx } }

// WithMOHClass sets the music-on-hold class for waiting customers.
func WithMOHClass(class string) Option { return func(t *Telephony) { t.mohClass = class } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(t *Telephony) { t.log = l } }

// WithRecordingFormat sets the format of bridge recordings (default "wav").
func WithRecordingFormat(f string) Option { return func(t *Telephony) { t.recFormat = f } }

// New returns an adapter using cli and the Stasis application app (which
// the client must register). It subscribes to events at once, so nothing
// is missed before Run.
func New(cli ari.Client, app string, opts ...Option) *Telephony {
	t := &Telephony{cli: cli, app: app, log: slog.Default(), recFormat: "wav",
		calls: map[string]*custCall{}, agents: map[string]*agentLeg{}, agentChan: map[string]string{}, playbacks: map[string]string{},
		notify: make(chan struct{}, 1), run: ari.NewID("")[:8]}
	for _, o := range opts {
		o(t)
	}
	t.sub = cli.Events().Subscribe(ari.Filter{})
	return t
}

// Processed returns how many ARI events Run has handled, and how many of
// them came from Asterisk rather than from the client (Connected,
// Reconciled, ChannelGone...). Simulations compare the latter with what
// the Asterisk stand-in sent to know the system is quiet.
func (t *Telephony) Processed() (all, wire int64) { return t.processed.Load(), t.wire.Load() }

// Reconnects returns how many reconciliations after a reconnect Run saw.
func (t *Telephony) Reconnects() int64 { return t.reconnect.Load() }

// Disconnects returns how many WebSocket losses Run saw.
func (t *Telephony) Disconnects() int64 { return t.disconn.Load() }

// Notify returns a channel poked (without blocking) after every event.
func (t *Telephony) Notify() <-chan struct{} { return t.notify }

// Run feeds ARI events to sink until ctx ends or the client closes.
func (t *Telephony) Run(ctx context.Context, sink func(dialer.Event)) error {
	defer t.sub.Cancel()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-t.sub.Events():
			if !ok {
				if err := t.sub.Err(); err != nil {
					return fmt.Errorf("aritel: events: %w", err)
				}
				return nil
			}
			for _, de := range t.translate(ctx, ev) {
				sink(de)
			}
			if !strings.HasPrefix(ev.GetType(), "pbxagent.") {
				t.wire.Add(1)
			}
			t.processed.Add(1)
			select {
			case t.notify <- struct{}{}:
			default:
			}
		}
	}
}

// translate turns one ARI event into dialer events, doing the ARI work the
// event calls for (parking agent legs, AMD, hanging up after messages).
func (t *Telephony) translate(ctx context.Context, ev ari.Event) []dialer.Event {
	switch e := ev.(type) {
	case *ari.StasisStart:
		id := e.Channel.ID
		t.mu.Lock()
		c := t.calls[id]
		agentID, isAgent := t.agentChan[id]
		t.mu.Unlock()
		switch {
		case c != nil:
			return t.customerInStasis(ctx, id, c, e.Args)
		case isAgent:
			return t.agentInStasis(ctx, agentID, id)
		}
		if e.Application != t.app {
			return nil // another application on the same connection (caller ID, say)
		}
		return t.strayInStasis(ctx, e.Channel, e.Args)
	case *ari.Dial:
		if e.Dialstatus == "" || e.Peer.ID == "" {
			return nil
		}
		t.mu.Lock()
		if c := t.calls[e.Peer.ID]; c != nil {
			c.dialStatus = e.Dialstatus
		}
		t.mu.Unlock()
	case *ari.ChannelStateChange:
		t.mu.Lock()
		c := t.calls[e.Channel.ID]
		t.mu.Unlock()
		if c != nil && !c.answered && e.Channel.State == ari.StateRinging {
			return []dialer.Event{{Kind: dialer.EventRinging, CallID: e.Channel.ID}}
		}
	case *ari.ChannelDestroyed:
		return t.gone(e.Channel.ID, e.Cause, false)

	case *ari.ChannelGoneEvent:
		return t.gone(e.ChannelID, 0, true)
	case *ari.PlaybackFinished:
		t.mu.Lock()
		ch, ok := t.playbacks[e.Playback.ID]
		delete(t.playbacks, e.Playback.ID)
		t.mu.Unlock()
		if ok && ch != "" {
			if err := t.cli.Channels().Hangup(ctx, ch, ari.ReasonNormal); err != nil && !ari.IsNotFound(err) {
				t.log.Warn("aritel: hangup after message", "channel", ch, "err", err)
			}
		}
	case *ari.ReconciledEvent:
		return append(t.reconcile(ctx, e), dialer.Event{Kind: dialer.EventLinkUp})
	case *ari.DisconnectedEvent:
		t.disconn.Add(1)
		return []dialer.Event{{Kind: dialer.EventLinkDown}}
	}
	return nil
}

func (t *Telephony) customerInStasis(ctx context.Context, id string, c *custCall, args []string) []dialer.Event {
	if len(args) >= 2 && args[0] == argAMD {
		t.mu.Lock()
		c.inAMD, c.answered = false, true
		t.mu.Unlock()
		return []dialer.Event{{Kind: dialer.EventAnswered, CallID: id, AMD: args[1]}}
	}
	t.mu.Lock()
	if c.answered || c.inAMD {
		t.mu.Unlock()
		return nil
	}
	amd := c.amd && t.amdContext != ""
	if amd {
		c.inAMD = true
	} else {
		c.answered = true
	}
	t.mu.Unlock()
	if amd {
		err := t.cli.Channels().Continue(ctx, id, ari.DialplanTarget{Context: t.amdContext, Extension: "s", Priority: 1})
		if err == nil {
			return nil
		}
		t.log.Warn("aritel: continue into AMD failed; treating as human", "channel", id, "err", err)
		t.mu.Lock()
		c.inAMD, c.answered = false, true
		t.mu.Unlock()
	}
	return []dialer.Event{{Kind: dialer.EventAnswered, CallID: id}}
}

func (t *Telephony) agentInStasis(ctx context.Context, agentID, chanID string) []dialer.Event {
	t.mu.Lock()
	a := t.agents[agentID]
	t.mu.Unlock()
	if a == nil || a.channel != chanID {
		return nil
	}
	if err := t.cli.Bridges().AddChannel(ctx, a.bridge, ari.AddChannelRequest{Channels: []string{chanID}}); err != nil {
		t.log.Warn("aritel: park agent leg", "agent", agentID, "err", err)
		_ = t.cli.Channels().Hangup(ctx, chanID, ari.ReasonNormal)
		return nil
	}
	t.mu.Lock()
	a.up = true
	t.mu.Unlock()
	return []dialer.Event{{Kind: dialer.EventAgentUp, AgentID: agentID}}
}

func (t *Telephony) gone(id string, cause int, lost bool) []dialer.Event {
	t.mu.Lock()
	if c, ok := t.calls[id]; ok {
		delete(t.calls, id)
		t.mu.Unlock()
		ev := dialer.Event{Kind: dialer.EventEnded, CallID: id, Cause: cause, Lost: lost}
		if cause == 0 && !c.answered {
			ev.Cause = causeForDialStatus(c.dialStatus)
		}
		if c.inAMD && !lost && cause == 0 {
			ev.Fault = "AMD dialplan failed: the call left the AMD context without coming back to the app " +
				"(is app_amd loaded, with its amd.conf? does the context end in Stasis(" + t.app + ",amd,${AMDSTATUS},${AMDCAUSE})?)"
		}
		return []dialer.Event{ev}
	}
	agentID, ok := t.agentChan[id]
	if !ok {
		t.mu.Unlock()
		return nil
	}
	delete(t.agentChan, id)
	var bridge string
	if a := t.agents[agentID]; a != nil && a.channel == id {
		delete(t.agents, agentID)
		bridge = a.bridge
	}
	t.mu.Unlock()
	if bridge != "" {
		t.destroyBridge(bridge)
	}
	return []dialer.Event{{Kind: dialer.EventAgentDown, AgentID: agentID}}
}

func (t *Telephony) destroyBridge(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := t.cli.Bridges().Destroy(ctx, id); err != nil && !ari.IsNotFound(err) {
		t.log.Warn("aritel: destroy agent bridge", "bridge", id, "err", err)
	}
}

// reconcile compares tracked channels with what Asterisk lists after a
// reconnect: vanished customer calls end as lost, answered calls whose
// StasisStart was missed are reported answered, vanished agent legs log
// their agents out.
func (t *Telephony) reconcile(ctx context.Context, e *ari.ReconciledEvent) []dialer.Event {
	strays := t.sweep(ctx, e)
	if !e.Reconnect {
		return strays
	}
	t.reconnect.Add(1)
	live := map[string]ari.Channel{}
	for _, c := range e.Channels {
		live[c.ID] = c
	}
	inApp := map[string]bool{}
	for _, a := range e.Applications {
		if a.Name == t.app {
			for _, id := range a.ChannelIDs {
				inApp[id] = true
			}
		}
	}
	var out []dialer.Event
	t.mu.Lock()
	ids := make([]string, 0, len(t.calls))
	for id := range t.calls {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var answered []string
	for _, id := range ids {
		c := t.calls[id]
		ch, ok := live[id]
		switch {
		case !ok:
			delete(t.calls, id)
			out = append(out, dialer.Event{Kind: dialer.EventEnded, CallID: id, Lost: true})
		case !c.answered && !c.inAMD && ch.State == ari.StateUp && (inApp[id] || ch.Dialplan.AppName == "Stasis"):
			answered = append(answered, id)
		}
	}
	agentIDs := make([]string, 0, len(t.agents))
	for id := range t.agents {
		agentIDs = append(agentIDs, id)
	}
	slices.Sort(agentIDs)
	for _, aid := range agentIDs {
		a := t.agents[aid]
		if _, ok := live[a.channel]; !ok {
			delete(t.agents, aid)
			delete(t.agentChan, a.channel)
			out = append(out, dialer.Event{Kind: dialer.EventAgentDown, AgentID: aid})
		}
	}
	t.mu.Unlock()
	for _, id := range answered {
		t.mu.Lock()
		c := t.calls[id]
		t.mu.Unlock()
		if c != nil {
			out = append(out, t.customerInStasis(ctx, id, c, nil)...)
		}
	}
	return append(out, strays...)
}

// Originate implements dialer.Telephony.
func (t *Telephony) Originate(ctx context.Context, req dialer.OriginateRequest) error {
	t.mu.Lock()
	if _, dup := t.calls[req.CallID]; dup {
		t.mu.Unlock()
		return fmt.Errorf("aritel: originate %s: id in use", req.CallID)
	}
	t.calls[req.CallID] = &custCall{amd: req.AMD}
	t.mu.Unlock()
	_, err := t.cli.Channels().Originate(ctx, ari.OriginateRequest{
		Endpoint: req.Endpoint, ChannelID: req.CallID, App: t.app, AppArgs: []string{argCustomer, req.Campaign},
		CallerID: req.CallerID, Timeout: req.Timeout, Variables: map[string]string{campaignVar: req.Campaign},
	})
	if err != nil {
		t.mu.Lock()
		delete(t.calls, req.CallID)
		t.mu.Unlock()
		return fmt.Errorf("aritel: originate %s: %w", req.CallID, err)
	}
	return nil
}

// ConnectAgent implements dialer.Telephony: a mixing bridge per agent, and
// the agent's phone called into the app and parked in it.
func (t *Telephony) ConnectAgent(ctx context.Context, agentID, endpoint string) error {
	t.mu.Lock()
	if a := t.agents[agentID]; a != nil {
		t.mu.Unlock()
		return fmt.Errorf("aritel: agent %s already has a leg", agentID)
	}
	t.seq++
	a := &agentLeg{channel: fmt.Sprintf("agent-%s-%s-%d", agentID, t.run, t.seq), bridge: fmt.Sprintf("agentbr-%s-%s-%d", agentID, t.run, t.seq)}
	t.agents[agentID] = a
	t.agentChan[a.channel] = agentID
	t.mu.Unlock()
	fail := func(err error) error {
		t.mu.Lock()
		delete(t.agents, agentID)
		delete(t.agentChan, a.channel)
		t.mu.Unlock()
		return err
	}
	if _, err := t.cli.Bridges().Create(ctx, ari.BridgeRequest{ID: a.bridge, Type: []string{"mixing"}, Name: "agent " + agentID}); err != nil {
		return fail(fmt.Errorf("aritel: agent %s bridge: %w", agentID, err))
	}
	if _, err := t.cli.Channels().Originate(ctx, ari.OriginateRequest{
		Endpoint: endpoint, ChannelID: a.channel, App: t.app, AppArgs: []string{argAgent, agentID}, Timeout: 0,
	}); err != nil {
		t.destroyBridge(a.bridge)
		return fail(fmt.Errorf("aritel: agent %s leg: %w", agentID, err))
	}
	return nil
}

// DisconnectAgent implements dialer.Telephony.
func (t *Telephony) DisconnectAgent(ctx context.Context, agentID string) error {
	t.mu.Lock()
	a := t.agents[agentID]
	t.mu.Unlock()
	if a == nil {
		return nil
	}
	if err := t.cli.Channels().Hangup(ctx, a.channel, ari.ReasonNormal); err != nil && !ari.IsNotFound(err) {
		return fmt.Errorf("aritel: disconnect agent %s: %w", agentID, err)
	}
	return nil
}

// Join implements dialer.Telephony.
func (t *Telephony) Join(ctx context.Context, callID, agentID string, record bool) error {
	t.mu.Lock()
	a := t.agents[agentID]
	c := t.calls[callID]
	var moh bool
	var ringback string
	if c != nil {
		moh, ringback = c.moh, c.ringback
		c.moh, c.ringback = false, ""
	}
	t.mu.Unlock()
	if a == nil || c == nil {
		return fmt.Errorf("aritel: join %s to agent %s: %w", callID, agentID, errors.New("unknown call or agent"))
	}
	if moh {
		_ = t.cli.Channels().StopMOH(ctx, callID)
	}
	if ringback != "" {
		t.mu.Lock()
		delete(t.playbacks, ringback)
		t.mu.Unlock()
		_ = t.cli.Playbacks().Stop(ctx, ringback)
	}
	if err := t.cli.Bridges().AddChannel(ctx, a.bridge, ari.AddChannelRequest{Channels: []string{callID}}); err != nil {
		return fmt.Errorf("aritel: join %s to agent %s: %w", callID, agentID, err)
	}
	if record {
		if _, err := t.cli.Bridges().Record(ctx, a.bridge, ari.RecordRequest{Name: "dialer-" + callID, Format: t.recFormat}); err != nil {
			return fmt.Errorf("aritel: record %s (does Asterisk's spool/recording directory exist?): %w: %w", callID, dialer.ErrRecordingFailed, err)
		}
	}
	return nil
}

// Hold implements dialer.Telephony.
func (t *Telephony) Hold(ctx context.Context, callID string, media dialer.HoldMedia) error {
	t.mu.Lock()
	c := t.calls[callID]
	t.mu.Unlock()
	if c == nil {
		return fmt.Errorf("aritel: hold %s: unknown call", callID)
	}
	if media == dialer.HoldRingback {
		t.mu.Lock()
		t.seq++
		pb := fmt.Sprintf("ringback-%s-%s-%d", callID, t.run, t.seq)
		c.ringback = pb
		t.playbacks[pb] = ""
		t.mu.Unlock()
		if _, err := t.cli.Channels().Play(ctx, callID, ari.PlayRequest{PlaybackID: pb, Media: []string{"tone:ring"}}); err != nil {
			return fmt.Errorf("aritel: ringback %s: %w", callID, err)
		}
		return nil
	}
	if err := t.cli.Channels().StartMOH(ctx, callID, t.mohClass); err != nil {
		return fmt.Errorf("aritel: moh %s: %w", callID, err)
	}
	t.mu.Lock()
	c.moh = true
	t.mu.Unlock()
	return nil
}

// PlayMessage implements dialer.Telephony: stop the hold media, play, and
// hang up when the playback finishes.
func (t *Telephony) PlayMessage(ctx context.Context, callID, media string) error {
	t.mu.Lock()
	c := t.calls[callID]
	var moh bool
	var ringback string
	if c != nil {
		moh, ringback = c.moh, c.ringback
		c.moh, c.ringback = false, ""
	}
	t.seq++
	pb := fmt.Sprintf("msg-%s-%s-%d", callID, t.run, t.seq)
	t.playbacks[pb] = callID
	t.mu.Unlock()
	if moh || c == nil { // c == nil: a stray of an earlier run, maybe on hold
		_ = t.cli.Channels().StopMOH(ctx, callID)
	}
	if ringback != "" {
		_ = t.cli.Playbacks().Stop(ctx, ringback)
	}
	if _, err := t.cli.Channels().Play(ctx, callID, ari.PlayRequest{PlaybackID: pb, Media: []string{media}}); err != nil {
		t.mu.Lock()
		delete(t.playbacks, pb)
		t.mu.Unlock()
		return fmt.Errorf("aritel: play %s: %w", callID, err)
	}
	return nil
}

// Hangup implements dialer.Telephony.
func (t *Telephony) Hangup(ctx context.Context, callID string) error {
	if err := t.cli.Channels().Hangup(ctx, callID, ari.ReasonNormal); err != nil && !ari.IsNotFound(err) {
		return fmt.Errorf("aritel: hangup %s: %w", callID, err)
	}
	return nil
}
