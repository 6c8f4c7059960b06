package callhistory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

// storeKV is a store namespace with ranges and batches, as the daemon
// builds it.
type storeKV struct {
	phonebook.RangeKV
	batch phonebook.BatchKV
}

func (k storeKV) WriteBatch(ctx context.Context, puts map[string][]byte, deletes []string) error {
	return k.batch.WriteBatch(ctx, puts, deletes)
}

func openKV(t *testing.T) storeKV {
	t.Helper()
	num, err := number.New(number.Config{DefaultRegion: "CH"})
	if err != nil {
		t.Fatal(err)
	}
	s, err := phonebook.Open(context.Background(), phonebook.Options{Dir: t.TempDir(), Numbering: num.Numbering(), MemoryBudget: 16 << 20,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return storeKV{RangeKV: s.MetaRange("callhistory"), batch: s.MetaBatch("callhistory")}
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newHistory(t *testing.T, cfg Config, opts ...Option) *History {
	t.Helper()
	h, err := New(openKV(t), cfg, append([]Option{WithLogger(quiet())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// ended is an ended call of user started at start; answered after ans
// (negative: never) and ended after end.
func ended(id, user string, dir calls.Direction, to string, start time.Time, ans, end time.Duration) calls.Call {
	c := calls.Call{ID: id, UserID: user, Direction: dir, From: "101", To: to, State: calls.StateEnded, CreatedAt: start,
		Cause: 16, CauseText: "normal clearing", EndedBy: "destination", Device: "PJSIP/101"}
	if ans >= 0 {
		a := start.Add(ans)
		c.AnsweredAt = &a
	} else {
		c.Cause, c.CauseText = 19, "no answer"
	}
	e := start.Add(end)
	c.EndedAt = &e
	return c
}

func ids(p Page) []string {
	out := []string{}
	for _, r := range p.Calls {
		out = append(out, r.ID)
	}
	return out
}

// all follows the cursor through every page.
func all(t *testing.T, h *History, f Filter) []string {
	t.Helper()
	var out []string
	for i := 0; i < 1000; i++ {
		p, err := h.List(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ids(p)...)
		if p.NextCursor == "" {
			return out
		}
		f.Cursor = p.NextCursor
	}
	t.Fatal("paging does not end")
	return nil
}

func TestRecordFromCall(t *testing.T) {
	c := ended("pbxcall-1", "u1", calls.Outbound, "200", t0, 9*time.Second, 252*time.Second+400*time.Millisecond)
	c.Recordings = []string{"pbxcall-1-1"}
	r := FromCall(c, t0.Add(time.Hour))
	if r.Duration != 243 || !r.EndedAt.Equal(t0.Add(252*time.Second+400*time.Millisecond)) || r.Cause != 16 || r.Direction != "outbound" ||
		!slices.Equal(r.Recordings, c.Recordings) || r.Device != "PJSIP/101" {
		t.Errorf("record %+v", r)
	}
	c = ended("pbxcall-2", "u1", calls.Inbound, "101", t0, -1, 30*time.Second)
	c.EndedAt = nil
	r = FromCall(c, t0.Add(31*time.Second))
	if r.Duration != 0 || r.Answered() || !r.EndedAt.Equal(t0.Add(31*time.Second)) || r.Direction != "inbound" {
		t.Errorf("unanswered record %+v", r)
	}
}

func TestListNewestFirstPerUserAndPaging(t *testing.T) {
	ctx := context.Background()
	h := newHistory(t, Config{})
	var want1 []string
	for i := 0; i < 25; i++ {
		user := []string{"u1", "u2"}[i%2]
		id := fmt.Sprintf("pbxcall-%02d", i)
		if _, err := h.Add(ctx, ended(id, user, calls.Outbound, "200", t0.Add(time.Duration(i)*time.Minute), time.Second, time.Minute)); err != nil {
			t.Fatal(err)
		}
		if user == "u1" {
			want1 = append([]string{id}, want1...)
		}
	}
	// Two calls of the same start are both kept, in id order (newest first: reverse).
	if _, err := h.Add(ctx, ended("pbxcall-99", "u1", calls.Outbound, "200", t0.Add(24*time.Minute), -1, time.Minute)); err != nil {
		t.Fatal(err)
	}
	want1 = append([]string{"pbxcall-99"}, want1...)
	if got := all(t, h, Filter{UserID: "u1", Limit: 4}); !slices.Equal(got, want1) {
		t.Errorf("u1 in pages of 4:\n got %v\nwant %v", got, want1)
	}
	p, err := h.List(ctx, Filter{UserID: "u1", Limit: 4})
	if err != nil || len(p.Calls) != 4 || p.NextCursor == "" {
		t.Fatalf("first page: %v %v", ids(p), err)
	}
	if got := all(t, h, Filter{}); len(got) != 26 || got[0] != "pbxcall-99" || got[len(got)-1] != "pbxcall-00" {
		t.Errorf("every user's: %v", got)
	}
	if got := all(t, h, Filter{UserID: "nobody"}); len(got) != 0 {
		t.Errorf("a user without calls: %v", got)
	}
	// Adding the same call again replaces its record.
	if _, err := h.Add(ctx, ended("pbxcall-00", "u1", calls.Outbound, "300", t0, time.Second, time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := all(t, h, Filter{}); len(got) != 26 {
		t.Errorf("a call added twice is listed %d times", len(got)-25)
	}
}

func TestListFilters(t *testing.T) {
	ctx := context.Background()
	h := newHistory(t, Config{})
	add := func(c calls.Call) {
		t.Helper()
		if _, err := h.Add(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	a := ended("pbxcall-a", "u1", calls.Outbound, "+41441234567", t0, time.Second, time.Minute)
	a.ToName = "Muster AG, Reception"
	add(a)
	b := ended("pbxcall-b", "u1", calls.Inbound, "101", t0.Add(time.Hour), -1, 20*time.Second)
	b.From, b.FromName = "+38761100001", "Jürgen Müller"
	add(b)
	add(ended("pbxcall-c", "u1", calls.Outbound, "200", t0.Add(2*time.Hour), time.Second, time.Minute))
	add(ended("pbxcall-d", "u2", calls.Outbound, "200", t0.Add(3*time.Hour), time.Second, time.Minute))
	yes, no := true, false
	for _, tc := range []struct {
		name string
		f    Filter
		want []string
	}{
		{name: "all of u1", f: Filter{UserID: "u1"}, want: []string{"pbxcall-c", "pbxcall-b", "pbxcall-a"}},
		{name: "since inclusive", f: Filter{UserID: "u1", Since: t0.Add(time.Hour)}, want: []string{"pbxcall-c", "pbxcall-b"}},
		{name: "until exclusive", f: Filter{UserID: "u1", Until: t0.Add(time.Hour)}, want: []string{"pbxcall-a"}},
		{name: "range", f: Filter{Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)}, want: []string{"pbxcall-c", "pbxcall-b"}},
		{name: "inbound", f: Filter{UserID: "u1", Direction: "inbound"}, want: []string{"pbxcall-b"}},
		{name: "answered", f: Filter{UserID: "u1", Answered: &yes}, want: []string{"pbxcall-c", "pbxcall-a"}},
		{name: "unanswered", f: Filter{UserID: "u1", Answered: &no}, want: []string{"pbxcall-b"}},
		{name: "name, folded", f: Filter{UserID: "u1", Q: "müller"}, want: []string{"pbxcall-b"}},
		{name: "to name", f: Filter{Q: "muster"}, want: []string{"pbxcall-a"}},
		{name: "number part", f: Filter{Q: "4412"}, want: []string{"pbxcall-a"}},
		{name: "number written with spaces", f: Filter{Q: "+41 44 123"}, want: []string{"pbxcall-a"}},
		{name: "extension", f: Filter{Q: "200"}, want: []string{"pbxcall-d", "pbxcall-c"}},
		{name: "no match", f: Filter{Q: "nobody"}, want: []string{}},
		{name: "filters with paging", f: Filter{Answered: &yes, Limit: 1}, want: []string{"pbxcall-d", "pbxcall-c", "pbxcall-a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := all(t, h, tc.f)
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

type fakeDir map[string]string

var errDirDown = errors.New("directory down")

func (d fakeDir) Lookup(_ context.Context, n string) (phonebook.LookupResult, error) {
	if n == "fail" {
		return phonebook.LookupResult{}, errDirDown
	}
	if name, ok := d[n]; ok {
		return phonebook.LookupResult{Name: name, Match: phonebook.MatchE164}, nil
	}
	return phonebook.LookupResult{Match: phonebook.MatchNone}, nil
}

func TestNamesFromTheDirectory(t *testing.T) {
	ctx := context.Background()
	h := newHistory(t, Config{}, WithDirectory(fakeDir{"200": "Reception", "101": "Cleo Desk", "300": "Named"}))
	for _, tc := range []struct {
		name               string
		from, fromName, to string
		toName             string
		wantFrom, wantTo   string
	}{
		{name: "both looked up", from: "101", to: "200", wantFrom: "Cleo Desk", wantTo: "Reception"},
		{name: "the call's names win", from: "101", fromName: "Cleo", to: "300", toName: "From the call", wantFrom: "Cleo", wantTo: "From the call"},
		{name: "unknown number", from: "101", to: "999", wantFrom: "Cleo Desk"},
		{name: "failing directory: written anyway", from: "fail", to: "fail"},
	} {
		c := ended("pbxcall-"+fmt.Sprint(len(tc.name)), "u1", calls.Outbound, tc.to, t0, time.Second, time.Minute)
		c.From, c.FromName, c.ToName = tc.from, tc.fromName, tc.toName
		r, err := h.Add(ctx, c)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if r.FromName != tc.wantFrom || r.ToName != tc.wantTo {
			t.Errorf("%s: names %q %q, want %q %q", tc.name, r.FromName, r.ToName, tc.wantFrom, tc.wantTo)
		}
	}
}

// countingKV counts batches and can fail them.
type countingKV struct {
	KV
	batches []map[string][]byte
	fail    error
}

func (k *countingKV) WriteBatch(ctx context.Context, puts map[string][]byte, dels []string) error {
	if k.fail != nil {
		return k.fail
	}
	k.batches = append(k.batches, puts)
	return k.KV.WriteBatch(ctx, puts, dels)
}

func (k *countingKV) Put(context.Context, string, []byte) error {
	return errors.New("Put used: a record must be written in one batch")
}

// TestOneBatchPerRecord: a record's two keys go in one batch (the store
// writes a batch whole or not at all, so a crash never leaves a record
// listed for its user but not across users, or the reverse); a failed
// batch leaves nothing.
func TestOneBatchPerRecord(t *testing.T) {
	ctx := context.Background()
	kv := &countingKV{KV: openKV(t)}
	h, err := New(kv, Config{}, WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Add(ctx, ended("pbxcall-1", "u1", calls.Outbound, "200", t0, time.Second, time.Minute)); err != nil {
		t.Fatal(err)
	}
	if len(kv.batches) != 1 || len(kv.batches[0]) != 2 {
		t.Fatalf("batches %v, want one of two keys", kv.batches)
	}
	kv.fail = errors.New("disk full")
	if _, err := h.Add(ctx, ended("pbxcall-2", "u1", calls.Outbound, "200", t0.Add(time.Minute), time.Second, time.Minute)); err == nil {
		t.Fatal("a failed write was not reported")
	}
	kv.fail = nil
	if got := all(t, h, Filter{}); !slices.Equal(got, []string{"pbxcall-1"}) {
		t.Errorf("across users: %v", got)
	}
	if got := all(t, h, Filter{UserID: "u1"}); !slices.Equal(got, []string{"pbxcall-1"}) {
		t.Errorf("u1: %v", got)
	}
	if _, err := h.Add(ctx, calls.Call{ID: "bad/id", UserID: "u1"}); err == nil {
		t.Error("a call id with '/' was stored")
	}
}

func TestRetentionOnTheVirtualClock(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewVirtual(t0.Add(72 * time.Hour))
	h := newHistory(t, Config{Retention: 48 * time.Hour, PruneEvery: time.Hour}, WithClock(clk))
	// 1200 old calls (more than one prune batch) and calls at t0+1d, +2d, +3d.
	for i := 0; i < 1200; i++ {
		if _, err := h.Add(ctx, ended(fmt.Sprintf("pbxcall-old%04d", i), []string{"u1", "u2"}[i%2], calls.Outbound, "200",
			t0.Add(time.Duration(i)*time.Second), time.Second, time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	for day := 1; day <= 3; day++ {
		if _, err := h.Add(ctx, ended(fmt.Sprintf("pbxcall-day%d", day), "u1", calls.Outbound, "200",
			t0.Add(time.Duration(day)*24*time.Hour), time.Second, time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- h.Run(runCtx) }()
	eventually(t, func() bool {
		return slices.Equal(all(t, h, Filter{}), []string{"pbxcall-day3", "pbxcall-day2", "pbxcall-day1"})
	}, "prune at start")
	eventually(t, func() bool { return clk.Pending() == 1 }, "Run waits on its timer")
	if got := all(t, h, Filter{UserID: "u2"}); len(got) != 0 {
		t.Errorf("u2's old calls are still listed for u2: %d", len(got))
	}
	clk.Advance(time.Hour) // t0+3d+1h: day1 (t0+1d) is now past 48 h
	eventually(t, func() bool {
		return slices.Equal(all(t, h, Filter{UserID: "u1"}), []string{"pbxcall-day3", "pbxcall-day2"})
	}, "prune an hour later")
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
}

func TestNoRetentionKeepsEverything(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewVirtual(t0.Add(10 * 365 * 24 * time.Hour))
	h := newHistory(t, Config{}, WithClock(clk))
	if _, err := h.Add(ctx, ended("pbxcall-1", "u1", calls.Outbound, "200", t0, time.Second, time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n, err := h.Prune(ctx); n != 0 || err != nil {
		t.Fatalf("prune with no retention: %d %v", n, err)
	}
	if got := all(t, h, Filter{}); len(got) != 1 {
		t.Errorf("listed %v", got)
	}
	if _, err := New(openKV(t), Config{Retention: -time.Hour}); err == nil {
		t.Error("a negative retention was accepted")
	}
}

func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestKeptAcrossRestarts: the records are in the store, not in memory: a
// store closed and opened again lists them as before.
func TestKeptAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() (*phonebook.Store, *History) {
		num, err := number.New(number.Config{DefaultRegion: "CH"})
		if err != nil {
			t.Fatal(err)
		}
		s, err := phonebook.Open(ctx, phonebook.Options{Dir: dir, Numbering: num.Numbering(), MemoryBudget: 16 << 20, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		h, err := New(storeKV{RangeKV: s.MetaRange("callhistory"), batch: s.MetaBatch("callhistory")}, Config{}, WithLogger(quiet()))
		if err != nil {
			t.Fatal(err)
		}
		return s, h
	}
	s, h := open()
	for i := 0; i < 3; i++ {
		if _, err := h.Add(ctx, ended(fmt.Sprintf("pbxcall-%d", i), "u1", calls.Outbound, "200", t0.Add(time.Duration(i)*time.Minute), time.Second, time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, h = open()
	defer s.Close()
	if got := all(t, h, Filter{UserID: "u1"}); !slices.Equal(got, []string{"pbxcall-2", "pbxcall-1", "pbxcall-0"}) {
		t.Errorf("after a restart: %v", got)
	}
}
