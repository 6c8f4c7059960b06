package manager

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/pbxagent/pbxagent/agent/hotel"
	"github.com/pbxagent/pbxagent/testlab/memkv"
)

// crashKV is a KV whose writes stop (fail) after budget of them: a
// process that dies in the middle of a large write. budget < 0: no end.
type crashKV struct {
	*memkv.KV
	mu     sync.Mutex
	budget int
	writes int
}

var errCrash = errors.New("crashed")

func (k *crashKV) spend() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.budget >= 0 && k.writes >= k.budget {
		return errCrash
	}
	k.writes++
	return nil
}

func (k *crashKV) Put(ctx context.Context, key string, v []byte) error {
	if err := k.spend(); err != nil {
		return err
	}
	return k.KV.Put(ctx, key, v)
}

func (k *crashKV) Delete(ctx context.Context, key string) error {
	if err := k.spend(); err != nil {
		return err
	}
	return k.KV.Delete(ctx, key)
}

func (k *crashKV) WriteBatch(ctx context.Context, puts map[string][]byte, dels []string) error {
	if err := k.spend(); err != nil {
		return err
	}
	for key, v := range puts {
		_ = k.KV.Put(ctx, key, v)
	}
	for _, key := range dels {
		_ = k.KV.Delete(ctx, key)
	}
	return nil
}

// guests is the hotel's occupancy: room → guest name ("" vacant).
func guests(t *testing.T, m *Manager) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, r := range m.Rooms(context.Background()) {
		out[r.Number] = ""
		if r.Guest != nil {
			out[r.Number] = r.Guest.Name
			if b, ok := m.Bill(context.Background(), r.Number); !ok || b.Guest != r.Guest.Name {
				t.Fatalf("room %s: open bill %+v %v for %s", r.Number, b, ok, r.Guest.Name)
			}
		}
	}
	return out
}

// journalHotel is a hotel of n rooms, the even ones occupied, over kv.
func journalHotel(t *testing.T, kv KV, n int) *Manager {
	t.Helper()
	ctx := context.Background()
	m := New(kv, hotel.DefaultSettings())
	if err := m.Load(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		num := fmt.Sprint(100 + i)
		if _, err := m.PutRoom(ctx, hotel.Room{Number: num}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := m.CheckIn(ctx, num, hotel.Guest{Name: "Old " + num, Reservation: "o" + num}, api); err != nil {
				t.Fatal(err)
			}
		}
	}
	return m
}

// bigResync checks every odd room in and the even ones out.
func bigResync(n int) map[string]hotel.Guest {
	out := map[string]hotel.Guest{}
	for i := 1; i < n; i += 2 {
		num := fmt.Sprint(100 + i)
		out[num] = hotel.Guest{Name: "New " + num, Reservation: "n" + num}
	}
	return out
}

// resyncWrites runs bigResync on a fresh hotel and answers the hotel
// before and after it and the writes it took.
func resyncWrites(t *testing.T, rooms int) (before, after map[string]string, writes int) {
	t.Helper()
	ctx := context.Background()
	kv := &crashKV{KV: memkv.New(), budget: -1}
	m := journalHotel(t, kv, rooms)
	before = guests(t, m)
	start := kv.writes
	if err := m.Resync(ctx, bigResync(rooms), hotel.Actor{Source: hotel.SourcePMS}); err != nil {
		t.Fatal(err)
	}
	if keys := kv.Keys(keyJournal); len(keys) != 0 {
		t.Fatalf("journal left behind: %v", keys)
	}
	return before, guests(t, m), kv.writes - start
}

// withBudget sets kv's budget to n more writes (n < 0: no end).
func withBudget(kv *crashKV, n int) {
	kv.mu.Lock()
	defer kv.mu.Unlock()
	if n < 0 {
		kv.budget = -1
	} else {
		kv.budget = kv.writes + n
	}
}

// TestJournalAllOrNothing: a resync too large for one transaction,
// interrupted after every possible number of writes, leaves after a
// restart either the hotel as it was or the hotel resynced, never a mix,
// and no journal behind.
func TestJournalAllOrNothing(t *testing.T) {
	const rooms = 300
	ctx := context.Background()
	before, after, total := resyncWrites(t, rooms)
	if maps.Equal(before, after) || total < 6 {
		t.Fatalf("the resync changed nothing or took %d writes: not a journaled write", total)
	}
	for budget := 0; budget <= total; budget++ {
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			kv := &crashKV{KV: memkv.New(), budget: -1}
			m := journalHotel(t, kv, rooms)
			withBudget(kv, budget)
			err := m.Resync(ctx, bigResync(rooms), hotel.Actor{Source: hotel.SourcePMS})
			// The process dies: a new manager over what the store holds.
			withBudget(kv, -1)
			m2 := New(kv, hotel.DefaultSettings())
			if lerr := m2.Load(ctx); lerr != nil {
				t.Fatal(lerr)
			}
			switch got := guests(t, m2); {
			case maps.Equal(got, before):
				if err == nil {
					t.Fatal("the resync said it was done, the store holds the old hotel")
				}
			case maps.Equal(got, after):
			default:
				t.Fatalf("a mix after a crash at write %d (resync err %v)", budget, err)
			}
			if keys := kv.Keys(keyJournal); len(keys) != 0 {
				t.Fatalf("journal left after the restart: %v", keys)
			}
		})
	}
}

// TestJournalPendingAppliedFirst: when applying a journal fails after it
// was marked done, the change stands (in memory, and in the store once
// applied), and the next write applies the journal first.
func TestJournalPendingAppliedFirst(t *testing.T) {
	const rooms = 300
	ctx := context.Background()
	_, _, total := resyncWrites(t, rooms)
	parts := (total - 2) / 2 // the parts, the mark, the parts applied, one delete
	kv := &crashKV{KV: memkv.New(), budget: -1}
	m := journalHotel(t, kv, rooms)
	withBudget(kv, parts+2) // the journal, its mark and one part applied
	if err := m.Resync(ctx, bigResync(rooms), hotel.Actor{Source: hotel.SourcePMS}); err != nil {
		t.Fatalf("resync: %v", err)
	}
	want := guests(t, m)
	if m.pending == nil {
		t.Fatal("no pending journal")
	}
	withBudget(kv, -1)
	if _, err := m.SetStatus(ctx, "101", hotel.StatusChange{DND: ptr(true)}, api); err != nil {
		t.Fatal(err)
	}
	if m.pending != nil || len(kv.Keys(keyJournal)) != 0 {
		t.Fatal("the next write did not apply the pending journal")
	}
	m2 := New(kv, hotel.DefaultSettings())
	if err := m2.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if got := guests(t, m2); !maps.Equal(got, want) {
		t.Fatal("after the restart the store does not hold the resync")
	}
	if r, _ := m2.Room(ctx, "101"); !r.DND {
		t.Fatal("the write after the journal was lost")
	}
}
