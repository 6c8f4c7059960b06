package dirsync_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/dirsync"
)

// digits is a minimal numbering for store tests.
type digits struct{}

func (digits) Index(raw string) (string, []string) {
	var b strings.Builder
	for _, r := range raw {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "", nil
	}
	return b.String(), []string{b.String()}
}

func (digits) Probe(raw string) ([]phonebook.ProbeLevel, string, bool) { return nil, "", true }

func openStore(t testing.TB, dir string) *phonebook.Store {
	t.Helper()
	s, err := phonebook.Open(context.Background(), phonebook.Options{Dir: dir, Numbering: digits{}, MemoryBudget: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rangeSource streams contacts from..to-1; it blocks after half of them
// when block is set (crash test).
type rangeSource struct {
	From, To int
	Block    bool
	Name     string
}

func (r rangeSource) Sync(ctx context.Context, req dirsync.Request, sink dirsync.Sink) (dirsync.Result, error) {
	for i := r.From; i < r.To; i++ {
		c := &phonebook.Contact{ExternalID: fmt.Sprint(i), FirstName: r.Name + fmt.Sprint(i), LastName: "Range",
			JobTitle: "Engineer", Numbers: []phonebook.Number{{Type: phonebook.NumberWork, Value: fmt.Sprintf("+3876100%04d", i)}}}
		if err := sink.Upsert(ctx, c); err != nil {
			return dirsync.Result{}, err
		}
		if r.Block && i == (r.From+r.To)/2 {
			fmt.Println("halfway")
			<-ctx.Done() // killed here
			return dirsync.Result{}, ctx.Err()
		}
	}
	return dirsync.Result{State: []byte(fmt.Sprintf("%d-%d", r.From, r.To))}, nil
}

var rangeType = dirsync.Type{Name: "range", Delta: false, New: func(raw json.RawMessage, env dirsync.Env) (dirsync.Source, error) {
	var r rangeSource
	return r, json.Unmarshal(raw, &r)
}}

func realEngine(t testing.TB, st *phonebook.Store, dir string) (*dirsync.Engine, func()) {
	t.Helper()
	return runEngine(t, dirsync.PhonebookStore(st), dir, rangeType)
}

// runEngine runs an engine over store until the returned stop is called.
func runEngine(t testing.TB, store dirsync.Store, dir string, types ...dirsync.Type) (*dirsync.Engine, func()) {
	t.Helper()
	eng, err := dirsync.NewEngine(store, dirsync.WithDataDir(dir), dirsync.WithTypes(types...))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- eng.Run(ctx) }()
	waitFor(t, "engine", func() bool { return eng.Trigger("none", dirsync.SyncOptions{}) != dirsync.ErrNotRunning })
	return eng, func() { cancel(); <-done }
}

func sourceSet(t testing.TB, st *phonebook.Store, source string) []string {
	t.Helper()
	var out []string
	err := st.Iterate(context.Background(), phonebook.Query{Source: source}, func(c *phonebook.Contact) error {
		out = append(out, c.ExternalID+"="+c.FirstName)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func wantRange(name string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("%d=%s%d", i, name, i))
	}
	slices.Sort(out)
	return out
}

func ptr[T any](v T) *T { return &v }

func TestLocalEditsSurviveSync(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir+"/db")
	defer st.Close()
	eng, stop := realEngine(t, st, dir)
	defer stop()
	ctx := context.Background()
	v, err := eng.Create(ctx, dirsync.Input{Type: ptr("range"), Name: ptr("hr"), Enabled: ptr(false),
		Settings: map[string]json.RawMessage{"From": json.RawMessage("0"), "To": json.RawMessage("5"), "Name": json.RawMessage(`"A"`)}})
	if err != nil {
		t.Fatal(err)
	}
	if run, err := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); err != nil || run.Result != "ok" {
		t.Fatalf("first: %+v %v", run, err)
	}
	ids := map[string]string{}
	st.Iterate(ctx, phonebook.Query{Source: "hr"}, func(c *phonebook.Contact) error { ids[c.ExternalID] = c.ID; return nil })

	// Local edit of contact 1 (job title) and local delete of contact 2.
	c1, _ := st.Get(ctx, ids["1"])
	c1.JobTitle = "Local Boss"
	if _, err := st.Update(ctx, c1); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, ids["2"]); err != nil {
		t.Fatal(err)
	}
	// The source changes every first name; sync again.
	if _, err := eng.Update(ctx, v.ID, dirsync.Input{Settings: map[string]json.RawMessage{"Name": json.RawMessage(`"B"`)}}); err != nil {
		t.Fatal(err)
	}
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "ok" {
		t.Fatalf("second: %+v", run)
	}
	got, err := st.Get(ctx, ids["1"])
	if err != nil || got.FirstName != "B1" || got.JobTitle != "Local Boss" {
		t.Fatalf("contact 1 after sync: %+v %v", got, err)
	}
	if _, err := st.Get(ctx, ids["2"]); err == nil {
		t.Fatal("locally deleted contact came back")
	}
	if s := sourceSet(t, st, "hr"); !slices.Equal(s, []string{"0=B0", "1=B1", "3=B3", "4=B4"}) {
		t.Fatalf("set: %v", s)
	}

	// Overlay (its HTTP endpoints are tested in agent/sources).
	local, _, err := st.LocalFields(ctx, ids["1"])
	if err != nil || !slices.Contains(local, "job_title") {
		t.Fatalf("local: %v %v", local, err)
	}
	reverted, err := st.RevertToSource(ctx, ids["1"])
	if err != nil || reverted.JobTitle != "Engineer" {
		t.Fatalf("revert: %+v %v", reverted, err)
	}

	// Erase removes every contact of the source and its configuration.
	n, err := eng.Erase(ctx, v.ID)
	if err != nil || n != 5 { // 4 visible + the locally deleted one
		t.Fatalf("erase: %d %v", n, err)
	}
	if c, _ := st.CountSource(ctx, "hr"); c != 0 {
		t.Fatalf("%d left", c)
	}
	if _, err := eng.Get(v.ID); err != dirsync.ErrNotFound {
		t.Fatalf("config left: %v", err)
	}
}

