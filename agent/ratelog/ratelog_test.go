package ratelog

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestLimiter: one line per interval; the events in between are counted
// into the next line.
func TestLimiter(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	now := time.Unix(1000, 0)
	r := New(10*time.Second, func() time.Time { return now })
	for _, step := range []struct {
		advance time.Duration
		n       int
	}{
		{advance: 0, n: 5},                // first logged, 4 counted
		{advance: 9 * time.Second, n: 3},  // still inside: 3 more counted
		{advance: 2 * time.Second, n: 1},  // past the interval: logged with 7
		{advance: 10 * time.Second, n: 1}, // nothing left out
	} {
		now = now.Add(step.advance)
		for i := 0; i < step.n; i++ {
			r.Log(l, slog.LevelWarn, "refused", "max", 2)
		}
	}
	got := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := []string{
		"level=WARN msg=refused max=2",
		"level=WARN msg=refused max=2 suppressed=7",
		"level=WARN msg=refused max=2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
