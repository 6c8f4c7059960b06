package dialer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// KV is the key-value namespace a KVStore writes to. phonebook's
// Store.Meta(ns) satisfies it; the dialer does not import phonebook.
type KV interface {
	// Get returns the value of key.
	Get(ctx context.Context, key string) ([]byte, error)
	// Put stores val under key.
	Put(ctx context.Context, key string, val []byte) error
	// Delete removes key; an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every key in key order.
	List(ctx context.Context, fn func(key string, val []byte) error) error
}

// Key layout of a KVStore's namespace.
const (
	kvCampaign  = "c/"   // c/<campaign> -> kvCampaignRec
	kvLead      = "l/"   // l/<campaign>/<lead> -> kvLeadRec
	kvMeter     = "m/"   // m/<campaign> -> MeterSnapshot
	kvDNC       = "dnc/" // dnc/<number> -> kvTimeRec
	kvAbandoned = "ab/"  // ab/<number> -> kvTimeRec
)

type kvCampaignRec struct {
	Config CampaignConfig `json:"config"`
	State  CampaignState  `json:"state"`
}

type kvLeadRec struct {
	Lead
	Counts map[Outcome]int `json:"counts,omitempty"`
}

type kvTimeRec struct {
	At time.Time `json:"at"`
}

// KVStore is a persistent Store over a KV namespace that writes behind:
// the Save methods encode the record and queue it (a later save of the same
// key replaces a queued one), and one goroutine, started by NewKVStore and
// stopped by Close, writes the queue out. Close writes everything still
// queued. After Close, saves are written at once (late events during
// shutdown are not lost).
type KVStore struct {
	kv  KV
	log *slog.Logger

	mu      sync.Mutex
	pending map[string][]byte // nil value: delete the key
	closed  bool

	kick  chan struct{}
	flush chan chan error
	stop  chan struct{}
	done  chan struct{}
	err   error // of the final flush
}

// NewKVStore returns a KVStore writing to kv and starts its writer; call
// Close to flush and stop it (Dialer.Close does so for the store it was
// given).
func NewKVStore(kv KV, log *slog.Logger) *KVStore {
	if log == nil {
		log = slog.Default()
	}
	s := &KVStore{kv: kv, log: log, pending: map[string][]byte{},
		kick: make(chan struct{}, 1), flush: make(chan chan error), stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s
}

func (s *KVStore) loop() {
	defer close(s.done)
	for {
		select {
		case <-s.kick:
			_ = s.writeAll()
		case ch := <-s.flush:
			ch <- s.writeAll()
		case <-s.stop:
			s.err = s.writeAll()
			return
		}
	}
}

// writeAll writes out the queue; on a failed write the unwritten records go
// back to the queue (unless saved again meanwhile) for the next round.
func (s *KVStore) writeAll() error {
	s.mu.Lock()
	batch := s.pending
	s.pending = map[string][]byte{}
	s.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keys := slices.Sorted(maps.Keys(batch))
	for i, k := range keys {
		if err := s.write(ctx, k, batch[k]); err != nil {
			s.mu.Lock()
			for _, k := range keys[i:] {
				if _, ok := s.pending[k]; !ok {
					s.pending[k] = batch[k]
				}
			}
			s.mu.Unlock()
			s.log.Error("dialer: store write failed; will retry", "key", k, "queued", len(keys)-i, "err", err)
			return err
		}
	}
	return nil
}

func (s *KVStore) write(ctx context.Context, key string, val []byte) error {
	if val == nil {
		if err := s.kv.Delete(ctx, key); err != nil {
			return fmt.Errorf("dialer store: delete %s: %w", key, err)
		}
		return nil
	}
	if err := s.kv.Put(ctx, key, val); err != nil {
		return fmt.Errorf("dialer store: put %s: %w", key, err)
	}
	return nil
}

// enqueue queues one record (val nil: delete).
func (s *KVStore) enqueue(key string, val []byte) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return s.write(ctx, key, val)
	}
	s.pending[key] = val
	s.mu.Unlock()
	select {
	case s.kick <- struct{}{}:
	default:
	}
	return nil
}

func (s *KVStore) put(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("dialer store: encode %s: %w", key, err)
	}
	return s.enqueue(key, b)
}

// Flush waits until everything saved so far is written.
func (s *KVStore) Flush(ctx context.Context) error {
	ch := make(chan error, 1)
	select {
	case s.flush <- ch:
	case <-s.done:
		return s.err
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what is queued and stops the writer. It returns the error
// of that last write.
func (s *KVStore) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return s.err
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stop)
	<-s.done
	return s.err
}

