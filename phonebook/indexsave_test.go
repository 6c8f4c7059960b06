package phonebook

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cespare/xxhash/v2"
)

// logBuffer collects a store's log lines (safe for its goroutines).
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// openLogged opens the store in dir with its log in the returned buffer
// and waits for both indexes.
func openLogged(t *testing.T, dir string) (*Store, *logBuffer) {
	t.Helper()
	lb := &logBuffer{}
	s, err := Open(context.Background(), Options{Dir: dir, Numbering: testNumbering{}, MemoryBudget: 64 << 20,
		Logger: slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	waitIndexes(t, s)
	return s, lb
}

func waitIndexes(t *testing.T, s *Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.WaitCallerIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitNameIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if s.callers.Load() == nil || s.names.Load() == nil {
		t.Fatal("an index is missing after its build")
	}
}

// fillSaved writes contacts whose numbers are partly shared (ambiguous
// keys), a personal one, and an update and a delete (dead arena bytes,
// delta and dead slots in the name index).
func fillSaved(t *testing.T, s *Store, n int) {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for i := range n {
		c := &Contact{FirstName: fmt.Sprintf("Saved%03d", i), LastName: []string{"Ivić", "Jurić", "Kovač"}[i%3],
			Company: "Firma " + []string{"Alfa", "Beta"}[i%2],
			Numbers: []Number{{Type: NumberWork, Value: fmt.Sprintf("061 200 %03d", i)}, {Type: NumberMobile, Value: fmt.Sprintf("062 300 %03d", i/2)}}}
		if i == 7 {
			c.Scope, c.Owner = ScopePersonal, "ana"
		}
		got, err := s.Create(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got.ID)
	}
	c, err := s.Get(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	c.FirstName = "Renamed"
	if _, err := s.Update(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
}

// answers is what a store answers to a fixed set of lookups and searches.
func answers(t *testing.T, s *Store) string {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	for _, p := range []string{"061200000", "061200001", "061200002", "062300002", "062300003", "+38761200010", "099"} {
		r, err := s.Lookup(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s: %s %s %s\n", p, r.Name, r.ContactID, r.Match)
	}
	for _, q := range []string{"saved", "saved00", "ren", "juri", "firma beta", "kov saved01", "nobody"} {
		p, err := s.Search(ctx, Query{Q: q, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s: %d", q, p.Total)
		for _, c := range p.Contacts {
			fmt.Fprintf(&b, " %s", c.ID)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestSavedIndexesRoundTrip: a clean Close saves both indexes, the next
// Open loads them (no build), they answer as before and as a fresh build,
// and writes after the load change them as they would a built index.
func TestSavedIndexesRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, _ := openLogged(t, dir)
	fillSaved(t, s, 40)
	mustVerify(t, s)
	want := answers(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{callersFile, namesFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatalf("not saved: %v", err)
		}
	}
	s, log := openLogged(t, dir)
	for _, what := range []string{"caller index", "name index"} {
		if !strings.Contains(log.String(), what+" loaded from its saved file") {
			t.Fatalf("%s not loaded; log:\n%s", what, log)
		}
		if strings.Contains(log.String(), what+"; building it") || strings.Contains(log.String(), what+" is ") {
			t.Fatalf("%s built although its file was valid; log:\n%s", what, log)
		}
	}
	if got := answers(t, s); got != want {
		t.Fatalf("answers after the load:\n%s\nwant:\n%s", got, want)
	}
	mustVerify(t, s)
	fillSaved(t, s, 12) // writes on the loaded indexes
	mustVerify(t, s)
}

// TestSavedIndexStale: a file saved before later writes (as left by a
// crash after them) is not loaded: the index is built, with a log line.
func TestSavedIndexStale(t *testing.T) {
	dir := t.TempDir()
	s, _ := openLogged(t, dir)
	fillSaved(t, s, 10)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	old := map[string][]byte{}
	for _, f := range []string{callersFile, namesFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		old[f] = b
	}
	s, _ = openLogged(t, dir)
	if _, err := s.Create(context.Background(), &Contact{FirstName: "Later", Numbers: []Number{{Type: NumberWork, Value: "061 999 999"}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for f, b := range old {
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, log := openLogged(t, dir)
	for _, what := range []string{"caller index", "name index"} {
		if !strings.Contains(log.String(), "saved "+what+" is stale; building it") || !strings.Contains(log.String(), what+" ready") {
			t.Fatalf("stale %s not rebuilt; log:\n%s", what, log)
		}
	}
	if r, _ := s.Lookup(context.Background(), "061999999"); r.Name != "Later" {
		t.Fatalf("the write after the save is missing: %+v", r)
	}
	if p, _ := s.Search(context.Background(), Query{Q: "later"}); p.Total != 1 {
		t.Fatalf("the write after the save is not found: %d", p.Total)
	}
	mustVerify(t, s)
}

// TestSavedIndexCorrupt: a file with a flipped byte, a truncated one, one
// with a wrong header, or an empty one is not loaded: the index is built
// and a warning says why.
func TestSavedIndexCorrupt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(b []byte) []byte
		why    string
	}{
		{name: "flipped body byte", damage: func(b []byte) []byte { b[len(b)-3] ^= 0x40; return b }, why: "checksum mismatch"},
		{name: "truncated", damage: func(b []byte) []byte { return b[:len(b)-9] }, why: "bytes, the header says"},
		{name: "bad magic", damage: func(b []byte) []byte { b[0] = 'X'; return b }, why: "not a saved index file"},
		{name: "empty", damage: func([]byte) []byte { return nil }, why: "read header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, _ := openLogged(t, dir)
			fillSaved(t, s, 10)
			want := answers(t, s)
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{callersFile, namesFile} {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, f), tc.damage(b), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s, log := openLogged(t, dir)
			for _, what := range []string{"caller index", "name index"} {
				l := log.String()
				if !strings.Contains(l, "saved "+what+" is corrupt; building it") || !strings.Contains(l, tc.why) || !strings.Contains(l, what+" ready") {
					t.Fatalf("corrupt %s: not rebuilt with a warning saying %q; log:\n%s", what, tc.why, l)
				}
			}
			if got := answers(t, s); got != want {
				t.Fatalf("answers after the rebuild:\n%s\nwant:\n%s", got, want)
			}
			mustVerify(t, s)
		})
	}
}

// TestSavedIndexTempRemoved: the temporary file of a save that did not
// finish is removed at Open, and an index missing at Close (being built)
// has its old file removed.
func TestSavedIndexTempRemoved(t *testing.T) {
	dir := t.TempDir()
	tmp := filepath.Join(dir, callersFile+".tmp12345")
	s, _ := openLogged(t, dir)
	fillSaved(t, s, 5)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, []byte("half"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ = openLogged(t, dir)
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Fatalf("temporary file left: %v", err)
	}
	s.callers.Store(nil) // as while a build is under way: nothing to save
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, callersFile)); !os.IsNotExist(err) {
		t.Fatalf("the caller index file of an earlier Close is left: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, namesFile)); err != nil {
		t.Fatalf("the name index is not saved: %v", err)
	}
	s, _ = openLogged(t, dir)
	if r, _ := s.Lookup(context.Background(), "061200000"); r.Name != "Saved000 Ivić" {
		t.Fatalf("lookup after the reopen: %+v", r)
	}
	mustVerify(t, s)
}

// TestCrashHelperAfterLoad is the child process of TestSavedIndexCrash: it
// opens the store (loading its saved indexes), writes, and waits to be
// killed.
func TestCrashHelperAfterLoad(t *testing.T) {
	s := openCrashChild(t, "PBX_SAVED_DIR", "TestSavedIndexCrash")
	ctx := context.Background()
	err := s.WaitCallerIndex(ctx)
	if err == nil {
		err = s.WaitNameIndex(ctx)
	}
	for i := 0; err == nil && i < 20; i++ {
		_, err = s.Create(ctx, crashContact("Child", i))
	}
	if err != nil {
		exitCrashChild(err)
	}
	fmt.Println("written")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	exitCrashChild(nil)
}

// TestSavedIndexCrash: a process killed after writes, before any save,
// leaves the files of the previous clean Close; the next Open finds them
// stale and builds both indexes, which hold the killed process's writes.
func TestSavedIndexCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test is not short")
	}
	dir := t.TempDir()
	s, _ := openLogged(t, dir)
	fillSaved(t, s, 10)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	child := startCrashChild(t, "TestCrashHelperAfterLoad", "PBX_SAVED_DIR", dir)
	child.waitFor("written")
	child.kill()
	s, log := openLogged(t, dir)
	for _, what := range []string{"caller index", "name index"} {
		if !strings.Contains(log.String(), "saved "+what+" is stale") {
			t.Fatalf("%s: the file saved before the crash was not found stale; log:\n%s", what, log)
		}
	}
	if r, _ := s.Lookup(context.Background(), "+38760000020"); r.Name == "" {
		t.Fatalf("the killed process's write is missing from the caller index: %+v", r)
	}
	if p, _ := s.Search(context.Background(), Query{Q: "child"}); p.Total != 20 {
		t.Fatalf("search child: %d, want the killed process's 20", p.Total)
	}
	mustVerify(t, s)
}

// encodeIndexBytes is a saved file of x (kind, published 7) in memory.
func encodeIndexBytes(kind byte, body func(*flatWriter)) []byte {
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	w := &flatWriter{w: bw, sum: xxhash.New()}
	body(w)
	_ = bw.Flush()
	h := indexHeader{kind: kind, schema: SchemaVersion, published: 7, bodyLen: w.n, bodySum: w.sum.Sum64()}
	return append(h.encode(), buf.Bytes()...)
}

// withHeader is a saved file of kind around body, with a right checksum
// (so that a fuzzed body reaches the decoder's checks).
func withHeader(kind byte, body []byte) []byte {
	h := indexHeader{kind: kind, schema: SchemaVersion, published: 7, bodyLen: uint64(len(body)), bodySum: xxhash.Sum64(body)}
	return append(h.encode(), body...)
}

// TestSavedIndexEncodingEqual: decoding an encoded index gives the same
// index, field by field.
func TestSavedIndexEncodingEqual(t *testing.T) {
	s := openTest(t, "")
	fillSaved(t, s, 60)
	waitIndexes(t, s)
	c := s.callers.Load()
	got, err := readIndex(bytes.NewReader(encodeIndexBytes(kindCallers, c.encode)), -1, kindCallers, SchemaVersion, 7, decodeCallers)
	if err != nil {
		t.Fatal(err)
	}
	if got.seed != c.seed || got.dead != c.dead || !reflect.DeepEqual(got.tab, c.tab) || !bytes.Equal(got.arena, c.arena) {
		t.Fatal("caller index differs after a round trip")
	}
	n := s.names.Load()
	gn, err := readIndex(bytes.NewReader(encodeIndexBytes(kindNames, n.encode)), -1, kindNames, SchemaVersion, 7, decodeNames)
	if err != nil {
		t.Fatal(err)
	}
	gn.tokHash, n.tokHash = nil, nil
	defer func() { n.tokHash = seededHash }()
	for _, f := range []string{"seed", "tokTab", "tokOff", "tokLen", "tokData", "visIDs", "visStr", "keyOff", "keyLen", "keyData",
		"vis", "tokAt", "tokN", "toks", "ids", "base", "bucket", "bStart", "bSlots", "delta", "dSlots", "dead"} {
		a, b := reflect.ValueOf(gn).Elem().FieldByName(f), reflect.ValueOf(n).Elem().FieldByName(f)
		if !a.IsValid() {
			t.Fatalf("no field %s", f)
		}
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("name index field %s differs after a round trip: %v, want %v", f, a, b)
		}
	}
	if len(n.delta) == 0 || n.dead == 0 {
		t.Fatal("the index has no delta or dead slots: the test checks less than it should")
	}
}

// TestSavedCallersChecked: a caller index file with a right checksum but
// wrong content (a reference into the middle of a record, a key out of
// its probe run, a wrong key count) is refused by the decoder's checks.
func TestSavedCallersChecked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(x *callerIndex)
		why    string
	}{
		{name: "intact", damage: func(*callerIndex) {}},
		{name: "reference mid-record", damage: func(x *callerIndex) {
			for i, r := range x.tab.refs {
				if r >= refBase {
					x.tab.refs[i] = r + 1
					return
				}
			}
		}, why: "is not a record"},
		{name: "key out of its run", damage: func(x *callerIndex) {
			for i, r := range x.tab.refs {
				if r != refEmpty && x.tab.refs[x.tab.next(i)] == refEmpty {
					j := x.tab.next(x.tab.next(i))
					for x.tab.refs[j] != refEmpty {
						j = x.tab.next(j)
					}
					x.tab.hs[j], x.tab.refs[j] = x.tab.hs[i], r // beyond a free slot
					x.tab.hs[i], x.tab.refs[i] = 0, refEmpty
					return
				}
			}
		}, why: "not reachable"},
		{name: "key count", damage: func(x *callerIndex) { x.tab.n++ }, why: "the header says"},
		{name: "arena record cut", damage: func(x *callerIndex) { x.arena = x.arena[:len(x.arena)-1] }, why: "bad caller record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t, "")
			fillSaved(t, s, 30)
			waitIndexes(t, s)
			x := s.callers.Load()
			c := &callerIndex{seed: x.seed, hash: x.hash, tab: keyTable{hs: slices.Clone(x.tab.hs), refs: slices.Clone(x.tab.refs), n: x.tab.n},
				arena: slices.Clone(x.arena), dead: x.dead}
			tc.damage(c)
			file := encodeIndexBytes(kindCallers, c.encode)
			_, err := readIndex(bytes.NewReader(file), int64(len(file)), kindCallers, SchemaVersion, 7, decodeCallers)
			switch {
			case tc.why == "" && err != nil:
				t.Fatal(err)
			case tc.why != "" && (err == nil || !strings.Contains(err.Error(), tc.why)):
				t.Fatalf("decoded with %v, want an error saying %q", err, tc.why)
			}
		})
	}
}

// FuzzSavedIndex: no input makes the decoders fail otherwise than with an
// error, and an index they accept answers lookups and searches.
func FuzzSavedIndex(f *testing.F) {
	s := openTest(f, "")
	ctx := context.Background()
	for i := range 12 {
		if _, err := s.Create(ctx, &Contact{FirstName: fmt.Sprintf("Fu%d", i), LastName: "Zz",
			Numbers: []Number{{Type: NumberWork, Value: fmt.Sprintf("061 400 %03d", i/2)}}}); err != nil {
			f.Fatal(err)
		}
	}
	if err := s.WaitCallerIndex(ctx); err != nil {
		f.Fatal(err)
	}
	if err := s.WaitNameIndex(ctx); err != nil {
		f.Fatal(err)
	}
	cb := encodeIndexBytes(kindCallers, s.callers.Load().encode)
	nb := encodeIndexBytes(kindNames, s.names.Load().encode)
	f.Add(cb[indexHeaderLen:], false, false)
	f.Add(nb[indexHeaderLen:], true, false)
	f.Add(cb, false, true)
	f.Add(nb, true, true)
	f.Fuzz(func(t *testing.T, in []byte, names, raw bool) {
		kind := byte(kindCallers)
		if names {
			kind = kindNames
		}
		file := in
		if !raw {
			file = withHeader(kind, in)
		}
		if names {
			x, err := readIndex(bytes.NewReader(file), int64(len(file)), kind, SchemaVersion, 7, decodeNames)
			if err != nil {
				return
			}
			q := Query{Q: "fu zz", Limit: 10}
			if _, err := x.searchNames(ctx, &q, []string{"fu", "zz"}, nil, q.Limit, true); err != nil {
				t.Fatal(err)
			}
			_ = x.entries()
			return
		}
		x, err := readIndex(bytes.NewReader(file), int64(len(file)), kind, SchemaVersion, 7, decodeCallers)
		if err != nil {
			return
		}
		for _, k := range []string{"x:061400001", "e164:+38761400001", "nsn:61400001", ""} {
			_, _ = x.get(k)
		}
		_ = x.diff(x)
	})
}
