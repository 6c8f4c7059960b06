package fias_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/agent/hotel/fias"
	"github.com/pbxagent/pbxagent/testlab/memkv"
	"github.com/pbxagent/pbxagent/testlab/pmssim"
)

func TestLinkStart(t *testing.T) {
	e := newEnv(t, 1, func(c *fias.Config) { c.ResyncOnStart = true })
	lr := e.sim.LinkRecords()
	for typ, want := range fias.OurDefinitions() {
		if strings.Join(lr[typ], "") != strings.Join(want, "") {
			t.Errorf("LR for %s = %v, want %v", typ, lr[typ], want)
		}
	}
	e.eventually("DR after the link start", func() bool { return len(e.sim.Received("DR")) == 1 })
	e.eventually("state connected", func() bool { return e.link.State().Connected })
}

func TestInbound(t *testing.T) {
	e := newEnv(t, 3, nil)
	origin := hotel.Origin{Endpoint: "PJSIP/101", Extension: "101"}

	if _, err := e.sim.CheckIn("101", pmssim.Guest{Name: "Rossi", FirstName: "Anna", Language: "IT", Reservation: "4821"}); err != nil {
		t.Fatal(err)
	}
	e.eventually("GI: 101 occupied", func() bool { return e.room("101").Occupancy == hotel.Occupied })
	g := e.room("101").Guest
	if g == nil || g.Name != "Rossi" || g.FirstName != "Anna" || g.Language != "it" || g.Reservation != "4821" {
		t.Fatalf("guest after GI = %+v", g)
	}
	if name, _ := e.mgr.CallerName(e.ctx, origin); !strings.Contains(name, "Rossi") {
		t.Fatalf("caller name after GI = %q", name)
	}
	if d := e.mgr.Gate(e.ctx, origin, "00441234567"); !d.Allowed {
		t.Fatalf("outgoing call after GI: %+v", d)
	}

	// Guest change without a move.
	if _, err := e.sim.Send("GC", "RN", "101", "GN", "Bianchi"); err != nil {
		t.Fatal(err)
	}
	e.eventually("GC: new name", func() bool { g := e.room("101").Guest; return g != nil && g.Name == "Bianchi" })
	if g := e.room("101").Guest; g.FirstName != "Anna" || g.Reservation != "4821" {
		t.Fatalf("GC changed more than GN: %+v", g)
	}

	// Room status from the PMS.
	if _, err := e.sim.Send("RE", "RN", "101", "DN", "Y", "ML", "Y", "RS", "2", "CS", "1"); err != nil {
		t.Fatal(err)
	}
	e.eventually("RE applied", func() bool {
		r := e.room("101")
		return r.DND && r.MessageLight && r.Housekeeping == hotel.MakeUpRequested && r.Class == hotel.ClassLocal
	})
	if d := e.mgr.Gate(e.ctx, origin, "00441234567"); d.Allowed {
		t.Fatalf("international call with CS1 (local): %+v", d)
	}

	// Wake-up set and cleared.
	at := time.Now().In(e.loc).Add(2 * time.Hour).Truncate(time.Minute)
	if _, err := e.sim.WakeUp("101", at); err != nil {
		t.Fatal(err)
	}
	e.eventually("WR: wake-up set", func() bool {
		ws := e.mgr.WakeUps(e.ctx, "101")
		return len(ws) == 1 && ws[0].At.Equal(at) && ws[0].Status == hotel.WakePending && ws[0].Source == hotel.SourcePMS
	})
	if _, err := e.sim.WakeUpClear("101", at); err != nil {
		t.Fatal(err)
	}
	e.eventually("WC: wake-up canceled", func() bool {
		ws := e.mgr.WakeUps(e.ctx, "101")
		return len(ws) == 1 && ws[0].Status == hotel.WakeCanceled
	})

	// A move carries the guest.
	if _, err := e.sim.Move("101", "102"); err != nil {
		t.Fatal(err)
	}
	e.eventually("GC with RO: moved", func() bool {
		return e.room("101").Occupancy == hotel.Vacant && e.room("102").Occupancy == hotel.Occupied
	})
	if g := e.room("102").Guest; g == nil || g.Name != "Rossi" { // the PMS sends its own name with the move
		t.Fatalf("guest after the move = %+v", g)
	}

	// Check-out.
	if _, err := e.sim.CheckOut("102"); err != nil {
		t.Fatal(err)
	}
	e.eventually("GO: vacant", func() bool { return e.room("102").Occupancy == hotel.Vacant })

	// Nothing was echoed to the PMS: every change came from it.
	if got := e.sim.Received("RE"); len(got) != 0 {
		t.Fatalf("RE sent back to the PMS: %v", got)
	}
}

