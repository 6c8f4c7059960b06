package eventrec

import (
	"context"
	"testing"

	"github.com/pbxagent/pbxagent/agent/events"
)

func TestRecorderOf(t *testing.T) {
	var r Recorder
	for _, typ := range []string{"a", "b", "a"} {
		if err := r.Publish(context.Background(), events.Event{Type: typ, Data: len(r.Events)}); err != nil {
			t.Fatal(err)
		}
	}
	got := r.Of("a")
	if len(r.Events) != 3 || len(got) != 2 || got[0].Data != 0 || got[1].Data != 2 {
		t.Fatalf("events %v, of a %v", r.Events, got)
	}
	if len(r.Of("c")) != 0 {
		t.Fatal("events of a type never published")
	}
}
