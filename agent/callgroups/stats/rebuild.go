package stats

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pbxagent/pbxagent/agent/callgroups"
	"github.com/pbxagent/pbxagent/agent/callgroups/queuelog"
)

// Replayed is what Rebuild read.
type Replayed struct {
	// Lines read, Entries recorded, Skipped lines (unreadable, or events
	// that are not the journal's: QUEUESTART, CONFIGRELOAD, AGENTDUMP…).
	Lines, Entries, Skipped int
}

// Rebuild records into s the entries of a queue_log read from r — a day's
// file from pbxagent, or one app_queue wrote — so that the statistics of
// the days it covers are made again (into a new store, or one without
// those days: it adds to what is there). The file does not hold the
// groups' SLA threshold and short-abandon time: thresholds gives them by
// group (nil: 0). Members are named as the file names them (the agent
// field), durations are whole seconds.
func (s *Store) Rebuild(ctx context.Context, r io.Reader, thresholds func(groupID string) (sla, short time.Duration)) (Replayed, error) {
	var out Replayed
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		out.Lines++
		l, err := queuelog.Parse(sc.Text())
		if err != nil {
			out.Skipped++
			continue
		}
		e, ok := queuelog.ToEntry(l)
		if !ok {
			out.Skipped++
			continue
		}
		if thresholds != nil && (e.Verb == callgroups.VerbConnect || e.Verb == callgroups.VerbAbandon) {
			e.SLAThreshold, e.ShortAbandon = thresholds(e.GroupID)
		}
		s.Record(ctx, e)
		out.Entries++
		if err := ctx.Err(); err != nil {
			return out, err
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("callgroup stats: rebuild: line %d: %w", out.Lines+1, err)
	}
	return out, nil
}
