package presence

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pbxagent/pbxagent/ari"
	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

const testApp = "pbxagent-calls"

// pbxRig is a rig whose service shows DND on the stand-in and follows
// its events.
type pbxRig struct {
	*rig
	srv  *fakeari.Server
	conn *ari.Conn
}

func newPBXRig(t *testing.T) *pbxRig {
	t.Helper()
	srv, url := fakeari.StartTest(t, fakeari.WithEndpoints("PJSIP/101", "PJSIP/102"))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	conn, err := ari.New(url, ari.WithAuth("asterisk", "asterisk"), ari.WithApps(testApp), ari.WithLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	r := &pbxRig{srv: srv, conn: conn}
	r.rig = newRig(t)
	r.s.pbx = NewPBX(conn, r.kv, log) // in the KV of the states, as the daemon does
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.s.RunARI(ctx, conn, testApp) }()
	if err := conn.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-done; conn.Close() })
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := conn.WaitReady(wctx); err != nil {
		t.Fatal(err)
	}
	return r
}

// eventually waits for cond (10 s at most).
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

func (r *pbxRig) shows(ext, lamp, presence string) func() bool {
	return func() bool {
		l, _ := r.srv.DeviceState(DeviceName(ext))
		p, _ := r.srv.PresenceState(ext)
		return l == lamp && p == presence
	}
}

// TestPBXShowsDND: DND lights the BLF lamp Stasis:dnd-<ext> (BUSY) and
// sets PRESENCE_STATE(CustomPresence:<ext>) to dnd with the message;
// available turns both back.
func TestPBXShowsDND(t *testing.T) {
	r := newPBXRig(t)
	ctx := context.Background()
	if _, err := r.s.SetState(ctx, "ana", StateRequest{State: DND, Message: "Meeting, room 4"}); err != nil {
		t.Fatal(err)
	}
	want := "dnd,," + base64.StdEncoding.EncodeToString([]byte("Meeting, room 4")) + ",e"
	if !r.shows("101", "BUSY", want)() {
		l, _ := r.srv.DeviceState(DeviceName("101"))
		p, _ := r.srv.PresenceState("101")
		t.Fatalf("PBX shows %q and %q", l, p)
	}
	if _, err := r.s.SetState(ctx, "ana", StateRequest{State: Away}); err != nil {
		t.Fatal(err)
	}
	if !r.shows("101", "NOT_INUSE", "away")() {
		t.Fatal("away not shown")
	}
	if _, err := r.s.SetState(ctx, "ana", StateRequest{State: Available}); err != nil {
		t.Fatal(err)
	}
	if !r.shows("101", "NOT_INUSE", "available")() {
		t.Fatal("available not shown")
	}
}

