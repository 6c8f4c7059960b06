package chat

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

var ctx = context.Background()

func TestDirectRoomIsFoundOrCreatedOnce(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	a, created, err := e.s.CreateRoom(ctx, alice, CreateRoomRequest{Members: []string{bob}})
	if err != nil || !created {
		t.Fatalf("create: %v created=%v", err, created)
	}
	b, created, err := e.s.CreateRoom(ctx, bob, CreateRoomRequest{Kind: KindDirect, Members: []string{alice}})
	if err != nil || created || b.ID != a.ID {
		t.Fatalf("the pair's room again: id %s (want %s) created=%v err %v", b.ID, a.ID, created, err)
	}
	if !slices.Equal(a.Members, []string{alice, bob}) || a.Kind != KindDirect {
		t.Fatalf("room %+v", a.Room)
	}
}

func TestCreateRoomNamesTheFieldAtFault(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	for _, tc := range []struct {
		name  string
		req   CreateRoomRequest
		field string
	}{
		{name: "direct with two others", req: CreateRoomRequest{Members: []string{bob, carol}}, field: "members"},
		{name: "direct with oneself", req: CreateRoomRequest{Members: []string{alice}}, field: "members[0]"},
		{name: "direct with a name", req: CreateRoomRequest{Name: "x", Members: []string{bob}}, field: "name"},
		{name: "unknown user", req: CreateRoomRequest{Members: []string{"nobody"}}, field: "members[0]"},
		{name: "group without a name", req: CreateRoomRequest{Kind: KindGroup, Members: []string{bob}}, field: "name"},
		{name: "group with an unknown user", req: CreateRoomRequest{Kind: KindGroup, Name: "g", Members: []string{bob, "x"}}, field: "members[1]"},
		{name: "bad kind", req: CreateRoomRequest{Kind: "channel", Members: []string{bob}}, field: "kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := e.s.CreateRoom(ctx, alice, tc.req)
			ae, ok := err.(*platform.APIError)
			if !ok || len(ae.Details) == 0 || ae.Details[0].Field != tc.field {
				t.Fatalf("err %v, want one naming %s", err, tc.field)
			}
		})
	}
}

func TestGroupIsChangedByItsAdminOnly(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	g, _, err := e.s.CreateRoom(ctx, alice, CreateRoomRequest{Kind: KindGroup, Name: "Reception", Members: []string{bob}})
	if err != nil {
		t.Fatal(err)
	}
	name := "Front desk"
	if _, err := e.s.UpdateRoom(ctx, bob, g.ID, UpdateRoomRequest{Name: &name}); status(err) != 403 {
		t.Fatalf("a member who is not admin renames: %v", err)
	}
	if _, err := e.s.UpdateRoom(ctx, carol, g.ID, UpdateRoomRequest{Name: &name}); status(err) != 404 {
		t.Fatalf("a non-member renames: %v", err)
	}
	e.send(t, bob, g.ID, "before carol")
	e.pub.take()
	members := []string{alice, carol}
	v, err := e.s.UpdateRoom(ctx, alice, g.ID, UpdateRoomRequest{Name: &name, Members: &members})
	if err != nil || v.Name != name || !slices.Equal(v.Members, members) {
		t.Fatalf("update: %+v %v", v, err)
	}
	evs := e.pub.take()
	if len(evs) != 1 || evs[0].Type != "room_updated" {
		t.Fatalf("events %+v", evs)
	}
	for _, u := range []string{alice, bob, carol} {
		if !evs[0].Audience.Match(platform.Principal{UserID: u}) {
			t.Errorf("%s (before or after) did not get room_updated", u)
		}
	}
	if _, err := e.s.Room(ctx, bob, g.ID); status(err) != 404 {
		t.Fatalf("bob, removed, still sees the room: %v", err)
	}
	cv, err := e.s.Room(ctx, carol, g.ID)
	if err != nil || cv.Unread != 0 {
		t.Fatalf("carol, added: %+v %v", cv, err)
	}
	without := []string{carol}
	if _, err := e.s.UpdateRoom(ctx, alice, g.ID, UpdateRoomRequest{Members: &without}); status(err) != 400 {
		t.Fatalf("removing the admin: %v", err)
	}
	d := e.direct(t, alice, bob)
	if _, err := e.s.UpdateRoom(ctx, alice, d, UpdateRoomRequest{Name: &name}); status(err) != 400 {
		t.Fatalf("renaming a direct room: %v", err)
	}
}

