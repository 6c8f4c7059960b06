package calls

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

func TestGroupCallerAnsweredByAMember(t *testing.T) {
	tests := []struct {
		name      string
		hangup    func(g *groupEnv, c Call, caller string)
		wantParty GroupParty
		wantBy    string
	}{
		{name: "caller hangs up", hangup: func(g *groupEnv, c Call, caller string) { g.srv.Hangup(caller, 16) },
			wantParty: GroupPartyCaller, wantBy: "destination"},
		{name: "member hangs up", hangup: func(g *groupEnv, c Call, caller string) { g.srv.Hangup(c.ID+"-u2", 16) },
			wantParty: GroupPartyAgent, wantBy: "user"},
		{name: "member hangs up through the API", hangup: func(g *groupEnv, c Call, caller string) {
			if _, err := g.eng.Hangup(context.Background(), u1, c.ID); err != nil {
				g.t.Fatal(err)
			}
		}, wantParty: GroupPartyAgent, wantBy: "api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGroupEnv(t)
			caller := g.enter("+41445551234", "Contoso AG")
			g.wait(caller)
			c := g.offer(caller, "o1", 15*time.Second, "PJSIP/501", "PJSIP/502")
			if c.UserID != "u1" || c.GroupID != "sales" || c.Direction != Inbound || c.From != "+41445551234" ||
				c.FromName != "Contoso AG" || c.To != "600" || c.ToName != "Sales" || c.State != StateRinging {
				t.Fatalf("the member's call %+v", c)
			}
			for _, leg := range []string{c.ID + "-u1", c.ID + "-u2"} {
				s := g.ring(leg)
				if s.Caller.Name != "[Sales] Contoso AG" || s.Caller.Number != "+41445551234" {
					t.Errorf("leg %s shows %+v, want \"[Sales] Contoso AG\" <+41445551234>", leg, s.Caller)
				}
			}
			if s, _ := g.srv.Channel(caller); s.Bridge != "pbxgroup-sales" || !s.BridgeMOH {
				t.Errorf("the caller left the holding bridge while the member's phones ring: %+v", s)
			}
			if err := g.srv.PickUp(c.ID + "-u2"); err != nil {
				t.Fatal(err)
			}
			ans := g.sink.await(t, "OfferAnswered", isKindFor("answered", "o1"))
			if ans.call != c.ID {
				t.Errorf("OfferAnswered names call %s, want %s", ans.call, c.ID)
			}
			if lost := g.awaitChannel(c.ID+"-u1", "hung up", destroyed); lost.Cause != 26 {
				t.Errorf("the other device ended with cause %d, want 26 (answered elsewhere)", lost.Cause)
			}
			g.bridged("the caller and the member", caller, c.ID+"-u2")
			if s, _ := g.srv.Channel(caller); s.Bridge != c.ID+"-bridge" || s.BridgeMOH {
				t.Errorf("bridged caller %+v", s)
			}
			if _, ok := g.srv.Bridge("pbxgroup-sales"); ok {
				// An eventual check: the engine destroys it right after the move.
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				for ok && ctx.Err() == nil {
					_, ok = g.srv.Bridge("pbxgroup-sales")
				}
				cancel()
				if ok {
					t.Error("the empty holding bridge is left")
				}
			}
			// The member's call is theirs like any other: listed, held,
			// resumed.
			up := g.pub.await(t, EventAnswered, c.ID).call
			if up.Device != "PJSIP/502" || up.GroupID != "sales" || up.State != StateUp {
				t.Errorf("answered %+v", up)
			}
			if l := g.eng.List(u1); len(l) != 1 || l[0].ID != c.ID {
				t.Errorf("u1's calls %+v", l)
			}
			ctx := context.Background()
			if _, err := g.eng.Hold(ctx, u1, c.ID); err != nil {
				t.Fatal(err)
			}
			if s, _ := g.srv.Channel(caller); !s.Hold || !s.MOH {
				t.Errorf("held caller %+v", s)
			}
			if _, err := g.eng.Resume(ctx, u1, c.ID); err != nil {
				t.Fatal(err)
			}

			tt.hangup(g, c, caller)
			ended := g.sink.await(t, "CallEnded", isKindFor("ended", "o1"))
			if ended.party != tt.wantParty {
				t.Errorf("CallEnded by %s, want %s", ended.party, tt.wantParty)
			}
			if end := g.pub.await(t, EventEnded, c.ID).call; end.EndedBy != tt.wantBy {
				t.Errorf("call ended %+v, want by %s", end, tt.wantBy)
			}
			for _, ch := range []string{caller, c.ID + "-u2"} {
				g.awaitChannel(ch, "hung up", destroyed)
			}
			g.noBridges()
			if got, want := g.sink.offerEvents("o1"), []string{"answered", "ended"}; !slices.Equal(got, want) {
				t.Errorf("the sink heard %v of the offer, want %v", got, want)
			}
			for _, ev := range g.sink.all() {
				if ev.kind == "gone" {
					t.Errorf("CallerGone for a caller a member took: %+v", ev)
				}
			}
		})
	}
}

