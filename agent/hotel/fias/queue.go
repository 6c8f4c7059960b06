package fias

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Store keeps the link's outgoing queue and its posting counter across
// restarts (the daemon gives phonebook's Meta("hotel-fias"); tests give
// testlab/memkv).
type Store interface {
	// Put stores the value.
	Put(ctx context.Context, key string, val []byte) error
	// Delete removes the key; absent keys are not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every key in key order.
	List(ctx context.Context, fn func(key string, val []byte) error) error
}

// Store keys.
const (
	keyQueuePrefix = "q/"      // q/<20-digit n>: one queued record
	keyPosting     = "posting" // the last posting sequence number (P#) given
)

// queued is one outgoing record waiting for the link, as stored.
type queued struct {
	// N orders the queue.
	N uint64 `json:"n"`
	// Body is the record's body ("PS|RN101|…|").
	Body string `json:"body"`
	// Posting is the P# of a posting: it stays queued until its PA.
	Posting int `json:"posting,omitempty"`
}

// queue is the outgoing records in order, mirrored in the Store: a record
// is stored before the call that queues it returns.
type queue struct {
	st   Store
	wake chan struct{} // a record was added (capacity 1)

	mu          sync.Mutex
	items       []queued
	nextN       uint64
	lastPosting int
}

// loadQueue reads the queue and the posting counter from st.
func loadQueue(ctx context.Context, st Store) (*queue, error) {
	q := &queue{st: st, wake: make(chan struct{}, 1), nextN: 1}
	err := st.List(ctx, func(key string, val []byte) error {
		switch {
		case key == keyPosting:
			n, err := strconv.Atoi(string(val))
			if err != nil {
				return fmt.Errorf("%s: %q: %w", key, val, err)
			}
			q.lastPosting = max(q.lastPosting, n)
		case strings.HasPrefix(key, keyQueuePrefix):
			var it queued
			if err := json.Unmarshal(val, &it); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			q.items = append(q.items, it)
			q.nextN = max(q.nextN, it.N+1)
			q.lastPosting = max(q.lastPosting, it.Posting)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fias: load queue: %w", err)
	}
	slices.SortFunc(q.items, func(a, b queued) int { return cmpN(a.N, b.N) })
	return q, nil
}

func cmpN(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func queueKey(n uint64) string { return fmt.Sprintf("%s%020d", keyQueuePrefix, n) }

// add stores r at the queue's end and returns its posting number (0 when
// posting is false). A posting gets the next P#, written into r as field
// P#. The record is in the Store when add returns.
func (q *queue) add(ctx context.Context, r Record, posting bool) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	it := queued{N: q.nextN}
	if posting {
		it.Posting = q.lastPosting + 1
		r.Fields = append(r.Fields, Field{ID: "P#", Value: strconv.Itoa(it.Posting)})
	}
	if _, err := Encode(r); err != nil {
		return 0, err
	}
	it.Body = r.String()
	val, err := json.Marshal(it)
	if err != nil {
		return 0, fmt.Errorf("fias: queue %s: %w", r.Type, err)
	}
	if err := q.st.Put(ctx, queueKey(it.N), val); err != nil {
		return 0, fmt.Errorf("fias: queue %s: %w", r.Type, err)
	}
	if posting {
		if err := q.st.Put(ctx, keyPosting, []byte(strconv.Itoa(it.Posting))); err != nil {
			return 0, fmt.Errorf("fias: posting counter: %w", err)
		}
		q.lastPosting = it.Posting
	}
	q.nextN++
	q.items = append(q.items, it)
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return it.Posting, nil
}

// from returns the queued records from n on, in order.
func (q *queue) from(n uint64) []queued {
	q.mu.Lock()
	defer q.mu.Unlock()
	i, _ := slices.BinarySearchFunc(q.items, n, func(it queued, n uint64) int { return cmpN(it.N, n) })
	return slices.Clone(q.items[i:])
}

// remove drops record n (sent, not a posting).
func (q *queue) remove(ctx context.Context, n uint64) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.st.Delete(ctx, queueKey(n)); err != nil {
		return fmt.Errorf("fias: unqueue %d: %w", n, err)
	}
	q.items = slices.DeleteFunc(q.items, func(it queued) bool { return it.N == n })
	return nil
}

// answered drops posting p (its PA came); false when it is not queued
// (answered before).
func (q *queue) answered(ctx context.Context, p int) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	i := slices.IndexFunc(q.items, func(it queued) bool { return it.Posting == p })
	if i < 0 {
		return false, nil
	}
	if err := q.st.Delete(ctx, queueKey(q.items[i].N)); err != nil {
		return false, fmt.Errorf("fias: unqueue posting %d: %w", p, err)
	}
	q.items = slices.Delete(q.items, i, i+1)
	return true, nil
}

// len returns how many records wait (postings sent and not answered
// included).
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}
