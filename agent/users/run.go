package users

import (
	"context"
	"fmt"
	"time"
)

// sweepEvery is how often Run ends expired sessions and stores when the
// others were last used; lastSeenGranularity is how stale a stored last use
// may be (a restart may thus end a session that much early).
const (
	sweepEvery          = time.Minute
	lastSeenGranularity = time.Minute
)

// Run implements platform.Runner: every minute it ends expired sessions
// and writes when the others were last used.
func (s *Service) Run(ctx context.Context) error {
	t := s.clk.NewTimer(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C():
		}
		if err := s.sweep(ctx, lastSeenGranularity); err != nil {
			s.log.Warn("sessions sweep", "err", err)
		}
		t.Reset(sweepEvery)
	}
}

// Shutdown implements platform.Shutdowner: it stores when each session
// was last used.
func (s *Service) Shutdown(ctx context.Context) error { return s.sweep(ctx, 1) }

// sweep ends expired sessions and stores last uses older than granularity.
func (s *Service) sweep(ctx context.Context, granularity time.Duration) error {
	s.skv.Lock()
	defer s.skv.Unlock()
	puts, dels := s.sessions.sweep(s.clk.Now(), func(ss *session, now time.Time) bool {
		return s.expired(ss.created, time.Unix(0, ss.lastSeen.Load()), now)
	}, granularity)
	if len(puts)+len(dels) == 0 {
		return nil
	}
	if err := s.kv.WriteBatch(ctx, puts, dels); err != nil {
		return fmt.Errorf("store sessions: %w", err)
	}
	if len(dels) > 0 {
		s.log.Debug("sessions ended", "expired", len(dels))
	}
	return nil
}