func TestGroupOfferUnanswered(t *testing.T) {
	tests := []struct {
		name    string
		devices []string
		drive   func(g *groupEnv, c Call)
		want    GroupOutcome
		cause   int
	}{
		{name: "nobody answers", devices: []string{"PJSIP/103", "PJSIP/502"}, drive: func(g *groupEnv, c Call) {
			g.ring(c.ID + "-u1")
			g.ring(c.ID + "-u2")
			g.clk.Advance(15 * time.Second)
		}, want: GroupNoAnswer, cause: ari.CauseNoAnswer},
		{name: "busy", devices: []string{"PJSIP/503"}, drive: func(g *groupEnv, c Call) {
			g.ring(c.ID + "-u1")
			g.clk.Advance(time.Second)
		}, want: GroupBusy, cause: ari.CauseUserBusy},
		{name: "offline", devices: []string{"PJSIP/504"}, drive: func(g *groupEnv, c Call) {
			g.awaitChannel(c.ID+"-u1", "created", func(fakeari.ChannelSnapshot) bool { return true })
			g.clk.Advance(0)
		}, want: GroupUnavailable, cause: ari.CauseSubscriberAbsent},
		{name: "declined through the API", devices: []string{"PJSIP/502"}, drive: func(g *groupEnv, c Call) {
			g.ring(c.ID + "-u1")
			if _, err := g.eng.Hangup(context.Background(), u1, c.ID); err != nil {
				g.t.Fatal(err)
			}
		}, want: GroupDeclined, cause: ari.CauseCallRejected},
		{name: "canceled", devices: []string{"PJSIP/502"}, drive: func(g *groupEnv, c Call) {
			g.ring(c.ID + "-u1")
			if err := g.eng.GroupCancel(context.Background(), "o1"); err != nil {
				g.t.Fatal(err)
			}
		}, want: GroupCanceled, cause: ari.CauseNormalClearing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGroupEnv(t)
			caller := g.enter("+41445551234", "")
			g.wait(caller)
			c := g.offer(caller, "o1", 15*time.Second, tt.devices...)
			tt.drive(g, c)
			failed := g.sink.await(t, "OfferFailed", isKindFor("failed", "o1"))
			if failed.outcome != tt.want {
				t.Errorf("OfferFailed(%s), want %s", failed.outcome, tt.want)
			}
			if end := g.pub.await(t, EventEnded, c.ID).call; end.Cause != tt.cause {
				t.Errorf("the member's call ended %+v, want cause %d", end, tt.cause)
			}
			for i := range tt.devices {
				g.awaitChannel(fmt.Sprintf("%s-u%d", c.ID, i+1), "hung up", destroyed)
			}
			// The caller goes on waiting, and may be offered again.
			if s, _ := g.srv.Channel(caller); !s.InStasis || s.Destroyed || s.Bridge != "pbxgroup-sales" || !s.BridgeMOH {
				t.Fatalf("the caller after the offer: %+v (want it waiting still)", s)
			}
			again := g.offer(caller, "o2", 15*time.Second, "PJSIP/501")
			g.ring(again.ID + "-u1")
			if err := g.srv.PickUp(again.ID + "-u1"); err != nil {
				t.Fatal(err)
			}
			g.sink.await(t, "OfferAnswered", isKindFor("answered", "o2"))
			g.bridged("the caller and the second member", caller, again.ID+"-u1")
			if got := g.sink.offerEvents("o1"); !slices.Equal(got, []string{"failed"}) {
				t.Errorf("the sink heard %v of the first offer", got)
			}
		})
	}
}

