package phonebook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
)

// logReplicator keeps the units a writer publishes, as a replication log
// would (positions from 1).
type logReplicator struct {
	units [][]byte
	fail  error
}

func (r *logReplicator) PublishUnit(_ context.Context, u *Unit) (uint64, error) {
	if r.fail != nil {
		return 0, r.fail
	}
	r.units = append(r.units, u.Encode())
	return uint64(len(r.units)), nil
}

// applyAll applies every unit of the log from position from on f.
func (r *logReplicator) applyAll(t *testing.T, f *Store, from int) {
	t.Helper()
	for i := from; i <= len(r.units); i++ {
		u, err := DecodeUnit(r.units[i-1])
		if err != nil {
			t.Fatalf("unit %d: %v", i, err)
		}
		ok, err := f.ApplyUnit(context.Background(), uint64(i), u)
		if err != nil || !ok {
			t.Fatalf("apply unit %d: applied %v, %v", i, ok, err)
		}
	}
}

func digest(t *testing.T, s *Store) [32]byte {
	t.Helper()
	d, err := s.Digest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestApplyUnitsReachesWritersState drives every kind of write on a writer
// store, applies its units on a follower (one on disk, taking the load's
// table path, one in memory), and compares content, digests, searches and
// caller-ID lookups.
func TestApplyUnitsReachesWritersState(t *testing.T) {
	ctx := context.Background()
	w := openTest(t, t.TempDir())
	log := &logReplicator{}
	w.SetReplicator(log)
	followers := []*Store{openTest(t, t.TempDir()), openTest(t, "")}

	a, err := w.Create(ctx, &Contact{FirstName: "Ana", LastName: "Kovač", Numbers: []Number{{Value: "061 111-111"}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := w.Create(ctx, &Contact{FirstName: "Bob", Numbers: []Number{{Value: "1805"}}})
	if err != nil {
		t.Fatal(err)
	}
	a.Company = "Ankunding"
	if _, err := w.Update(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := w.Delete(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	_, err = w.Load(ctx, "crm", func(l *Loader) error {
		for i := range 300 {
			if _, err := l.Add(&Contact{FirstName: fmt.Sprintf("Load%03d", i), ExternalID: fmt.Sprintf("e%d", i),
				Numbers: []Number{{Value: fmt.Sprintf("033 %06d", i)}}}); err != nil {
				return err
			}
		}
		return l.SetMeta("sync-crm", "token", []byte("t1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	var synced string
	_, err = w.Bulk(ctx, func(bt *Batch) error {
		id, _, err := bt.UpsertFromSource(&Contact{Source: "crm", ExternalID: "e1", FirstName: "Renamed", Numbers: []Number{{Value: "033 000001"}}})
		synced = id
		if err != nil {
			return err
		}
		if _, err := bt.DeleteFromSource("crm", "e2"); err != nil {
			return err
		}
		if _, err := bt.Put(&Contact{FirstName: "Put", Numbers: []Number{{Value: "062 222-222"}}}); err != nil {
			return err
		}
		return bt.SetMeta("sync-crm", "token", []byte("t2"))
	})
	if err != nil {
		t.Fatal(err)
	}
	// A local edit and a local delete of synced contacts (overlays).
	c, err := w.Get(ctx, synced)
	if err != nil {
		t.Fatal(err)
	}
	c.JobTitle = "Boss"
	if _, err := w.Update(ctx, c); err != nil {
		t.Fatal(err)
	}
	loaded, err := w.Search(ctx, Query{Q: "Load003"})
	if err != nil || len(loaded.Contacts) != 1 {
		t.Fatalf("search Load003: %v %d", err, len(loaded.Contacts))
	}
	if err := w.Delete(ctx, loaded.Contacts[0].ID); err != nil {
		t.Fatal(err)
	}
	_, err = w.Bulk(ctx, func(bt *Batch) error {
		_, _, err := bt.UpsertFromSource(&Contact{Source: "crm", ExternalID: "e1", FirstName: "Renamed again", Numbers: []Number{{Value: "033 000001"}}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Bulk(ctx, func(bt *Batch) error { return nil }); err != nil {
		t.Fatal(err) // an empty batch publishes nothing
	}
	if n := len(log.units); n != 9 {
		t.Fatalf("%d units published, want 9", n)
	}
	if seq, err := w.AppliedSeq(ctx); err != nil || seq != 9 {
		t.Fatalf("writer's applied position %d, %v; want 9", seq, err)
	}

	want := digest(t, w)
	for i, f := range followers {
		log.applyAll(t, f, 1)
		if got := digest(t, f); got != want {
			t.Fatalf("follower %d: digest %x, writer %x", i, got, want)
		}
		mustVerify(t, f)
		for _, q := range []string{"", "Renamed", "Load", "Ankunding", "+387 33"} {
			wp, err1 := w.Search(ctx, Query{Q: q, Limit: 500})
			fp, err2 := f.Search(ctx, Query{Q: q, Limit: 500})
			if err1 != nil || err2 != nil || wp.Total != fp.Total || len(wp.Contacts) != len(fp.Contacts) {
				t.Fatalf("follower %d: search %q: writer %d (%v), follower %d (%v)", i, q, wp.Total, err1, fp.Total, err2)
			}
		}
		for _, n := range []string{"+38761111111", "033000001", "033000002", "062222222", "1805"} {
			wl, _ := w.Lookup(ctx, n)
			fl, _ := f.Lookup(ctx, n)
			if wl.ContactID != fl.ContactID || wl.Name != fl.Name {
				t.Fatalf("follower %d: lookup %s: writer %+v, follower %+v", i, n, wl, fl)
			}
		}
		// Applying again changes nothing.
		u, _ := DecodeUnit(log.units[4])
		if ok, err := f.ApplyUnit(ctx, 5, u); ok || err != nil {
			t.Fatalf("follower %d: unit 5 applied again: %v %v", i, ok, err)
		}
		if seq, _ := f.AppliedSeq(ctx); seq != 9 {
			t.Fatalf("follower %d: applied position %d", i, seq)
		}
	}
}

// TestReplicatorErrorRefusesWrite: a unit the log refuses is not visible.
func TestReplicatorErrorRefusesWrite(t *testing.T) {
	ctx := context.Background()
	w := openTest(t, t.TempDir())
	log := &logReplicator{}
	w.SetReplicator(log)
	if _, err := w.Create(ctx, &Contact{FirstName: "Kept"}); err != nil {
		t.Fatal(err)
	}
	before := digest(t, w)
	refused := errors.New("not the writer")
	log.fail = refused
	_, err := w.Create(ctx, &Contact{FirstName: "Refused"})
	if !errors.Is(err, refused) {
		t.Fatalf("create: %v, want the replicator's error", err)
	}
	_, err = w.Bulk(ctx, func(b *Batch) error {
		_, err := b.Put(&Contact{FirstName: "Refused"})
		return err
	})
	if !errors.Is(err, refused) {
		t.Fatalf("bulk: %v", err)
	}
	_, err = w.Load(ctx, "crm", func(l *Loader) error {
		_, err := l.Add(&Contact{FirstName: "Refused", ExternalID: "x"})
		return err
	})
	if !errors.Is(err, refused) {
		t.Fatalf("load: %v", err)
	}
	if got := digest(t, w); got != before {
		t.Fatal("a refused write changed the store")
	}
	mustVerify(t, w)
}

func TestUnitEncoding(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    Unit
	}{
		{name: "empty bulk", u: Unit{Kind: UnitBulk}},
		{name: "load", u: Unit{Kind: UnitLoad, Source: "crm", Ops: []UnitOp{{Key: []byte("c/1"), Val: []byte("rec")}, {Key: []byte("x/a/b"), Val: []byte{}}}}},
		{name: "delete", u: Unit{Kind: UnitBulk, Ops: []UnitOp{{Del: true, Key: []byte("c/1")}, {Key: []byte("ov/1"), Val: bytes.Repeat([]byte{0xff}, 300)}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.u.Encode()
			got, err := DecodeUnit(b)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Encode(), b) || got.Kind != tc.u.Kind || got.Source != tc.u.Source || len(got.Ops) != len(tc.u.Ops) {
				t.Fatalf("round trip: %+v, want %+v", got, tc.u)
			}
			for cut := range len(b) {
				if _, err := DecodeUnit(b[:cut]); err == nil {
					t.Fatalf("truncated at %d of %d: decoded", cut, len(b))
				}
			}
		})
	}
}

func FuzzDecodeUnit(f *testing.F) {
	f.Add((&Unit{Kind: UnitLoad, Source: "s", Ops: []UnitOp{{Key: []byte("c/1"), Val: []byte("v")}, {Del: true, Key: []byte("ov/1")}}}).Encode())
	f.Add([]byte("PBU1\x01\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, err := DecodeUnit(b)
		if err != nil {
			return
		}
		if !bytes.Equal(u.Encode(), b) {
			t.Fatalf("decoded %q re-encodes differently", b)
		}
	})
}

// TestSnapshotRestore: a store restored from a writer's snapshot has its
// digest and applied position, and applies the later units.
func TestSnapshotRestore(t *testing.T) {
	ctx := context.Background()
	w := openTest(t, t.TempDir())
	log := &logReplicator{}
	w.SetReplicator(log)
	_, err := w.Load(ctx, "crm", func(l *Loader) error {
		for i := range 5000 {
			if _, err := l.Add(&Contact{FirstName: fmt.Sprintf("N%04d", i), ExternalID: fmt.Sprint(i), Numbers: []Number{{Value: fmt.Sprintf("033 %06d", i)}}}); err != nil {
				return err
			}
		}
		return l.SetMeta("sync-crm", "token", []byte("t"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Create(ctx, &Contact{FirstName: "Local"}); err != nil {
		t.Fatal(err)
	}
	var snap bytes.Buffer
	seq, err := w.Snapshot(ctx, &snap)
	if err != nil || seq != 2 {
		t.Fatalf("snapshot at %d, %v; want 2", seq, err)
	}
	if _, err := w.Create(ctx, &Contact{FirstName: "After"}); err != nil {
		t.Fatal(err)
	}
	f := openTest(t, t.TempDir())
	got, err := f.Restore(ctx, bytes.NewReader(snap.Bytes()))
	if err != nil || got != 2 {
		t.Fatalf("restore: %d, %v", got, err)
	}
	log.applyAll(t, f, 3)
	if digest(t, f) != digest(t, w) {
		t.Fatal("restored store differs")
	}
	mustVerify(t, f)
	if _, err := f.Restore(ctx, bytes.NewReader(snap.Bytes())); !errors.Is(err, ErrNotEmpty) {
		t.Fatalf("restore on a full store: %v", err)
	}
	if _, err := openTest(t, "").Restore(ctx, bytes.NewReader(snap.Bytes()[:snap.Len()/2])); err == nil {
		t.Fatal("a truncated snapshot restored")
	}
}

func FuzzRestore(f *testing.F) {
	var snap bytes.Buffer
	w := openTest(f, "")
	if _, err := w.Create(context.Background(), &Contact{FirstName: "Seed", Numbers: []Number{{Value: "061 111-111"}}}); err != nil {
		f.Fatal(err)
	}
	if _, err := w.Snapshot(context.Background(), &snap); err != nil {
		f.Fatal(err)
	}
	f.Add(snap.Bytes())
	f.Add([]byte("PBS1\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s := openTest(t, "")
		if _, err := s.Restore(context.Background(), bytes.NewReader(b)); err == nil {
			mustVerify(t, s)
		}
	})
}

// TestReplaceReplicates: a Replace on a writer (changed, unchanged, new and
// dropped contacts, a local edit and a local delete of synced ones) is one
// unit that its followers apply to the writer's state.
func TestReplaceReplicates(t *testing.T) {
	ctx := context.Background()
	w := openTest(t, t.TempDir())
	log := &logReplicator{}
	w.SetReplicator(log)
	followers := []*Store{openTest(t, t.TempDir()), openTest(t, "")}
	row := func(i int, name string) *Contact {
		return &Contact{FirstName: name, LastName: fmt.Sprintf("Row%03d", i), ExternalID: fmt.Sprintf("e%d", i),
			Numbers: []Number{{Value: fmt.Sprintf("033 %06d", i)}}}
	}
	if _, err := w.Load(ctx, "csv-book", func(l *Loader) error {
		for i := range 200 {
			if _, err := l.Add(row(i, "First")); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	edited, err := w.Search(ctx, Query{Q: "Row005"})
	if err != nil || len(edited.Contacts) != 1 {
		t.Fatalf("search Row005: %v", err)
	}
	c := edited.Contacts[0]
	c.JobTitle = "Edited here"
	if _, err := w.Update(ctx, c); err != nil {
		t.Fatal(err)
	}
	gone, err := w.Search(ctx, Query{Q: "Row006"})
	if err != nil || len(gone.Contacts) != 1 {
		t.Fatalf("search Row006: %v", err)
	}
	if err := w.Delete(ctx, gone.Contacts[0].ID); err != nil {
		t.Fatal(err)
	}
	before := len(log.units)
	// Rows 0-99 unchanged, 100-149 renamed, 150-199 dropped, 200-249 new.
	if _, err := w.Replace(ctx, "csv-book", func(l *Loader) error {
		for i := range 250 {
			if i >= 150 && i < 200 {
				continue
			}
			name := "First"
			if i >= 100 || i == 5 || i == 6 {
				name = "Second"
			}
			if _, err := l.Add(row(i, name)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n := len(log.units) - before; n != 1 {
		t.Fatalf("the replace published %d units, want 1", n)
	}
	want := digest(t, w)
	for i, f := range followers {
		log.applyAll(t, f, 1)
		if got := digest(t, f); got != want {
			t.Fatalf("follower %d: digest %x, writer %x", i, got, want)
		}
		mustVerify(t, f)
		for _, q := range []string{"", "Second", "First", "Row005", "Row006", "Row150", "Row249", "Edited"} {
			wp, err1 := w.Search(ctx, Query{Q: q, Limit: 500})
			fp, err2 := f.Search(ctx, Query{Q: q, Limit: 500})
			if err1 != nil || err2 != nil || wp.Total != fp.Total {
				t.Fatalf("follower %d: search %q: writer %d (%v), follower %d (%v)", i, q, wp.Total, err1, fp.Total, err2)
			}
		}
		for _, n := range []string{"033000001", "033000120", "033000160", "033000240", "033000005"} {
			wl, _ := w.Lookup(ctx, n)
			fl, _ := f.Lookup(ctx, n)
			if wl.ContactID != fl.ContactID || wl.Name != fl.Name {
				t.Fatalf("follower %d: lookup %s: writer %+v, follower %+v", i, n, wl, fl)
			}
		}
	}
}
