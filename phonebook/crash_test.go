package phonebook

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

const crashRows = 200_000

// TestCrashHelperImport is the child process of TestCrashMidImport: it
// replaces the csv source with crashRows contacts in one bulk operation,
// reports progress on stdout and, half-way, waits for a line on stdin.
func TestCrashHelperImport(t *testing.T) {
	s := openCrashChild(t, "PBX_CRASH_DIR", "TestCrashMidImport")
	in := bufio.NewReader(os.Stdin)
	_, err := s.Bulk(context.Background(), func(b *Batch) error {
		if _, err := b.DeleteSource(SourceCSV); err != nil {
			return err
		}
		for i := 0; i < crashRows; i++ {
			if _, err := b.Put(crashContact("New", i)); err != nil {
				return err
			}
			if i == crashRows/2 {
				fmt.Println("halfway")
				if _, err := in.ReadString('\n'); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		err = s.Close()
	}
	exitCrashChild(err)
}

// openCrashChild opens the store of a crash test's child process (its
// directory in the environment variable env), or skips when the test runs
// as itself rather than as parent's child. It reports errors on stdout,
// which the parent reads, and exits.
func openCrashChild(t *testing.T, env, parent string) *Store {
	dir := os.Getenv(env)
	if dir == "" {
		t.Skip("child process of " + parent)
	}
	s, err := Open(context.Background(), Options{Dir: dir, Numbering: testNumbering{}, MemoryBudget: 64 << 20})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	return s
}

// pauseHalfway makes the next load or replace of s (in a crash test's
// child process) stop once it has ingested keys keys: it prints
// "halfway" and waits for a line on stdin, while the parent kills it.
func pauseHalfway(s *Store, keys int) {
	in := bufio.NewReader(os.Stdin)
	halfway := false
	s.ingestHook = func(n int) {
		if !halfway && n >= keys {
			halfway = true
			// Badger builds the stream's tables on its own goroutines and
			// adds each to its level when built: wait (a bounded while)
			// for one at the load's timestamp, so that the kill finds
			// part of the load on disk however fast the merge got here.
			pub := s.pub.Load()
			for deadline := time.Now().Add(30 * time.Second); s.db.MaxVersion() <= pub && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
			}
			fmt.Println("halfway")
			_, _ = in.ReadString('\n')
		}
	}
}

// exitCrashChild ends a crash test's child process: with "error …" on
// stdout and status 2 on err, else with "done" and status 0.
func exitCrashChild(err error) {
	if err != nil {
		fmt.Println("error", err)
		os.Exit(2)
	}
	fmt.Println("done")
	os.Exit(0)
}

// killChildHalfway closes s, runs test as a child process on dir (its
// directory in the environment variable env) until it prints "halfway",
// ends it with SIGKILL and reopens the store. It answers s's generation
// before and the reopened store.
func killChildHalfway(t *testing.T, s *Store, dir, test, env string) (uint64, *Store) {
	t.Helper()
	oldGen := s.Generation()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	child := startCrashChild(t, test, env, dir)
	child.waitFor("halfway")
	child.kill()
	return oldGen, openTest(t, dir)
}

// crashChild is a crash test's child process (the test named in
// startCrashChild run from this test binary), with its stdin and the lines
// of its stdout.
type crashChild struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines *bufio.Scanner
}

// startCrashChild starts test as a child process with its store directory
// in the environment variable env.
func startCrashChild(t *testing.T, test, env, dir string) *crashChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close() })
	return &crashChild{t: t, cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout)}
}

// waitFor reads the child's output up to a line starting with word,
// failing on an error line or the end of the output.
func (c *crashChild) waitFor(word string) {
	c.t.Helper()
	for c.lines.Scan() {
		if strings.HasPrefix(c.lines.Text(), word) {
			return
		}
		if strings.HasPrefix(c.lines.Text(), "error") {
			c.t.Fatalf("child: %s", c.lines.Text())
		}
	}
	c.t.Fatalf("child ended before %q", word)
}

// kill ends the child with SIGKILL.
func (c *crashChild) kill() {
	c.t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		c.t.Fatal(err)
	}
	_ = c.cmd.Wait()
}

func crashContact(prefix string, i int) *Contact {
	return &Contact{FirstName: fmt.Sprintf("%s%06d", prefix, i), LastName: "Crash", Source: SourceCSV,
		Emails:  []Email{{Address: fmt.Sprintf("c%d@example.com", i)}},
		Numbers: []Number{{Type: NumberWork, Value: fmt.Sprintf("+3876%07d", i)}, {Type: NumberMobile, Value: fmt.Sprintf("+3876%07d", i+1)}}}
}

// TestCrashMidImport kills a process with SIGKILL in the middle of a
// 200 k-row import and checks that the store reopens with exactly the old
// set, indexes consistent; then lets an import finish and finds exactly
// the new set.
func TestCrashMidImport(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test is not short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	if _, err := s.Bulk(ctx, func(b *Batch) error {
		for i := 0; i < 1000; i++ {
			if _, err := b.Put(crashContact("Old", i)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	oldGen, s := killChildHalfway(t, s, dir, "TestCrashHelperImport", "PBX_CRASH_DIR")
	if s.Generation() <= oldGen+1 {
		t.Fatalf("no rollback happened (generation %d → %d): the kill came before any chunk was committed", oldGen, s.Generation())
	}
	r := mustVerify(t, s)
	if r.Contacts != 1000 {
		t.Fatalf("after SIGKILL: %d contacts, want the old 1000", r.Contacts)
	}
	if p, _ := s.Search(ctx, Query{Q: "new000001"}); p.Total != 0 {
		t.Fatal("a contact of the killed import is visible")
	}
	// Contact i has numbers i and i+1: number 0 is contact 0's alone, in
	// either set, so its name tells the sets apart.
	if res, err := s.Lookup(ctx, "+38760000000"); err != nil || res.Name != "Old000000 Crash" {
		t.Fatalf("number of the old set after SIGKILL: %+v, %v", res, err)
	}
	if res, err := s.Lookup(ctx, "+38760000500"); err != nil || res.Match != MatchAmbiguous {
		t.Fatalf("number two old contacts share: %+v, %v", res, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	child := startCrashChild(t, "TestCrashHelperImport", "PBX_CRASH_DIR", dir)
	child.waitFor("halfway")
	fmt.Fprintln(child.stdin, "go")
	child.waitFor("done")
	if err := child.cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	t.Logf("200k-row import took %v", time.Since(start))
	s = openTest(t, dir)
	r = mustVerify(t, s)
	if r.Contacts != crashRows {
		t.Fatalf("after import: %d contacts, want %d", r.Contacts, crashRows)
	}
	if p, _ := s.Search(ctx, Query{Q: "old000001"}); p.Total != 0 {
		t.Fatal("old contact survived a replace")
	}
	if res, err := s.Lookup(ctx, "+38760000000"); err != nil || res.Name != "New000000 Crash" {
		t.Fatalf("number of the new set after the import: %+v, %v", res, err)
	}
}
