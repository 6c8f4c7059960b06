package phonebook

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// streamEntry is one message of streamLog.
type streamEntry struct {
	unit  int // the unit's number (parts of one unit share it)
	data  []byte
	final bool
}

// streamLog is a replication log that takes large units in parts, as a
// UnitStreamer: each part is an entry (positions from 1).
type streamLog struct {
	size    int
	entries []streamEntry
	units   int
}

func (l *streamLog) PublishUnit(_ context.Context, u *Unit) (uint64, error) {
	l.units++
	l.entries = append(l.entries, streamEntry{unit: l.units, data: u.Encode(), final: true})
	return uint64(len(l.entries)), nil
}

func (l *streamLog) PartSize() int { return l.size }

func (l *streamLog) BeginUnit(context.Context) (UnitStream, error) {
	l.units++
	return &streamLogUnit{l: l, unit: l.units}, nil
}

type streamLogUnit struct {
	l    *streamLog
	unit int
}

func (u *streamLogUnit) Write(_ context.Context, data []byte) error {
	u.l.entries = append(u.l.entries, streamEntry{unit: u.unit, data: data})
	return nil
}

func (u *streamLogUnit) Commit(_ context.Context, data []byte) (uint64, error) {
	u.l.entries = append(u.l.entries, streamEntry{unit: u.unit, data: data, final: true})
	return uint64(len(u.l.entries)), nil
}

// parts returns the positions of unit's entries.
func (l *streamLog) parts(unit int) []uint64 {
	var ps []uint64
	for i, e := range l.entries {
		if e.unit == unit {
			ps = append(ps, uint64(i+1))
		}
	}
	return ps
}

// applyAll applies every unit of the log on f as a follower does: whole
// units at once, streamed ones staged part by part.
func (l *streamLog) applyAll(t *testing.T, f *Store) {
	t.Helper()
	ctx := context.Background()
	var st *StagedUnit
	for i, e := range l.entries {
		seq := uint64(i + 1)
		switch {
		case st != nil:
			if err := st.Add(ctx, e.data); err != nil {
				t.Fatalf("entry %d: %v", seq, err)
			}
		case IsStreamedUnit(e.data):
			var err error
			if st, err = f.StageUnit(ctx, seq, e.data); err != nil {
				t.Fatalf("entry %d: %v", seq, err)
			}
		default:
			u, err := DecodeUnit(e.data)
			if err != nil {
				t.Fatalf("entry %d: %v", seq, err)
			}
			if ok, err := f.ApplyUnit(ctx, seq, u); err != nil || !ok {
				t.Fatalf("apply entry %d: applied %v, %v", seq, ok, err)
			}
			continue
		}
		if e.final {
			if ok, err := st.Commit(ctx, seq); err != nil || !ok {
				t.Fatalf("commit entry %d: applied %v, %v", seq, ok, err)
			}
			st = nil
		}
	}
	if st != nil {
		t.Fatal("the log ends in the middle of a unit")
	}
}

func streamRow(i int, name string) *Contact {
	return &Contact{FirstName: name, LastName: fmt.Sprintf("Row%04d", i), ExternalID: fmt.Sprintf("e%d", i),
		Numbers: []Number{{Value: fmt.Sprintf("033 %06d", i)}}}
}