func TestUnknownRoom(t *testing.T) {
	e := newEnv(t, 1, nil)
	at := time.Now().In(e.loc).Add(time.Hour).Truncate(time.Second)
	if _, err := e.sim.WakeUp("999", at); err != nil {
		t.Fatal(err)
	}
	e.eventually("WA ASUR for a room this side lacks", func() bool {
		was := e.sim.Received("WA")
		return len(was) == 1 && was[0].Fields["RN"] == "999" && was[0].Fields["AS"] == "UR"
	})
	// Garbage, a bad record and a GI for an unknown room do not break the link.
	if err := e.sim.SendRaw([]byte("noise\x02G|x|\x03\x02GI|RN999|GNX|\x03")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.CheckIn("101", pmssim.Guest{Name: "Ok"}); err != nil {
		t.Fatal(err)
	}
	e.eventually("the link goes on", func() bool { return e.room("101").Occupancy == hotel.Occupied })
}

func TestOutbound(t *testing.T) {
	e := newEnv(t, 2, nil)
	if _, err := e.sim.CheckIn("101", pmssim.Guest{Name: "Rossi"}); err != nil {
		t.Fatal(err)
	}
	e.eventually("checked in", func() bool { return e.room("101").Occupancy == hotel.Occupied })

	on := true
	mk := hotel.MakeUpRequested
	if _, err := e.mgr.SetStatus(e.ctx, "101", hotel.StatusChange{DND: &on, Housekeeping: &mk}, hotel.Actor{Source: hotel.SourcePhone}); err != nil {
		t.Fatal(err)
	}
	e.eventually("RE to the PMS", func() bool { return len(e.sim.Received("RE")) == 1 })
	re := e.sim.Received("RE")[0]
	if re.Fields["RN"] != "101" || re.Fields["DN"] != "Y" || re.Fields["RS"] != "2" {
		t.Fatalf("RE = %q, want RN101, DNY, RS2 (dirty, occupied)", re.Raw)
	}

	start := time.Date(2026, 12, 7, 18, 2, 11, 0, time.UTC)
	e.mgr.CallEnded(e.ctx, hotel.CallRecord{CallID: "c1", Room: "101", Number: "00442071234567", Class: hotel.ClassInternational,
		Start: start, Answered: &start, Duration: 125 * time.Second, Seconds: 125})
	e.eventually("PS and its PA", func() bool {
		b, ok := e.mgr.Bill(e.ctx, "101")
		return ok && len(b.Lines) == 1 && b.Lines[0].Posted
	})
	ps, dups := e.sim.Postings()
	if len(ps) != 1 || dups != 0 {
		t.Fatalf("postings %v, %d again", ps, dups)
	}
	want := map[string]string{"RN": "101", "PT": "C", "DA": "261207", "TI": "180211", "DD": "00442071234567", "DU": "000205", "TA": "125", "P#": "1"}
	for k, v := range want {
		if ps[0].Fields[k] != v {
			t.Errorf("PS %s = %q, want %q (%s)", k, ps[0].Fields[k], v, ps[0].Raw)
		}
	}
	if b, _ := e.mgr.Bill(e.ctx, "101"); b.Lines[0].Posting != 1 {
		t.Fatalf("bill line posting = %d, want 1", b.Lines[0].Posting)
	}
	if q := e.link.State().Queued; q != 0 {
		t.Fatalf("queued after PA = %d", q)
	}
}

// TestNothingLost drops the link with postings sent and unanswered, posts
// more while it is down, restarts the link object on the same store, and
// checks every posting reaches the PMS once (by P#) and is marked posted.
func TestNothingLost(t *testing.T) {
	e := newEnv(t, 1, nil)
	if _, err := e.sim.CheckIn("101", pmssim.Guest{Name: "Rossi"}); err != nil {
		t.Fatal(err)
	}
	e.eventually("checked in", func() bool { return e.room("101").Occupancy == hotel.Occupied })
	call := func(i int) {
		now := time.Now()
		e.mgr.CallEnded(e.ctx, hotel.CallRecord{CallID: fmt.Sprint("c", i), Room: "101", Number: "0044207123", Class: hotel.ClassInternational,
			Start: now, Answered: &now, Duration: time.Minute, Seconds: 60})
	}
	e.sim.SetAnswerPostings(false)
	for i := 1; i <= 5; i++ {
		call(i)
	}
	e.eventually("5 postings at the PMS, unanswered", func() bool { ps, _ := e.sim.Postings(); return len(ps) == 5 })

	// The link drops mid-stream; 5 more calls while it is down.
	e.sim.Drop()
	e.eventually("link down", func() bool { return !e.link.State().Connected })
	for i := 6; i <= 10; i++ {
		call(i)
	}
	// The daemon restarts: a new link and manager on the same stores.
	if q := e.link.State().Queued; q != 10 {
		t.Fatalf("queued before the restart = %d, want 10", q)
	}
	e.sim.SetAnswerPostings(true)
	e.restart()
	e.eventually("every posting answered", func() bool {
		b, _ := e.mgr.Bill(e.ctx, "101")
		if len(b.Lines) != 10 {
			return false
		}
		for _, l := range b.Lines {
			if !l.Posted {
				return false
			}
		}
		return true
	})
	ps, dups := e.sim.Postings()
	if len(ps) != 10 {
		t.Fatalf("PMS has %d postings, want 10", len(ps))
	}
	for i, p := range ps {
		if p.Fields["P#"] != fmt.Sprint(i+1) {
			t.Fatalf("posting %d has P# %s, want %d (in order, none lost)", i, p.Fields["P#"], i+1)
		}
	}
	if dups < 5 { // those unanswered before the drop were sent again; the PMS dedupes by P#
		t.Fatalf("postings sent again: %d, want at least the 5 unanswered before the drop", dups)
	}
	e.eventually("queue empty", func() bool { return e.link.State().Queued == 0 && e.kv.(*memkv.KV).Len() == 1 }) // the P# counter stays
	// P# goes on after the restart.
	call(11)
	e.eventually("posting 11", func() bool { ps, _ := e.sim.Postings(); return len(ps) == 11 })
}

func TestResync(t *testing.T) {
	e := newEnv(t, 3, nil)
	// The PBX thinks 101 and 102 are occupied; the PMS has 102 and 103.
	for _, n := range []string{"101", "102"} {
		if _, err := e.mgr.CheckIn(e.ctx, n, hotel.Guest{Name: "Old " + n}, hotel.Actor{Source: hotel.SourceAPI}); err != nil {
			t.Fatal(err)
		}
	}
	e.sim.SetOccupied("102", &pmssim.Guest{Name: "New 102"})
	e.sim.SetOccupied("103", &pmssim.Guest{Name: "New 103"})
	e.sim.SetOccupied("999", &pmssim.Guest{Name: "No phone here"}) // skipped, the rest applied
	e.cfg.ResyncOnStart = true
	e.restart()
	e.eventually("resync applied", func() bool {
		return e.room("101").Occupancy == hotel.Vacant && e.room("103").Occupancy == hotel.Occupied &&
			e.room("102").Guest != nil && e.room("102").Guest.Name == "New 102"
	})
}

func TestLinkDead(t *testing.T) {
	e := newEnv(t, 1, func(c *fias.Config) { c.KeepAlive = 50 * time.Millisecond })
	_, links := e.sim.Linked()
	e.sim.SetMute(true)
	e.eventually("link dead", func() bool {
		s := e.link.State()
		return !s.Connected && strings.Contains(s.Error, "nothing heard")
	})
	e.sim.SetMute(false)
	if err := e.sim.WaitLinked(e.ctx, links+1); err != nil {
		t.Fatal(err)
	}
	e.eventually("link up again", func() bool { return e.link.State().Connected })
}

func TestShutdownSendsLE(t *testing.T) {
	e := newEnv(t, 1, nil)
	e.stop()
	e.eventually("LE", func() bool { return len(e.sim.Received("LE")) == 1 })
	if s := e.link.State(); s.Connected {
		t.Fatalf("state after stop: %+v", s)
	}
}
