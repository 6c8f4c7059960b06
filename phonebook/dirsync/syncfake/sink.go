package syncfake

import (
	"context"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Sink records what a source streams: the resulting set and every event.
type Sink struct {
	// Set is the state after applying the stream: external id → contact.
	Set map[string]*phonebook.Contact
	// Upserts and Deletes list the external ids in stream order.
	Upserts, Deletes []string
	// Fail, when set, is returned by the Nth upsert (1-based) to simulate a
	// store failure mid-run.
	FailAt int
	Err    error
}

// NewSink returns an empty recording sink.
func NewSink() *Sink { return &Sink{Set: map[string]*phonebook.Contact{}} }

// Upsert implements sync.Sink.
func (s *Sink) Upsert(ctx context.Context, c *phonebook.Contact) error {
	s.Upserts = append(s.Upserts, c.ExternalID)
	if s.FailAt > 0 && len(s.Upserts) == s.FailAt {
		return s.Err
	}
	s.Set[c.ExternalID] = c.Clone()
	return nil
}

// Delete implements sync.Sink.
func (s *Sink) Delete(ctx context.Context, ext string) error {
	s.Deletes = append(s.Deletes, ext)
	delete(s.Set, ext)
	return nil
}
