package calls

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/ari/fakeari"
)

// transferTypes lists the transfer events published for transfer id.
func (r *recorder) transferTypes(id string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.evs {
		if t, ok := e.data.(Transfer); ok && t.ID == id {
			out = append(out, e.typ)
		}
	}
	return out
}

// awaitTransfer waits (bounded) for a transfer event of type typ about
// transfer id (any transfer when id is "") and returns the transfer.
func (r *recorder) awaitTransfer(t testing.TB, typ, id string) Transfer {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		for _, e := range r.evs {
			if tr, ok := e.data.(Transfer); ok && e.typ == typ && (id == "" || tr.ID == id) {
				r.mu.Unlock()
				return tr
			}
		}
		ch := r.change
		r.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("no %s for transfer %q; got %v", typ, id, r.transferTypes(id))
		}
	}
}

// memKV is an in-memory TransferStore shared by two engines (two runs of
// pbxagent over one store).
type memKV struct {
	mu sync.Mutex
	m  map[string][]byte
}

func newMemKV() *memKV { return &memKV{m: map[string][]byte{}} }

func (k *memKV) Put(_ context.Context, key string, val []byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.m[key] = slices.Clone(val)
	return nil
}

func (k *memKV) Delete(_ context.Context, key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.m, key)
	return nil
}

func (k *memKV) List(_ context.Context, fn func(string, []byte) error) error {
	k.mu.Lock()
	keys := make([]string, 0, len(k.m))
	for key := range k.m {
		keys = append(keys, key)
	}
	vals := make(map[string][]byte, len(k.m))
	for key, v := range k.m {
		vals[key] = v
	}
	k.mu.Unlock()
	slices.Sort(keys)
	for _, key := range keys {
		if err := fn(key, vals[key]); err != nil {
			return err
		}
	}
	return nil
}

func (k *memKV) len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.m)
}

var u1 = Viewer{UserID: "u1"}

// bridged waits until the channels share one bridge and returns it.
func (e *env) bridged(what string, ids ...string) string {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		var b string
		same := true
		for i, id := range ids {
			s, _ := e.srv.Channel(id)
			if i == 0 {
				b = s.Bridge
			}
			if s.Bridge == "" || s.Bridge != b || s.Destroyed {
				same = false
			}
		}
		if same {
			return b
		}
		if ctx.Err() != nil {
			var got []fakeari.ChannelSnapshot
			for _, id := range ids {
				s, _ := e.srv.Channel(id)
				got = append(got, s)
			}
			e.t.Fatalf("%s: %v never in one bridge: %+v", what, ids, got)
		}
		e.clk.Advance(0)
	}
}

// noBridges waits until the stand-in holds no bridge.
func (e *env) noBridges() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for len(e.srv.BridgeIDs()) > 0 {
		if ctx.Err() != nil {
			e.t.Fatalf("bridges left: %v", e.srv.BridgeIDs())
		}
		runtime.Gosched() // an eventual check with a deadline
	}
}

// startTransfer starts a transfer of call c as u1.
func (e *env) startTransfer(c Call, to string, mode TransferMode) Transfer {
	e.t.Helper()
	tr, err := e.eng.StartTransfer(context.Background(), u1, c.ID, TransferRequest{To: to, Mode: mode})
	if err != nil {
		e.t.Fatalf("start a %s transfer: %v", mode, err)
	}
	if tr.CallID != c.ID || tr.UserID != "u1" || tr.Mode != mode || tr.To != to {
		e.t.Fatalf("transfer %+v", tr)
	}
	return tr
}

// consulting starts an attended transfer of an answered call to the
// manual desk PJSIP/400 and picks it up: the user talks to the recipient.
func (e *env) consulting() (Call, Transfer) {
	e.t.Helper()
	c := e.up()
	tr := e.startTransfer(c, "400", Attended)
	e.awaitChannel(c.ID+"-far", "on hold", func(s fakeari.ChannelSnapshot) bool { return s.Hold && s.MOH })
	e.ring(tr.ID + "-to")
	if err := e.srv.PickUp(tr.ID + "-to"); err != nil {
		e.t.Fatal(err)
	}
	e.pub.awaitTransfer(e.t, EventTransferAnswered, tr.ID)
	if b := e.bridged("consultation", c.ID+"-u1", tr.ID+"-to"); b != tr.ID+"-bridge" {
		e.t.Fatalf("user and recipient in %s", b)
	}
	if got, _ := e.eng.Get(u1, c.ID); got.State != StateHeld || got.Transfer != tr.ID {
		e.t.Fatalf("call during the consultation %+v", got)
	}
	return c, tr
}

// pairEnds hangs up the transferee and checks that the recipient follows
// and nothing is left.
func (e *env) pairEnds(c Call, tr Transfer) {
	e.t.Helper()
	e.srv.Hangup(c.ID+"-far", 16)
	e.awaitChannel(tr.ID+"-to", "hung up", destroyed)
	e.noBridges()
}

func TestBlindTransfer(t *testing.T) {
	tests := []struct {
		name      string
		to        string
		advance   time.Duration
		want      TransferState
		wantCause int
	}{
		{name: "recipient answers", to: "200", advance: 3 * time.Second, want: TransferCompleted},
		{name: "recipient busy", to: "300", advance: 2 * time.Second, want: TransferAbandoned, wantCause: 17},
		{name: "recipient never answers", to: "103", advance: 61 * time.Second, want: TransferAbandoned, wantCause: 19},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			c := e.up()
			tr := e.startTransfer(c, tt.to, Blind)
			// The user is done at once.
			end := e.pub.await(t, EventEnded, c.ID).call
			if end.EndedBy != "transfer" || end.Transfer != tr.ID {
				t.Errorf("call ended %+v, want ended_by transfer", end)
			}
			e.awaitChannel(c.ID+"-u1", "hung up", destroyed)
			if pb := e.awaitPlayback(tr.ID+"-ringback", "queued", "playing"); pb.TargetURI != "bridge:"+c.ID+"-bridge" {
				t.Errorf("ringback to %s", pb.TargetURI)
			}
			e.ring(tr.ID + "-to")
			e.clk.Advance(tt.advance)
			final := e.pub.awaitTransfer(t, finishEvent(tt.want), tr.ID)
			if final.State != tt.want || final.Cause != tt.wantCause || final.EndedAt == nil {
				t.Errorf("transfer %+v, want %s cause %d", final, tt.want, tt.wantCause)
			}
			if tt.want == TransferCompleted {
				e.bridged("transferred", c.ID+"-far", tr.ID+"-to")
				e.pairEnds(c, tr)
				want := []string{EventTransferCreated, EventTransferUpdated, EventTransferAnswered, EventTransferCompleted}
				if got := e.pub.transferTypes(tr.ID); !slices.Equal(got, want) {
					t.Errorf("events %v, want %v", got, want)
				}
			} else {
				far := e.awaitChannel(c.ID+"-far", "hung up", destroyed)
				if far.Cause != tt.wantCause {
					t.Errorf("transferee hung up with %d, want %d", far.Cause, tt.wantCause)
				}
				e.noBridges()
			}
			if got, _ := e.eng.GetTransfer(u1, tr.ID); got.State != tt.want {
				t.Errorf("GET %+v", got)
			}
		})
	}
}
