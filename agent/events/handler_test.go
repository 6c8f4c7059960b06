package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/agent/platform"
	"github.com/pbxagent/pbxagent/internal/clock"
)

// directory is a stand-in for the users component: the current role and
// abilities of each user, changeable while connections are open.
type directory struct {
	mu    sync.Mutex
	users map[string]platform.Principal
	// ver is the principals' version (WithPrincipalVersion): bumped
	// after each change, as the users component does.
	ver atomic.Uint64
}

func (d *directory) set(p platform.Principal) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.users[p.UserID] = p
	d.ver.Add(1)
}

func (d *directory) remove(id string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.users, id)
	d.ver.Add(1)
}

// current is a Principals.
func (d *directory) current(_ context.Context, p platform.Principal) (platform.Principal, error) {
	if p.UserID == "" {
		return p, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	cur, ok := d.users[p.UserID]
	if !ok {
		return p, errors.New("user gone")
	}
	p.Role, p.Abilities = cur.Role, cur.Abilities
	return p, nil
}

var (
	alice = platform.Principal{Kind: platform.KindSession, UserID: "u-alice", Username: "alice", Role: platform.RoleUser}
	bob   = platform.Principal{Kind: platform.KindSession, UserID: "u-bob", Username: "bob", Role: platform.RoleUser}
	sup   = platform.Principal{Kind: platform.KindAppUser, UserID: "u-sup", Username: "sup", Role: platform.RoleSupervisor,
		Abilities: []platform.Ability{platform.AbilityManageCallCenter}, AppID: "crm", Granted: []platform.Scope{platform.ScopeCalls, platform.ScopeDialer}}
	admin = platform.Principal{Kind: platform.KindAdminToken}
)

// rig is a Handler on a loopback server; X-Test-User picks the principal
// (the HTTP layer's authentication stand-in).
type rig struct {
	t   *testing.T
	hub *Hub
	h   *Handler
	srv *httptest.Server
	dir *directory
	// markers counts upTo's markers.
	markers int
}

// newRig is a rig whose hub routes events by the principals' version
// (the daemon's set-up).
func newRig(t *testing.T, cfg Config, opts ...HandlerOption) *rig {
	t.Helper()
	return newRigRouted(t, true, cfg, opts...)
}

// newRigRouted is a rig whose hub knows the principals' version
// (routed) or not: then every connection whose principal may change is
// handed every event and filters them.
func newRigRouted(t *testing.T, routed bool, cfg Config, opts ...HandlerOption) *rig {
	t.Helper()
	dir := &directory{users: map[string]platform.Principal{}}
	var hopts []HubOption
	if routed {
		hopts = append(hopts, WithPrincipalVersion(dir.ver.Load))
	}
	hub, err := NewHub(cfg, hopts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []platform.Principal{alice, bob, sup} {
		dir.set(p)
	}
	h := NewHandler(hub, append([]HandlerOption{WithPrincipals(dir.current), WithPingInterval(time.Minute),
		WithAllowedOrigins(func(o string) bool { return o == "https://crm.example.com" })}, opts...)...)
	ps := map[string]platform.Principal{"alice": alice, "bob": bob, "sup": sup, "admin": admin}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := ps[r.Header.Get("X-Test-User")]; ok {
			r = r.WithContext(platform.WithPrincipal(r.Context(), p))
		}
		h.ServeHTTP(w, r)
	}))
	r := &rig{t: t, hub: hub, h: h, srv: srv, dir: dir}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := h.Close(ctx); err != nil {
			t.Errorf("closing: %v", err)
		}
		srv.Close()
	})
	return r
}

// client is one test connection.
type client struct {
	t     *testing.T
	conn  *websocket.Conn
	hello map[string]any
}

func (r *rig) dial(user, query string, header http.Header) (*client, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{"X-Test-User": {user}}
	for k, v := range header {
		h[k] = v
	}
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.srv.URL, "http")+"/api/v1/events"+query, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, resp, err
	}
	conn.SetReadLimit(1 << 22)
	c := &client{t: r.t, conn: conn}
	r.t.Cleanup(func() { _ = conn.CloseNow() })
	return c, resp, nil
}