func TestGroupCallerHangsUp(t *testing.T) {
	tests := []struct {
		name    string
		offered bool
	}{
		{name: "while waiting"},
		{name: "while two offers ring", offered: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGroupEnv(t)
			caller := g.enter("+41445551234", "Contoso AG")
			g.wait(caller)
			var calls []Call
			if tt.offered {
				calls = append(calls, g.offer(caller, "o1", 15*time.Second, "PJSIP/501"))
				calls = append(calls, g.offer(caller, "o2", 15*time.Second, "PJSIP/502"))
				for _, c := range calls {
					g.ring(c.ID + "-u1")
				}
			}
			g.srv.Hangup(caller, 16)
			g.sink.await(t, "CallerGone", func(ev sinkEvent) bool { return ev.kind == "gone" && ev.caller == caller })
			for i, c := range calls {
				offer := fmt.Sprintf("o%d", i+1)
				if f := g.sink.await(t, "OfferFailed", isKindFor("failed", offer)); f.outcome != GroupCanceled {
					t.Errorf("offer %s: OfferFailed(%s), want canceled", offer, f.outcome)
				}
				if s := g.awaitChannel(c.ID+"-u1", "hung up", destroyed); s.Cause != 16 {
					t.Errorf("leg of %s ended with cause %d, want 16", offer, s.Cause)
				}
				if end := g.pub.await(t, EventEnded, c.ID).call; end.EndedBy != "destination" || end.AnsweredAt != nil {
					t.Errorf("the member's call %+v: want missed, ended by the caller", end)
				}
			}
			// CallerGone first: the ACD counts the abandon before the
			// offers' outcomes.
			evs := g.sink.all()
			if gone := slices.IndexFunc(evs, func(ev sinkEvent) bool { return ev.kind == "gone" }); tt.offered &&
				slices.IndexFunc(evs, func(ev sinkEvent) bool { return ev.kind == "failed" }) < gone {
				t.Errorf("OfferFailed before CallerGone: %+v", evs)
			}
			g.noBridges()
			if err := g.eng.GroupWait(context.Background(), caller, false, ""); !errors.Is(err, ErrNoGroupCaller) {
				t.Errorf("GroupWait for a caller gone: %v, want ErrNoGroupCaller", err)
			}
		})
	}
}

func TestGroupRingAllFirstMemberWins(t *testing.T) {
	g := newGroupEnv(t)
	caller := g.enter("+41445551234", "Contoso AG")
	g.wait(caller)
	a := g.offer(caller, "o1", 15*time.Second, "PJSIP/501")
	b := g.offer(caller, "o2", 15*time.Second, "PJSIP/502")
	g.ring(a.ID + "-u1")
	g.ring(b.ID + "-u1")
	if err := g.srv.PickUp(b.ID + "-u1"); err != nil {
		t.Fatal(err)
	}
	g.sink.await(t, "OfferAnswered", isKindFor("answered", "o2"))
	if f := g.sink.await(t, "OfferFailed", isKindFor("failed", "o1")); f.outcome != GroupCanceled {
		t.Errorf("the other member's offer: %s, want canceled", f.outcome)
	}
	if s := g.awaitChannel(a.ID+"-u1", "hung up", destroyed); s.Cause != 26 {
		t.Errorf("the other member's phone ended with cause %d, want 26", s.Cause)
	}
	if end := g.pub.await(t, EventEnded, a.ID).call; end.Cause != 26 || end.CauseText != "answered elsewhere" {
		t.Errorf("the other member's call %+v", end)
	}
	evs := g.sink.all()
	answered := slices.IndexFunc(evs, isKindFor("answered", "o2"))
	if canceled := slices.IndexFunc(evs, isKindFor("failed", "o1")); canceled < answered {
		t.Errorf("OfferFailed(canceled) before OfferAnswered: %+v", evs)
	}
	g.bridged("the caller and the member who answered", caller, b.ID+"-u1")
	// A cancel of the offer over already changes nothing.
	if err := g.eng.GroupCancel(context.Background(), "o1"); err != nil {
		t.Fatal(err)
	}
	if err := g.eng.GroupOffer(context.Background(), GroupOffer{ID: "o3", Caller: caller, UserID: "u1", Devices: []string{"PJSIP/501"}}); !errors.Is(err, ErrNoGroupCaller) {
		t.Errorf("an offer for a caller a member took: %v, want ErrNoGroupCaller", err)
	}
	if got := g.sink.offerEvents("o1"); !slices.Equal(got, []string{"failed"}) {
		t.Errorf("the sink heard %v of the canceled offer", got)
	}
}

