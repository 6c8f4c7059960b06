package calls

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/platform"
)

// sinkLog is a RecordingSink that keeps what it is told.
type sinkLog struct {
	mu      sync.Mutex
	started []RecordingInfo
	ended   []RecordingEnd
	change  chan struct{}
	fail    error // RecordingStarted's answer
}

func newSinkLog() *sinkLog { return &sinkLog{change: make(chan struct{})} }

func (s *sinkLog) RecordingStarted(_ context.Context, info RecordingInfo) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	s.started = append(s.started, info)
	return nil
}

func (s *sinkLog) RecordingEnded(_ context.Context, end RecordingEnd) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = append(s.ended, end)
	close(s.change)
	s.change = make(chan struct{})
}

// awaitFinal waits for Asterisk's end of recording name.
func (s *sinkLog) awaitFinal(t *testing.T, name string) RecordingEnd {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		for _, e := range s.ended {
			if e.Name == name && e.Final {
				s.mu.Unlock()
				return e
			}
		}
		ch := s.change
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no final end of %s; got %+v", name, s.ended)
		}
	}
}

// TestRecordLifecycle: start records the call's bridge under
// "<call id>-1" (wav, Asterisk's live recording); pause and resume go to
// the live recording; stop stores it; each step publishes its event and
// call_updated; wrong states are ErrState naming the problem; a second
// recording is "-2" and stops, stored, when the call ends, before
// call_ended.
func TestRecordLifecycle(t *testing.T) {
	sink := newSinkLog()
	e := newEnv(t, WithRecordings(sink))
	ctx := context.Background()
	v := Viewer{UserID: "u1"}
	c := e.up()
	name := c.ID + "-1"
	steps := []struct {
		name      string
		action    string
		viewer    Viewer
		advance   time.Duration // virtual time before the step
		wantState RecordingState
		wantEvent string
		wantLive  string // the stand-in's live recording state ("" none)
		wantErr   error
		wantMsg   string
	}{
		{name: "another user", action: RecordStart, viewer: Viewer{UserID: "u2"}, wantErr: ErrNotFound},
		{name: "unknown action", action: "rewind", viewer: v, wantErr: ErrBadAction},
		{name: "pause before start", action: RecordPause, viewer: v, wantErr: ErrState, wantMsg: "the call is not being recorded"},
		{name: "stop before start", action: RecordStop, viewer: v, wantErr: ErrState, wantMsg: "the call is not being recorded"},
		{name: "start", action: RecordStart, viewer: v, wantState: RecordingOn, wantEvent: EventRecordingStarted, wantLive: "queued"},
		{name: "start twice", action: RecordStart, viewer: v, wantErr: ErrState, wantMsg: "already being recorded"},
		{name: "pause while queued", action: RecordPause, viewer: v, wantErr: ErrState, wantMsg: "not started yet"},
		{name: "resume while recording", action: RecordResume, viewer: v, advance: time.Second, wantErr: ErrState, wantMsg: "not paused"},
		{name: "pause", action: RecordPause, viewer: v, advance: 3 * time.Second, wantState: RecordingPaused, wantEvent: EventRecordingPaused, wantLive: "paused"},
		{name: "pause twice", action: RecordPause, viewer: v, wantErr: ErrState, wantMsg: "already paused"},
		{name: "resume", action: RecordResume, viewer: v, advance: 10 * time.Second, wantState: RecordingOn, wantEvent: EventRecordingResumed, wantLive: "recording"},
		{name: "a supervisor stops", action: RecordStop, viewer: Viewer{All: true}, advance: 2 * time.Second, wantState: RecordingOff, wantEvent: EventRecordingStopped},
		{name: "stop twice", action: RecordStop, viewer: v, wantErr: ErrState, wantMsg: "not being recorded"},
	}
	for _, st := range steps {
		if st.advance > 0 { // Advance(0) would run the stand-in's due timers too
			e.clk.Advance(st.advance)
		}
		got, err := e.eng.Record(ctx, st.viewer, c.ID, st.action)
		if st.wantErr != nil {
			if !errors.Is(err, st.wantErr) || (st.wantMsg != "" && !strings.Contains(err.Error(), st.wantMsg)) {
				t.Errorf("%s: %v, want %v %q", st.name, err, st.wantErr, st.wantMsg)
			}
			continue
		}
		if err != nil || got.Recording != st.wantState {
			t.Fatalf("%s: %+v %v, want recording %s", st.name, got, err, st.wantState)
		}
		if !slices.Equal(got.Recordings, []string{name}) {
			t.Errorf("%s: recordings %v", st.name, got.Recordings)
		}
		evs := e.pub.types(c.ID)
		if n := len(evs); n < 2 || evs[n-2] != st.wantEvent || evs[n-1] != EventUpdated {
			t.Errorf("%s: events %v, want … %s %s", st.name, evs, st.wantEvent, EventUpdated)
		}
		if live, _ := e.srv.LiveRecordingState(name); live != st.wantLive {
			t.Errorf("%s: Asterisk's recording is %q, want %q", st.name, live, st.wantLive)
		}
	}
	// Recorded: 1 s + 3 s, paused 10 s, then 2 s.
	fin := sink.awaitFinal(t, name)
	if fin.Failed || fin.Duration != 6*time.Second {
		t.Errorf("final end %+v, want 6 s recorded", fin)
	}
	if !slices.Contains(e.srv.StoredRecordings(), name) {
		t.Errorf("stored %v, want %s", e.srv.StoredRecordings(), name)
	}
	if len(sink.started) != 1 || sink.started[0].CallID != c.ID || sink.started[0].UserID != "u1" || sink.started[0].To != "200" || sink.started[0].Format != "wav" {
		t.Errorf("started %+v", sink.started)
	}

	// A second recording ends with the call.
	second := c.ID + "-2"
	if got, err := e.eng.Record(ctx, v, c.ID, RecordStart); err != nil || !slices.Equal(got.Recordings, []string{name, second}) {
		t.Fatalf("second start: %+v %v", got, err)
	}
	e.clk.Advance(4 * time.Second)
	if _, err := e.eng.Hangup(ctx, v, c.ID); err != nil {
		t.Fatal(err)
	}
	ended := e.clean(c)
	if ended.Recording != RecordingOff || !slices.Equal(ended.Recordings, []string{name, second}) {
		t.Errorf("ended call: recording %s %v", ended.Recording, ended.Recordings)
	}
	evs := e.pub.types(c.ID)
	if n := len(evs); evs[n-2] != EventRecordingStopped || evs[n-1] != EventEnded {
		t.Errorf("events at the end %v, want … recording_stopped call_ended", evs)
	}
	if fin := sink.awaitFinal(t, second); fin.Duration != 4*time.Second {
		t.Errorf("second final end %+v, want 4 s", fin)
	}
	if !slices.Contains(e.srv.StoredRecordings(), second) {
		t.Errorf("stored %v, want %s", e.srv.StoredRecordings(), second)
	}
	if _, err := e.eng.Record(ctx, v, c.ID, RecordStart); !errors.Is(err, ErrState) {
		t.Errorf("start on an ended call: %v", err)
	}
}