// connect dials and reads the welcome.
func (r *rig) connect(user, query string) *client {
	r.t.Helper()
	c, _, err := r.dial(user, query, nil)
	if err != nil {
		r.t.Fatalf("dial as %s: %v", user, err)
	}
	c.hello = c.next()
	if c.hello["op"] != "welcome" {
		r.t.Fatalf("first message %v, want welcome", c.hello)
	}
	return c
}

// next reads one message (5 s at most).
func (c *client) next() map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, b, err := c.conn.Read(ctx)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		c.t.Fatalf("%v: %s", err, b)
	}
	return m
}

func (c *client) send(s string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		c.t.Fatal(err)
	}
}

// subscribe sends a subscribe and expects its ack.
func (c *client) subscribe(topics ...string) {
	c.t.Helper()
	b, _ := json.Marshal(map[string]any{"op": "subscribe", "topics": topics, "id": "s"})
	c.send(string(b))
	if m := c.next(); m["op"] != "ack" || m["id"] != "s" {
		c.t.Fatalf("subscribe answered %v", m)
	}
}

// closeStatus reads until the socket ends and returns its close code.
func (c *client) closeStatus() websocket.StatusCode {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for {
		if _, _, err := c.conn.Read(ctx); err != nil {
			return websocket.CloseStatus(err)
		}
	}
}

func (r *rig) publish(topic, typ string, aud Audience, data any) {
	r.t.Helper()
	if err := r.hub.Publish(context.Background(), Event{Topic: topic, Type: typ, Data: data, Audience: aud}); err != nil {
		r.t.Fatal(err)
	}
}

// marker publishes an event everyone on topic may see and reads c's
// messages up to it: what c got before it, in order.
// Earlier markers are among what it returns.
func (r *rig) upTo(c *client, topic string) []map[string]any {
	r.t.Helper()
	r.markers++
	id := float64(r.markers)
	r.publish(topic, "marker", Anyone(), map[string]any{"marker": id})
	var out []map[string]any
	for {
		m := c.next()
		if d, _ := m["data"].(map[string]any); m["type"] == "marker" && d["marker"] == id {
			return out
		}
		out = append(out, m)
	}
}

func seqOf(m map[string]any) uint64 {
	f, _ := m["seq"].(float64) // the test's sequence numbers fit a float64 exactly (< 2^53)
	return uint64(f)
}

func types(ms []map[string]any) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprint(m["type"]))
	}
	return out
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("%s: not after 10 s", what)
		case <-tick.C:
		}
	}
}

// TestAudienceRules: each connection gets the events of its topics that
// its principal may see, decided at each delivery: a user never gets
// another user's call; a supervisor with manage_callcenter gets both; a
// lost ability takes effect at the next event; a deleted user is cut off.
func TestAudienceRules(t *testing.T) {
	for _, routed := range []bool{true, false} {
		t.Run(fmt.Sprintf("routed=%v", routed), func(t *testing.T) { testAudienceRules(t, routed) })
	}
}