func TestGroupLeave(t *testing.T) {
	tests := []struct {
		name        string
		exit        string
		to          ari.DialplanTarget
		wantPrio    int64
		wantLabel   string
		wantContext string
	}{
		{name: "next priority", exit: "TIMEOUT", wantPrio: 2},
		{name: "a label", exit: "LEAVEEMPTY", to: ari.DialplanTarget{Label: "noanswer"}, wantPrio: 3, wantLabel: "noanswer"},
		{name: "a missing label goes on at the next priority", exit: "FULL", to: ari.DialplanTarget{Label: "nosuch"}, wantPrio: 2},
		{name: "failed goes to the fallback label", exit: "FAILED", wantPrio: 2, wantLabel: "fallback"},
		{name: "a context", exit: "TIMEOUT", to: ari.DialplanTarget{Context: "overflow"}, wantPrio: 1, wantContext: "overflow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGroupEnv(t)
			caller := g.enter("+41445551234", "")
			g.wait(caller)
			c := g.offer(caller, "o1", 15*time.Second, "PJSIP/502")
			g.ring(c.ID + "-u1")
			if err := g.eng.GroupLeave(context.Background(), caller, tt.exit, tt.to); err != nil {
				t.Fatal(err)
			}
			s := g.awaitChannel(caller, "continued", func(s fakeari.ChannelSnapshot) bool { return !s.InStasis || s.Destroyed })
			if s.Destroyed || s.Dialplan.Priority != tt.wantPrio || s.Variables[VarQueueStatus] != tt.exit ||
				s.Variables[VarStatus] != tt.exit || s.Bridge != "" {
				t.Fatalf("caller %+v: want it at priority %d with QUEUESTATUS and PBXAGENT_STATUS %s", s, tt.wantPrio, tt.exit)
			}
			if want := cmp.Or(tt.wantContext, "from-trunk"); s.Label != tt.wantLabel || s.Dialplan.Context != want {
				t.Errorf("caller at %+v label %q, want context %s label %q", s.Dialplan, s.Label, want, tt.wantLabel)
			}
			if f := g.sink.await(t, "OfferFailed", isKindFor("failed", "o1")); f.outcome != GroupCanceled {
				t.Errorf("the ringing offer: %s, want canceled", f.outcome)
			}
			g.awaitChannel(c.ID+"-u1", "hung up", destroyed)
			g.noBridges()
			for _, ev := range g.sink.all() {
				if ev.kind == "gone" {
					t.Errorf("CallerGone for a caller the ACD sent away: %+v", ev)
				}
			}
		})
	}
}

