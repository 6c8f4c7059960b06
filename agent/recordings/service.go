package recordings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/pbxagent/pbxagent/agent/audit"
	"github.com/pbxagent/pbxagent/agent/calls"
	"github.com/pbxagent/pbxagent/internal/clock"
	"github.com/pbxagent/pbxagent/phonebook"
)

// Auditor records what is done to the recordings (the audit log).
type Auditor interface {
	Record(ctx context.Context, e audit.Entry) error
}

// Service keeps the recordings: metadata in kv, files in Asterisk (or in
// a folder for the calls over SIP: Dir). It is
// the calls engine's calls.RecordingSink, the /api/v1/recordings API
// (Routes) and, with Run, the retention.
type Service struct {
	kv    KV
	ari   Files
	cfg   Config
	log   *slog.Logger
	clk   clock.Clock
	audit Auditor
	// sizes are the recordings whose file size is to be measured (by Run).
	sizes chan string
	// pruned, when set, is called after each prune (tests).
	pruned func(n int)
	// measured, when set, is called after each size measurement (tests).
	measured func(name string)

	mu sync.Mutex // serialises the metadata's read-modify-writes
	// live are the recordings this process started that have not ended:
	// any other listed as in progress was left by an earlier run.
	live map[string]bool
}

// Option configures a Service.
type Option func(*Service)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithClock sets the clock of the retention.
func WithClock(c clock.Clock) Option { return func(s *Service) { s.clk = c } }

// WithAuditor records downloads in the audit log (deletions are recorded
// by the audit middleware, as every API change).
func WithAuditor(a Auditor) Option { return func(s *Service) { s.audit = a } }

// New returns the recordings kept in kv (the store's namespace
// "recordings"), their files in rec (Asterisk's ari.Recordings, a Dir).
func New(kv KV, rec Files, cfg Config, opts ...Option) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.PruneEvery == 0 {
		cfg.PruneEvery = DefaultPruneEvery
	}
	s := &Service{kv: kv, ari: rec, cfg: cfg, log: slog.Default(), clk: clock.Real{}, sizes: make(chan string, 256), live: map[string]bool{}}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Name names the component.
func (s *Service) Name() string { return "recordings" }

// RecordingStarted implements calls.RecordingSink: the recording is
// listed at once, state recording.
func (s *Service) RecordingStarted(ctx context.Context, info calls.RecordingInfo) error {
	r := Recording{Name: info.Name, CallID: info.CallID, UserID: info.UserID, Direction: string(info.Direction),
		From: info.From, FromName: info.FromName, To: info.To, ToName: info.ToName, Format: info.Format,
		State: StateRecording, StartedAt: info.StartedAt.UTC()}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.put(ctx, r); err != nil {
		return err
	}
	s.live[r.Name] = true
	return nil
}

// RecordingEnded implements calls.RecordingSink: a failed recording is
// removed (it has no file); a stopped one is done, with its duration
// (Asterisk's once it reports the end) and, measured later by Run, its
// size.
func (s *Service) RecordingEnded(ctx context.Context, end calls.RecordingEnd) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.live, end.Name)
	r, err := s.get(ctx, end.Name)
	if errors.Is(err, ErrNotFound) {
		return
	}
	if err != nil {
		s.log.Warn("recordings: read", "recording", end.Name, "err", err)
		return
	}
	if end.Failed {
		if err := s.remove(ctx, r); err != nil {
			s.log.Warn("recordings: remove a failed recording", "recording", end.Name, "err", err)
		}
		return
	}
	r.State = StateDone
	if r.EndedAt == nil && !end.EndedAt.IsZero() {
		t := end.EndedAt.UTC()
		r.EndedAt = &t
	}
	if end.Duration > 0 && (end.Final || r.Duration == 0) {
		r.Duration = int(end.Duration.Round(time.Second) / time.Second)
	}
	if err := s.put(ctx, r); err != nil {
		s.log.Warn("recordings: update", "recording", end.Name, "err", err)
		return
	}
	if end.Final {
		select {
		case s.sizes <- end.Name:
		default: // measured at its first download instead
		}
	}
}

// Get returns a recording the viewer may see.
func (s *Service) Get(ctx context.Context, v Viewer, name string) (Recording, error) {
	r, err := s.get(ctx, name)
	if err != nil {
		return Recording{}, err
	}
	if !v.sees(r) {
		return Recording{}, ErrNotFound
	}
	return r, nil
}

// ErrInProgress: the recording is still being made.
var ErrInProgress = errors.New("the recording is in progress: stop it first (POST /api/v1/calls/{id}/record)")

// Delete deletes a recording: its file in Asterisk (one already gone is
// fine), then its metadata.
func (s *Service) Delete(ctx context.Context, v Viewer, name string) error {
	r, err := s.Get(ctx, v, name)
	if err != nil {
		return err
	}
	if r.State == StateRecording {
		return ErrInProgress
	}
	return s.delete(ctx, r)
}