func TestMessagesAreOrderedPagedAndSearched(t *testing.T) {
	e := newEnv(t, Config{MaxMessageBytes: 4096, RatePerMinute: 1000, Burst: 1000})
	room := e.direct(t, alice, bob)
	var ids []string
	for i := range 25 {
		from := alice
		if i%2 == 1 {
			from = bob
		}
		text := fmt.Sprintf("message %02d", i)
		if i%5 == 0 {
			text += " about the Meeting"
		}
		ids = append(ids, e.send(t, from, room, text).ID)
		if i%3 == 0 {
			e.clk.Advance(time.Millisecond) // some in the same millisecond, some not
		}
	}
	if !slices.IsSorted(ids) {
		t.Fatalf("ids do not grow: %v", ids)
	}
	got := func(p MessagePage) []string {
		var out []string
		for _, m := range p.Messages {
			out = append(out, m.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		q    Query
		want []string
		more bool
	}{
		{name: "newest", q: Query{Limit: 10}, want: ids[15:], more: true},
		{name: "before", q: Query{Limit: 10, Before: ids[15]}, want: ids[5:15], more: true},
		{name: "before, last page", q: Query{Limit: 10, Before: ids[5]}, want: ids[:5], more: false},
		{name: "after", q: Query{Limit: 10, After: ids[4]}, want: ids[5:15], more: true},
		{name: "after, to the end", q: Query{Limit: 10, After: ids[19]}, want: ids[20:], more: false},
		{name: "search in any case", q: Query{Limit: 10, Search: "meeting"}, want: []string{ids[0], ids[5], ids[10], ids[15], ids[20]}},
		{name: "search, paged", q: Query{Limit: 2, Search: "MEETING", Before: ids[20]}, want: []string{ids[10], ids[15]}, more: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := e.s.Messages(ctx, bob, room, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if g := got(p); !slices.Equal(g, tc.want) || p.HasMore != tc.more {
				t.Fatalf("got %v more=%v, want %v more=%v", g, p.HasMore, tc.want, tc.more)
			}
		})
	}
}

func TestUnreadCountsAndReceipts(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	room := e.direct(t, alice, bob)
	m1 := e.send(t, alice, room, "one")
	e.send(t, alice, room, "two")
	m3 := e.send(t, alice, room, "three")
	rooms, err := e.s.Rooms(ctx, bob)
	if err != nil || len(rooms) != 1 || rooms[0].Unread != 3 || rooms[0].LastMessage.ID != m3.ID {
		t.Fatalf("bob's rooms: %+v %v", rooms, err)
	}
	if a, _ := e.s.Room(ctx, alice, room); a.Unread != 0 || a.ReadUpTo != m3.ID {
		t.Fatalf("the sender's own messages count as read: %+v", a)
	}
	e.pub.take()
	v, err := e.s.MarkRead(ctx, bob, room, m1.ID)
	if err != nil || v.Unread != 2 || v.ReadUpTo != m1.ID {
		t.Fatalf("read up to m1: %+v %v", v, err)
	}
	if v, _ = e.s.MarkRead(ctx, bob, room, m1.ID); v.Unread != 2 {
		t.Fatalf("read again: %+v", v)
	}
	evs := e.pub.take()
	if len(evs) != 1 || evs[0].Type != "message_read" || evs[0].Data.(Receipt).UpTo != m1.ID {
		t.Fatalf("events %+v (a receipt that moves nothing publishes nothing)", evs)
	}
	if _, err := e.s.Delete(ctx, alice, room, m3.ID); err != nil {
		t.Fatal(err)
	}
	if v, _ := e.s.Room(ctx, bob, room); v.Unread != 1 {
		t.Fatalf("an unread message deleted: unread %d, want 1", v.Unread)
	}
	if v, err = e.s.MarkDelivered(ctx, bob, room, m3.ID, ""); err != nil || v.Delivered != m3.ID {
		t.Fatalf("delivered: %+v %v", v, err)
	}
	if _, err := e.s.MarkRead(ctx, bob, room, "01jeq7h2b3c4d5e6f7g8h9j0zz"); status(err) != 400 {
		t.Fatalf("read up to no message: %v", err)
	}
}

func TestOnlyTheSenderEditsOrDeletes(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	room := e.direct(t, alice, bob)
	m := e.send(t, alice, room, "hello")
	e.pub.take()
	if _, err := e.s.Edit(ctx, bob, room, m.ID, "hijacked"); status(err) != 403 {
		t.Fatalf("bob edits alice's message: %v", err)
	}
	if _, err := e.s.Delete(ctx, bob, room, m.ID); status(err) != 403 {
		t.Fatalf("bob deletes alice's message: %v", err)
	}
	ed, err := e.s.Edit(ctx, alice, room, m.ID, "hello, Bob")
	if err != nil || ed.Text != "hello, Bob" || ed.EditedAt == nil {
		t.Fatalf("edit: %+v %v", ed, err)
	}
	del, err := e.s.Delete(ctx, alice, room, m.ID)
	if err != nil || !del.Deleted || del.Text != "" {
		t.Fatalf("delete: %+v %v", del, err)
	}
	if _, err := e.s.Edit(ctx, alice, room, m.ID, "again"); status(err) != 404 {
		t.Fatalf("editing a deleted message: %v", err)
	}
	var types []string
	for _, ev := range e.pub.take() {
		types = append(types, ev.Type)
		if !ev.Audience.Match(platform.Principal{UserID: bob}) || ev.Audience.Match(platform.Principal{UserID: carol}) {
			t.Errorf("%s: audience is not the members", ev.Type)
		}
	}
	if !slices.Equal(types, []string{"message_updated", "message_deleted"}) {
		t.Fatalf("events %v", types)
	}
	r, _ := e.s.Room(ctx, bob, room)
	if r.LastMessage == nil || !r.LastMessage.Deleted {
		t.Fatalf("the room's last message is not the tombstone: %+v", r.LastMessage)
	}
}

func TestNonMembersGetNotFound(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	room := e.direct(t, alice, bob)
	m := e.send(t, alice, room, "private")
	for _, tc := range []struct {
		name string
		err  error
	}{
		{name: "room", err: func() error { _, err := e.s.Room(ctx, carol, room); return err }()},
		{name: "messages", err: func() error { _, err := e.s.Messages(ctx, carol, room, Query{Limit: 10}); return err }()},
		{name: "send", err: func() error { _, _, err := e.s.Send(ctx, carol, room, SendRequest{Text: "x"}); return err }()},
		{name: "edit", err: func() error { _, err := e.s.Edit(ctx, carol, room, m.ID, "x"); return err }()},
		{name: "delete", err: func() error { _, err := e.s.Delete(ctx, carol, room, m.ID); return err }()},
		{name: "read", err: func() error { _, err := e.s.MarkRead(ctx, carol, room, m.ID); return err }()},
		{name: "typing", err: e.s.Typing(ctx, carol, room)},
		{name: "bad id", err: func() error { _, err := e.s.Room(ctx, alice, "../x"); return err }()},
	} {
		if status(tc.err) != 404 {
			t.Errorf("%s: %v, want 404", tc.name, tc.err)
		}
	}
	if rooms, _ := e.s.Rooms(ctx, carol); len(rooms) != 0 {
		t.Errorf("carol lists %d rooms", len(rooms))
	}
}

func TestClientIDMakesRetriesIdempotent(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	room := e.direct(t, alice, bob)
	a, created, err := e.s.Send(ctx, alice, room, SendRequest{Text: "once", ClientID: "c-1"})
	if err != nil || !created {
		t.Fatal(err)
	}
	b, created, err := e.s.Send(ctx, alice, room, SendRequest{Text: "once", ClientID: "c-1"})
	if err != nil || created || b.ID != a.ID {
		t.Fatalf("retry: %+v created=%v %v", b, created, err)
	}
	if n := len(e.pub.take()); n != 2 { // room_updated, one message_received
		t.Fatalf("%d events", n)
	}
	if v, _ := e.s.Room(ctx, bob, room); v.Unread != 1 {
		t.Fatalf("unread %d after a retry", v.Unread)
	}
	c, created, _ := e.s.Send(ctx, bob, room, SendRequest{Text: "mine", ClientID: "c-1"})
	if !created || c.ID == a.ID {
		t.Fatalf("another sender's client id is another message")
	}
}

func TestSizeLimit(t *testing.T) {
	e := newEnv(t, Config{MaxMessageBytes: 10, RatePerMinute: 60, Burst: 10})
	room := e.direct(t, alice, bob)
	if _, _, err := e.s.Send(ctx, alice, room, SendRequest{Text: "0123456789"}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	_, _, err := e.s.Send(ctx, alice, room, SendRequest{Text: "01234567890"})
	if ae, ok := err.(*platform.APIError); !ok || ae.Status != 422 || ae.Details[0].Field != "text" {
		t.Fatalf("over the limit: %v", err)
	}
	if _, _, err := e.s.Send(ctx, alice, room, SendRequest{Text: "  "}); status(err) != 400 {
		t.Fatalf("blank: %v", err)
	}
}

func TestRateLimitWithFakeClock(t *testing.T) {
	e := newEnv(t, Config{MaxMessageBytes: 100, RatePerMinute: 6, Burst: 3}) // one every 10 s
	room := e.direct(t, alice, bob)
	for i := range 3 {
		e.send(t, alice, room, fmt.Sprint(i))
	}
	_, _, err := e.s.Send(ctx, alice, room, SendRequest{Text: "too many"})
	rl, ok := err.(*RateLimited)
	if !ok || rl.RetryAfter != 10*time.Second {
		t.Fatalf("fourth: %v", err)
	}
	e.send(t, bob, room, "bob has his own bucket")
	e.clk.Advance(5 * time.Second)
	if _, _, err := e.s.Send(ctx, alice, room, SendRequest{Text: "x"}); err == nil || err.(*RateLimited).RetryAfter != 5*time.Second {
		t.Fatalf("half-way: %v", err)
	}
	e.clk.Advance(5 * time.Second)
	e.send(t, alice, room, "a token came back")
	e.clk.Advance(time.Hour)
	for i := range 3 {
		e.send(t, alice, room, fmt.Sprint("burst again ", i))
	}
	if _, _, err := e.s.Send(ctx, alice, room, SendRequest{Text: "x"}); err == nil {
		t.Fatal("the bucket holds more than its burst")
	}
}

func TestRetentionPrunesOldMessages(t *testing.T) {
	e := newEnv(t, Config{MaxMessageBytes: 100, RatePerMinute: 1000, Burst: 1000, Retention: 24 * time.Hour, PruneEvery: time.Hour})
	room := e.direct(t, alice, bob)
	group, _, _ := e.s.CreateRoom(ctx, alice, CreateRoomRequest{Kind: KindGroup, Name: "g", Members: []string{carol}})
	old := e.send(t, alice, room, "old")
	e.send(t, alice, group.ID, "old in the group")
	if _, _, err := e.s.Send(ctx, alice, room, SendRequest{Text: "old with a client id", ClientID: "c-9"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(20 * time.Hour)
	fresh := e.send(t, bob, room, "fresh")
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- e.s.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	// Run prunes at start (nothing is old enough), then waits an hour.
	deadline := time.Now().Add(10 * time.Second)
	for e.clk.Pending() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Run does not wait for its next prune")
		}
		time.Sleep(time.Millisecond)
	}
	if p, _ := e.s.Messages(ctx, alice, room, Query{Limit: 10}); len(p.Messages) != 3 {
		t.Fatalf("pruned too early: %d messages", len(p.Messages))
	}
	e.clk.Advance(5 * time.Hour) // the first three are now 25 h old
	for {
		p, _ := e.s.Messages(ctx, alice, room, Query{Limit: 10})
		if len(p.Messages) == 1 {
			if p.Messages[0].ID != fresh.ID {
				t.Fatalf("kept %s, want the fresh one", p.Messages[0].ID)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not pruned: %d messages", len(p.Messages))
		}
		time.Sleep(time.Millisecond)
	}
	g, _ := e.s.Room(ctx, carol, group.ID)
	if g.LastMessage != nil {
		t.Fatalf("the group still shows its pruned last message %+v", g.LastMessage)
	}
	// The retry key went with its message: the same client id is new.
	if _, created, err := e.s.Send(ctx, alice, room, SendRequest{Text: "again", ClientID: "c-9"}); err != nil || !created {
		t.Fatalf("client id after pruning: created=%v %v", created, err)
	}
	var left []string
	_ = e.s.kv.Range(ctx, pfxTime, pfxTime+keyEnd, false, func(k string, _ []byte) error { left = append(left, k); return nil })
	if slices.Contains(left, timeKey(old.ID)) || len(left) != 2 {
		t.Fatalf("time index left: %v", left)
	}
}

func TestSearchFindsEscapedAndNonASCIIText(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	room := e.direct(t, alice, bob)
	a := e.send(t, alice, room, `Say "<b>Grüße</b>" & go`)
	e.send(t, alice, room, "nothing here")
	for _, needle := range []string{`"<B>`, "GRÜSSE", "grüße", "& go", "say"} {
		p, err := e.s.Messages(ctx, bob, room, Query{Limit: 10, Search: needle})
		want := 1
		if needle == "GRÜSSE" {
			want = 0 // no case folding beyond lower case
		}
		if err != nil || len(p.Messages) != want || (want == 1 && p.Messages[0].ID != a.ID) {
			t.Errorf("q=%q: %+v %v", needle, p.Messages, err)
		}
	}
}

func TestContactsAreEveryoneButTheCaller(t *testing.T) {
	e := newEnv(t, DefaultConfig())
	cs, err := e.s.Contacts(ctx, bob)
	if err != nil || len(cs) != 3 || cs[0].ID != alice || cs[0].Username != "alice" || cs[0].Name != "Alice" {
		t.Fatalf("contacts %+v %v", cs, err)
	}
	for _, c := range cs {
		if c.ID == bob {
			t.Fatal("the caller is among their contacts")
		}
	}
}
