package agent

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestCallParkThroughDaemon: Cleo parks her call (slot 701, call_parked
// on her events socket); Bob, a plain user, cannot pick it up (404); Sam,
// a supervisor, picks it up on his desk, which answers by itself: the call
// is up again and Sam's, and both Cleo and Sam get call_picked_up (Cleo
// nothing after it).
func TestCallParkThroughDaemon(t *testing.T) {
	_, base := callDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cleo := signIn(t, base, "cleo", nil, []string{"PJSIP/101"})
	bob := signIn(t, base, "bob", nil, []string{"PJSIP/103"})
	sam := signIn(t, base, "sam", []string{"manage_callcenter"}, []string{"PJSIP/102"})
	cleoWS, samWS := cleo.events(ctx, "calls"), sam.events(ctx, "calls")

	code, call := cleo.do("POST", "/api/v1/calls", `{"to":"200"}`)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, call)
	}
	id, _ := call["id"].(string)
	awaitUp(ctx, t, cleo, id)
	if code, got := cleo.do("POST", "/api/v1/calls/"+id+"/park", ""); code != 200 || got["state"] != "parked" || got["parked_slot"] != float64(701) {
		t.Fatalf("park: %d %v", code, got)
	}
	if code, got := bob.do("POST", "/api/v1/calls/"+id+"/pickup", ""); code != 404 {
		t.Errorf("a plain user's pickup of another's call: %d %v, want 404", code, got)
	}
	if code, got := sam.do("POST", "/api/v1/calls/"+id+"/pickup", ""); code != http.StatusAccepted {
		t.Fatalf("pickup: %d %v", code, got)
	}
	awaitUp(ctx, t, sam, id)
	if code, got := sam.do("GET", "/api/v1/calls/"+id, ""); code != 200 || got["device"] != "PJSIP/102" || got["parked_slot"] != nil {
		t.Errorf("picked up: %d %v", code, got)
	}
	if code, _ := sam.do("DELETE", "/api/v1/calls/"+id, ""); code != 200 {
		t.Fatalf("hang up: %d", code)
	}
	// Cleo's events end with the pickup (the call is Sam's then); Sam, a
	// supervisor, sees the whole call.
	for _, tc := range []struct {
		who, last string
		ws        *websocket.Conn
	}{{who: "owner", last: "call_picked_up", ws: cleoWS}, {who: "supervisor", last: "call_ended", ws: samWS}} {
		var types []string
		for len(types) == 0 || types[len(types)-1] != tc.last {
			m := readFrame(ctx, t, tc.ws)
			if data, _ := m["data"].(map[string]any); m["op"] == "event" && data["id"] == id {
				typ, _ := m["type"].(string)
				types = append(types, typ)
			}
		}
		if !containsStr(types, "call_parked") {
			t.Errorf("%s got %v, want call_parked before %s", tc.who, types, tc.last)
		}
	}
}
