package replica

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
)

// gatedLoad imports rows 0 to 2n-1 on s in one load: after n rows it
// closes half and waits for resume (or ctx); it returns fail, if set,
// instead of finishing. It reports the load's error on done.
func gatedLoad(ctx context.Context, s *phonebook.Store, n int, half chan<- struct{}, resume <-chan struct{}, fail error, done chan<- error) {
	_, err := s.Load(ctx, "crm", func(l *phonebook.Loader) error {
		for i := range 2 * n {
			if i == n {
				close(half)
				select {
				case <-resume:
				case <-ctx.Done():
					return ctx.Err()
				}
				if fail != nil {
					return fail
				}
			}
			c := contact(i)
			c.ExternalID = fmt.Sprint(i)
			if _, err := l.Add(c); err != nil {
				return err
			}
		}
		return nil
	})
	done <- err
}

// staging waits until node n has started staging a unit that has not
// ended (it read some of its chunks).
func staging(t *testing.T, n *testNode) {
	t.Helper()
	eventually(t, 30*time.Second, "node "+n.id+" staging a unit", func() error {
		if !n.node.openTail.Load() {
			return errors.New("no unit under way")
		}
		return nil
	})
}

// countIs checks that every node has want contacts of source crm.
func countIs(t *testing.T, want int, nodes ...*testNode) {
	t.Helper()
	for _, n := range nodes {
		if got, err := n.store.CountSource(context.Background(), "crm"); err != nil || got != want {
			t.Fatalf("node %s: %d contacts of crm (%v), want %d", n.id, got, err, want)
		}
	}
}

// TestFollowerRestartedMidUnit: a follower stopped while it stages a
// streamed import, and started again, reads the unit from its start and
// reaches the writer's digest.
func TestFollowerRestartedMidUnit(t *testing.T) {
	ctx := context.Background()
	ns := startNATS(t, t.TempDir())
	w := startNode(t, "w", t.TempDir(), ns.ClientURL(), Config{ChunkSize: 8 << 10})
	writerOf(t, w)
	f1 := startNode(t, "f1", t.TempDir(), ns.ClientURL(), Config{})
	f2 := startNode(t, "f2", t.TempDir(), ns.ClientURL(), Config{})
	if _, err := w.store.Create(ctx, contact(900_000)); err != nil {
		t.Fatal(err)
	}
	converge(t, w, f1, f2)
	half, resume, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go gatedLoad(ctx, w.store, 3000, half, resume, nil, done)
	<-half
	staging(t, f1)
	f1.stop()
	f1.start()
	close(resume)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	converge(t, w, f1, f2)
	countIs(t, 6000, w, f1, f2)
	if err := f1.node.Ready(); err != nil {
		t.Fatal(err)
	}
}

// TestFollowerCutOffMidUnit: a follower whose link to NATS is cut while
// it stages a streamed import goes on with the unit's next chunk when the
// link returns, and reaches the writer's digest.
func TestFollowerCutOffMidUnit(t *testing.T) {
	ctx := context.Background()
	ns := startNATS(t, t.TempDir())
	px := newProxy(t, ns.Addr().String())
	w := startNode(t, "w", t.TempDir(), ns.ClientURL(), Config{ChunkSize: 8 << 10})
	writerOf(t, w)
	f := startNode(t, "f", t.TempDir(), px.url(), Config{})
	half, resume, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go gatedLoad(ctx, w.store, 3000, half, resume, nil, done)
	<-half
	staging(t, f)
	px.setCut(true)
	close(resume)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	px.setCut(false)
	converge(t, w, f)
	countIs(t, 6000, w, f)
}

