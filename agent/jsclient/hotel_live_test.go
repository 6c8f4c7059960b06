package jsclient

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// hotelDoc adds the hotel operations the hotel module calls in the test,
// as the daemon documents them, to runtimeDoc.
func hotelDoc(t *testing.T) []byte {
	return docWith(t,
		getOp{path: "/api/v1/hotel/rooms", id: "listHotelRooms"},
		getOp{path: "/api/v1/hotel/wakeups", id: "listHotelWakeUps", query: []string{"room"}},
		getOp{path: "/api/v1/hotel/link", id: "getHotelLink"},
		getOp{path: "/api/v1/hotel/rooms/{number}/checkin", id: "checkInHotelRoom", method: "post"},
		getOp{path: "/api/v1/hotel/rooms/{number}/move", id: "moveHotelGuest", method: "post"},
	)
}

// htFrame is an events-socket frame of topic hotel.
func htFrame(seq int, typ string, data map[string]any) string {
	return eventFrame(seq, "2026-12-07T12:00:00Z", "hotel", typ, data)
}

func htRoom(number, occupancy, housekeeping string, guest string) map[string]any {
	r := map[string]any{"number": number, "extensions": []any{number}, "devices": []any{"PJSIP/" + number}, "floor": number[:1],
		"occupancy": occupancy, "housekeeping": housekeeping, "dnd": false, "message_light": false, "effective_class": "internal",
		"updated_at": "2026-12-07T12:00:00Z"}
	if guest != "" {
		r["guest"] = map[string]any{"name": guest}
		r["effective_class"] = "international"
	}
	return r
}

func htWakeUp(id, room, at, status string) map[string]any {
	return map[string]any{"id": id, "room": room, "at": at, "status": status, "attempts": 0, "source": "api",
		"created_at": "2026-12-07T11:00:00Z", "updated_at": "2026-12-07T11:00:00Z"}
}