func TestGroupRingbackAndAnnouncement(t *testing.T) {
	g := newGroupEnv(t)
	caller := g.enter("+41445551234", "")
	if err := g.eng.GroupWait(context.Background(), caller, true, ""); err != nil {
		t.Fatal(err)
	}
	s := g.awaitChannel(caller, "hearing ringback", func(s fakeari.ChannelSnapshot) bool { return s.Ringback })
	if s.Bridge != "pbxgroup-sales" || s.BridgeMOH || s.State != ari.StateUp {
		t.Fatalf("ringback caller %+v: want it answered in the holding bridge, no music", s)
	}
	if err := g.eng.GroupAnnounce(context.Background(), caller, []string{"queue-thereare", "sound:queue-callswaiting"}); err != nil {
		t.Fatal(err)
	}
	// The announcement stops the ring tone (a file played deactivates the
	// generator); it rings again once the two sounds (2 s each) end.
	pb := g.awaitPlayback(g.announced(caller), "queued")
	if pb.TargetURI != "channel:"+caller || !slices.Equal([]string{pb.MediaURI, pb.NextMediaURI}, []string{"sound:queue-thereare", "sound:queue-callswaiting"}) {
		t.Errorf("announcement %+v", pb)
	}
	g.clk.Advance(0) // the stand-in starts playing on its clock
	g.awaitChannel(caller, "announced to", func(s fakeari.ChannelSnapshot) bool { return !s.Ringback })
	g.clk.Advance(2 * time.Second)
	g.clk.Advance(2 * time.Second)
	g.awaitChannel(caller, "hearing ringback again", func(s fakeari.ChannelSnapshot) bool { return s.Ringback })
	c := g.offer(caller, "o1", 15*time.Second, "PJSIP/502")
	g.ring(c.ID + "-u1")
	if err := g.srv.PickUp(c.ID + "-u1"); err != nil {
		t.Fatal(err)
	}
	g.sink.await(t, "OfferAnswered", isKindFor("answered", "o1"))
	g.bridged("the caller and the member", caller, c.ID+"-u1")
	if s, _ := g.srv.Channel(caller); s.Ringback {
		t.Error("the caller still hears ringback once bridged")
	}
}

func TestGroupCallerWithoutSink(t *testing.T) {
	e := newDialplanEnv(t, testUsers("PJSIP/501"))
	id, err := e.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: "+41445551234", Exten: "600",
		Context: "from-trunk", Endpoint: "PJSIP/trunk", Args: []string{"group", "sales"}})
	if err != nil {
		t.Fatal(err)
	}
	e.handedBack(id, "fallback", StatusFailed)
	if s, _ := e.srv.Channel(id); s.Variables[VarQueueStatus] != StatusFailed {
		t.Errorf("QUEUESTATUS %q, want FAILED", s.Variables[VarQueueStatus])
	}
}

func TestGroupCallerBadID(t *testing.T) {
	g := newGroupEnv(t)
	id, err := g.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: "101", Exten: "600",
		Context: "from-trunk", Endpoint: "PJSIP/trunk", Args: []string{"group", "Sales Team"}})
	if err != nil {
		t.Fatal(err)
	}
	g.handedBack(id, "fallback", StatusInvalid)
	if evs := g.sink.all(); len(evs) != 0 {
		t.Errorf("the sink heard %+v", evs)
	}
}

func TestGroupReleaseHandsWaitingCallersBack(t *testing.T) {
	g := newGroupEnv(t)
	caller := g.enter("+41445551234", "")
	g.wait(caller)
	c := g.offer(caller, "o1", 15*time.Second, "PJSIP/502")
	g.ring(c.ID + "-u1")
	g.eng.Release(context.Background())
	g.handedBack(caller, "fallback", StatusFailed)
	g.sink.await(t, "CallerGone", func(ev sinkEvent) bool { return ev.kind == "gone" && ev.caller == caller })
	g.sink.await(t, "OfferFailed", isKindFor("failed", "o1"))
	g.awaitChannel(c.ID+"-u1", "hung up", destroyed)
	g.noBridges()
}

func TestGroupCallerOfEarlierRunHandedBack(t *testing.T) {
	g := newGroupEnv(t)
	caller := g.enter("+41445551234", "")
	g.wait(caller)
	// A new run (restart without a clean stop): the caller of the earlier
	// run waits in a bridge nobody follows.
	g.kill()
	g.attach(WithClock(g.clk), WithUsers(testUsers("PJSIP/501")), WithGroups(g.sink))
	g.handedBack(caller, "fallback", StatusFailed)
	g.noBridges()
}

