package chat

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Run removes the messages older than the retention at start and then
// every PruneEvery, and sends the SIP MESSAGEs queued meanwhile, until
// ctx ends.
func (s *Service) Run(ctx context.Context) error {
	done := make(chan struct{})
	if s.sip != nil {
		go func() { defer close(done); s.sip.run(ctx) }()
	} else {
		close(done)
	}
	defer func() { <-done }()
	if s.cfg.Retention == 0 {
		<-ctx.Done()
		return nil
	}
	for {
		if n, err := s.Prune(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("chat: pruning old messages failed", "err", err)
		} else if n > 0 {
			s.log.Debug("chat: pruned old messages", "messages", n)
		}
		t := s.clk.NewTimer(s.cfg.PruneEvery)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// Prune removes the messages sent before the retention (at most maxPrune,
// pruneBatch per batch), with their retry keys, and the last-message
// preview of rooms whose last message it removed. It returns how many it
// removed.
func (s *Service) Prune(ctx context.Context) (int, error) {
	if s.cfg.Retention == 0 {
		return 0, nil
	}
	cutoff := idTime(s.clk.Now().Add(-s.cfg.Retention))
	removed := 0
	for removed < maxPrune {
		n, err := s.pruneBatch(ctx, cutoff)
		removed += n
		if err != nil || n == 0 {
			return removed, err
		}
	}
	return removed, nil
}

func (s *Service) pruneBatch(ctx context.Context, cutoff string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var dels []string
	rooms := map[string]bool{}
	n := 0
	err := s.kv.Range(ctx, pfxTime, pfxTime+cutoff, false, func(k string, v []byte) error {
		id := strings.TrimPrefix(k, pfxTime)
		dels = append(dels, k)
		var room string
		if json.Unmarshal(v, &room) == nil && validID(room) {
			rooms[room] = true
			var m Message
			if ok, _ := s.get(ctx, messageKey(room, id), &m); ok && m.ClientID != "" {
				dels = append(dels, clientKey(room, m.Sender, m.ClientID))
			}
			dels = append(dels, messageKey(room, id))
		}
		n++
		if n >= pruneBatch {
			return phonebook.ErrStopRange
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("chat: list old messages: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	p := puts{}
	for id := range rooms {
		var r Room
		ok, err := s.get(ctx, roomKey(id), &r)
		if err != nil {
			return 0, err
		}
		if ok && r.LastMessage != nil && r.LastMessage.ID[:10] < cutoff {
			r.LastMessage = nil
			if err := p.set(roomKey(id), r); err != nil {
				return 0, err
			}
		}
	}
	if err := s.kv.WriteBatch(ctx, p, dels); err != nil {
		return 0, fmt.Errorf("chat: remove old messages: %w", err)
	}
	return n, nil
}
