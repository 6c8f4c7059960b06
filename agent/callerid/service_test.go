package callerid

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/pbxagent/pbxagent/phonebook"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		name      string
		number    string
		pres      Presentation
		wantMatch phonebook.MatchKind
		wantName  string
		wantOK    bool
		wantCalls int64
	}{
		{"hit", "061111111", PresentationAllowed, phonebook.MatchE164, "Ana Anić", true, 1},
		{"hit unknown pres", "1805", PresentationUnknown, phonebook.MatchExtension, "Reception", true, 1},
		{"miss", "069999999", PresentationAllowed, phonebook.MatchNone, "", false, 1},
		{"ambiguous", "064444444", PresentationAllowed, phonebook.MatchAmbiguous, "", false, 1},
		{"restricted pres", "061111111", 0x20, phonebook.MatchSkipped, "", false, 0},
		{"prohib pres 35", "061111111", 35, phonebook.MatchSkipped, "", false, 0},
		{"unavailable pres 67", "061111111", 67, phonebook.MatchSkipped, "", false, 0},
		{"screened pres 3", "061111111", 3, phonebook.MatchE164, "Ana Anić", true, 1},
		{"anonymous", "anonymous", PresentationAllowed, phonebook.MatchSkipped, "", false, 0},
		{"Anonymous case", " Anonymous ", PresentationAllowed, phonebook.MatchSkipped, "", false, 0},
		{"unknown", "unknown", PresentationUnknown, phonebook.MatchSkipped, "", false, 0},
		{"empty", "", PresentationUnknown, phonebook.MatchSkipped, "", false, 0},
		{"control chars cleaned", "063333333", 0, phonebook.MatchE164, "Evil SET VARIABLE X 1", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := testDir()
			s := newTestService(t, dir)
			res, ok := s.Resolve(context.Background(), ProtoHTTP, tt.number, tt.pres)
			if res.Match != tt.wantMatch || res.Name != tt.wantName || ok != tt.wantOK {
				t.Errorf("Resolve(%q,%d) = %+v, %v; want match %s name %q ok %v", tt.number, tt.pres, res, ok, tt.wantMatch, tt.wantName, tt.wantOK)
			}
			if got := dir.calls.Load(); got != tt.wantCalls {
				t.Errorf("directory calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestResolveFailOpen(t *testing.T) {
	t.Run("error", func(t *testing.T) {
		s := newTestService(t, &fakeDir{err: errBoom})
		res, ok := s.Resolve(context.Background(), ProtoAGI, "061111111", 0)
		if ok || res.Match != MatchError || res.Name != "" {
			t.Fatalf("got %+v %v, want error miss", res, ok)
		}
	})
	t.Run("late answer discarded", func(t *testing.T) {
		dir := &fakeDir{m: testDir().m, late: true}
		s := newTestService(t, dir, WithTimeout(20*time.Millisecond))
		res, ok := s.Resolve(context.Background(), ProtoAGI, "061111111", 0)
		if ok || res.Match != MatchTimeout || res.Name != "" {
			t.Fatalf("got %+v %v, want timeout", res, ok)
		}
	})
	t.Run("isolated: directory ignores ctx", func(t *testing.T) {
		dir := &fakeDir{block: make(chan struct{})}
		defer close(dir.block)
		s := newTestService(t, dir, WithTimeout(20*time.Millisecond), WithLookupIsolation(true))
		res, ok := s.Resolve(context.Background(), ProtoAGI, "061111111", 0)
		if ok || res.Match != MatchTimeout {
			t.Fatalf("got %+v %v, want timeout", res, ok)
		}
	})
	t.Run("directory returns ctx error", func(t *testing.T) {
		s := newTestService(t, &fakeDir{err: context.DeadlineExceeded})
		if res, _ := s.Resolve(context.Background(), ProtoAGI, "061111111", 0); res.Match != MatchTimeout {
			t.Fatalf("match = %s, want timeout", res.Match)
		}
	})
	t.Run("caller context already done", func(t *testing.T) {
		dir := testDir()
		s := newTestService(t, dir)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if res, ok := s.Resolve(ctx, ProtoSIP, "061111111", 0); ok || res.Match != MatchTimeout || dir.calls.Load() != 0 {
			t.Fatalf("got %+v %v calls %d, want timeout without lookup", res, ok, dir.calls.Load())
		}
	})
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	dir := &fakeDir{m: testDir().m}
	s := newTestService(t, dir, WithRegisterer(reg), WithTimeout(20*time.Millisecond))
	ctx := context.Background()
	s.Resolve(ctx, ProtoHTTP, "061111111", 0)
	s.Resolve(ctx, ProtoHTTP, "061111111", 0)
	s.Resolve(ctx, ProtoAGI, "000", 0)
	s.Resolve(ctx, ProtoSIP, "anonymous", 0)
	dir.late = true
	s.Resolve(ctx, ProtoARI, "061111111", 0)

	if got := testutil.ToFloat64(s.metrics.lookups.WithLabelValues("http", "hit", "e164")); got != 2 {
		t.Errorf("http hits = %v, want 2", got)
	}
	if got := testutil.ToFloat64(s.metrics.lookups.WithLabelValues("agi", "miss", "none")); got != 1 {
		t.Errorf("agi misses = %v, want 1", got)
	}
	if got := testutil.ToFloat64(s.metrics.lookups.WithLabelValues("sip", "miss", "skipped")); got != 1 {
		t.Errorf("sip skipped = %v, want 1", got)
	}
	if got := testutil.ToFloat64(s.metrics.timeouts.WithLabelValues("ari")); got != 1 {
		t.Errorf("ari timeouts = %v, want 1", got)
	}
	if n := testutil.CollectAndCount(s.metrics.latency); n != 4 {
		t.Errorf("latency series = %d, want 4 (one per protocol)", n)
	}
	// A second service on the same registry must fail loudly, not share counters silently.
	if _, err := New(dir, WithRegisterer(reg)); err == nil || !strings.Contains(err.Error(), "metrics") {
		t.Errorf("second registration error = %v, want a metrics error", err)
	}
}

func TestNewOptionsValidate(t *testing.T) {
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
	if _, err := New(testDir(), WithTimeout(0)); err == nil {
		t.Error("WithTimeout(0) accepted")
	}
	if _, err := New(testDir(), WithMaxAGISessions(0)); err == nil {
		t.Error("WithMaxAGISessions(0) accepted")
	}
}

func TestPresentation(t *testing.T) {
	tests := []struct {
		in       string
		want     Presentation
		withheld bool
	}{
		{"0", 0, false}, {"1", 1, false}, {"3", 3, false}, {"32", 32, true}, {"35", 35, true},
		{"67", 67, true}, {"64", 64, true}, {"", PresentationUnknown, false}, {"x", PresentationUnknown, false},
		{"-5", PresentationUnknown, false}, {"999", PresentationUnknown, false},
		{"allowed_not_screened", 0, false}, {"prohib", 0x23, true}, {"unavailable", 0x43, true},
	}
	for _, tt := range tests {
		p := ParsePresentation(tt.in)
		if p != tt.want || p.Withheld() != tt.withheld {
			t.Errorf("ParsePresentation(%q) = %d (withheld %v), want %d (%v)", tt.in, p, p.Withheld(), tt.want, tt.withheld)
		}
	}
}

func TestShouldOverwrite(t *testing.T) {
	tests := []struct {
		current, number string
		policy          OverwritePolicy
		want            bool
	}{
		{"", "061111111", OverwriteWeak, true},
		{"  ", "061111111", OverwriteWeak, true},
		{"unknown", "061111111", OverwriteWeak, true},
		{"UNKNOWN", "061111111", OverwriteWeak, true},
		{"061111111", "061111111", OverwriteWeak, true},
		{"061 111-111", "061111111", OverwriteWeak, true},
		{"Bob", "061111111", OverwriteWeak, false},
		{"0611", "061111111", OverwriteWeak, false},
		{"Bob", "061111111", OverwriteAlways, true},
		{"unknown", "061111111", OverwriteNever, false},
		{"", "061111111", OverwriteNever, true},
	}
	for _, tt := range tests {
		if got := ShouldOverwrite(tt.current, tt.number, tt.policy); got != tt.want {
			t.Errorf("ShouldOverwrite(%q, %q, %s) = %v, want %v", tt.current, tt.number, tt.policy, got, tt.want)
		}
	}
	for _, s := range []string{"weak", "always", "never"} {
		p, err := ParseOverwritePolicy(s)
		if err != nil || p.String() != s {
			t.Errorf("ParseOverwritePolicy(%q) = %v, %v", s, p, err)
		}
	}
	if _, err := ParseOverwritePolicy("sometimes"); err == nil || !strings.Contains(err.Error(), "sometimes") {
		t.Errorf("bad policy error = %v", err)
	}
}

func TestCNAM(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Đurić Šećo", "Djuric Seco"},
		{"Ana Anić", "Ana Anic"},
		{"Müller-Lüdenscheidt GmbH", "Muller-Ludensch"},
		{"  Zoë   Ørsted ", "Zoe Orsted"},
		{"Łukasz Żółć", "Lukasz Zolc"},
		{"Straße", "Strasse"},
		{"Ærø Œuvre", "AEro OEuvre"},
		{"日本 Tokyo", "Tokyo"},
		{"Ana 😀 Anić", "Ana Anic"},
		{"Tab\tand\nnewline", "Tab and newline"},
		{"abcdefghijklmn opq", "abcdefghijklmn"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := CNAM(tt.in); got != tt.want {
			t.Errorf("CNAM(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzCNAM(f *testing.F) {
	for _, s := range []string{"Đurić Šećo", "Müller", "\x00\xff", "a  b", "😀"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CNAM(s)
		if len(got) > CNAMMaxLen {
			t.Fatalf("CNAM(%q) = %q: longer than %d", s, got, CNAMMaxLen)
		}
		for i := 0; i < len(got); i++ {
			if got[i] < 0x20 || got[i] > 0x7e {
				t.Fatalf("CNAM(%q) = %q: non-printable byte %#x", s, got, got[i])
			}
		}
		if strings.HasPrefix(got, " ") || strings.HasSuffix(got, " ") || strings.Contains(got, "  ") {
			t.Fatalf("CNAM(%q) = %q: untidy blanks", s, got)
		}
		if CNAM(got) != got {
			t.Fatalf("CNAM not idempotent on %q", got)
		}
	})
}

func TestCleanName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Ana Anić", "Ana Anić"},
		{"A\r\nB", "A B"},
		{" x\x00y ", "x y"},
		{"bad\xffutf", "bad utf"},
		{strings.Repeat("é", 150), strings.Repeat("é", 100)},
	}
	for _, tt := range tests {
		if got := CleanName(tt.in); got != tt.want {
			t.Errorf("CleanName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"Ana Anić", " a", "a  b", "a\u00a0b", "x\r\ny", "\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CleanName(s)
		if CleanName(c) != c || !isClean(c) {
			t.Fatalf("CleanName(%q) = %q is not a fixed point", s, c)
		}
		if isClean(s) && c != s {
			t.Fatalf("clean %q changed to %q", s, c)
		}
		if len(c) > maxNameBytes || strings.ContainsAny(c, "\r\n\x00") {
			t.Fatalf("CleanName(%q) = %q", s, c)
		}
	})
}