func TestGroupTransferredByTheMember(t *testing.T) {
	g := newGroupEnv(t)
	caller := g.enter("+41445551234", "Contoso AG")
	g.wait(caller)
	c := g.offer(caller, "o1", 15*time.Second, "PJSIP/501")
	g.ring(c.ID + "-u1")
	if err := g.srv.PickUp(c.ID + "-u1"); err != nil {
		t.Fatal(err)
	}
	g.sink.await(t, "OfferAnswered", isKindFor("answered", "o1"))
	g.pub.await(t, EventAnswered, c.ID)
	tr := g.startTransfer(c, "200", Blind)
	if ev := g.sink.await(t, "CallEnded", isKindFor("ended", "o1")); ev.party != GroupPartyTransferred {
		t.Errorf("CallEnded by %s, want transferred", ev.party)
	}
	g.ring(tr.ID + "-to")
	g.clk.Advance(3 * time.Second)
	g.bridged("the caller and the recipient", caller, tr.ID+"-to")
}

func TestGroupAnnouncementStopsWhenAMemberAnswers(t *testing.T) {
	g := newGroupEnv(t)
	caller := g.enter("+41445551234", "")
	g.wait(caller)
	if err := g.eng.GroupAnnounce(context.Background(), caller, []string{"sound:silence/60"}); err != nil {
		t.Fatal(err)
	}
	id := g.announced(caller)
	g.clk.Advance(0)
	g.awaitPlayback(id, "playing")
	c := g.offer(caller, "o1", 15*time.Second, "PJSIP/502")
	g.ring(c.ID + "-u1")
	if err := g.srv.PickUp(c.ID + "-u1"); err != nil {
		t.Fatal(err)
	}
	g.sink.await(t, "OfferAnswered", isKindFor("answered", "o1"))
	if _, err := g.eng.cli.Playbacks().Get(context.Background(), id); !ari.IsNotFound(err) {
		t.Errorf("the announcement plays on over the member: %v", err)
	}
}

// TestGroupCallersAcrossReconnect: after the events WebSocket comes back,
// a caller that hung up meanwhile is gone (CallerGone); one still there
// keeps waiting in the holding bridge and is offered as before.
func TestGroupCallersAcrossReconnect(t *testing.T) {
	g := newGroupEnv(t)
	stays := g.enter("+41445551234", "")
	g.wait(stays)
	leaves := g.enter("+41445559999", "")
	g.wait(leaves)
	g.srv.DropWebSockets()
	g.srv.Hangup(leaves, 16)
	g.sink.await(t, "CallerGone", func(ev sinkEvent) bool { return ev.kind == "gone" && ev.caller == leaves })
	if s, _ := g.srv.Channel(stays); !s.InStasis || s.Bridge != "pbxgroup-sales" || !s.BridgeMOH {
		t.Fatalf("the caller still waiting after the reconnect: %+v", s)
	}
	c := g.offer(stays, "o1", 15*time.Second, "PJSIP/502")
	g.ring(c.ID + "-u1")
	if err := g.srv.PickUp(c.ID + "-u1"); err != nil {
		t.Fatal(err)
	}
	g.sink.await(t, "OfferAnswered", isKindFor("answered", "o1"))
	g.bridged("the caller and the member", stays, c.ID+"-u1")
	for _, ev := range g.sink.all() {
		if ev.kind == "gone" && ev.caller == stays {
			t.Errorf("CallerGone for the caller who stayed: %+v", ev)
		}
	}
}

// TestGroupHoldingBridgeMadeAgain: a holding bridge destroyed behind
// pbxagent's back is made again for the next caller, with its music.
func TestGroupHoldingBridgeMadeAgain(t *testing.T) {
	g := newGroupEnv(t)
	first := g.enter("+41445551234", "")
	g.wait(first)
	if err := g.eng.cli.Bridges().Destroy(context.Background(), "pbxgroup-sales"); err != nil {
		t.Fatal(err)
	}
	second := g.enter("+41445559999", "")
	g.wait(second)
}
