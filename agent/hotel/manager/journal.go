package manager

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A decision's writes go to the store in one batch when they are few.
// More (a PMS resync of a full hotel: thousands of rooms and bills) would
// not fit one store transaction, so they go through a journal, which
// keeps them all or nothing across a crash:
//
//  1. the writes are kept as parts under journal/<seq>/<part>, each part
//     in a transaction of its own;
//  2. journal/<seq>/done marks them whole: the decision happened;
//  3. the parts are applied to the records, one transaction each;
//  4. the journal is deleted.
//
// Load replays a journal marked done (its parts are plain puts and
// deletes, so applying them again is harmless) and drops one that is
// not. A failure before the mark undoes nothing in memory and returns the
// error; a failure after it keeps the journal pending: it is applied
// before the next write (and at the next Load), so no later write can be
// overwritten by a replay.
const (
	keyJournal = "journal/"
	// partKeys and partBytes bound one part (and one transaction of
	// records): well under Badger's transaction limit for the smallest
	// memory budget the store takes.
	partKeys  = 256
	partBytes = 48 << 10
)

// journalPart is some of a decision's writes.
type journalPart struct {
	Puts map[string][]byte `json:"puts,omitempty"`
	Dels []string          `json:"dels,omitempty"`
}

// pending is a journal marked done whose parts are not all applied.
type pending struct {
	seq   string
	parts []journalPart
}

// splitParts cuts puts and deletes into parts of at most partKeys keys
// and about partBytes bytes, in key order.
func splitParts(puts map[string][]byte, dels []string) []journalPart {
	keys := make([]string, 0, len(puts))
	for k := range puts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []journalPart
	cur, n, size := journalPart{Puts: map[string][]byte{}}, 0, 0
	flush := func() {
		if n > 0 {
			parts = append(parts, cur)
		}
		cur, n, size = journalPart{Puts: map[string][]byte{}}, 0, 0
	}
	for _, k := range keys {
		if n >= partKeys || (n > 0 && size+len(k)+len(puts[k]) > partBytes) {
			flush()
		}
		cur.Puts[k] = puts[k]
		n, size = n+1, size+len(k)+len(puts[k])
	}
	for _, k := range dels {
		if n >= partKeys {
			flush()
		}
		cur.Dels = append(cur.Dels, k)
		n, size = n+1, size+len(k)
	}
	flush()
	return parts
}

// batch writes one part in one transaction (one by one on a KV without
// batches).
func (m *Manager) batch(ctx context.Context, p journalPart) error {
	if bkv, ok := m.kv.(BatchKV); ok {
		return bkv.WriteBatch(ctx, p.Puts, p.Dels)
	}
	keys := make([]string, 0, len(p.Puts))
	for k := range p.Puts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := m.kv.Put(ctx, k, p.Puts[k]); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	for _, k := range p.Dels {
		if err := m.kv.Delete(ctx, k); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

// journaled writes parts through a journal (see above). It returns an
// error only when nothing happened.
func (m *Manager) journaled(ctx context.Context, parts []journalPart) error {
	m.jseq++
	seq := fmt.Sprintf("%020d-%d", m.clk.Now().UnixNano(), m.jseq)
	var written []string
	drop := func() {
		for _, k := range written {
			if err := m.kv.Delete(ctx, k); err != nil {
				m.log.Warn("hotel: drop a journal", "key", k, "err", err)
			}
		}
	}
	for i, p := range parts {
		b, err := json.Marshal(p)
		if err != nil {
			drop()
			return fmt.Errorf("hotel: journal: %w", err)
		}
		k := keyJournal + seq + "/" + fmt.Sprintf("%06d", i)
		if err := m.kv.Put(ctx, k, b); err != nil {
			drop()
			return fmt.Errorf("hotel: journal part %d of %d: %w", i+1, len(parts), err)
		}
		written = append(written, k)
	}
	done := keyJournal + seq + "/done"
	if err := m.kv.Put(ctx, done, []byte{}); err != nil {
		drop()
		return fmt.Errorf("hotel: journal: %w", err)
	}
	m.pending = &pending{seq: seq, parts: parts}
	if err := m.applyPendingLocked(ctx); err != nil {
		m.log.Warn("hotel: applying a journal; it is applied again before the next change", "journal", seq, "err", err)
	}
	return nil
}

// applyPendingLocked applies a pending journal's parts and deletes it.
func (m *Manager) applyPendingLocked(ctx context.Context) error {
	p := m.pending
	if p == nil {
		return nil
	}
	for i, part := range p.parts {
		if err := m.batch(ctx, part); err != nil {
			return fmt.Errorf("hotel: journal %s part %d: %w", p.seq, i+1, err)
		}
	}
	keys := make([]string, 0, len(p.parts)+1)
	for i := range p.parts {
		keys = append(keys, keyJournal+p.seq+"/"+fmt.Sprintf("%06d", i))
	}
	keys = append(keys, keyJournal+p.seq+"/done")
	for _, del := range splitParts(nil, keys) {
		if err := m.batch(ctx, del); err != nil {
			return fmt.Errorf("hotel: delete journal %s: %w", p.seq, err)
		}
	}
	m.pending = nil
	return nil
}

// replayJournals applies the journals marked done and drops the others
// (a crash in the middle of a large write), before Load reads the
// records.
func (m *Manager) replayJournals(ctx context.Context) error {
	type journal struct {
		parts map[int]journalPart
		keys  []string
		done  bool
	}
	js := map[string]*journal{}
	err := m.kv.List(ctx, func(key string, val []byte) error {
		rest, ok := strings.CutPrefix(key, keyJournal)
		if !ok {
			return nil
		}
		seq, part, _ := strings.Cut(rest, "/")
		j := js[seq]
		if j == nil {
			j = &journal{parts: map[int]journalPart{}}
			js[seq] = j
		}
		j.keys = append(j.keys, key)
		if part == "done" {
			j.done = true
			return nil
		}
		i, err := strconv.Atoi(part)
		var p journalPart
		if err == nil {
			err = json.Unmarshal(val, &p)
		}
		if err != nil {
			return fmt.Errorf("journal %s: part %q: %w", seq, part, err)
		}
		j.parts[i] = p
		return nil
	})
	if err != nil {
		return fmt.Errorf("hotel: read the journal: %w", err)
	}
	seqs := make([]string, 0, len(js))
	for s := range js {
		seqs = append(seqs, s)
	}
	slices.Sort(seqs)
	for _, s := range seqs {
		j := js[s]
		if j.done {
			for i := 0; i < len(j.parts); i++ {
				p, ok := j.parts[i]
				if !ok {
					return fmt.Errorf("hotel: journal %s: part %d missing", s, i)
				}
				if err := m.batch(ctx, p); err != nil {
					return fmt.Errorf("hotel: replay journal %s: %w", s, err)
				}
			}
			m.log.Info("hotel: replayed a journal left by a crash", "journal", s, "parts", len(j.parts))
		} else {
			m.log.Info("hotel: dropped an unfinished journal left by a crash", "journal", s, "parts", len(j.parts))
		}
		for _, del := range splitParts(nil, j.keys) {
			if err := m.batch(ctx, del); err != nil {
				return fmt.Errorf("hotel: delete journal %s: %w", s, err)
			}
		}
	}
	return nil
}