func testAudienceRules(t *testing.T, routed bool) {
	r := newRigRouted(t, routed, DefaultConfig())
	ca, cb, cs, ct := r.connect("alice", "?topics=calls"), r.connect("bob", "?topics=calls"), r.connect("sup", ""), r.connect("admin", "?topics=calls,hotel")
	cs.subscribe("calls")
	r.publish("calls", "call_created", UserAndSupervisors("u-alice"), map[string]string{"call": "a1"})
	r.publish("calls", "call_created", UserAndSupervisors("u-bob"), map[string]string{"call": "b1"})
	r.publish("hotel", "room_status", Anyone(), nil) // nobody but the admin subscribed
	r.publish("calls", "call_ended", Users("u-alice"), map[string]string{"call": "a1"})

	tests := []struct {
		name string
		c    *client
		want string
	}{
		{name: "alice: her call only", c: ca, want: "a1 a1"},
		{name: "bob: his call only", c: cb, want: "b1"},
		{name: "supervisor: both calls, not alice's private event", c: cs, want: "a1 b1"},
		{name: "admin token: every call and the hotel, not alice's private event", c: ct, want: "a1 b1 -"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range r.upTo(tt.c, "calls") {
				d, _ := m["data"].(map[string]any)
				if m["type"] == "marker" {
					continue // an earlier subtest's
				}
				if d == nil {
					got = append(got, "-")
				} else {
					got = append(got, fmt.Sprint(d["call"]))
				}
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("got %q, want %q", g, tt.want)
			}
		})
	}

	// The supervisor loses manage_callcenter: bob's next call is not theirs.
	r.dir.set(platform.Principal{UserID: "u-sup", Role: platform.RoleSupervisor})
	r.upTo(cs, "calls")
	r.publish("calls", "call_created", UserAndSupervisors("u-bob"), map[string]string{"call": "b2"})
	if got := r.upTo(cs, "calls"); len(got) != 0 {
		t.Errorf("after losing manage_callcenter the supervisor got %v", got)
	}
	// Given back: bob's calls reach them again.
	r.dir.set(sup)
	r.publish("calls", "call_created", UserAndSupervisors("u-bob"), map[string]string{"call": "b3"})
	if got := r.upTo(cs, "calls"); len(got) != 1 {
		t.Errorf("after getting manage_callcenter back the supervisor got %v", got)
	}
	// A plain user may not subscribe to dialer; promoted to supervisor,
	// bob may, and gets its events.
	r.upTo(cb, "calls")
	cb.send(`{"op":"subscribe","topics":["dialer"],"id":"d"}`)
	if m := cb.next(); m["op"] != "error" || m["id"] != "d" {
		t.Fatalf("a user subscribing to dialer: %v", m)
	}
	r.dir.set(platform.Principal{UserID: "u-bob", Role: platform.RoleSupervisor})
	cb.subscribe("dialer")
	r.publish("dialer", "snapshot", Anyone(), nil)
	if got := r.upTo(cb, "dialer"); len(got) != 1 || got[0]["topic"] != "dialer" {
		t.Errorf("promoted bob got %v", got)
	}
	// Demoted again: the dialer topic's events stop, though subscribed.
	r.dir.set(bob)
	r.publish("dialer", "snapshot", Anyone(), nil)
	if got := r.upTo(cb, "calls"); len(got) != 0 {
		t.Errorf("demoted bob got %v", got)
	}
	// Deleted: the next event ends the connection with 4003.
	r.dir.remove("u-alice")
	r.publish("calls", "call_created", Users("u-alice"), nil)
	if code := ca.closeStatus(); code != CloseForbidden {
		t.Errorf("deleted user's socket closed with %d, want %d", code, CloseForbidden)
	}
	if n := r.h.Drops("forbidden"); n != 1 {
		t.Errorf("%d forbidden counted, want 1", n)
	}
}

