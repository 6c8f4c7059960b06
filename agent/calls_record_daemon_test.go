package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// TestRecordingThroughDaemon records a call through the whole daemon
// against the ARI stand-in: the owner starts and stops the recording,
// lists it, downloads the file Asterisk stored (audited); deleting it
// needs the ability recordings (the owner gets 403, the admin deletes the
// file and the metadata, audited too).
func TestRecordingThroughDaemon(t *testing.T) {
	srv, base := callsDaemon(t, nil,
		fakeari.WithPeer("PJSIP/101", fakeari.Desk{Never: true, AutoAnswer: true}),
		fakeari.WithPeer("PJSIP/200", fakeari.Fixed{Outcome: fakeari.Answer}))
	cleo := signIn(t, base, "cleo", nil, []string{"PJSIP/101"})
	as := cleo.do
	adm := client{t, base, "test-admin-token"}
	raw := cleo.send

	code, call := as("POST", "/api/v1/calls", `{"to":"200"}`)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, call)
	}
	id, _ := call["id"].(string)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		code, got := as("GET", "/api/v1/calls/"+id, "")
		if code == 200 && got["state"] == "up" {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("call never up: %d %v", code, got)
		}
	}
	name := id + "-1"
	if code, got := as("POST", "/api/v1/calls/"+id+"/record", `{"action":"start"}`); code != 200 || got["recording"] != "recording" {
		t.Fatalf("start: %d %v", code, got)
	}
	if code, got := as("POST", "/api/v1/calls/"+id+"/record", `{"action":"start"}`); code != http.StatusConflict {
		t.Errorf("start twice: %d %v", code, got)
	}
	if code, got := as("POST", "/api/v1/calls/"+id+"/record", `{"action":"rewind"}`); code != http.StatusBadRequest || !strings.Contains(jsonString(got), `"field":"action"`) {
		t.Errorf("bad action: %d %v", code, got)
	}
	// The stand-in starts recording on its clock (real here): stop once it
	// records (Asterisk answers 409 while the recording is queued).
	for {
		if st, _ := srv.LiveRecordingState(name); st == "recording" {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the recording never started")
		}
	}
	if code, got := as("POST", "/api/v1/calls/"+id+"/record", `{"action":"stop"}`); code != 200 || got["recording"] != "off" {
		t.Fatalf("stop: %d %v", code, got)
	}
	code, list := as("GET", "/api/v1/recordings", "")
	recs, _ := list["recordings"].([]any)
	if code != 200 || len(recs) != 1 || recs[0].(map[string]any)["name"] != name || recs[0].(map[string]any)["state"] != "done" {
		t.Fatalf("list: %d %v", code, list)
	}
	r, file := raw("GET", "/api/v1/recordings/"+name+"/file", "")
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "audio/wav" || !strings.HasPrefix(string(file), "RIFF") {
		t.Fatalf("download: %d %s %q", r.StatusCode, r.Header.Get("Content-Type"), file[:min(len(file), 12)])
	}
	if code, _ := as("DELETE", "/api/v1/recordings/"+name, ""); code != http.StatusForbidden {
		t.Errorf("the owner deletes: %d, want 403", code)
	}
	if code, b := adm.do("DELETE", "/api/v1/recordings/"+name, "", nil); code != http.StatusNoContent {
		t.Fatalf("the admin deletes: %d %s", code, b)
	}
	for _, n := range srv.StoredRecordings() {
		if n == name {
			t.Error("the file is still in Asterisk")
		}
	}
	if code, _ := as("GET", "/api/v1/recordings/"+name, ""); code != http.StatusNotFound {
		t.Errorf("get after delete: %d", code)
	}
	code, b := adm.do("GET", "/api/v1/audit?action=recording.", "", nil)
	if code != 200 || !strings.Contains(string(b), `"recording.download"`) || !strings.Contains(string(b), `"recording.delete"`) {
		t.Errorf("audit: %d %s", code, b)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestRecordingEventsThroughDaemon: the recording events of a call reach
// its owner's and a supervisor's events sockets, between the call's
// answer and its end; a recording left running when the call is hung up
// is stopped first (recording_stopped before call_ended).
func TestRecordingEventsThroughDaemon(t *testing.T) {
	srv, base := callDaemon(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cleo := signIn(t, base, "cleo", nil, []string{"PJSIP/101"})
	sam := signIn(t, base, "sam", []string{"manage_callcenter"}, nil)
	cleoWS, samWS := cleo.events(ctx, "calls"), sam.events(ctx, "calls")
	code, call := cleo.do("POST", "/api/v1/calls", `{"to":"200"}`)
	if code != http.StatusAccepted {
		t.Fatalf("place: %d %v", code, call)
	}
	id, _ := call["id"].(string)
	awaitUp(ctx, t, cleo, id)
	for _, step := range []struct {
		who    person
		action string
	}{{cleo, "start"}, {cleo, "pause"}, {sam, "resume"}} {
		if step.action == "pause" {
			for { // Asterisk starts recording on its clock: pause once it records
				if st, _ := srv.LiveRecordingState(id + "-1"); st == "recording" {
					break
				}
				if ctx.Err() != nil {
					t.Fatal("the recording never started")
				}
			}
		}
		if code, got := step.who.do("POST", "/api/v1/calls/"+id+"/record", `{"action":"`+step.action+`"}`); code != 200 {
			t.Fatalf("%s: %d %v", step.action, code, got)
		}
	}
	if code, got := cleo.do("DELETE", "/api/v1/calls/"+id, ""); code != 200 {
		t.Fatalf("hang up: %d %v", code, got)
	}
	want := []string{"recording_started", "recording_paused", "recording_resumed", "recording_stopped", "call_ended"}
	for _, tc := range []struct {
		who string
		ws  *websocket.Conn
	}{{who: "owner", ws: cleoWS}, {who: "supervisor", ws: samWS}} {
		var got []string
		for _, typ := range callEvents(ctx, t, tc.ws, id) {
			if strings.HasPrefix(typ, "recording_") || typ == "call_ended" {
				got = append(got, typ)
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s got %v, want %v", tc.who, got, want)
		}
	}
	if code, list := cleo.do("GET", "/api/v1/recordings?call="+id, ""); code != 200 || !strings.Contains(jsonString(list), `"name":"`+id+`-1"`) {
		t.Errorf("cleo's recordings: %d %v", code, list)
	}
	if code, list := sam.do("GET", "/api/v1/recordings", ""); code != 200 || strings.Contains(jsonString(list), id) {
		t.Errorf("a supervisor without the ability recordings lists %d %v", code, list)
	}
}
