package fakeari

import (
	"context"
	"fmt"
)

// changedLocked wakes everything waiting in Await*. Called with s.mu held
// after every request, timer, registration and control action.
func (s *Server) changedLocked() {
	if s.changed != nil {
		close(s.changed)
	}
	s.changed = make(chan struct{})
}

// await re-evaluates cond after every change until it holds or ctx ends.
func (s *Server) await(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// AwaitApp blocks until a WebSocket holds app (the client registered it),
// or ctx ends.
func (s *Server) AwaitApp(ctx context.Context, app string) error {
	err := s.await(ctx, func() bool { a := s.apps[app]; return a != nil && a.sess != nil })
	if err != nil {
		return fmt.Errorf("fakeari: app %q never registered: %w", app, err)
	}
	return nil
}

// AwaitChannel blocks until the snapshot of channel id (live or destroyed)
// satisfies cond, or ctx ends; it returns the last snapshot seen. Use it
// instead of polling, e.g. to wait until the app continued a call:
//
//	snap, err := srv.AwaitChannel(ctx, id, func(c fakeari.ChannelSnapshot) bool { return !c.InStasis })
func (s *Server) AwaitChannel(ctx context.Context, id string, cond func(ChannelSnapshot) bool) (ChannelSnapshot, error) {
	var last ChannelSnapshot
	err := s.await(ctx, func() bool {
		if c := s.channels[id]; c != nil {
			last = s.controlOf(c)
		} else if g, ok := s.gone[id]; ok {
			last = g
		} else {
			return false
		}
		return cond(last)
	})
	if err != nil {
		return last, fmt.Errorf("fakeari: channel %s: %w", id, err)
	}
	return last, nil
}
