package dialer

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
	"github.com/pbxagent/pbxagent/phonebook/number"
)

// The phonebook store's namespaces are what the daemon passes in.
var _ KV = phonebook.KV(nil)

func openBook(t *testing.T, dir string) *phonebook.Store {
	t.Helper()
	n, err := number.New(number.Config{DefaultRegion: "GB", TrunkPrefixes: []string{"0"}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := phonebook.Open(context.Background(), phonebook.Options{Dir: dir, InMemory: dir == "", Numbering: n.Numbering(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), MemoryBudget: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestRestartRestoresDialerState runs calls through the fake telephony,
// stops the dialer, reopens the phonebook store and checks that
// campaigns, leads, the DNC list, the 72-hour quarantine and the meter are
// back, and that the restarted dialer never calls a finished lead, a DNC
// number or one abandoned within 72 hours.
func TestRestartRestoresDialerState(t *testing.T) {
	dir := t.TempDir()
	book := openBook(t, dir)
	clk := clock.NewVirtual(t0)
	tel := &recTel{}
	d := New(tel, WithClock(clk), WithCallIDPrefix("a"), WithLogger(quiet()), WithStore(NewKVStore(book.Meta("dialer"), quiet())))
	if err := d.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.Start(context.Background())
	cfg, err := d.CreateCampaign(CampaignConfig{ID: "camp", Name: "Winter", Mode: ModeSpare, SpareCalls: 3, MaxChannels: 4,
		InfoMessage: "sound:info", Window: CallingWindow{DefaultTZ: "Europe/London"}})
	if err != nil {
		t.Fatal(err)
	}
	var in []LeadInput
	for _, n := range []string{"+442071234001", "+442071234002", "+442071234003", "+442071234004", "+442071234005", "+442071234006"} {
		in = append(in, LeadInput{Number: n, Name: "n" + n[len(n)-1:], Fields: map[string]string{"ref": n[len(n)-3:]}})
	}
	if _, err := d.AddLeads("camp", in); err != nil {
		t.Fatal(err)
	}
	d.AddDNC([]string{"+442071234006"})
	if err := d.Login("a1", "camp", "PJSIP/a1"); err != nil {
		t.Fatal(err)
	}
	d.HandleEvent(Event{Kind: EventAgentUp, AgentID: "a1"})
	if err := d.StartCampaign("camp"); err != nil {
		t.Fatal(err)
	}
	// Spare mode, 1 ready agent + 3 spare: leads 1-4 ring as a1..a4.
	if got := tel.take(); tel.countIn(got, "originate") != 4 {
		t.Fatalf("commands %v, want 4 originates", got)
	}
	clk.Advance(5 * time.Second)
	d.HandleEvent(Event{Kind: EventAnswered, CallID: "a1"}) // lead 1 -> agent a1
	d.HandleEvent(Event{Kind: EventAnswered, CallID: "a2"}) // lead 2 waits ...
	d.HandleEvent(Event{Kind: EventEnded, CallID: "a3", Cause: 17})
	clk.Advance(3 * time.Second) // ... and is abandoned after the 2 s grace
	d.HandleEvent(Event{Kind: EventEnded, CallID: "a2", Cause: 16})
	d.HandleEvent(Event{Kind: EventEnded, CallID: "a1", Cause: 16})
	if err := d.SetDisposition("a1", "not interested", true); err != nil { // lead 1 opts out
		t.Fatal(err)
	}
	clk.Advance(2 * time.Minute) // the meter is saved once a minute
	if v := view(t, d); v.Abandoned != 1 || v.Answered != 2 {
		t.Fatalf("before restart: %d abandoned of %d answered, want 1 of 2", v.Abandoned, v.Answered)
	}
	before, _, err := d.Leads("camp", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var dialing []string
	for _, l := range before {
		if l.Status == LeadDialing {
			dialing = append(dialing, l.Number)
		}
	}
	if len(dialing) == 0 {
		t.Fatal("no call left ringing at the restart; the test needs one")
	}
	d.Close()
	if err := book.Close(); err != nil {
		t.Fatal(err)
	}

	// Restart on the same data directory, an hour later.
	clk.Advance(time.Hour)
	book = openBook(t, dir)
	t.Cleanup(func() { _ = book.Close() })
	tel = &recTel{}
	d = New(tel, WithClock(clk), WithCallIDPrefix("b"), WithLogger(quiet()), WithStore(NewKVStore(book.Meta("dialer"), quiet())))
	t.Cleanup(d.Close)
	if err := d.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	d.Start(context.Background())
	restoredAt := clk.Now()

	gotCfg, state, err := d.CampaignConfigOf("camp")
	if err != nil {
		t.Fatal(err)
	}
	if state != CampaignPaused {
		t.Errorf("campaign running before the restart came back %s, want paused", state)
	}
	if gotCfg.Name != cfg.Name || gotCfg.SpareCalls != 3 || gotCfg.Retry != cfg.Retry || gotCfg.Window != cfg.Window {
		t.Errorf("config after restart %+v, want %+v", gotCfg, cfg)
	}
	after, _, err := d.Leads("camp", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("%d leads after restart, want %d", len(after), len(before))
	}
	for i, b := range before {
		a := after[i]
		if b.Status == LeadDialing {
			if a.Status != LeadPending || a.LastOutcome != OutcomeLost || !a.NextAt.Equal(restoredAt.Add(AbandonQuarantine)) || a.Attempts != b.Attempts {
				t.Errorf("lead %s in doubt came back %+v, want pending, lost, due 72 h after the restore", b.ID, a)
			}
			continue
		}
		if a.ID != b.ID || a.Number != b.Number || a.Name != b.Name || !maps.Equal(a.Fields, b.Fields) || a.Status != b.Status ||
			a.Attempts != b.Attempts || a.LastOutcome != b.LastOutcome || !a.NextAt.Equal(b.NextAt) || a.Disposition != b.Disposition {
			t.Errorf("lead after restart\n got %+v\nwant %+v", a, b)
		}
	}
	for _, n := range []string{"+442071234006", "+442071234001"} {
		if !d.DNC().Contains(n) {
			t.Errorf("%s (imported / opted out) not on the DNC list after restart", n)
		}
	}
	if v := view(t, d); v.AbandonRate != 0.5 {
		t.Errorf("abandonment over the window after restart %.3f, want 0.5 (1 of 2)", v.AbandonRate)
	}

	// Dial on: nothing finished, listed or quarantined is called; the busy
	// lead comes back after its 20 minutes.
	if err := d.Login("a1", "camp", "PJSIP/a1"); err != nil {
		t.Fatal(err)
	}
	d.HandleEvent(Event{Kind: EventAgentUp, AgentID: "a1"})
	if err := d.StartCampaign("camp"); err != nil {
		t.Fatal(err)
	}
	forbidden := append([]string{"+442071234001", "+442071234002", "+442071234006"}, dialing...)
	called := map[string]bool{}
	for range 40 {
		clk.Advance(30 * time.Second)
		for _, o := range tel.originate {
			called[o.Number] = true
			d.HandleEvent(Event{Kind: EventEnded, CallID: o.CallID, Cause: 19})
		}
		tel.originate = nil
	}
	for _, n := range forbidden {
		if called[n] {
			t.Errorf("restarted dialer called %s (finished, DNC or within 72 h of an abandoned call)", n)
		}
	}
	if !called["+442071234003"] {
		t.Errorf("busy lead not retried after the restart; called %v", slices.Sorted(maps.Keys(called)))
	}
}

func view(t *testing.T, d *Dialer) CampaignView {
	t.Helper()
	v, err := d.CampaignView("camp")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (r *recTel) countIn(cmds []string, prefix string) int {
	n := 0
	for _, c := range cmds {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// flakyKV is an in-memory KV whose writes fail while down is set.
type flakyKV struct {
	mu   sync.Mutex
	m    map[string][]byte
	puts int
	down bool
}

func (f *flakyKV) Get(_ context.Context, k string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[k]
	if !ok {
		return nil, errors.New("not found")
	}
	return v, nil
}
func (f *flakyKV) Put(_ context.Context, k string, v []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return errors.New("disk full")
	}
	f.puts++
	f.m[k] = slices.Clone(v)
	return nil
}
func (f *flakyKV) Delete(_ context.Context, k string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return errors.New("disk full")
	}
	delete(f.m, k)
	return nil
}
func (f *flakyKV) List(_ context.Context, fn func(string, []byte) error) error {
	f.mu.Lock()
	m := maps.Clone(f.m)
	f.mu.Unlock()
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if err := fn(k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

func TestKVStoreWritesBehindRetriesAndFlushesOnClose(t *testing.T) {
	ctx := context.Background()
	kv := &flakyKV{m: map[string][]byte{}, down: true}
	s := NewKVStore(kv, quiet())
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	cfg := CampaignConfig{ID: "c", Name: "x"}
	if err := s.SaveCampaign(cfg, CampaignRunning); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveAbandoned("+442071234001", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err == nil {
		t.Fatal("flush with the KV down: no error")
	}
	kv.mu.Lock()
	kv.down = false
	kv.mu.Unlock()
	// Saved again while queued: only the last state is written.
	if err := s.SaveCampaign(cfg, CampaignPaused); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveLead("c", Lead{ID: "1", Number: "+442071234002", Status: LeadPending, Attempts: 2,
		counts: map[Outcome]int{OutcomeBusy: 2}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveDNC("+442071234003", at); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if kv.puts != 4 {
		t.Errorf("%d puts, want 4 (campaign once, abandoned, lead, dnc)", kv.puts)
	}
	// After Close a save is written at once.
	if err := s.SaveAbandoned("+442071234001", time.Time{}); err != nil {
		t.Fatal(err)
	}
	got, err := NewKVStore(kv, quiet()).Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Campaigns) != 1 || got.Campaigns[0].State != CampaignPaused || len(got.Campaigns[0].Leads) != 1 {
		t.Fatalf("loaded %+v", got)
	}
	if l := got.Campaigns[0].Leads[0]; l.counts[OutcomeBusy] != 2 || l.Attempts != 2 {
		t.Errorf("lead %+v counts %v", l, l.counts)
	}
	if !got.DNC["+442071234003"].Equal(at) || len(got.Abandoned) != 0 {
		t.Errorf("dnc %v abandoned %v", got.DNC, got.Abandoned)
	}
}

func TestKVStoreLoadNamesBadRecord(t *testing.T) {
	for _, key := range []string{"c/x", "l/x/1", "m/x", "dnc/+1", "ab/+1"} {
		kv := &flakyKV{m: map[string][]byte{key: []byte("{not json")}}
		s := NewKVStore(kv, quiet())
		_, err := s.Load(context.Background())
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: error %v, want one naming the key", key, err)
		}
		_ = s.Close()
	}
}

func TestRestoreKeepsQuarantineAndDropsExpired(t *testing.T) {
	st := NewMemoryStore()
	now := t0
	_ = st.SaveAbandoned("+442071234001", now.Add(-71*time.Hour))
	_ = st.SaveAbandoned("+442071234002", now.Add(-73*time.Hour))
	_ = st.SaveCampaign(CampaignConfig{ID: "camp", Mode: ModeProgressive, MaxChannels: 2, InfoMessage: "sound:i"}.withDefaults(), CampaignRunning)
	for i, n := range []string{"+442071234001", "+442071234002"} {
		_ = st.SaveLead("camp", Lead{ID: string(rune('1' + i)), Number: n, Status: LeadPending})
	}
	clk := clock.NewVirtual(now)
	tel := &recTel{}
	d := New(tel, WithClock(clk), WithCallIDPrefix("c"), WithLogger(quiet()), WithStore(st))
	if err := d.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := d.Restore(context.Background()); !errors.Is(err, ErrConflict) {
		t.Errorf("second restore: %v, want a conflict", err)
	}
	d.Start(context.Background())
	t.Cleanup(d.Close)
	if _, ok := st.abandoned["+442071234002"]; ok {
		t.Error("expired 72-hour record not dropped from the store")
	}
	_ = d.Login("a", "camp", "PJSIP/a")
	d.HandleEvent(Event{Kind: EventAgentUp, AgentID: "a"})
	_ = d.StartCampaign("camp")
	if got := tel.originate; len(got) != 1 || got[0].Number != "+442071234002" {
		t.Fatalf("originated %v, want only the number out of quarantine", got)
	}
	d.HandleEvent(Event{Kind: EventEnded, CallID: got0(tel), Cause: 19})
	tel.originate = nil
	clk.Advance(59 * time.Minute)
	if len(tel.originate) != 0 {
		t.Fatalf("called %v within 72 h of its abandoned call", tel.originate)
	}
	clk.Advance(2 * time.Minute)
	if len(tel.originate) != 1 || tel.originate[0].Number != "+442071234001" {
		t.Fatalf("originated %v, want the quarantined number once 72 h passed", tel.originate)
	}
}

func got0(r *recTel) string { return r.originate[0].CallID }