// loadStreamRows loads rows 0 to n-1 into source crm.
func loadStreamRows(t *testing.T, w *Store, n int) {
	t.Helper()
	_, err := w.Load(context.Background(), "crm", func(l *Loader) error {
		for i := range n {
			if _, err := l.Add(streamRow(i, "First")); err != nil {
				return err
			}
		}
		return l.SetMeta("sync-crm", "token", []byte("t1"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestStreamedUnitsReachWritersState: a writer whose replicator streams
// publishes its load and its replace in parts; followers that stage the
// parts as they come reach the writer's state.
func TestStreamedUnitsReachWritersState(t *testing.T) {
	ctx := context.Background()
	w := openTest(t, t.TempDir())
	log := &streamLog{size: 4 << 10}
	w.SetReplicator(log)
	followers := []*Store{openTest(t, t.TempDir()), openTest(t, "")}
	if _, err := w.Create(ctx, &Contact{FirstName: "Ana", Numbers: []Number{{Value: "061 111-111"}}}); err != nil {
		t.Fatal(err)
	}
	loadStreamRows(t, w, 1000)
	if n := len(log.parts(2)); n < 10 {
		t.Fatalf("the load was published in %d parts, want many", n)
	}
	// Rows 0-499 unchanged, 500-749 renamed, 750-999 dropped, 1000-1099 new.
	_, err := w.Replace(ctx, "crm", func(l *Loader) error {
		for i := range 1100 {
			if i >= 750 && i < 1000 {
				continue
			}
			name := "First"
			if i >= 500 {
				name = "Second"
			}
			if _, err := l.Add(streamRow(i, name)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(log.parts(3)); n < 2 {
		t.Fatalf("the replace was published in %d parts, want several", n)
	}
	want := digest(t, w)
	for i, f := range followers {
		log.applyAll(t, f)
		sameAsWriter(t, i, w, f, want, []string{"", "First", "Second", "Row0005", "Row0800", "Row1050", "Ana"},
			[]string{"033000001", "033000600", "033000800", "033001050", "061111111"})
		if seq, err := f.AppliedSeq(ctx); err != nil || seq != uint64(len(log.entries)) {
			t.Fatalf("follower %d: applied position %d, %v; want %d", i, seq, err, len(log.entries))
		}
	}
}

// TestStagedUnitAbortLeavesNoTrace: a unit staged in part and dropped (its
// writer died) leaves the store as it was (content, applied position,
// spill files), and the store then applies the whole unit.
func TestStagedUnitAbortLeavesNoTrace(t *testing.T) {
	ctx := context.Background()
	w := openTest(t, t.TempDir())
	log := &streamLog{size: 4 << 10}
	w.SetReplicator(log)
	loadStreamRows(t, w, 1000)
	dir := t.TempDir()
	f := openTest(t, dir)
	before := digest(t, f)
	parts := log.entries
	for _, tc := range []struct {
		name string
		n    int // parts given before the abort
	}{
		{name: "first part only", n: 1},
		{name: "half", n: len(parts) / 2},
		{name: "all but the commit marker", n: len(parts) - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := f.StageUnit(ctx, 1, parts[0].data)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range parts[1:tc.n] {
				if err := st.Add(ctx, p.data); err != nil {
					t.Fatal(err)
				}
			}
			st.Abort()
			if got := digest(t, f); got != before {
				t.Fatalf("digest %x after the abort, %x before", got, before)
			}
			if seq, err := f.AppliedSeq(ctx); err != nil || seq != 0 {
				t.Fatalf("applied position %d, %v after the abort", seq, err)
			}
			if n, err := f.CountSource(ctx, "crm"); err != nil || n != 0 {
				t.Fatalf("%d contacts after the abort, %v", n, err)
			}
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), spillPrefix) {
					t.Fatalf("spill directory %s left", e.Name())
				}
			}
		})
	}
	log.applyAll(t, f)
	if got, want := digest(t, f), digest(t, w); got != want {
		t.Fatalf("digest %x, writer %x", got, want)
	}
	mustVerify(t, f)
	// Staged again, the unit is found applied: nothing changes.
	st, err := f.StageUnit(ctx, 1, parts[0].data)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts[1 : len(parts)-1] {
		if err := st.Add(ctx, p.data); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := st.Commit(ctx, uint64(len(parts))); err != nil || ok {
		t.Fatalf("staged again: applied %v, %v; want false, nil", ok, err)
	}
}

// TestStagedUnitBadPart: a damaged part fails the unit with ErrBadUnit,
// and nothing of it is visible.
func TestStagedUnitBadPart(t *testing.T) {
	ctx := context.Background()
	w := openTest(t, t.TempDir())
	log := &streamLog{size: 4 << 10}
	w.SetReplicator(log)
	loadStreamRows(t, w, 300)
	if _, err := openTest(t, "").StageUnit(ctx, 1, []byte("PBU1 not streamed")); !errors.Is(err, ErrBadUnit) {
		t.Fatalf("a unit of format 1 staged: %v", err)
	}
	f := openTest(t, t.TempDir())
	st, err := f.StageUnit(ctx, 1, log.entries[0].data)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte{}, log.entries[1].data...)
	bad[0] = 7 // not an op flag
	if err := st.Add(ctx, bad); err != nil && !errors.Is(err, ErrBadUnit) {
		t.Fatal(err)
	}
	if ok, err := st.Commit(ctx, 3); !errors.Is(err, ErrBadUnit) || ok {
		t.Fatalf("commit after a bad part: applied %v, %v; want ErrBadUnit", ok, err)
	}
	if n, err := f.CountSource(ctx, "crm"); err != nil || n != 0 {
		t.Fatalf("%d contacts after a bad part, %v", n, err)
	}
}

// FuzzStreamedUnit: any bytes as a streamed unit's first part and as a
// following part give ops or an ErrBadUnit, never a panic.
func FuzzStreamedUnit(f *testing.F) {
	head := appendStreamHead(nil, UnitLoad, "crm")
	op := appendOp(nil, UnitOp{Key: []byte("c/1"), Val: []byte("v")})
	del := appendOp(nil, UnitOp{Del: true, Key: []byte("ix/src/crm\x00e1")})
	f.Add(append(append(append([]byte{}, head...), op...), del...))
	f.Add(head)
	f.Add([]byte("PBU2\x02\x05ab"))
	f.Add(op)
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, _, rest, err := decodeStreamHead(b); err != nil {
			if !errors.Is(err, ErrBadUnit) {
				t.Fatalf("head: %v is not an ErrBadUnit", err)
			}
		} else if _, err := decodeOps(rest, nil); err != nil && !errors.Is(err, ErrBadUnit) {
			t.Fatalf("ops after the head: %v is not an ErrBadUnit", err)
		}
		ops, err := decodeOps(b, nil)
		if err != nil {
			if !errors.Is(err, ErrBadUnit) {
				t.Fatalf("ops: %v is not an ErrBadUnit", err)
			}
			return
		}
		for i, op := range ops {
			if op.Del && op.Val != nil || len(op.Key) > len(b) {
				t.Fatalf("op %d: %+v", i, op)
			}
		}
	})
}