// TestReconcileAfterReconnect: after an ARI reconnection and after an
// Asterisk restart, the PBX shows again what it should (a lamp changed
// meanwhile is put right), and the lamp and presence state of a user
// deleted meanwhile are cleared.
func TestReconcileAfterReconnect(t *testing.T) {
	r := newPBXRig(t)
	ctx := context.Background()
	if _, err := r.s.SetState(ctx, "ana", StateRequest{State: DND}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.SetState(ctx, "cid", StateRequest{State: DND}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "cid's DND shown", r.shows("103", "BUSY", "dnd"))
	// Drift: someone turns ana's lamp off; cid is deleted.
	if err := r.conn.DeviceStates().Update(ctx, DeviceName("101"), "NOT_INUSE"); err != nil {
		t.Fatal(err)
	}
	r.dir.remove("cid")
	r.srv.DropWebSockets()
	eventually(t, "ana's DND re-applied", r.shows("101", "BUSY", "dnd"))
	eventually(t, "cid's lamp and presence cleared", func() bool {
		_, lamp := r.srv.DeviceState(DeviceName("103"))
		p, _ := r.srv.PresenceState("103")
		return !lamp && p == "not_set"
	})
	// A restart: astdb keeps the states; the app's subscriptions are
	// gone and come back.
	if err := r.conn.DeviceStates().Update(ctx, DeviceName("101"), "NOT_INUSE"); err != nil {
		t.Fatal(err)
	}
	r.srv.Restart("02:fa:ce:00:00:02")
	eventually(t, "ana's DND re-applied after a restart", r.shows("101", "BUSY", "dnd"))
	// The devices are followed: ana's phone goes offline and back.
	r.srv.SetEndpointState("PJSIP/101", "offline")
	eventually(t, "ana's phone offline", func() bool { return !r.get(t, "bob", "ana").Registered })
	r.srv.SetEndpointState("PJSIP/101", "online")
	eventually(t, "ana's phone online", func() bool { return r.get(t, "bob", "ana").Registered })
}

// TestFollowManyEndpoints: the application follows every user's
// endpoint, asked for in batches (Asterisk reads a request line of at
// most 4096 bytes).
func TestFollowManyEndpoints(t *testing.T) {
	r := newPBXRig(t)
	for i := range 120 {
		id := "u" + strconv.Itoa(i)
		r.dir.mu.Lock()
		r.dir.users[id] = User{ID: id, Endpoints: []string{"PJSIP/" + strconv.Itoa(300+i)}}
		r.dir.mu.Unlock()
	}
	r.s.Reconcile(context.Background(), r.conn, testApp) // as after a reconnection
	a, err := r.conn.Applications().Get(context.Background(), testApp)
	if err != nil || len(a.EndpointIDs) != 122 { // and ana's, bob's
		t.Fatalf("followed: %v %v", err, a)
	}
	r.srv.SetEndpointState("PJSIP/419", "offline")
	eventually(t, "the last user's phone offline", func() bool {
		ps, err := r.s.Get("", []string{"u119"})
		return err == nil && !ps[0].Registered && ps[0].Devices[0].State == "offline"
	})
}

func FuzzPresenceValue(f *testing.F) {
	for _, m := range []string{"", "In a meeting", "a,b,c", strings.Repeat("é", 200), "\x00\xff"} {
		f.Add("dnd", m)
	}
	f.Fuzz(func(t *testing.T, st, msg string) {
		state := State(st)
		switch state {
		case Available, Away, DND:
		default:
			state = DND
		}
		v := PresenceValue(state, msg)
		parts := strings.Split(v, ",")
		if parts[0] != string(state) {
			t.Fatalf("%q: state %q", v, parts[0])
		}
		if msg == "" {
			if len(parts) != 1 {
				t.Fatalf("%q: parts without a message", v)
			}
			return
		}
		if len(parts) != 4 || parts[1] != "" || parts[3] != "e" {
			t.Fatalf("%q: not state,,base64,e", v)
		}
		dec, err := base64.StdEncoding.DecodeString(parts[2])
		if err != nil || len(dec) > maxPresenceMessage || !strings.HasPrefix(msg, string(dec)) {
			t.Fatalf("%q: message %q of %q", v, dec, msg)
		}
		if utf8.ValidString(msg) && !utf8.Valid(dec) {
			t.Fatalf("%q: cut inside a character", v)
		}
		if len(parts[2]) > 255 {
			t.Fatalf("%q: over func_presencestate's 256-byte buffer", v)
		}
	})
}

func FuzzParseUserList(f *testing.F) {
	for _, s := range []string{"", "a", "a,b", "a,,b", " a , a ", "me,01JEQ7H2B3C4D5E6F7G8H9J0K1", "a\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := ParseUserList(s, 10)
		if err != nil {
			return
		}
		if len(ids) > 10 {
			t.Fatalf("%d ids", len(ids))
		}
		seen := map[string]bool{}
		for _, id := range ids {
			if id == "" || strings.ContainsAny(id, ", ") || seen[id] {
				t.Fatalf("%q: bad id %q in %q", s, id, ids)
			}
			seen[id] = true
		}
	})
}

// TestDevicesAddedAfterConnecting: a device given to a user after ARI
// connected is followed at once (the users service calls DevicesChanged),
// not only after the next reconnection: its state is read and its
// registration shows.
func TestDevicesAddedAfterConnecting(t *testing.T) {
	r := newPBXRig(t)
	// The reconciliation after connecting is done (its last step shows
	// every user's state on the PBX, cid's included).
	eventually(t, "reconciled", r.shows("103", "NOT_INUSE", "available"))
	r.srv.SetEndpointState("PJSIP/103", "online") // registered, followed by no app yet
	r.dir.mu.Lock()
	cid := r.dir.users["cid"]
	cid.Endpoints = []string{"PJSIP/103"}
	r.dir.users["cid"] = cid
	r.dir.mu.Unlock()
	r.s.DevicesChanged()
	eventually(t, "cid's new device registered", func() bool { return r.get(t, "cid", "cid").Registered })
	r.srv.SetEndpointState("PJSIP/103", "offline") // now followed: the event comes
	eventually(t, "cid's device unregistered", func() bool { return !r.get(t, "cid", "cid").Registered })
}
