package callgroups

import (
	"slices"
	"testing"
	"time"
)

// TestPersistence: dynamic members, pauses and the strategies' memory
// survive a new ACD on the same KV.
func TestPersistence(t *testing.T) {
	r := newRig(t)
	r.group("sales", RRMemory, []string{"u1", "u2", "u3"}, nil)
	r.clk.Advance(time.Minute)
	if _, err := r.acd.AddMember(ctx, "sales", Member{UserID: "u4", Penalty: 3}, true, "training"); err != nil {
		t.Fatal(err)
	}
	mustPause(r, "sales", "u2", "lunch")
	r.enter("c1", "sales")
	off := r.answer("c1", "u1")
	r.clk.Advance(time.Minute)
	r.acd.CallEnded(ctx, off, PartyCaller)

	b := r.build()
	ms, err := b.Members(ctx, "sales")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]MemberView{}
	for _, m := range ms {
		byID[m.UserID] = m
	}
	if u4 := byID["u4"]; !u4.Dynamic || u4.Penalty != 3 || !u4.Paused || u4.PauseReason != "training" || !u4.JoinedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("u4 after restart %+v", u4)
	}
	if u2 := byID["u2"]; !u2.Paused || u2.PauseReason != "lunch" || u2.State != StatePaused {
		t.Fatalf("u2 after restart %+v", u2)
	}
	if u1 := byID["u1"]; u1.CallsTaken != 1 || u1.LastCallAt == nil {
		t.Fatalf("u1 after restart %+v", u1)
	}
	if ids := []string{ms[0].UserID, ms[1].UserID, ms[2].UserID, ms[3].UserID}; !slices.Equal(ids, []string{"u1", "u2", "u3", "u4"}) {
		t.Fatalf("order %v: static as configured, then dynamic", ids)
	}
	// rrmemory goes on after u1 (u2 paused): u3.
	r.acd = b
	r.tel.take()
	r.enter("c2", "sales")
	if got := offered(r.tel.take()); !slices.Equal(got, []string{"u3"}) {
		t.Fatalf("offered %v after restart, want u3", got)
	}
	// Removing the dynamic member and unpausing are kept too.
	if err := b.RemoveMember(ctx, "sales", "u4"); err != nil {
		t.Fatal(err)
	}
	if err := b.RemoveMember(ctx, "sales", "u1"); err == nil {
		t.Fatal("removed a static member")
	}
	if _, err := b.Pause(ctx, "sales", "u2", false, ""); err != nil {
		t.Fatal(err)
	}
	c := r.build()
	ms, _ = c.Members(ctx, "sales")
	if len(ms) != 3 || ms[1].Paused {
		t.Fatalf("after remove and unpause %+v", ms)
	}
	if got := r.jr.verbs(); !containsInOrder(got, VerbAddMember, VerbPause, VerbEnterQueue, VerbConnect, VerbCompleteCaller, VerbRemoveMember, VerbUnpause) {
		t.Fatalf("journal %v", got)
	}
}

func containsInOrder(got []Verb, want ...Verb) bool {
	i := 0
	for _, v := range got {
		if i < len(want) && v == want[i] {
			i++
		}
	}
	return i == len(want)
}

// TestUpdateKeepsDynamic: UpdateGroup replaces the static members and
// the configuration; dynamic members stay; a removed member's pause goes.
func TestUpdateKeepsDynamic(t *testing.T) {
	r := newRig(t)
	g := r.group("sales", Linear, []string{"u1", "u2"}, nil)
	if _, err := r.acd.AddMember(ctx, "sales", Member{UserID: "u5"}, false, ""); err != nil {
		t.Fatal(err)
	}
	mustPause(r, "sales", "u2", "x")
	g.Members = []Member{{UserID: "u3"}, {UserID: "u1", Penalty: 4}}
	g.RingTimeout = 30
	out, err := r.acd.UpdateGroup(ctx, "sales", g)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range out.Members {
		ids = append(ids, m.UserID)
	}
	if !slices.Equal(ids, []string{"u3", "u1", "u5"}) || out.RingTimeout != 30 || out.Members[1].Penalty != 4 {
		t.Fatalf("after update %+v", out)
	}
	if _, err := r.acd.AddMember(ctx, "sales", Member{UserID: "u2"}, false, ""); err != nil {
		t.Fatal(err)
	}
	if ms, _ := r.acd.Members(ctx, "sales"); ms[3].UserID != "u2" || ms[3].Paused {
		t.Fatalf("u2 back %+v: the old pause must be gone", ms[3])
	}
}

// TestDNDPauses: DND pauses the member in every group (reason dnd); DND
// off ends only those pauses; Load reconciles pauses made or ended while
// the ACD was down.
func TestDNDPauses(t *testing.T) {
	r := newRig(t)
	r.group("sales", Linear, []string{"u1", "u2"}, nil)
	r.group("support", Linear, []string{"u1", "u2"}, nil)
	mustPause(r, "support", "u2", "lunch")
	for _, u := range []string{"u1", "u2"} {
		r.pres.set(u, func(p *MemberPresence) { p.DND = true })
		r.acd.PresenceChanged(ctx, u)
	}
	for _, g := range []string{"sales", "support"} {
		ms, _ := r.acd.Members(ctx, g)
		if !ms[0].Paused || ms[0].PauseReason != PauseDND {
			t.Fatalf("%s u1 %+v: want paused dnd", g, ms[0])
		}
	}
	if ms, _ := r.acd.Members(ctx, "support"); ms[1].PauseReason != "lunch" {
		t.Fatalf("u2's lunch pause became %q", ms[1].PauseReason)
	}
	for _, u := range []string{"u1", "u2"} {
		r.pres.set(u, func(p *MemberPresence) { p.DND = false })
		r.acd.PresenceChanged(ctx, u)
	}
	for _, g := range []string{"sales", "support"} {
		ms, _ := r.acd.Members(ctx, g)
		if ms[0].Paused {
			t.Fatalf("%s u1 still paused after DND off", g)
		}
	}
	if ms, _ := r.acd.Members(ctx, "support"); !ms[1].Paused || ms[1].PauseReason != "lunch" {
		t.Fatalf("DND off ended u2's lunch pause: %+v", ms[1])
	}
	pauses := 0
	for _, e := range r.jr.es {
		if e.Verb == VerbPause && e.Reason == PauseDND {
			pauses++
		}
	}
	if pauses != 3 { // u1 twice, u2 in sales
		t.Fatalf("%d PAUSE dnd entries, want 3", pauses)
	}

	// While down: u1 went into DND, u3's dnd pause outlived their DND.
	r.pres.set("u1", func(p *MemberPresence) { p.DND = true })
	if err := r.kv.Put(ctx, keyPause+"sales/u2", []byte(`{"reason":"dnd","at":"2026-12-07T08:00:00Z"}`)); err != nil {
		t.Fatal(err)
	}
	b := r.build()
	ms, _ := b.Members(ctx, "sales")
	if !ms[0].Paused || ms[0].PauseReason != PauseDND {
		t.Fatalf("u1 in DND not paused at load: %+v", ms[0])
	}
	if ms[1].Paused {
		t.Fatalf("u2 still paused at load though not in DND: %+v", ms[1])
	}
}
