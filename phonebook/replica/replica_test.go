package replica

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/pbxagent/pbxagent/phonebook"
)

func TestChunksAndAssembler(t *testing.T) {
	for _, tc := range []struct {
		name string
		size int
		data []byte
		want int // chunks
	}{
		{name: "empty", size: 4, data: nil, want: 1},
		{name: "one short", size: 4, data: []byte("abc"), want: 1},
		{name: "exact", size: 4, data: []byte("abcd"), want: 1},
		{name: "three", size: 4, data: []byte("abcdefghij"), want: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := chunks(tc.data, tc.size)
			if len(parts) != tc.want {
				t.Fatalf("%d chunks, want %d", len(parts), tc.want)
			}
			var a assembler
			// An orphan (a dead writer's unit without commit marker) first.
			if got := a.add(chunkInfo{unit: "dead", index: 0}, []byte("xx")); got != nil {
				t.Fatal("orphan chunk completed a unit")
			}
			var got []byte
			for i, p := range parts {
				got = a.add(chunkInfo{unit: "u", index: i, final: i == len(parts)-1}, p)
				if got != nil && i != len(parts)-1 {
					t.Fatalf("unit complete at chunk %d of %d", i, len(parts))
				}
			}
			if !bytes.Equal(got, tc.data) || got == nil {
				t.Fatalf("reassembled %q, want %q", got, tc.data)
			}
		})
	}
	// A chunk out of order drops the unit: no commit, nothing applied.
	var a assembler
	a.add(chunkInfo{unit: "u", index: 0}, []byte("a"))
	if got := a.add(chunkInfo{unit: "u", index: 2, final: true}, []byte("c")); got != nil {
		t.Fatal("a unit with a missing chunk completed")
	}
	if got := a.add(chunkInfo{unit: "v", index: 1, final: true}, []byte("c")); got != nil {
		t.Fatal("a unit without its first chunk completed")
	}
}

func FuzzParseChunk(f *testing.F) {
	f.Add("u1", "0", "1", "1700000000000000000")
	f.Add("", "x", "", "")
	f.Fuzz(func(t *testing.T, unit, idx, final, ts string) {
		h := nats.Header{}
		h.Set(hdrUnit, unit)
		h.Set(hdrChunk, idx)
		h.Set(hdrFinal, final)
		h.Set(hdrTime, ts)
		ci, err := parseChunk(h)
		if err == nil && (ci.unit == "" || ci.index < 0) {
			t.Fatalf("accepted %+v", ci)
		}
	})
}

func contact(i int) *phonebook.Contact {
	return &phonebook.Contact{FirstName: fmt.Sprintf("Name%05d", i), LastName: "Test", Company: "Ankunding",
		Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: fmt.Sprintf("+3873%07d", i)}}}
}