// TestHotelLiveInNode runs hotel.live() in Node against a stand-in of the
// hotel's routes and the events socket: a check-in published while the
// rooms load is applied over the (older) list; rooms come by number (2
// before 10); a housekeeping change, a wake-up set and answered, an
// unanswered one, a charge, a closed bill and the PMS link going down are
// applied or passed on with what they carry (change and source of a room
// event); a deleted room leaves; resync_required loads everything again;
// the module's short methods send what the routes expect (check-in body,
// move's {"to"}); close() closes the socket with 1000.
func TestHotelLiveInNode(t *testing.T) {
	node, dir := moduleFor(t, hotelDoc(t))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var mu sync.Mutex
	var loads int
	var requests []string
	ws := newLiveSocket(ctx, t, "hotel")
	send := ws.send
	reply := func(w http.ResponseWriter, v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.URL.Path != "/live" && r.URL.Path != "/resync" {
			line := r.Method + " " + r.URL.Path
			if r.URL.RawQuery != "" {
				line += "?" + r.URL.RawQuery
			}
			if r.Body != nil {
				b, _ := io.ReadAll(r.Body)
				if len(b) > 0 {
					line += " " + string(b)
				}
			}
			requests = append(requests, line)
		}
		mu.Unlock()
		switch r.URL.Path {
		case "/api/v1/events":
			ws.serve(w, r)
		case "/api/v1/hotel/rooms":
			mu.Lock()
			loads++
			n := loads
			mu.Unlock()
			if n == 1 {
				ws.accept()
				// 101 is checked in while the list is made (the list does not hold it).
				ev := htRoom("101", "occupied", "clean", "Anna Rossi")
				ev["change"], ev["source"] = "checkin", "pms"
				send(htFrame(101, "room_updated", ev))
				reply(w, map[string]any{"rooms": []any{htRoom("10", "vacant", "clean", ""), htRoom("101", "vacant", "clean", ""), htRoom("2", "vacant", "inspected", "")}})
				return
			}
			reply(w, map[string]any{"rooms": []any{htRoom("101", "occupied", "makeup_requested", "Anna Rossi")}})
		case "/api/v1/hotel/wakeups":
			reply(w, map[string]any{"wakeups": []any{htWakeUp("w1", "101", "2026-12-08T07:00:00+01:00", "pending")}})
		case "/api/v1/hotel/link":
			reply(w, map[string]any{"connected": true, "peer": "127.0.0.1:5010", "queued": 0})
		case "/api/v1/hotel/rooms/101/checkin":
			reply(w, htRoom("101", "occupied", "clean", "Anna Rossi"))
		case "/api/v1/hotel/rooms/101/move":
			reply(w, htRoom("102", "occupied", "clean", "Anna Rossi"))
		case "/live":
			hk := htRoom("101", "occupied", "makeup_requested", "Anna Rossi")
			hk["change"], hk["source"] = "housekeeping", "phone"
			calling := htWakeUp("w1", "101", "2026-12-08T07:00:00+01:00", "calling")
			calling["attempts"] = 1
			early := htWakeUp("w0", "101", "2026-12-08T06:00:00+01:00", "unanswered")
			send(htFrame(102, "room_updated", hk),
				htFrame(103, "wakeup_updated", calling),
				htFrame(104, "wakeup_unanswered", early),
				htFrame(105, "call_charged", map[string]any{"room": "101", "number": "0044207", "cost": 0.85}),
				htFrame(106, "bill_closed", map[string]any{"id": "b1", "room": "2", "total": 1.5}),
				htFrame(107, "pms_link", map[string]any{"connected": false, "queued": 3, "error": "connection refused"}),
				htFrame(108, "room_deleted", map[string]any{"number": "10"}),
				htFrame(109, "something_else", map[string]any{"number": "2"}))
			w.WriteHeader(http.StatusNoContent)
		case "/resync":
			send(`{"op":"resync_required","since":50,"oldest":90,"seq":109}`)
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	writeScript(t, dir, `
import { PbxAgent, hotelRoomOrder } from './pbxagent.mjs';
const c = new PbxAgent({ baseUrl: process.argv[2], token: 't' });
const out = { log: [] };
const show = (v) => 'rooms ' + v.rooms.map((r) => r.number + '/' + r.occupancy + '/' + r.housekeeping + (r.guest ? '/' + r.guest.name : '')).join(',') +
  ' wakeups ' + v.wakeups.map((w) => w.id + ':' + w.status).join(',') + ' link ' + (v.link ? v.link.connected + '/' + v.link.queued : 'none');
const live = c.hotel.live();
live.on('room_updated', (e) => out.log.push(('change' in e.room || 'source' in e.room ? 'leaked ' : '') + 'room_updated ' + e.number + ' ' + e.change + ' ' + e.source + ' [' + show(e.view) + ']'));
for (const type of ['room_deleted', 'wakeup_updated', 'wakeup_unanswered', 'pms_link', 'resync']) {
  live.on(type, (e) => out.log.push(type + (e.number ? ' ' + e.number : '') + (e.wakeup ? ' ' + e.wakeup.id : '') + ' [' + show(e.view) + ']'));
}
live.on('call_charged', (e) => out.log.push('call_charged ' + e.number + ' ' + e.charge.cost));
live.on('bill_closed', (e) => out.log.push('bill_closed ' + e.number + ' ' + e.bill.id));
let changes = 0;
live.on('change', () => { changes++; });
const when = (type) => new Promise((resolve) => { const off = live.on(type, (e) => { off(); resolve(e); }); });
out.ready = show(await live.ready);
out.room = live.room('101').guest.name;
const deleted = when('room_deleted');
await fetch(process.argv[2] + '/live');
await deleted;
out.after = show(live.view);
out.changes = changes;
const resynced = when('resync');
await fetch(process.argv[2] + '/resync');
await resynced;
out.resynced = show(live.view);
out.checkin = (await c.hotel.checkIn('101', { name: 'Anna Rossi', language: 'it' })).guest.name;
out.moved = (await c.hotel.move('101', '102')).number;
out.csv = c.hotel.csvUrl({ id: 'b 1' }) + ' ' + c.hotel.csvUrl({ room: '101' });
out.order = ['10', '2', '1A', '101', '1'].sort(hotelRoomOrder).join(',');
out.same = c.hotel === c.hotel;
live.close();
out.state = live.state;
console.log(JSON.stringify(out));
`)
	stdout := runScript(t, node, dir, srv.URL, true, "node")
	var out struct {
		Log                    []string
		Ready, After, Resynced string
		Room, Checkin, Moved   string
		CSV, Order, State      string
		Changes                int
		Same                   bool
	}
	if err := json.Unmarshal(stdout, &out); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	code := ws.closeCode()
	mu.Lock()
	defer mu.Unlock()
	log := strings.Join(out.Log, "\n")
	reqs := strings.Join(requests, "\n")
	checks := []struct {
		name string
		ok   bool
	}{
		{name: "ready: rooms by number with the check-in made during the load, the wake-ups and the link",
			ok: out.Ready == "rooms 2/vacant/inspected,10/vacant/clean,101/occupied/clean/Anna Rossi wakeups w1:pending link true/0" && out.Room == "Anna Rossi"},
		{name: "the held check-in is passed on with its change and source, without them in the room",
			ok: strings.Contains(log, "room_updated 101 checkin pms [rooms 2/vacant/inspected,10/vacant/clean,101/occupied/clean/Anna Rossi")},
		{name: "a housekeeping change from the phone", ok: strings.Contains(log, "room_updated 101 housekeeping phone [rooms 2/vacant/inspected,10/vacant/clean,101/occupied/makeup_requested/Anna Rossi wakeups w1:pending")},
		{name: "a wake-up calling", ok: strings.Contains(log, "wakeup_updated 101 w1 [rooms 2/vacant/inspected,10/vacant/clean,101/occupied/makeup_requested/Anna Rossi wakeups w1:calling link true/0]")},
		{name: "an unanswered wake-up joins the list, by time", ok: strings.Contains(log, "wakeup_unanswered 101 w0 [rooms 2/vacant/inspected,10/vacant/clean,101/occupied/makeup_requested/Anna Rossi wakeups w0:unanswered,w1:calling link true/0]")},
		{name: "a charge and a closed bill are passed on", ok: strings.Contains(log, "call_charged 101 0.85") && strings.Contains(log, "bill_closed 2 b1")},
		{name: "the link goes down", ok: strings.Contains(log, "pms_link [rooms 2/vacant/inspected,10/vacant/clean,101/occupied/makeup_requested/Anna Rossi wakeups w0:unanswered,w1:calling link false/3]")},
		{name: "a deleted room leaves", ok: out.After == "rooms 2/vacant/inspected,101/occupied/makeup_requested/Anna Rossi wakeups w0:unanswered,w1:calling link false/3"},
		{name: "no leaked change or source in a room", ok: !strings.Contains(log, "leaked")},
		{name: "one change per event that changes the view (not for charges, bills or unknown types)", ok: out.Changes == 1+6},
		{name: "resync loads everything again", ok: out.Resynced == "rooms 101/occupied/makeup_requested/Anna Rossi wakeups w1:pending link true/0" &&
			strings.Contains(log, "resync [rooms 101/occupied/makeup_requested/Anna Rossi wakeups w1:pending link true/0]")},
		{name: "check-in and move through the module", ok: out.Checkin == "Anna Rossi" && out.Moved == "102" &&
			strings.Contains(reqs, `POST /api/v1/hotel/rooms/101/checkin {"name":"Anna Rossi","language":"it"}`) &&
			strings.Contains(reqs, `POST /api/v1/hotel/rooms/101/move {"to":"102"}`)},
		{name: "CSV links", ok: out.CSV == srv.URL+"/api/v1/hotel/bills/b%201?format=csv "+srv.URL+"/api/v1/hotel/rooms/101/bill?format=csv"},
		{name: "room numbers as people read them", ok: out.Order == "1,1A,2,10,101"},
		{name: "one hotel module per client", ok: out.Same},
		{name: "closed with 1000", ok: out.State == "closed" && code == websocket.StatusNormalClosure},
		{name: "subscribed to hotel, everything loaded twice", ok: strings.HasPrefix(reqs, "GET /api/v1/events?topics=hotel") &&
			strings.Count(reqs, "GET /api/v1/hotel/rooms\n") == 2 && strings.Count(reqs, "GET /api/v1/hotel/wakeups") == 2 && strings.Count(reqs, "GET /api/v1/hotel/link") == 2},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s:\nlog:\n%s\nready %q\nafter %q\nresynced %q\nchanges %d, checkin %q, moved %q, csv %q, order %q\nstate %s, code %d\nrequests:\n%s",
				c.name, log, out.Ready, out.After, out.Resynced, out.Changes, out.Checkin, out.Moved, out.CSV, out.Order, out.State, code, reqs)
		}
	}
}