// SaveCampaign implements Store.
func (s *KVStore) SaveCampaign(cfg CampaignConfig, state CampaignState) error {
	return s.put(kvCampaign+cfg.ID, kvCampaignRec{cfg, state})
}

// SaveLead implements Store.
func (s *KVStore) SaveLead(campaignID string, l Lead) error {
	return s.put(kvLead+campaignID+"/"+l.ID, kvLeadRec{Lead: l, Counts: l.counts})
}

// SaveDNC implements Store.
func (s *KVStore) SaveDNC(number string, at time.Time) error {
	return s.put(kvDNC+number, kvTimeRec{at})
}

// SaveAbandoned implements Store.
func (s *KVStore) SaveAbandoned(number string, at time.Time) error {
	if at.IsZero() {
		return s.enqueue(kvAbandoned+number, nil)
	}
	return s.put(kvAbandoned+number, kvTimeRec{at})
}

// SaveMeter implements Store.
func (s *KVStore) SaveMeter(campaignID string, m MeterSnapshot) error {
	return s.put(kvMeter+campaignID, m)
}

// DeleteLeads implements Store.
func (s *KVStore) DeleteLeads(campaignID string, leadIDs []string) error {
	var errs []error
	for _, id := range leadIDs {
		errs = append(errs, s.enqueue(kvLead+campaignID+"/"+id, nil))
	}
	return errors.Join(errs...)
}

// DeleteCampaign implements Store.
func (s *KVStore) DeleteCampaign(campaignID string, leadIDs []string) error {
	return errors.Join(s.DeleteLeads(campaignID, leadIDs),
		s.enqueue(kvMeter+campaignID, nil), s.enqueue(kvCampaign+campaignID, nil))
}

// DeleteDNC implements Store.
func (s *KVStore) DeleteDNC(number string) error { return s.enqueue(kvDNC+number, nil) }

// Load implements Store: it writes out the queue, then reads the namespace.
// A record that does not decode is an error naming its key.
func (s *KVStore) Load(ctx context.Context) (Saved, error) {
	if err := s.Flush(ctx); err != nil {
		return Saved{}, err
	}
	out := Saved{DNC: map[string]time.Time{}, Abandoned: map[string]time.Time{}}
	byID := map[string]*SavedCampaign{}
	camp := func(id string) *SavedCampaign {
		c := byID[id]
		if c == nil {
			c = &SavedCampaign{}
			byID[id] = c
		}
		return c
	}
	err := s.kv.List(ctx, func(key string, val []byte) error {
		bad := func(err error) error { return fmt.Errorf("dialer store: record %s: %w", key, err) }
		switch {
		case strings.HasPrefix(key, kvCampaign):
			var r kvCampaignRec
			if err := json.Unmarshal(val, &r); err != nil {
				return bad(err)
			}
			c := camp(strings.TrimPrefix(key, kvCampaign))
			c.Config, c.State = r.Config, r.State
		case strings.HasPrefix(key, kvLead):
			id, _, ok := strings.Cut(strings.TrimPrefix(key, kvLead), "/")
			if !ok {
				return bad(errors.New("key is not l/<campaign>/<lead>"))
			}
			var r kvLeadRec
			if err := json.Unmarshal(val, &r); err != nil {
				return bad(err)
			}
			l := r.Lead
			l.counts = r.Counts
			c := camp(id)
			c.Leads = append(c.Leads, l)
		case strings.HasPrefix(key, kvMeter):
			var m MeterSnapshot
			if err := json.Unmarshal(val, &m); err != nil {
				return bad(err)
			}
			camp(strings.TrimPrefix(key, kvMeter)).Meter = &m
		case strings.HasPrefix(key, kvDNC), strings.HasPrefix(key, kvAbandoned):
			var r kvTimeRec
			if err := json.Unmarshal(val, &r); err != nil {
				return bad(err)
			}
			if n, ok := strings.CutPrefix(key, kvDNC); ok {
				out.DNC[n] = r.At
			} else {
				out.Abandoned[strings.TrimPrefix(key, kvAbandoned)] = r.At
			}
		}
		return nil
	})
	if err != nil {
		return Saved{}, fmt.Errorf("dialer store: load: %w", err)
	}
	for _, id := range slices.Sorted(maps.Keys(byID)) {
		c := byID[id]
		if c.Config.ID == "" {
			s.log.Warn("dialer store: leads or meter without a campaign record; skipped", "campaign", id, "leads", len(c.Leads))
			continue
		}
		out.Campaigns = append(out.Campaigns, *c)
	}
	return out, nil
}