// TestClientMessages: acks, and errors naming the field at fault.
func TestClientMessages(t *testing.T) {
	r := newRig(t, DefaultConfig())
	c := r.connect("alice", "")
	tests := []struct {
		name      string
		send      string
		wantOp    string
		wantID    string
		wantCode  string
		wantField string
		wantTopic []any
	}{
		{name: "subscribe", send: `{"op":"subscribe","topics":["presence","calls"],"id":"1"}`, wantOp: "ack", wantID: "1", wantTopic: []any{"calls", "presence"}},
		{name: "unknown topic", send: `{"op":"subscribe","topics":["calls","weather"],"id":"2"}`, wantOp: "error", wantID: "2", wantCode: "invalid", wantField: "topics[1]"},
		{name: "topic without its scope", send: `{"op":"subscribe","topics":["chat","hotel"],"id":"3"}`, wantOp: "error", wantID: "3", wantCode: "forbidden", wantField: "topics[1]"},
		{name: "unknown op", send: `{"op":"publish","id":"4"}`, wantOp: "error", wantID: "4", wantCode: "invalid", wantField: "op"},
		{name: "not JSON", send: `hello`, wantOp: "error", wantCode: "invalid", wantField: "message"},
		{name: "unsubscribe", send: `{"op":"unsubscribe","topics":["presence"]}`, wantOp: "ack", wantTopic: []any{"calls"}},
		{name: "resume", send: fmt.Sprintf(`{"op":"resume","since":%d,"id":"r"}`, r.hub.Last()), wantOp: "ack", wantID: "r", wantTopic: []any{"calls"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.send(tt.send)
			m := c.next()
			if m["op"] != tt.wantOp || fmt.Sprint(m["id"]) != fmt.Sprint(orNil(tt.wantID)) {
				t.Fatalf("got %v", m)
			}
			if tt.wantOp == "ack" {
				if fmt.Sprint(m["topics"]) != fmt.Sprint(tt.wantTopic) {
					t.Errorf("topics %v, want %v", m["topics"], tt.wantTopic)
				}
				return
			}
			e := m["error"].(map[string]any)
			d := e["details"].([]any)
			if e["code"] != tt.wantCode || len(d) != 1 || d[0].(map[string]any)["field"] != tt.wantField {
				t.Errorf("error %v, want %s on %s", e, tt.wantCode, tt.wantField)
			}
		})
	}
	// A binary message is refused the same way.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageBinary, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if m := c.next(); m["op"] != "error" {
		t.Errorf("binary message answered %v", m)
	}
}

func orNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// TestResumeAcrossReconnect: a client that reconnects with ?since= gets
// every event it missed that it may see, in order, with no gap and no
// duplicate, then the live ones; outside the window it is told to resync.
func TestResumeAcrossReconnect(t *testing.T) {
	r := newRig(t, Config{RingSize: 50, RingAge: time.Hour, PingInterval: time.Second, SendQueue: 50})
	// A client that got only the welcome resumes from its seq.
	c0 := r.connect("alice", "?topics=calls")
	_ = c0.conn.CloseNow()
	r.publish("calls", "call_created", Users("u-alice"), map[string]int{"i": -2})
	r.publish("calls", "call_created", Users("u-alice"), map[string]int{"i": -1})
	c1 := r.connect("alice", fmt.Sprintf("?topics=calls&since=%d", seqOf(c0.hello)))
	if got := r.upTo(c1, "calls"); len(got) != 2 || seqOf(got[0]) != seqOf(c0.hello)+1 || seqOf(c1.hello) != seqOf(c0.hello) {
		t.Fatalf("resumed from the welcome (%d, now %d): %v", seqOf(c0.hello), seqOf(c1.hello), got)
	}
	_ = c1.conn.CloseNow()
	eventually(t, "the first connections end", func() bool { return r.h.Conns() == 0 })
	c := r.connect("alice", "?topics=calls")
	for i := range 5 {
		r.publish("calls", "call_updated", Users("u-alice"), map[string]int{"i": i})
	}
	var last uint64
	for range 3 { // the client got three, then lost its connection
		m := c.next()
		if s := seqOf(m); s <= last {
			t.Fatalf("seq %d after %d", s, last)
		}
		last = seqOf(m)
	}
	_ = c.conn.CloseNow()
	eventually(t, "the first connection ends", func() bool { return r.h.Conns() == 0 })
	for i := 5; i < 10; i++ {
		r.publish("calls", "call_updated", Users("u-alice"), map[string]int{"i": i})
		r.publish("calls", "call_updated", Users("u-bob"), map[string]int{"i": 100 + i}) // not hers
	}
	c2 := r.connect("alice", fmt.Sprintf("?topics=calls&since=%d", last))
	got := r.upTo(c2, "calls")
	var is []int
	prev := last
	for _, m := range got {
		if seqOf(m) <= prev {
			t.Errorf("seq %d after %d: out of order or repeated", seqOf(m), prev)
		}
		prev = seqOf(m)
		is = append(is, int(m["data"].(map[string]any)["i"].(float64)))
	}
	if fmt.Sprint(is) != "[3 4 5 6 7 8 9]" {
		t.Errorf("after the reconnect: %v, want [3 4 5 6 7 8 9]", is)
	}

	// The resume message does the same on an open connection.
	c2.send(fmt.Sprintf(`{"op":"resume","since":%d,"id":"again"}`, last))
	if m := c2.next(); m["op"] != "ack" || m["id"] != "again" {
		t.Fatalf("resume answered %v", m)
	}
	if got := r.upTo(c2, "calls"); len(got) != 8 { // 3..9 and the first marker
		t.Errorf("resume message replayed %v", types(got))
	}

	// Far behind: 60 events later the ring of 50 no longer holds last+1.
	for i := range 60 {
		r.publish("calls", "call_updated", Users("u-alice"), map[string]int{"i": 10 + i})
	}
	c3, _, err := r.dial("alice", fmt.Sprintf("?topics=calls&since=%d", last), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m := c3.next(); m["op"] != "welcome" {
		t.Fatalf("got %v", m)
	}
	m := c3.next()
	if m["op"] != "resync_required" || seqOf(m) != r.hub.Last() || uint64(m["since"].(float64)) != last {
		t.Fatalf("got %v, want resync_required since %d at %d", m, last, r.hub.Last())
	}
	r.publish("calls", "call_updated", Users("u-alice"), map[string]int{"i": -1})
	if m := c3.next(); m["op"] != "event" || seqOf(m) != r.hub.Last() {
		t.Errorf("after the resync: %v", m)
	}
}

// TestSlowConsumerCutOff: a client that stops reading is cut off with
// 4008 once it is send_queue events behind; the hub's memory stays
// within its ring, and the clients that keep up are not affected.
func TestSlowConsumerCutOff(t *testing.T) {
	cfg := Config{RingSize: 64, RingAge: time.Hour, PingInterval: time.Hour, SendQueue: 16}
	r := newRig(t, cfg)
	slow := r.connect("alice", "?topics=calls")
	fast := r.connect("bob", "?topics=calls")
	big := strings.Repeat("x", 64<<10)
	var wg sync.WaitGroup
	wg.Add(1)
	recv := make(chan struct{}, 1)
	go func() { // the fast client reads everything
		defer wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		for {
			_, b, err := fast.conn.Read(ctx)
			if err != nil {
				close(recv)
				return
			}
			recv <- struct{}{}
			if strings.Contains(string(b[:min(len(b), 200)]), `"type":"end"`) {
				return
			}
		}
	}()
	// Each event is published once the fast client has the one before:
	// it never falls behind, the other never reads.
	i := 0
	for ; i < 2000 && r.hub.Subscribers() == 2; i++ {
		r.publish("calls", "call_updated", Anyone(), map[string]any{"i": i, "pad": big})
		if n, bytes := r.hub.Held(); n > cfg.RingSize || bytes > cfg.RingSize*(len(big)+200) {
			t.Fatalf("the hub holds %d events, %d bytes", n, bytes)
		}
		if _, ok := <-recv; !ok {
			t.Fatal("the fast client's connection ended")
		}
	}
	if n := r.hub.Subscribers(); n != 1 {
		t.Fatalf("after %d events of 64 KiB, %d subscribers, want 1 (the slow one cut off)", i, n)
	}
	t.Logf("cut off after %d events", i)
	r.publish("calls", "end", Anyone(), nil)
	<-recv
	wg.Wait()
	if code := slow.closeStatus(); code != CloseSlowConsumer {
		t.Errorf("slow client closed with %d, want %d", code, CloseSlowConsumer)
	}
	eventually(t, "the slow connection's goroutines end", func() bool { return r.h.Conns() == 1 })
	if n := r.h.Drops("slow_consumer"); n != 1 {
		t.Errorf("%d slow consumers counted, want 1", n)
	}
}

// TestDeadPeerDroppedByPing: a peer that answers no ping is dropped; one
// that does stays.
func TestDeadPeerDroppedByPing(t *testing.T) {
	r := newRig(t, DefaultConfig(), WithPingInterval(50*time.Millisecond))
	dead, _, err := r.dial("alice", "?topics=calls", nil) // never reads: never answers a ping
	if err != nil {
		t.Fatal(err)
	}
	_ = dead
	live := r.connect("bob", "?topics=calls")
	// The live client reads (and so answers pings) while the dead one is found out.
	done := make(chan struct{})
	var liveErr error
	var seen []string
	go func() {
		defer close(done)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for {
			_, b, err := live.conn.Read(ctx)
			if err != nil {
				liveErr = err
				return
			}
			seen = append(seen, string(b))
			if strings.Contains(string(b), `"type":"after"`) {
				return
			}
		}
	}()
	eventually(t, "the dead peer is dropped", func() bool { return r.h.Conns() == 1 })
	r.publish("calls", "after", Anyone(), nil)
	<-done
	if liveErr != nil || len(seen) != 1 {
		t.Errorf("the live client: %v, got %v", liveErr, seen)
	}
	if n := r.h.Drops("ping_timeout"); n != 1 {
		t.Errorf("%d ping timeouts counted, want 1", n)
	}
}

// TestStuckWriteEndsByPing: a peer that stops reading in the middle of
// events (the writer blocked on a full TCP buffer, fewer events than
// send_queue) is dropped by the ping, which cannot go out either.
func TestStuckWriteEndsByPing(t *testing.T) {
	r := newRig(t, DefaultConfig(), WithPingInterval(50*time.Millisecond))
	if _, _, err := r.dial("alice", "?topics=calls", nil); err != nil { // never reads
		t.Fatal(err)
	}
	eventually(t, "the connection is up", func() bool { return r.hub.Subscribers() == 1 })
	big := strings.Repeat("x", 1<<20)
	for i := range 20 {
		r.publish("calls", "call_updated", Anyone(), map[string]any{"i": i, "pad": big})
	}
	eventually(t, "the stuck peer is dropped", func() bool { return r.h.Conns() == 0 })
	if n, m := r.h.Drops("ping_timeout"), r.h.Drops("slow_consumer"); n != 1 || m != 0 {
		t.Errorf("drops: ping_timeout %d, slow_consumer %d; want 1, 0", n, m)
	}
}

// TestDeadPeerDroppedOnVirtualTime: the same on a virtual clock, with the
// default 30 s interval: the ping goes out when the interval has passed,
// and the peer is dropped when the next interval passes without a pong.
func TestDeadPeerDroppedOnVirtualTime(t *testing.T) {
	clk := clock.NewVirtual(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	r := newRig(t, DefaultConfig(), WithPingClock(clk), WithPingInterval(30*time.Second))
	if _, _, err := r.dial("alice", "", nil); err != nil { // never reads: never answers a ping
		t.Fatal(err)
	}
	eventually(t, "the pinger waits", func() bool { return clk.Pending() == 1 })
	clk.Advance(29 * time.Second)
	if r.h.Conns() != 1 || clk.Pending() != 1 {
		t.Fatal("something happened before the interval")
	}
	clk.Advance(time.Second) // the ping goes out; its answer is awaited for an interval
	eventually(t, "the ping is awaited", func() bool { return clk.Pending() == 1 })
	if r.h.Conns() != 1 {
		t.Fatal("dropped before the ping's time was up")
	}
	clk.Advance(30 * time.Second)
	eventually(t, "the dead peer is dropped", func() bool { return r.h.Conns() == 0 })
	if n := r.h.Drops("ping_timeout"); n != 1 {
		t.Errorf("%d ping timeouts counted, want 1", n)
	}
}

// TestCloseEndsEverySocket: the daemon's stop closes every socket with
// 1001 and refuses new ones.
func TestCloseEndsEverySocket(t *testing.T) {
	r := newRig(t, DefaultConfig())
	var cs []*client
	for _, u := range []string{"alice", "bob", "sup", "admin"} {
		cs = append(cs, r.connect(u, ""))
	}
	codes := make(chan websocket.StatusCode, len(cs))
	for _, c := range cs {
		go func() { codes <- c.closeStatus() }()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.h.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if n := r.h.Conns(); n != 0 {
		t.Errorf("%d connections after Close", n)
	}
	for range cs {
		if code := <-codes; code != CloseGoingAway {
			t.Errorf("closed with %d, want %d", code, CloseGoingAway)
		}
	}
	if n := r.hub.Subscribers(); n != 0 {
		t.Errorf("%d subscribers left", n)
	}
	_, resp, err := r.dial("alice", "", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("a connection after Close: %v, %v", err, resp)
	}
}

// TestRequestChecks: the Origin of cookie sign-ins (cross-site WebSocket
// hijacking), the query, and plain HTTP.
func TestRequestChecks(t *testing.T) {
	r := newRig(t, DefaultConfig())
	host := strings.TrimPrefix(r.srv.URL, "http://")
	tests := []struct {
		name       string
		user       string
		query      string
		origin     string
		wantStatus int // 0: upgraded
		wantField  string
	}{
		{name: "session from this server's page", user: "alice", origin: "http://" + host},
		{name: "session without Origin (not a browser)", user: "alice"},
		{name: "session from an allowed CORS origin", user: "alice", origin: "https://crm.example.com"},
		{name: "session from another site", user: "alice", origin: "https://evil.example.net", wantStatus: 403, wantField: "Origin"},
		{name: "session from a look-alike host", user: "alice", origin: "http://" + host + ".evil.example.net", wantStatus: 403, wantField: "Origin"},
		{name: "session with a broken Origin", user: "alice", origin: "::", wantStatus: 403, wantField: "Origin"},
		{name: "bearer token from another site", user: "sup", origin: "https://evil.example.net"},
		{name: "admin token", user: "admin", origin: "https://evil.example.net", query: "?topics=hotel"},
		{name: "no principal", user: "nobody", wantStatus: 401},
		{name: "bad since", user: "alice", query: "?since=x", wantStatus: 400, wantField: "since"},
		{name: "unknown topic", user: "alice", query: "?topics=calls,weather", wantStatus: 400, wantField: "topics"},
		{name: "topic without its scope", user: "sup", query: "?topics=presence", wantStatus: 403, wantField: "topics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.origin != "" {
				h.Set("Origin", tt.origin)
			}
			c, resp, err := r.dial(tt.user, tt.query, h)
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if m := c.next(); m["op"] != "welcome" {
					t.Errorf("got %v", m)
				}
				return
			}
			if err == nil || resp == nil || resp.StatusCode != tt.wantStatus {
				t.Fatalf("got %v, %v; want %d", err, resp, tt.wantStatus)
			}
			if tt.wantField != "" {
				var body platform.ErrorBody
				if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
					t.Fatal(err)
				}
				if len(body.Error.Details) != 1 || body.Error.Details[0].Field != tt.wantField {
					t.Errorf("error %+v, want one on %s", body.Error, tt.wantField)
				}
			}
		})
	}
	t.Run("plain HTTP", func(t *testing.T) {
		req, _ := http.NewRequest("GET", r.srv.URL+"/api/v1/events", nil)
		req.Header.Set("X-Test-User", "alice")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUpgradeRequired {
			t.Errorf("status %d, want 426", resp.StatusCode)
		}
	})
}

func TestConnectedTracksEachUsersConnections(t *testing.T) {
	r := newRig(t, DefaultConfig())
	if r.h.Connected("u-alice") {
		t.Fatal("alice connected before dialling")
	}
	c1 := r.connect("alice", "")
	c2 := r.connect("alice", "?topics=calls")
	if !r.h.Connected("u-alice") || r.h.Connected("u-bob") {
		t.Fatalf("alice %v bob %v", r.h.Connected("u-alice"), r.h.Connected("u-bob"))
	}
	_ = c1.conn.CloseNow()
	eventually(t, "the first connection ends", func() bool { return r.h.Conns() == 1 })
	if !r.h.Connected("u-alice") {
		t.Fatal("alice has a connection left")
	}
	_ = c2.conn.CloseNow()
	eventually(t, "alice is gone", func() bool { return !r.h.Connected("u-alice") })
}
