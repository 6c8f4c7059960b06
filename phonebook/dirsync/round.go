package dirsync

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Meta namespaces the engine uses.
const (
	nsSources = "sync.sources" // Config by source id
	nsStatus  = "sync.status"  // Status by source id
	nsState   = "sync.state"   // state record by source id (written in the round)
	nsHashPfx = "sync.hash."   // + source id: contact hash by external id
)

// SourcesNamespace is the store's key-value namespace (Store.Meta) that
// holds each configured source's settings under its id: whether a source
// exists is whether its id is a key there.
const SourcesNamespace = nsSources

// state is what a committed round leaves for the next one.
type state struct {
	Data     []byte    `json:"data,omitempty"`
	LastFull time.Time `json:"last_full,omitzero"`
}

// GuardError reports a full sync held back by the mass-delete guard.
type GuardError struct {
	Deletions, Total, Percent int
}

// Error says how many contacts the full sync would delete, and that it
// needs confirming.
func (e *GuardError) Error() string {
	return fmt.Sprintf("full sync would delete %d of %d contacts (more than %d %%); confirm to apply",
		e.Deletions, e.Total, e.Percent)
}

// errHashStale: the stored row hashes disagree with the store; the round
// is redone without them.
var errHashStale = errors.New("row hashes out of step with the store")

// contactHash is the row hash used to skip unchanged contacts: FNV-64a
// over every field the source sets (not ID or the timestamps).
func contactHash(c *phonebook.Contact) uint64 {
	h := fnv.New64a()
	var sep = []byte{0}
	w := func(ss ...string) {
		for _, s := range ss {
			h.Write([]byte(s))
			h.Write(sep)
		}
	}
	w(string(c.Scope), c.Owner, c.FirstName, c.MiddleName, c.LastName, c.DisplayName, c.Company, c.Department,
		c.JobTitle, c.OfficeLocation, c.PreferredLanguage, c.UserPrincipalName, c.Source, c.ExternalID)
	w("e")
	for _, e := range c.Emails {
		w(e.Label, e.Address)
	}
	w("n")
	for _, n := range c.Numbers {
		w(string(n.Type), n.Value, n.Normalized)
	}
	w("c")
	if len(c.Custom) > 0 {
		keys := make([]string, 0, len(c.Custom))
		for k := range c.Custom {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			w(k, c.Custom[k])
		}
	}
	v := h.Sum64()
	if v == 0 { // 0 means "absent" in roundSink.hashes
		v = 1
	}
	return v
}

func hashBytes(h uint64) []byte { return binary.BigEndian.AppendUint64(nil, h) }

func parseHash(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

// roundSink applies one run's stream to a Batch.
type roundSink struct {
	b      Batch
	source string
	hashNS string
	hashKV KV
	full   bool
	// hashes: preloaded for a full round; filled lazily in a delta round.
	// 0 = known absent.
	hashes map[string]uint64
	seen   map[string]struct{}
	// skipped holds the ids a full round skipped as unchanged; the sweep
	// checks the store still has them (errHashStale otherwise).
	skipped  map[string]struct{}
	noHashes bool

	synced, changed, deleted int
}

func (s *roundSink) hash(ctx context.Context, ext string) (uint64, error) {
	if h, ok := s.hashes[ext]; ok || s.full {
		return h, nil
	}
	v, err := s.hashKV.Get(ctx, ext)
	if errors.Is(err, phonebook.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read hash: %w", err)
	}
	return parseHash(v), nil
}

// Upsert implements Sink.
func (s *roundSink) Upsert(ctx context.Context, c *phonebook.Contact) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.ExternalID == "" {
		return errors.New("contact without external id")
	}
	// The source's text is cleaned to the contact text rule (control
	// characters become spaces) rather than refused: an administrator
	// cannot edit the source's data, and one odd field must not stop the
	// sync. Before hashing, so the hash is of what is stored. Numbers
	// that break the number rule (an unknown type, a value that is not a
	// phone number) are dropped for the same reason.
	c.CleanText()
	c.DropInvalidNumbers()
	c.Source, c.Scope, c.Owner = s.source, phonebook.ScopeGlobal, ""
	s.synced++
	if s.full {
		s.seen[c.ExternalID] = struct{}{}
	}
	h := contactHash(c)
	old, err := s.hash(ctx, c.ExternalID)
	if err != nil {
		return err
	}
	if old == h {
		if s.full {
			s.skipped[c.ExternalID] = struct{}{}
		}
		return nil
	}
	if s.full {
		delete(s.skipped, c.ExternalID)
	}
	_, changed, err := s.b.UpsertFromSource(c)
	if err != nil {
		return fmt.Errorf("upsert %q: %w", c.ExternalID, err)
	}
	if changed {
		s.changed++
	}
	if err := s.b.SetMeta(s.hashNS, c.ExternalID, hashBytes(h)); err != nil {
		return err
	}
	s.hashes[c.ExternalID] = h
	return nil
}

// unchanged records a contact the spool found equal to its committed version.
func (s *roundSink) unchanged(ext string) {
	s.synced++
	s.seen[ext] = struct{}{}
	s.skipped[ext] = struct{}{}
}

// Delete implements Sink.
func (s *roundSink) Delete(ctx context.Context, ext string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ext == "" {
		return nil
	}
	delete(s.seen, ext)
	delete(s.skipped, ext)
	del, err := s.b.DeleteFromSource(s.source, ext)
	if err != nil {
		return fmt.Errorf("delete %q: %w", ext, err)
	}
	if del {
		s.deleted++
	}
	if err := s.b.DeleteMeta(s.hashNS, ext); err != nil {
		return err
	}
	s.hashes[ext] = 0
	return nil
}

// sweep deletes the source's contacts not seen in a full round, subject to
// the guard.
func (s *roundSink) sweep(maxPercent int, confirmed bool) error {
	var gone []string
	total := 0
	err := s.b.SourceIDs(s.source, func(ext, _ string) error {
		total++
		delete(s.skipped, ext)
		if _, ok := s.seen[ext]; !ok {
			gone = append(gone, ext)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("list source ids: %w", err)
	}
	if len(s.skipped) > 0 && !s.noHashes {
		// A hash says "unchanged" for a contact the store does not have.
		return errHashStale
	}
	if len(gone) > 0 && !confirmed && len(gone)*100 > maxPercent*total {
		return &GuardError{Deletions: len(gone), Total: total, Percent: maxPercent}
	}
	for _, ext := range gone {
		del, err := s.b.DeleteFromSource(s.source, ext)
		if err != nil {
			return fmt.Errorf("sweep %q: %w", ext, err)
		}
		if del {
			s.deleted++
		}
	}
	// Drop hashes of everything not seen (covers ids the store no longer has).
	for ext, h := range s.hashes {
		if _, ok := s.seen[ext]; !ok && h != 0 {
			if err := s.b.DeleteMeta(s.hashNS, ext); err != nil {
				return err
			}
		}
	}
	return nil
}