// TestRecordNotAnswered: a call whose destination has not answered has
// nothing to record yet (409).
func TestRecordNotAnswered(t *testing.T) {
	e := newEnv(t)
	c := e.place("200", "PJSIP/101")
	_, err := e.eng.Record(context.Background(), Viewer{UserID: "u1"}, c.ID, RecordStart)
	if !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "once it is answered") {
		t.Errorf("start while dialing: %v", err)
	}
}

// TestRecordFailed: a recording Asterisk fails (RecordingFailed) is taken
// off the call: recording_failed, recording off, its name out of the
// call's recordings, the sink told; the call goes on and can be recorded
// again.
func TestRecordFailed(t *testing.T) {
	sink := newSinkLog()
	e := newEnv(t, WithRecordings(sink))
	ctx := context.Background()
	v := Viewer{UserID: "u1"}
	c := e.up()
	if _, err := e.eng.Record(ctx, v, c.ID, RecordStart); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second)
	if !e.srv.FailRecording(c.ID+"-1", "Failed to answer channel") {
		t.Fatal("no live recording")
	}
	ev := e.pub.await(t, EventRecordingFailed, c.ID)
	if ev.call.Recording != RecordingOff || len(ev.call.Recordings) != 0 || ev.call.State != StateUp {
		t.Errorf("recording_failed with %+v", ev.call)
	}
	if end := sink.awaitFinal(t, c.ID+"-1"); !end.Failed || end.Cause != "Failed to answer channel" {
		t.Errorf("sink told %+v", end)
	}
	got, err := e.eng.Record(ctx, v, c.ID, RecordStart)
	if err != nil || got.Recording != RecordingOn || !slices.Equal(got.Recordings, []string{c.ID + "-2"}) {
		t.Errorf("start after a failure: %+v %v", got, err)
	}
}

