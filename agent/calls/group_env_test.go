package calls

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// sinkEvent is one call the recording group sink got.
type sinkEvent struct {
	kind    string // enter, gone, answered, failed, ended
	caller  string
	group   string
	offer   string
	call    string
	number  string
	name    string
	outcome GroupOutcome
	party   GroupParty
}

// groupRecorder is a GroupSink that keeps what it is told and wakes
// waiters.
type groupRecorder struct {
	mu     sync.Mutex
	evs    []sinkEvent
	change chan struct{}
}

func newGroupRecorder() *groupRecorder { return &groupRecorder{change: make(chan struct{})} }

func (r *groupRecorder) add(ev sinkEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
	close(r.change)
	r.change = make(chan struct{})
}

func (r *groupRecorder) Enter(_ context.Context, c GroupCaller, groupID string) {
	r.add(sinkEvent{kind: "enter", caller: c.ID, group: groupID, number: c.Number, name: c.Name})
}
func (r *groupRecorder) CallerGone(_ context.Context, caller string) {
	r.add(sinkEvent{kind: "gone", caller: caller})
}
func (r *groupRecorder) OfferAnswered(_ context.Context, offerID, callID string) {
	r.add(sinkEvent{kind: "answered", offer: offerID, call: callID})
}
func (r *groupRecorder) OfferFailed(_ context.Context, offerID string, o GroupOutcome) {
	r.add(sinkEvent{kind: "failed", offer: offerID, outcome: o})
}
func (r *groupRecorder) CallEnded(_ context.Context, offerID string, by GroupParty) {
	r.add(sinkEvent{kind: "ended", offer: offerID, party: by})
}

// await waits (bounded, real time) for an event that satisfies match.
func (r *groupRecorder) await(t testing.TB, what string, match func(sinkEvent) bool) sinkEvent {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		for _, ev := range r.evs {
			if match(ev) {
				r.mu.Unlock()
				return ev
			}
		}
		ch := r.change
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("the sink never heard %s; it heard %+v", what, r.all())
		}
	}
}

// all returns what the sink heard, in order.
func (r *groupRecorder) all() []sinkEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}

// offerEvents lists the kinds the sink heard about one offer, in order.
func (r *groupRecorder) offerEvents(offer string) []string {
	var out []string
	for _, ev := range r.all() {
		if ev.offer == offer {
			out = append(out, ev.kind)
		}
	}
	return out
}

// groupEnv is a dialplan env whose engine hands group callers to a
// recording sink.
type groupEnv struct {
	*env
	sink *groupRecorder
}

func newGroupEnv(t testing.TB, opts ...Option) *groupEnv {
	t.Helper()
	sink := newGroupRecorder()
	e := newDialplanEnv(t, testUsers("PJSIP/501"), append([]Option{WithGroups(sink)}, opts...)...)
	return &groupEnv{env: e, sink: sink}
}

// enter places a trunk caller to extension 600 that the dialplan sends to
// group sales, and waits for the sink to hear it.
func (g *groupEnv) enter(number, name string) string {
	g.t.Helper()
	id, err := g.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: number, CallerName: name, Exten: "600",
		Context: "from-trunk", Endpoint: "PJSIP/trunk", Args: []string{"group", "sales"}})
	if err != nil {
		g.t.Fatal(err)
	}
	ev := g.sink.await(g.t, "enter", func(ev sinkEvent) bool { return ev.kind == "enter" && ev.caller == id })
	if ev.group != "sales" || ev.number != number || ev.name != name {
		g.t.Fatalf("enter %+v", ev)
	}
	return id
}

// wait makes the caller wait with music on hold of class "jazz" and
// checks that it does, in the group's holding bridge.
func (g *groupEnv) wait(caller string) {
	g.t.Helper()
	if err := g.eng.GroupWait(context.Background(), caller, false, "jazz"); err != nil {
		g.t.Fatal(err)
	}
	s := g.awaitChannel(caller, "waiting with music", func(s fakeari.ChannelSnapshot) bool {
		return s.Bridge == "pbxgroup-sales" && s.BridgeMOH
	})
	if s.State != ari.StateUp || s.BridgeMOHClass != "jazz" || !s.InStasis {
		g.t.Fatalf("waiting caller %+v: want answered, in Stasis, hearing the bridge's music of class jazz", s)
	}
	if b, ok := g.srv.Bridge("pbxgroup-sales"); !ok || b.Type != "holding" || !b.MOH {
		g.t.Fatalf("holding bridge %+v %v", b, ok)
	}
}

// offer offers caller to u1 on devices and returns the member's call,
// ringing.
func (g *groupEnv) offer(caller, id string, timeout time.Duration, devices ...string) Call {
	g.t.Helper()
	n := len(g.pub.all(EventCreated))
	err := g.eng.GroupOffer(context.Background(), GroupOffer{ID: id, Caller: caller, GroupID: "sales", GroupName: "Sales",
		UserID: "u1", UserName: "Ana Anić", Devices: devices, Timeout: timeout, CallerNumber: "+41445551234", CallerName: "Contoso AG"})
	if err != nil {
		g.t.Fatal(err)
	}
	return g.pub.awaitNth(g.t, EventCreated, n).call
}

// all returns the events of type typ published so far.
func (r *recorder) all(typ string) []published {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []published
	for _, e := range r.evs {
		if e.typ == typ {
			out = append(out, e)
		}
	}
	return out
}

// announced waits until Asterisk took an announcement to channel ch and
// returns its playback id.
func (g *groupEnv) announced(ch string) string {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		g.eng.mu.Lock()
		id := ""
		if gc := g.eng.grp.callers[ch]; gc != nil {
			id = gc.lastPlayback
		}
		g.eng.mu.Unlock()
		if id != "" {
			return id
		}
		runtime.Gosched() // an eventual check with a deadline
	}
	g.t.Fatalf("no announcement to %s", ch)
	return ""
}

func isKindFor(kind, offer string) func(sinkEvent) bool {
	return func(ev sinkEvent) bool { return ev.kind == kind && ev.offer == offer }
}