func (s *Service) delete(ctx context.Context, r Recording) error {
	if err := s.ari.DeleteStored(ctx, r.Name); err != nil && !fileGone(err) {
		return fmt.Errorf("delete recording %s's file: %w", r.Name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remove(ctx, r)
}

// File streams a recording's file to w (see ari.Recordings.StoredFile) and
// notes its size if it was not known.
func (s *Service) File(ctx context.Context, r Recording, w io.Writer) (int64, error) {
	_, n, err := s.ari.StoredFile(ctx, r.Name, w)
	if err != nil {
		return n, err
	}
	if r.Size == 0 && n > 0 {
		s.setSize(ctx, r.Name, n)
	}
	return n, nil
}

func (s *Service) setSize(ctx context.Context, name string, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(ctx, name)
	if err != nil || r.Size == n {
		return
	}
	r.Size = n
	if err := s.put(ctx, r); err != nil {
		s.log.Warn("recordings: note the size", "recording", name, "err", err)
	}
}

// measure reads a finished recording's file from Asterisk to learn its
// size (ARI's StoredRecording has none).
func (s *Service) measure(ctx context.Context, name string) {
	_, n, err := s.ari.StoredFile(ctx, name, io.Discard)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("recordings: measure the file", "recording", name, "err", err)
		}
		return
	}
	s.setSize(ctx, name, n)
}

// Run measures the finished recordings' files and, with a retention,
// deletes the recordings older than it at start and then every
// PruneEvery, until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	if n, err := s.Recover(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("recordings: closing the recordings of an earlier run failed", "err", err)
	} else if n > 0 {
		s.log.Info("recordings: closed the recordings an earlier run left in progress", "recordings", n)
	}
	for {
		var tc <-chan time.Time
		var t clock.Timer
		if s.cfg.Retention > 0 {
			n, err := s.Prune(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.Warn("recordings: deleting old recordings failed", "err", err)
			} else if n > 0 {
				s.log.Info("recordings: deleted old recordings", "recordings", n, "retention", s.cfg.Retention)
			}
			t = s.clk.NewTimer(s.cfg.PruneEvery)
			tc = t.C()
			if s.pruned != nil {
				s.pruned(n)
			}
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				if t != nil {
					t.Stop()
				}
				return nil
			case name := <-s.sizes:
				s.measure(ctx, name)
				if s.measured != nil {
					s.measured(name)
				}
			case <-tc:
				break wait
			}
		}
	}
}

// maxPrune bounds the recordings one prune deletes (the rest wait for the
// next).
const maxPrune = 10_000

// Prune deletes the recordings (files and metadata) that started more
// than the retention ago, and returns how many it deleted. A recording
// still in progress is kept; one whose file Asterisk fails to delete is
// tried again at the next prune.
func (s *Service) Prune(ctx context.Context) (int, error) {
	if s.cfg.Retention <= 0 {
		return 0, nil
	}
	cutoff := timePrefix + timeKey(s.clk.Now().Add(-s.cfg.Retention))
	var keys, names []string
	err := s.kv.Range(ctx, timePrefix, cutoff, false, func(k string, v []byte) error {
		keys, names = append(keys, k), append(names, string(v))
		if len(names) >= maxPrune {
			return phonebook.ErrStopRange
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("recordings: list old recordings: %w", err)
	}
	n := 0
	var firstErr error
	for i, name := range names {
		r, err := s.get(ctx, name)
		if errors.Is(err, ErrNotFound) {
			err = s.kv.Delete(ctx, keys[i]) // an index entry left alone
		}
		if err == nil && r.State == StateRecording {
			continue
		}
		if err == nil && r.Name != "" {
			err = s.delete(ctx, r)
		}
		if err != nil {
			if ctx.Err() != nil {
				return n, ctx.Err()
			}
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		n++
	}
	return n, firstErr
}

// Recover closes the recordings an earlier run left in progress (it
// stopped without ending them: a crash): nobody records them any more
// (the calls engine hangs up an earlier run's calls, and Asterisk ends a
// bridge's recording with the bridge). They become done, with their
// duration unknown; Run measures their files. It returns how many it
// closed.
func (s *Service) Recover(ctx context.Context) (int, error) {
	var left []string
	err := s.kv.Range(ctx, recPrefix, recEnd, false, func(k string, v []byte) error {
		var r Recording
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("recording %s: %w", k, err)
		}
		if r.State == StateRecording {
			left = append(left, r.Name)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("recordings: list those in progress: %w", err)
	}
	n := 0
	for _, name := range left {
		s.mu.Lock()
		r, err := s.get(ctx, name)
		if err != nil || r.State != StateRecording || s.live[name] {
			s.mu.Unlock()
			continue
		}
		r.State = StateDone
		err = s.put(ctx, r)
		s.mu.Unlock()
		if err != nil {
			return n, err
		}
		n++
		select {
		case s.sizes <- name:
		default:
		}
	}
	return n, nil
}