// TestCrashHelperSync is the child of TestSyncSurvivesSIGKILL.
func TestCrashHelperSync(t *testing.T) {
	dir := os.Getenv("PBX_SYNC_CRASH_DIR")
	if dir == "" {
		t.Skip("child process of TestSyncSurvivesSIGKILL")
	}
	st := openStore(t, dir+"/db")
	hook := func(n int) {}
	if os.Getenv("PBX_SYNC_CRASH_PHASE") == "apply" {
		hook = func(n int) {
			if n == 1000 { // half-way through applying the spooled run
				fmt.Println("halfway")
				select {}
			}
		}
	}
	eng, err := dirsync.NewEngine(dirsync.PhonebookStore(st), dirsync.WithDataDir(dir), dirsync.WithTypes(rangeType), dirsync.WithApplyHook(hook))
	if err != nil {
		t.Fatal(err)
	}
	go eng.Run(context.Background())
	id := os.Getenv("PBX_SYNC_CRASH_ID")
	for eng.Trigger(id, dirsync.SyncOptions{}) == dirsync.ErrNotRunning {
		time.Sleep(time.Millisecond)
	}
	select {} // killed by the parent
}

// TestSyncSurvivesSIGKILL kills the process during a run — while the source
// is read (phase download) and while the spooled run is applied to the store
// (phase apply) — and checks that the directory holds the previous set, and
// after the next run exactly the source's set.
func TestSyncSurvivesSIGKILL(t *testing.T) {
	for _, phase := range []string{"download", "apply"} {
		t.Run(phase, func(t *testing.T) { crashTest(t, phase) })
	}
}