// loadRows imports n contacts into source src on s.
func loadRows(ctx context.Context, s *phonebook.Store, src string, from, n int) error {
	_, err := s.Load(ctx, src, func(l *phonebook.Loader) error {
		for i := from; i < from+n; i++ {
			c := contact(i)
			c.ExternalID = fmt.Sprint(i)
			if _, err := l.Add(c); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// TestLeaseTakeover: a writer that stops renewing loses the lease after
// the TTL; another node takes it, and the old one's writes are refused.
func TestLeaseTakeover(t *testing.T) {
	ns := startNATS(t, t.TempDir())
	a := startNode(t, "a", t.TempDir(), ns.ClientURL(), Config{LeaseTTL: 1500 * time.Millisecond})
	if w := writerOf(t, a); w != a {
		t.Fatal("a is not the writer")
	}
	b := startNode(t, "b", t.TempDir(), ns.ClientURL(), Config{LeaseTTL: 1500 * time.Millisecond})
	ctx := context.Background()
	if _, err := a.store.Create(ctx, contact(1)); err != nil {
		t.Fatal(err)
	}
	// A write on the follower is refused, naming the writer.
	_, err := b.store.Create(ctx, contact(2))
	var nw *NotWriterError
	if !errors.As(err, &nw) || nw.WriterID != "a" || nw.WriterAddr != "http://a.example:8080" {
		t.Fatalf("write on the follower: %v, want a NotWriterError naming a", err)
	}
	// a hangs: its loops stop (no renewal, no release).
	a.node.cancel()
	a.node.wg.Wait()
	if w := writerOf(t, b); w != b {
		t.Fatal("b did not take the lease")
	}
	if _, err := a.store.Create(ctx, contact(3)); !errors.As(err, &nw) {
		t.Fatalf("write on the deposed writer: %v, want refused", err)
	}
	if _, err := b.store.Create(ctx, contact(4)); err != nil {
		t.Fatal(err)
	}
	// Even past its own lease check, a's publish cannot interleave: the
	// stream moved past the position it expects.
	a.node.mu.Lock()
	a.node.leaseUntil, a.node.writer, a.node.dirty = time.Now().Add(time.Hour), true, false
	a.node.mu.Unlock()
	if _, err := a.store.Create(ctx, contact(5)); err == nil || !strings.Contains(err.Error(), "publish") {
		t.Fatalf("fenced publish: %v, want a refused publish", err)
	}
	a.node.mu.Lock()
	a.node.writer = false
	a.node.mu.Unlock()
	// b has both contacts it should have.
	if err := b.node.WaitApplied(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if p, err := b.store.Search(ctx, phonebook.Query{Q: "Test"}); err != nil || p.Total != 2 {
		t.Fatalf("b: %v, %d contacts, want 2", err, p.Total)
	}
}

// TestThreeNodes: writes of every kind on the writer reach both
// followers, which serve reads and caller-ID; a follower restarted catches
// up; a follower cut off from NATS keeps serving, turns stale past the
// bound and catches up when the link returns.
func TestThreeNodes(t *testing.T) {
	ctx := context.Background()
	ns := startNATS(t, t.TempDir())
	px := newProxy(t, ns.Addr().String())
	a := startNode(t, "a", t.TempDir(), ns.ClientURL(), Config{})
	writerOf(t, a)
	b := startNode(t, "b", t.TempDir(), ns.ClientURL(), Config{})
	c := startNode(t, "c", t.TempDir(), px.url(), Config{})
	nodes := []*testNode{a, b, c}

	x, err := a.store.Create(ctx, contact(1))
	if err != nil {
		t.Fatal(err)
	}
	x.JobTitle = "CTO"
	if _, err := a.store.Update(ctx, x); err != nil {
		t.Fatal(err)
	}
	if err := loadRows(ctx, a.store, "crm", 100, 3000); err != nil {
		t.Fatal(err)
	}
	_, err = a.store.Bulk(ctx, func(bt *phonebook.Batch) error {
		for i := 100; i < 110; i++ {
			c := contact(i)
			c.Source, c.ExternalID, c.JobTitle = "crm", fmt.Sprint(i), "changed"
			if _, _, err := bt.UpsertFromSource(c); err != nil {
				return err
			}
		}
		_, err := bt.DeleteFromSource("crm", "200")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	converge(t, nodes...)
	for _, n := range nodes {
		if r, err := n.store.Lookup(ctx, "+38730000150"); err != nil || r.Name != "Name00150 Test" {
			t.Fatalf("node %s: lookup: %+v %v", n.id, r, err)
		}
		if err := n.node.Ready(); err != nil {
			t.Fatalf("node %s: %v", n.id, err)
		}
	}

	t.Run("follower restarted catches up", func(t *testing.T) {
		b.stop()
		for i := 2; i < 20; i++ {
			if _, err := a.store.Create(ctx, contact(i)); err != nil {
				t.Fatal(err)
			}
		}
		b.start()
		converge(t, a, b)
	})

	t.Run("follower cut off", func(t *testing.T) {
		px.setCut(true)
		for i := 20; i < 40; i++ {
			if _, err := a.store.Create(ctx, contact(i)); err != nil {
				t.Fatal(err)
			}
		}
		eventually(t, 10*time.Second, "c stale", func() error {
			if err := c.node.Ready(); err == nil {
				return errors.New("c still ready")
			}
			return nil
		})
		t.Logf("c: %v", c.node.Ready())
		// Reads keep being served.
		if p, err := c.store.Search(ctx, phonebook.Query{Q: "Name00150"}); err != nil || p.Total != 1 {
			t.Fatalf("c: search while cut off: %v %d", err, p.Total)
		}
		px.setCut(false)
		converge(t, a, b, c)
		eventually(t, 10*time.Second, "c ready", c.node.Ready)
	})
}

// TestNewNodeFromSnapshot: with the stream's head purged, a new node
// restores the latest snapshot and applies the tail; a node behind the
// purge refuses to start.
func TestNewNodeFromSnapshot(t *testing.T) {
	ctx := context.Background()
	ns := startNATS(t, t.TempDir())
	a := startNode(t, "a", t.TempDir(), ns.ClientURL(), Config{})
	writerOf(t, a)
	if err := loadRows(ctx, a.store, "crm", 0, 2000); err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Create(ctx, contact(1)); err != nil {
		t.Fatal(err)
	}
	seq, err := a.node.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.store.Create(ctx, contact(2)); err != nil {
		t.Fatal(err)
	}
	if err := a.node.stream.Purge(ctx, jetstream.WithPurgeSequence(seq+1)); err != nil {
		t.Fatal(err)
	}
	b := startNode(t, "b", t.TempDir(), ns.ClientURL(), Config{})
	converge(t, a, b)
	if n, err := b.store.CountSource(ctx, "crm"); err != nil || n != 2000 {
		t.Fatalf("b: %d contacts of crm, %v", n, err)
	}
	// A node with a store that stopped before the purge cannot catch up.
	dir := t.TempDir()
	s := openStore(t, dir)
	if _, err := s.ApplyUnit(ctx, 1, &phonebook.Unit{Kind: phonebook.UnitBulk, Ops: []phonebook.UnitOp{{Key: []byte("x/t/k"), Val: []byte("v")}}}); err != nil {
		t.Fatal(err)
	}
	nc := connect(t, ns.ClientURL())
	defer nc.Close()
	if _, err := Start(ctx, nc, s, Config{NodeID: "c", Logger: quiet}); err == nil || !strings.Contains(err.Error(), "gone") {
		t.Fatalf("start behind the purge: %v", err)
	}
	_ = s.Close()
}

// TestWriterAppliesItsUncommittedUnit: a unit in the stream that the
// writer's store did not commit (its local commit failed after the
// publish) is applied by the writer's own apply loop before later writes.
func TestWriterAppliesItsUncommittedUnit(t *testing.T) {
	ctx := context.Background()
	ns := startNATS(t, t.TempDir())
	a := startNode(t, "a", t.TempDir(), ns.ClientURL(), Config{})
	writerOf(t, a)
	b := startNode(t, "b", t.TempDir(), ns.ClientURL(), Config{})
	// Published as the store would, but never committed locally.
	seq, err := a.node.PublishUnit(ctx, &phonebook.Unit{Kind: phonebook.UnitBulk, Ops: []phonebook.UnitOp{{Key: []byte("x/t/k"), Val: []byte("v")}}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "a write after the uncommitted unit", func() error {
		_, err := a.store.Create(ctx, contact(1))
		return err
	})
	converge(t, a, b)
	for _, n := range []*testNode{a, b} {
		if v, err := n.store.Meta("t").Get(ctx, "k"); err != nil || string(v) != "v" {
			t.Fatalf("node %s: the unit at %d: %q %v", n.id, seq, v, err)
		}
	}
}
