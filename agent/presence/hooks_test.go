package presence

import (
	"context"
	"slices"
	"sync"
	"testing"
)

// TestHooks: WithWatchers makes the users it names get a user's
// presence_updated as if their roster held the user (with the location
// only when it is shared with them, never twice); WithChanged is told of
// every change published.
func TestHooks(t *testing.T) {
	var mu sync.Mutex
	var changed []string
	r := newRig(t,
		WithWatchers(func(id string) []string {
			if id == "ana" {
				return []string{"bob", "cid", "ana"}
			}
			return nil
		}),
		WithChanged(func(_ context.Context, id string) {
			mu.Lock()
			defer mu.Unlock()
			changed = append(changed, id)
		}))
	ctx := context.Background()
	if _, err := r.s.SetLocation(ctx, "ana", LocationRequest{Location: &Location{Lat: 47.3, Lon: 8.5}, ShareWith: []string{"cid"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.SetState(ctx, "ana", StateRequest{State: DND}); err != nil {
		t.Fatal(err)
	}
	bob, cid := r.hub.seen(user("bob")), r.hub.seen(user("cid"))
	if len(bob) != 2 || bob[1].State != DND || bob[1].Location != nil {
		t.Fatalf("bob (a watcher) saw %+v: want both changes without the location", bob)
	}
	if len(cid) != 2 || cid[1].Location == nil {
		t.Fatalf("cid (a watcher ana shares her location with) saw %+v: want both changes with it, once each", cid)
	}
	if len(r.hub.seen(user("dan"))) != 0 {
		t.Fatal("a user who is no watcher saw ana's presence")
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(changed, []string{"ana", "ana"}) {
		t.Fatalf("changed %v, want ana twice", changed)
	}
}
