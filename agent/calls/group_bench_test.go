package calls

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// BenchmarkGroupOfferRing measures, on the in-process stand-in, the time
// from the ACD's GroupOffer to the member's phone being originated
// (Asterisk accepted it), for a caller waiting in the holding bridge;
// p50 and p99 in ms.
func BenchmarkGroupOfferRing(b *testing.B) {
	g := newGroupEnv(b)
	caller := g.enter("+41445551234", "Contoso AG")
	g.wait(caller)
	ctx := context.Background()
	var lat []time.Duration
	for i := range b.N + 1 {
		offer := fmt.Sprintf("o%d", i)
		start := time.Now()
		err := g.eng.GroupOffer(ctx, GroupOffer{ID: offer, Caller: caller, GroupID: "sales", GroupName: "Sales", UserID: "u1",
			Devices: []string{"PJSIP/502"}, Timeout: 15 * time.Second, CallerNumber: "+41445551234"})
		if err != nil {
			b.Fatal(err)
		}
		c := g.pub.awaitNth(b, EventCreated, i).call
		g.awaitChannel(c.ID+"-u1", "originated", func(fakeari.ChannelSnapshot) bool { return true })
		if i > 0 { // the first offer opens the HTTP connections: not counted
			lat = append(lat, time.Since(start))
		}
		if err := g.eng.GroupCancel(ctx, offer); err != nil {
			b.Fatal(err)
		}
		g.sink.await(b, "OfferFailed", isKindFor("failed", offer))
	}
	slices.Sort(lat)
	n := len(lat)
	b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[max(n*99/100-1, 0)].Microseconds())/1000, "p99-ms")
}

// BenchmarkGroup500Waiting measures how long 500 callers take, on the
// in-process stand-in, from entering Stasis(pbxagent-calls,group,sales)
// to waiting in the group's one holding bridge with its music (the sink
// answers each Enter with GroupWait).
func BenchmarkGroup500Waiting(b *testing.B) {
	const callers = 500
	for range b.N {
		b.StopTimer()
		g := newGroupEnv(b, WithGroups(nil))
		sink := &waitingSink{groupRecorder: newGroupRecorder(), eng: g.eng}
		g.eng.SetGroupSink(sink)
		b.StartTimer()
		ids := make([]string, callers)
		for i := range ids {
			id, err := g.srv.PlaceInbound(fakeari.InboundCall{App: testApp, Caller: fmt.Sprintf("+4144555%04d", i), Exten: "600",
				Context: "from-trunk", Endpoint: "PJSIP/trunk", Args: []string{"group", "sales"}})
			if err != nil {
				b.Fatal(err)
			}
			ids[i] = id
		}
		for _, id := range ids {
			g.awaitChannel(id, "waiting", func(s fakeari.ChannelSnapshot) bool { return s.Bridge == "pbxgroup-sales" && s.BridgeMOH })
		}
		b.StopTimer()
		if br, _ := g.srv.Bridge("pbxgroup-sales"); len(br.Channels) != callers {
			b.Fatalf("%d callers in the holding bridge, want %d", len(br.Channels), callers)
		}
		g.kill()
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/500-callers")
}

// waitingSink answers every Enter with GroupWait, as the ACD does.
type waitingSink struct {
	*groupRecorder
	eng *Engine
}

func (s *waitingSink) Enter(ctx context.Context, c GroupCaller, groupID string) {
	s.groupRecorder.Enter(ctx, c, groupID)
	if err := s.eng.GroupWait(ctx, c.ID, false, "default"); err != nil {
		panic(err)
	}
}