// TestRecordSinkRefuses: when the metadata cannot be stored, Asterisk is
// not asked to record.
func TestRecordSinkRefuses(t *testing.T) {
	sink := newSinkLog()
	sink.fail = errors.New("disk full")
	e := newEnv(t, WithRecordings(sink))
	c := e.up()
	if _, err := e.eng.Record(context.Background(), Viewer{UserID: "u1"}, c.ID, RecordStart); err == nil || errors.Is(err, ErrState) {
		t.Fatalf("start: %v, want the sink's error", err)
	}
	if _, ok := e.srv.LiveRecordingState(c.ID + "-1"); ok {
		t.Error("Asterisk records anyway")
	}
	got, _ := e.eng.Get(Viewer{UserID: "u1"}, c.ID)
	if got.Recording != RecordingOff || len(got.Recordings) != 0 {
		t.Errorf("call %+v", got)
	}
}

// TestRecordAPI: POST /api/v1/calls/{id}/record as the owner, another user
// (404, as a call that does not exist), a supervisor with
// manage_callcenter; a bad action is a 400 naming the field, a wrong
// state a 409 saying why.
func TestRecordAPI(t *testing.T) {
	e := newEnv(t)
	h := NewHandler(e.eng, fakeDevices{"u1": {"PJSIP/101"}})
	u1 := platform.Principal{Kind: platform.KindSession, UserID: "u1", Role: platform.RoleUser}
	u2 := platform.Principal{Kind: platform.KindSession, UserID: "u2", Role: platform.RoleUser}
	sup := platform.Principal{Kind: platform.KindSession, UserID: "s1", Role: platform.RoleSupervisor, Abilities: []platform.Ability{platform.AbilityManageCallCenter}}
	c := e.up()
	path := "/api/v1/calls/" + c.ID + "/record"
	steps := []struct {
		name      string
		p         platform.Principal
		body      string
		want      int
		wantRec   string
		wantInMsg string
	}{
		{name: "another user", p: u2, body: `{"action":"start"}`, want: http.StatusNotFound},
		{name: "bad action", p: u1, body: `{"action":"rewind"}`, want: http.StatusBadRequest, wantInMsg: `"field":"action"`},
		{name: "pause while off", p: u1, body: `{"action":"pause"}`, want: http.StatusConflict, wantInMsg: "not being recorded"},
		{name: "start", p: u1, body: `{"action":"start"}`, want: http.StatusOK, wantRec: "recording"},
		{name: "start again", p: sup, body: `{"action":"start"}`, want: http.StatusConflict, wantInMsg: "already being recorded"},
		{name: "supervisor stops", p: sup, body: `{"action":"stop"}`, want: http.StatusOK, wantRec: "off"},
	}
	for _, st := range steps {
		code, out := serve(t, h, st.p, "POST", path, st.body)
		b, _ := json.Marshal(out)
		if code != st.want || (st.wantRec != "" && out["recording"] != st.wantRec) || !strings.Contains(string(b), st.wantInMsg) {
			t.Errorf("%s: %d %s", st.name, code, b)
		}
	}
}

// TestRecordCanceled: a recording stopped before Asterisk started it is
// canceled: no file, so its name leaves the call and the sink drops it.
func TestRecordCanceled(t *testing.T) {
	sink := newSinkLog()
	e := newEnv(t, WithRecordings(sink))
	ctx := context.Background()
	v := Viewer{UserID: "u1"}
	c := e.up()
	if _, err := e.eng.Record(ctx, v, c.ID, RecordStart); err != nil {
		t.Fatal(err)
	}
	if got, err := e.eng.Record(ctx, v, c.ID, RecordStop); err != nil || got.Recording != RecordingOff {
		t.Fatalf("stop while queued: %+v %v", got, err)
	}
	if end := sink.awaitFinal(t, c.ID+"-1"); !end.Failed {
		t.Errorf("sink told %+v, want no file", end)
	}
	if got, _ := e.eng.Get(v, c.ID); len(got.Recordings) != 0 {
		t.Errorf("recordings %v after a cancel", got.Recordings)
	}
	if slices.Contains(e.srv.StoredRecordings(), c.ID+"-1") {
		t.Error("a canceled recording was stored")
	}
}

// TestRecordAll: with every call recorded, a call is recorded as soon as
// it is answered (recording_started after call_answered); the user may
// stop it.
func TestRecordAll(t *testing.T) {
	e := newEnv(t, WithRecordAll(true))
	c := e.up()
	ev := e.pub.await(t, EventRecordingStarted, c.ID)
	if ev.call.Recording != RecordingOn || !slices.Equal(ev.call.Recordings, []string{c.ID + "-1"}) {
		t.Errorf("recording_started with %+v", ev.call)
	}
	if _, ok := e.srv.LiveRecordingState(c.ID + "-1"); !ok {
		t.Error("Asterisk does not record")
	}
	if got, err := e.eng.Record(context.Background(), Viewer{UserID: "u1"}, c.ID, RecordStop); err != nil || got.Recording != RecordingOff {
		t.Errorf("stop: %+v %v", got, err)
	}
}