func crashTest(t *testing.T, phase string) {
	dir := t.TempDir()
	ctx := context.Background()
	st := openStore(t, dir+"/db")
	eng, stop := realEngine(t, st, dir)
	settings := func(from, to int, name string, block bool) map[string]json.RawMessage {
		return map[string]json.RawMessage{"From": json.RawMessage(fmt.Sprint(from)), "To": json.RawMessage(fmt.Sprint(to)),
			"Name": json.RawMessage(`"` + name + `"`), "Block": json.RawMessage(fmt.Sprint(block))}
	}
	v, err := eng.Create(ctx, dirsync.Input{Type: ptr("range"), Name: ptr("erp"), Enabled: ptr(false), Settings: settings(0, 2000, "A", false)})
	if err != nil {
		t.Fatal(err)
	}
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "ok" {
		t.Fatalf("first: %+v", run)
	}
	// Next run: a different set, blocking half-way in the child.
	if _, err := eng.Update(ctx, v.ID, dirsync.Input{Settings: settings(1000, 3000, "B", phase == "download")}); err != nil {
		t.Fatal(err)
	}
	stop()
	st.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelperSync$", "-test.v")
	cmd.Env = append(os.Environ(), "PBX_SYNC_CRASH_DIR="+dir, "PBX_SYNC_CRASH_ID="+v.ID, "PBX_SYNC_CRASH_PHASE="+phase)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	half := false
	for sc.Scan() {
		if sc.Text() == "halfway" {
			half = true
			break
		}
	}
	if !half {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatal("child never reached half-way")
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	st = openStore(t, dir+"/db")
	defer st.Close()
	if got := sourceSet(t, st, "erp"); !slices.Equal(got, wantRange("A", 0, 2000)) {
		t.Fatalf("after the kill the directory holds %d contacts, not the previous set", len(got))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, dirsync.SpoolDirName, "*")); phase == "apply" && len(left) != 1 {
		t.Fatalf("spool files after the kill: %v", left)
	}
	eng, stop = realEngine(t, st, dir)
	defer stop()
	if left, _ := filepath.Glob(filepath.Join(dir, dirsync.SpoolDirName, "*")); len(left) != 0 {
		t.Fatalf("spool files not cleaned at start: %v", left)
	}
	vv, _ := eng.Get(v.ID)
	if len(vv.Status.Runs) == 0 || vv.Status.Runs[0].Result != "canceled" || vv.Status.Running {
		t.Fatalf("status after the kill: %+v", vv.Status)
	}
	if _, err := eng.Update(ctx, v.ID, dirsync.Input{Settings: settings(1000, 3000, "B", false), MaxDeletePercent: ptr(100)}); err != nil {
		t.Fatal(err)
	}
	if run, _ := eng.SyncNow(ctx, v.ID, dirsync.SyncOptions{}); run.Result != "ok" || run.Deleted != 1000 {
		t.Fatalf("redo: %+v", run)
	}
	if got := sourceSet(t, st, "erp"); !slices.Equal(got, wantRange("B", 1000, 3000)) {
		t.Fatalf("redo gave %d contacts, not the source's set", len(got))
	}
}

// countingStore counts the rounds written as loads and as bulk rounds.
type countingStore struct {
	dirsync.Store
	loads, bulks int
}

func (c *countingStore) Load(ctx context.Context, source string, fn func(b dirsync.Batch) error) error {
	c.loads++
	return c.Store.(dirsync.Loading).Load(ctx, source, fn)
}

func (c *countingStore) Bulk(ctx context.Context, fn func(b dirsync.Batch) error) error {
	c.bulks++
	return c.Store.Bulk(ctx, fn)
}

// dupSource is rangeSource that sends contact From a second time, renamed,
// at the end.
type dupSource struct{ rangeSource }

func (d dupSource) Sync(ctx context.Context, req dirsync.Request, sink dirsync.Sink) (dirsync.Result, error) {
	res, err := d.rangeSource.Sync(ctx, req, sink)
	if err != nil {
		return res, err
	}
	c := &phonebook.Contact{ExternalID: fmt.Sprint(d.From), FirstName: "Again", LastName: "Range", JobTitle: "Engineer"}
	return res, sink.Upsert(ctx, c)
}

