package calls

import (
	"context"
	"errors"
	"os"
	"testing"
)

// A call over SIP is recorded by its bridge into the recordings folder,
// under the same name, events and metadata as through ARI; the
// recording ends with the call.
func TestSIPRecord(t *testing.T) {
	dir := t.TempDir()
	sink := newSinkLog()
	e := newSIPEnv(t, WithSIPRecordings(dir), WithRecordings(sink))
	v := Viewer{UserID: "u1"}
	ctx := context.Background()
	c, user, far := e.up()

	steps := []struct {
		action string
		event  string
		leg    string
		state  RecordingState
	}{
		{action: RecordStart, event: EventRecordingStarted, leg: "rec start", state: RecordingOn},
		{action: RecordPause, event: EventRecordingPaused, leg: "rec pause on", state: RecordingPaused},
		{action: RecordResume, event: EventRecordingResumed, leg: "rec pause off", state: RecordingOn},
		{action: RecordStop, event: EventRecordingStopped, leg: "rec stop", state: RecordingOff},
	}
	for _, st := range steps {
		got, err := e.eng.Record(ctx, v, c.ID, st.action)
		if err != nil {
			t.Fatalf("%s: %v", st.action, err)
		}
		if got.Recording != st.state {
			t.Errorf("%s: recording %q, want %q", st.action, got.Recording, st.state)
		}
		user.await(t, st.leg)
		e.pub.expect(t, st.event, EventUpdated)
	}
	name := c.ID + "-1"
	if b, err := os.ReadFile(SIPRecordingPath(dir, name)); err != nil || string(b) != "RIFF" {
		t.Fatalf("the recording's file: %q %v", b, err)
	}
	if end := sink.awaitFinal(t, name); end.Failed {
		t.Errorf("ended %+v", end)
	}
	sink.mu.Lock()
	if len(sink.started) != 1 || sink.started[0].Name != name || sink.started[0].UserID != "u1" || sink.started[0].To != "200" {
		t.Errorf("started %+v", sink.started)
	}
	sink.mu.Unlock()
	if _, err := e.eng.Record(ctx, v, c.ID, RecordStop); !errors.Is(err, ErrState) {
		t.Errorf("stop while not recording: %v", err)
	}

	// A second recording ends with the call.
	if _, err := e.eng.Record(ctx, v, c.ID, RecordStart); err != nil {
		t.Fatal(err)
	}
	user.await(t, "rec start")
	e.pub.expect(t, EventRecordingStarted, EventUpdated)
	far.bye(16)
	user.await(t, "rec stop")
	e.pub.expect(t, EventRecordingStopped+":ended", EventEnded)
	if end := sink.awaitFinal(t, c.ID+"-2"); end.Failed {
		t.Errorf("ended %+v", end)
	}
}