// TestRecordDuringTransfer: no recording starts while a transfer is in
// progress (the user consults in another bridge); one already running
// goes on (pause works); a blind transfer, which ends the user's call,
// stops it (the user's recording does not follow the transferee).
func TestRecordDuringTransfer(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := Viewer{UserID: "u1"}
	c := e.up()
	if _, err := e.eng.Record(ctx, v, c.ID, RecordStart); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second)
	e.startTransfer(c, "400", Attended)
	if _, err := e.eng.Record(ctx, v, c.ID, RecordStart); !errors.Is(err, ErrState) {
		t.Errorf("start during a transfer: %v", err)
	}
	if got, err := e.eng.Record(ctx, v, c.ID, RecordPause); err != nil || got.Recording != RecordingPaused {
		t.Errorf("pause during a transfer: %+v %v", got, err)
	}

	blind := e.up()
	if _, err := e.eng.Record(ctx, v, blind.ID, RecordStart); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second)
	e.startTransfer(blind, "200", Blind)
	ended := e.pub.await(t, EventEnded, blind.ID).call
	if ended.Recording != RecordingOff || !slices.Contains(e.pub.types(blind.ID), EventRecordingStopped) {
		t.Errorf("after a blind transfer: recording %s, events %v", ended.Recording, e.pub.types(blind.ID))
	}
	if _, ok := e.srv.LiveRecordingState(blind.ID + "-1"); ok {
		t.Error("Asterisk still records the transferred call")
	}
}

// TestRecordInbound: a trunk call answered on the user's device is
// recorded like a click-to-call (its bridge holds caller and device); with
// every call recorded it starts at the answer; the caller hanging up
// stops it, stored.
func TestRecordInbound(t *testing.T) {
	sink := newSinkLog()
	e := newDialplanEnv(t, testUsers("PJSIP/501"), WithRecordings(sink), WithRecordAll(true))
	caller := e.call("inbound", "555", "+41441234567", "MUSTER AG")
	c := e.pub.awaitType(t, EventCreated).call
	e.ring(c.ID + "-u1")
	if err := e.srv.PickUp(c.ID + "-u1"); err != nil {
		t.Fatal(err)
	}
	ev := e.pub.await(t, EventRecordingStarted, c.ID)
	if ev.call.Direction != Inbound || ev.call.Recording != RecordingOn {
		t.Errorf("recording_started with %+v", ev.call)
	}
	e.clk.Advance(3 * time.Second)
	e.srv.Hangup(caller, 16)
	ended := e.pub.await(t, EventEnded, c.ID).call
	if ended.Recording != RecordingOff || !slices.Equal(ended.Recordings, []string{c.ID + "-1"}) {
		t.Errorf("ended %+v", ended)
	}
	if fin := sink.awaitFinal(t, c.ID+"-1"); fin.Failed || fin.Duration != 3*time.Second {
		t.Errorf("final %+v", fin)
	}
	if len(sink.started) != 1 || sink.started[0].From != "+41441234567" || sink.started[0].FromName != "MUSTER AG" {
		t.Errorf("started %+v", sink.started)
	}
}

// TestRecordStopsOnPark: parking a call moves the far party out of the
// recorded bridge: the recording stops first (recording_stopped before
// call_parked) and is stored.
func TestRecordStopsOnPark(t *testing.T) {
	sink := newSinkLog()
	e := newEnv(t, WithRecordings(sink))
	ctx, v := context.Background(), Viewer{UserID: "u1"}
	c := e.up()
	if _, err := e.eng.Record(ctx, v, c.ID, RecordStart); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(2 * time.Second)
	parked, err := e.eng.Park(ctx, v, c.ID)
	if err != nil || parked.Recording != RecordingOff {
		t.Fatalf("park: %+v %v", parked, err)
	}
	evs := e.pub.types(c.ID)
	if i, j := slices.Index(evs, EventRecordingStopped), slices.Index(evs, EventParked); i < 0 || j < 0 || i > j {
		t.Errorf("events %v, want recording_stopped before call_parked", evs)
	}
	if fin := sink.awaitFinal(t, c.ID+"-1"); fin.Failed || fin.Duration != 2*time.Second {
		t.Errorf("final %+v", fin)
	}
	if _, err := e.eng.Record(ctx, v, c.ID, RecordStart); !errors.Is(err, ErrState) {
		t.Errorf("start while parked: %v", err)
	}
}