// TestFirstFullSyncLoads: a source's first full sync is written as one
// bulk load, with row hashes that let the next full sync find nothing
// changed; a round a load cannot express (an external id sent twice, a
// source that has contacts but lost its hashes) goes through Bulk with the
// same result.
func TestFirstFullSyncLoads(t *testing.T) {
	dir := t.TempDir()
	st := openStore(t, dir+"/db")
	defer st.Close()
	cs := &countingStore{Store: dirsync.PhonebookStore(st)}
	dupType := dirsync.Type{Name: "dup", New: func(raw json.RawMessage, env dirsync.Env) (dirsync.Source, error) {
		var r rangeSource
		err := json.Unmarshal(raw, &r)
		return dupSource{r}, err
	}}
	eng, stop := runEngine(t, cs, dir, rangeType, dupType)
	defer stop()
	ctx := context.Background()
	create := func(typ, name string) string {
		v, err := eng.Create(ctx, dirsync.Input{Type: ptr(typ), Name: ptr(name), Enabled: ptr(false),
			Settings: map[string]json.RawMessage{"From": json.RawMessage("0"), "To": json.RawMessage("300"), "Name": json.RawMessage(`"A"`)}})
		if err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	run := func(id string) dirsync.Run {
		t.Helper()
		r, err := eng.SyncNow(ctx, id, dirsync.SyncOptions{})
		if err != nil || r.Result != "ok" {
			t.Fatalf("sync: %+v %v", r, err)
		}
		return r
	}

	hr := create("range", "hr")
	if r := run(hr); cs.loads != 1 || cs.bulks != 0 || r.Changed != 300 {
		t.Fatalf("first sync: %d loads, %d bulk rounds, %+v", cs.loads, cs.bulks, r)
	}
	if got := sourceSet(t, st, "hr"); !slices.Equal(got, wantRange("A", 0, 300)) {
		t.Fatalf("after the load: %d contacts", len(got))
	}
	if r := run(hr); cs.loads != 1 || cs.bulks != 1 || r.Changed != 0 || r.Synced != 300 {
		t.Fatalf("second sync: %d loads, %d bulk rounds, %+v (the load's hashes should mark all unchanged)", cs.loads, cs.bulks, r)
	}

	// An external id twice: the load steps back, Bulk applies the round,
	// the later version wins.
	dup := create("dup", "dup")
	run(dup)
	if cs.loads != 2 || cs.bulks != 2 {
		t.Fatalf("dup: %d loads, %d bulk rounds", cs.loads, cs.bulks)
	}
	want := append(wantRange("A", 1, 300), "0=Again")
	slices.Sort(want)
	if got := sourceSet(t, st, "dup"); !slices.Equal(got, want) {
		t.Fatalf("dup: %d contacts, first %v", len(got), got[:min(3, len(got))])
	}
	run(dup) // the source itself changes contact 0 twice a round
	if got := sourceSet(t, st, "dup"); !slices.Equal(got, want) {
		t.Fatalf("dup, second sync: %d contacts", len(got))
	}

	// Hashes lost while the contacts stay: the source is not empty, so no
	// load; the round rewrites the hashes.
	hashes := st.Meta("sync.hash." + hr)
	var keys []string
	hashes.List(ctx, func(k string, _ []byte) error { keys = append(keys, k); return nil })
	for _, k := range keys {
		if err := hashes.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	loads := cs.loads
	if r := run(hr); cs.loads != loads+1 || r.Synced != 300 {
		t.Fatalf("without hashes: %d loads (%d before), %+v", cs.loads, loads, r)
	}
	if got := sourceSet(t, st, "hr"); !slices.Equal(got, wantRange("A", 0, 300)) {
		t.Fatalf("without hashes: %d contacts", len(got))
	}
	if r := run(hr); r.Changed != 0 {
		t.Fatalf("hashes not rewritten: %+v", r)
	}
}
