package phonebook

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// ccNumbering is testNumbering with another country code for national
// numbers, a fingerprint naming it, and an optional gate: the gated-th
// call of Index waits until gate is closed.
type ccNumbering struct {
	testNumbering
	cc    string
	calls *atomic.Int64
	gated int64
	at    chan struct{} // closed when Index reaches the gated call
	gate  chan struct{}
}

func (n ccNumbering) Fingerprint() string { return "cc=" + n.cc }

func (n ccNumbering) Index(raw string) (string, []string) {
	if n.calls != nil && n.calls.Add(1) == n.gated {
		close(n.at)
		<-n.gate
	}
	norm, keys := n.testNumbering.Index(raw)
	if strings.HasPrefix(norm, "+387") && !strings.HasPrefix(n.clean(raw), "+") {
		norm = "+" + n.cc + strings.TrimPrefix(norm, "+387")
		for i, k := range keys {
			if strings.HasPrefix(k, "e164:") {
				keys[i] = "e164:" + norm
			}
		}
	}
	return norm, keys
}

func openCC(t *testing.T, dir string, n ccNumbering) *Store {
	t.Helper()
	s, err := Open(context.Background(), Options{Dir: dir, Numbering: n})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func storedFingerprint(t *testing.T, s *Store) string {
	t.Helper()
	var fp string
	txn := s.db.NewTransactionAt(s.pub.Load(), false)
	defer txn.Discard()
	if it, err := txn.Get([]byte(keyNumbering)); err == nil {
		v, _ := it.ValueCopy(nil)
		fp = string(v)
	}
	return fp
}

// TestRenumberInterruptedKeepsOldIndex: a re-index stopped half-way (its
// bulk operation rolled back, as after a crash) leaves the old index and
// the old fingerprint, lookups answered from it meanwhile; the next open
// re-indexes from the start and publishes the new index.
func TestRenumberInterruptedKeepsOldIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openCC(t, dir, ccNumbering{cc: "387"})
	if _, err := s.Bulk(ctx, func(b *Batch) error {
		for i := range 3000 {
			if _, err := b.Put(&Contact{FirstName: fmt.Sprintf("N%04d", i), Numbers: []Number{{Type: NumberMobile, Value: fmt.Sprintf("061%06d", i)}}}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	n := ccNumbering{cc: "49", calls: &atomic.Int64{}, gated: 100, at: make(chan struct{}), gate: make(chan struct{})}
	s = openCC(t, dir, n)
	select {
	case <-n.at:
	case <-time.After(30 * time.Second):
		t.Fatal("the re-index did not start")
	}
	// Half-way: lookups are answered from the old index.
	if r, err := s.Lookup(ctx, "+38761000007"); err != nil || r.Name != "N0007" {
		t.Fatalf("during the re-index: %+v, %v", r, err)
	}
	s.renum.cancel()
	close(n.gate)
	<-s.Renumbered()
	if err := s.RenumberErr(); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped re-index: %v, want context.Canceled", err)
	}
	if fp := storedFingerprint(t, s); fp != "cc=387" {
		t.Fatalf("fingerprint after a stopped re-index: %q", fp)
	}
	if r, _ := s.Lookup(ctx, "+38761002999"); r.Name != "N2999" {
		t.Fatalf("old index not whole after the stop: %+v", r)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openCC(t, dir, ccNumbering{cc: "49"})
	defer s.Close()
	select {
	case <-s.Renumbered():
	case <-time.After(30 * time.Second):
		t.Fatal("the re-index did not end")
	}
	if err := s.RenumberErr(); err != nil {
		t.Fatal(err)
	}
	if fp := storedFingerprint(t, s); fp != "cc=49" {
		t.Fatalf("fingerprint after the re-index: %q", fp)
	}
	for _, tc := range []struct {
		number, want string
	}{
		{number: "+4961002999", want: "N2999"}, {number: "+4961000000", want: "N0000"}, {number: "+38761000007", want: ""},
	} {
		if r, _ := s.Lookup(ctx, tc.number); r.Name != tc.want {
			t.Errorf("after the re-index: %s → %+v, want %q", tc.number, r, tc.want)
		}
	}
	mustVerify(t, s)
}
