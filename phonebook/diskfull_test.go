package phonebook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/testlab/logbuf"
)

// mountTmpfs mounts a tmpfs with opts ("size=16m") on a new directory and
// unmounts it at cleanup. It needs root: elsewhere it skips, saying why,
// except under CI=true, where it fails.
func mountTmpfs(t *testing.T, opts string) string {
	t.Helper()
	cannot := func(why string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("full-disk test cannot run under CI: %s", why)
		}
		t.Skipf("full-disk test skipped: %s (it mounts a small tmpfs and needs root)", why)
	}
	if os.Geteuid() != 0 {
		cannot("not root")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput(); err != nil {
		cannot(fmt.Sprintf("mount -t tmpfs -o %s: %v: %s", opts, err, bytes.TrimSpace(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file at path until the filesystem has at most left bytes
// free (by the guard's own measure).
func fill(t *testing.T, path string, left int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for i := 0; i < 1<<14; i++ {
		free, _, _, err := statfsSpace(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if free <= left {
			return
		}
		if _, err := f.Write(chunk[:min(int64(len(chunk)), free-left)]); err != nil {
			t.Fatalf("fill: %v", err)
		}
	}
	t.Fatal("fill: the disk never filled")
}

// holdFull grows the filler at path until the disk of diskSize bytes
// would stay below reserve free even if the store deleted every file it
// holds. Badger's memtable flushes and compactions delete files in the
// background, so the free space the store sees rises and falls by hundreds
// of KiB from one moment to the next; after holdFull it stays below the
// reserve whatever Badger does, because free space can never exceed
// diskSize minus the filler. It keeps at least 1 MiB free: Badger writes
// through memory mappings, and a mapped write into a full tmpfs kills the
// process with SIGBUS.
func holdFull(t *testing.T, path string, diskSize, reserve int64) {
	t.Helper()
	const margin = 64 << 10
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	grow := diskSize - reserve + margin - fi.Size()
	if grow <= 0 {
		return
	}
	free, _, _, err := statfsSpace(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if free-grow < 1<<20 {
		t.Fatalf("holdFull: %s free, growing the filler by %s would leave less than 1 MiB for Badger's background writes", mib(free), mib(grow))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(make([]byte, grow)); err != nil {
		t.Fatalf("holdFull: %v", err)
	}
}

func diskContact(i int) *Contact {
	return &Contact{FirstName: fmt.Sprintf("Name%d", i), LastName: "Lastname padded to take some room",
		Company: fmt.Sprintf("Company %d", i), Numbers: []Number{{Type: NumberWork, Value: fmt.Sprintf("+3876%07d", i)}}}
}

// TestFullDiskRefusesWritesServesReadsAndRecovers fills a 16 MiB tmpfs to
// near the reserve, then with the store's own writes until it refuses:
// writes fail at once with ErrDiskFull, lookups and searches answer,
// DiskFull says so; once space is freed writes succeed again, and after a
// reopen every acknowledged write is there.
func TestFullDiskRefusesWritesServesReadsAndRecovers(t *testing.T) {
	const diskSize = 16 << 20
	mnt := mountTmpfs(t, fmt.Sprintf("size=%d", diskSize))
	ctx := context.Background()
	const reserve = 4 << 20
	opts := Options{Dir: filepath.Join(mnt, "store"), Numbering: testNumbering{}, MemoryBudget: 4 << 20,
		DiskReserve: reserve, CloseTimeout: 5 * time.Second}
	s, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var acked []string
	for i := 0; i < 100; i++ {
		c, err := s.Create(ctx, diskContact(i))
		if err != nil {
			t.Fatal(err)
		}
		acked = append(acked, c.ID)
	}
	filler := filepath.Join(mnt, "filler")
	fill(t, filler, reserve+(1<<20))
	// The store's own writes take it the rest of the way.
	var full error
	for i := 100; i < 20000 && full == nil; i++ {
		c, err := s.Create(ctx, diskContact(i))
		if err != nil {
			full = err
			break
		}
		acked = append(acked, c.ID)
	}
	if !errors.Is(full, ErrDiskFull) {
		t.Fatalf("writes on a full disk: %v, want ErrDiskFull", full)
	}
	if !strings.Contains(full.Error(), "disk holding the store is full") {
		t.Errorf("error does not say the disk is full: %v", full)
	}
	// The store refused at a moment its disk was below the reserve, but
	// Badger's background flushes and compactions free space again (and
	// the store then rightly takes writes again). The writes below must
	// meet a disk that stays full, however slowly this test runs: the
	// filler now takes so much that the store alone cannot bring the disk
	// back above the reserve.
	holdFull(t, filler, diskSize, reserve)
	if !s.DiskFull() {
		t.Fatal("DiskFull() = false on a full disk")
	}
	for _, tc := range []struct {
		name  string
		write func() error
	}{
		{name: "create", write: func() error { _, err := s.Create(ctx, diskContact(1e6)); return err }},
		{name: "update", write: func() error { c := diskContact(0); c.ID = acked[0]; _, err := s.Update(ctx, c); return err }},
		{name: "delete", write: func() error { return s.Delete(ctx, acked[1]) }},
		{name: "key-value", write: func() error { return s.Meta("audit").Put(ctx, "k", []byte("v")) }},
		{name: "bulk", write: func() error {
			_, err := s.Bulk(ctx, func(b *Batch) error { _, err := b.Put(diskContact(2e6)); return err })
			return err
		}},
		{name: "load", write: func() error {
			_, err := s.Load(ctx, "ldap", func(l *Loader) error { return nil })
			return err
		}},
	} {
		start := time.Now()
		err := tc.write()
		if !errors.Is(err, ErrDiskFull) {
			t.Errorf("%s on a full disk: %v, want ErrDiskFull", tc.name, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s took %s to be refused", tc.name, d)
		}
	}
	if r, err := s.Lookup(ctx, "+38760000007"); err != nil || r.ContactID != acked[7] {
		t.Errorf("lookup on a full disk: %+v, %v", r, err)
	}
	if p, err := s.Search(ctx, Query{Q: "Name42"}); err != nil || p.Total == 0 || !slices.ContainsFunc(p.Contacts, func(c *Contact) bool { return c.ID == acked[42] }) {
		t.Errorf("search on a full disk: %+v, %v", p, err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if s.DiskFull() {
		t.Fatalf("DiskFull() still true with space back: %s", s.DiskFullReason())
	}
	for i := 0; i < 10; i++ {
		c, err := s.Create(ctx, diskContact(30000+i))
		if err != nil {
			t.Fatalf("write after space came back: %v", err)
		}
		acked = append(acked, c.ID)
	}
	start := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d writes acknowledged; close took %s", len(acked), time.Since(start))
	s2, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for _, id := range acked {
		if _, err := s2.Get(ctx, id); err != nil {
			t.Fatalf("acknowledged contact %s lost: %v", id, err)
		}
	}
	mustVerify(t, s2)
}

// closeSettle bounds the waits of TestCloseBoundedWhileBadgerCannotFlush
// for things that take milliseconds on an idle machine (Close returning
// once its bound has passed, Badger's once-a-second flush retry succeeding)
// but seconds on a starved one.
const closeSettle = 30 * time.Second

// TestCloseBoundedWhileBadgerCannotFlush runs out of inodes under Badger:
// its memtable flush at Close cannot create the table file and retries
// every second forever. Close returns within its bound anyway, the store
// reports the full disk, Badger's log lines stay capped, and once inodes
// are freed Badger finishes and every acknowledged write is there.
func TestCloseBoundedWhileBadgerCannotFlush(t *testing.T) {
	mnt := mountTmpfs(t, "size=16m,nr_inodes=128")
	ctx := context.Background()
	var logs logbuf.Buffer
	opts := Options{Dir: filepath.Join(mnt, "store"), Numbering: testNumbering{}, MemoryBudget: 4 << 20,
		DiskReserve: 1 << 20, CloseTimeout: 1500 * time.Millisecond, LogLines: 2, LogInterval: time.Hour,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	s, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	var acked []string
	for i := 0; i < 50; i++ {
		c, err := s.Create(ctx, diskContact(i))
		if err != nil {
			t.Fatal(err)
		}
		acked = append(acked, c.ID)
	}
	// Take every inode left.
	spare := filepath.Join(mnt, "spare")
	if err := os.Mkdir(spare, 0o700); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		f, err := os.Create(filepath.Join(spare, fmt.Sprint(i)))
		if err != nil {
			break
		}
		f.Close()
		if i > 1000 {
			t.Fatal("inodes never ran out")
		}
	}
	if _, err := s.Create(ctx, diskContact(99)); !errors.Is(err, ErrDiskFull) {
		t.Errorf("write with no inode left: %v, want ErrDiskFull", err)
	}
	s.dbClosed = make(chan struct{})
	// Whatever happens below, give the inodes back and let Badger finish
	// before the tmpfs is unmounted (a failed check would otherwise leave
	// Badger retrying its flush forever and the mount busy).
	t.Cleanup(func() {
		_ = os.RemoveAll(spare)
		select {
		case <-s.dbClosed:
		case <-time.After(closeSettle):
			t.Errorf("Badger did not finish closing within %s of the inodes coming back", closeSettle)
		}
	})
	// Close must return although Badger cannot finish: an unbounded Close
	// never returns while the inodes are taken. How far past its bound it
	// returns depends on scheduling (a starved CI machine stalls a process
	// for seconds), so the wait here is generous; it is no timing figure.
	start := time.Now()
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err = <-closed:
	case <-time.After(opts.CloseTimeout + closeSettle):
		t.Fatalf("Close has not returned after %s (bound %s) while Badger cannot flush", time.Since(start).Round(time.Millisecond), opts.CloseTimeout)
	}
	took := time.Since(start)
	if err == nil {
		t.Fatal("Close reported success though Badger could not flush")
	}
	if took < opts.CloseTimeout {
		t.Errorf("Close gave up after %s, before its bound %s", took, opts.CloseTimeout)
	}
	t.Logf("Close returned after %s: %v", took, err)
	if !s.DiskFull() {
		t.Error("DiskFull() = false while Badger cannot flush")
	}
	if n := strings.Count(logs.String(), "component=badger"); n > opts.LogLines {
		t.Errorf("%d Badger log lines, capped at %d:\n%s", n, opts.LogLines, logs.String())
	}
	// Space back: Badger's retry succeeds and the close completes.
	if err := os.RemoveAll(spare); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.dbClosed:
	case <-time.After(closeSettle):
		t.Fatalf("Badger did not finish closing within %s of the inodes being freed", closeSettle)
	}
	s2, err := Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for _, id := range acked {
		if _, err := s2.Get(ctx, id); err != nil {
			t.Fatalf("acknowledged contact %s lost: %v", id, err)
		}
	}
}