// TestAbandonedUnitLeavesNoTrace: a streamed import whose chunks stop
// before the commit marker is on no node, whether its load failed (the
// writer's next unit drops it) or its writer left (the next writer's
// abandon marker drops it, and releases the followers' stores for the
// next writes); the nodes' digests stay equal.
func TestAbandonedUnitLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	ns := startNATS(t, t.TempDir())
	cfg := Config{ChunkSize: 8 << 10, LeaseTTL: 1500 * time.Millisecond}
	a := startNode(t, "a", t.TempDir(), ns.ClientURL(), cfg)
	writerOf(t, a)
	b := startNode(t, "b", t.TempDir(), ns.ClientURL(), cfg)
	c := startNode(t, "c", t.TempDir(), ns.ClientURL(), cfg)

	t.Run("load failed", func(t *testing.T) {
		half, resume, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go gatedLoad(ctx, a.store, 3000, half, resume, errors.New("the source broke"), done)
		<-half
		staging(t, b)
		staging(t, c)
		close(resume)
		if err := <-done; err == nil {
			t.Fatal("the load did not fail")
		}
		countIs(t, 0, a, b, c)
		if _, err := a.store.Create(ctx, contact(1)); err != nil {
			t.Fatal(err)
		}
		converge(t, a, b, c)
		countIs(t, 0, a, b, c)
	})

	t.Run("writer left", func(t *testing.T) {
		half, done := make(chan struct{}), make(chan error, 1)
		lctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go gatedLoad(lctx, a.store, 3000, half, nil, nil, done)
		<-half
		staging(t, b)
		staging(t, c)
		a.node.Close() // gives up the lease; the load is left waiting
		a.node = nil
		w := writerOf(t, b, c)
		// The followers dropped the unit (their stores take writes).
		wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
		defer wcancel()
		if _, err := w.store.Create(wctx, contact(2)); err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := <-done; err == nil {
			t.Fatal("the abandoned load did not fail")
		}
		a.stop()
		a.start()
		converge(t, a, b, c)
		countIs(t, 0, a, b, c)
		if err := a.node.Ready(); err != nil {
			t.Fatal(err)
		}
	})
}

// streamedPart encodes ops as a part of a streamed unit (format 2, see
// docs/cluster.md), with the unit's header when head is set.
func streamedPart(head bool, kv ...string) []byte {
	var b []byte
	if head {
		b = append(b, "PBU2"...)
		b = append(b, byte(phonebook.UnitLoad))
		b = binary.AppendUvarint(b, uint64(len("crm")))
		b = append(b, "crm"...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		b = append(b, 0)
		b = binary.AppendUvarint(b, uint64(len(kv[i])))
		b = append(b, kv[i]...)
		b = binary.AppendUvarint(b, uint64(len(kv[i+1])))
		b = append(b, kv[i+1]...)
	}
	return b
}

// TestWriterAppliesItsUncommittedStreamedUnit: a streamed unit in the
// stream that the writer's store did not commit is applied by the
// writer's apply loop from the stream (and staged by the follower).
func TestWriterAppliesItsUncommittedStreamedUnit(t *testing.T) {
	ctx := context.Background()
	ns := startNATS(t, t.TempDir())
	a := startNode(t, "a", t.TempDir(), ns.ClientURL(), Config{})
	writerOf(t, a)
	b := startNode(t, "b", t.TempDir(), ns.ClientURL(), Config{})
	// Published as the store would, but never committed locally.
	st, err := a.node.BeginUnit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Write(ctx, streamedPart(true, "x/t/k1", "v1")); err != nil {
		t.Fatal(err)
	}
	if err := st.Write(ctx, streamedPart(false, "x/t/k2", "v2")); err != nil {
		t.Fatal(err)
	}
	seq, err := st.Commit(ctx, streamedPart(false, "x/t/k3", "v3"))
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "a write after the uncommitted unit", func() error {
		_, err := a.store.Create(ctx, contact(1))
		return err
	})
	converge(t, a, b)
	for _, n := range []*testNode{a, b} {
		for _, k := range []string{"k1", "k2", "k3"} {
			if v, err := n.store.Meta("t").Get(ctx, k); err != nil || string(v) != "v"+k[1:] {
				t.Fatalf("node %s: %s of the unit at %d: %q %v", n.id, k, seq, v, err)
			}
		}
	}
}
