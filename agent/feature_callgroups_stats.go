package agent

import (
	"context"
	"fmt"

	"github.com/pbxagent/pbxagent/agent/callgroups/queuelog"
	"github.com/pbxagent/pbxagent/agent/callgroups/stats"
	"github.com/pbxagent/pbxagent/agent/platform"
)

// newCallGroupStats builds the call groups' statistics, kept in the store
// (Meta "callgroup_stats", loaded), the queue_log writer (nil when
// callgroups.queue_log is ""; reopened by Daemon.Reload, on SIGHUP) and
// the statistics' routes. The call groups' component journals to both
// (callgroups.Journals{st, qlog}), serves the routes with its own and runs
// runCallGroupStats (retention, then the queue_log closed).
func newCallGroupStats(b *build) (*stats.Store, *queuelog.Writer, []platform.Route, error) {
	cfg := b.cfg.CallGroups.Config
	log := b.logger("callgroup_stats")
	loc, err := callGroupsLocation(b.cfg.CallGroups.TimeZone)
	if err != nil {
		return nil, nil, nil, err
	}
	st := stats.New(b.store.MetaBatch("callgroup_stats"), stats.WithRetention(cfg.StatsRetention), stats.WithLogger(log), stats.WithLocation(loc))
	if err := st.Load(b.ctx); err != nil {
		return nil, nil, nil, fmt.Errorf("callgroup stats: %w", err)
	}
	var qlog *queuelog.Writer
	if path := cfg.QueueLogPath(b.cfg.DataDir); path != "" {
		w, err := queuelog.Open(path, queuelog.WithLogger(log))
		if err != nil {
			return nil, nil, nil, err
		}
		qlog = w
		b.d.queueLog = w
	}
	return st, qlog, stats.NewHandler(st).Routes(), nil
}

// reopenQueueLog reopens the queue_log after a rotation (Reload).
func (d *Daemon) reopenQueueLog() {
	if d.queueLog == nil {
		return
	}
	if err := d.queueLog.Reopen(); err != nil {
		d.log.Error("queue_log: not reopened; still writing the old file", "path", d.queueLog.Path(), "err", err)
	}
}

// runCallGroupStats removes the statistics' days past the retention after
// each midnight until ctx ends, then closes the queue_log (nil: none):
// the call groups' component runs it in its Run.
func runCallGroupStats(ctx context.Context, st *stats.Store, qlog *queuelog.Writer) error {
	err := st.Run(ctx)
	if qlog != nil {
		if cerr := qlog.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
