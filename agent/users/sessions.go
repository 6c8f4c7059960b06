package users

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sessionIDLen is the length of a session id in the cookie: 32 random
// bytes (256 bits) in unpadded base64url.
const sessionIDLen = 43

// sessionRec is a session as stored; the session id itself is never
// stored, only its SHA-256 (the key).
type sessionRec struct {
	UserID    string    `json:"user_id"`
	CSRF      string    `json:"csrf"`
	CreatedAt time.Time `json:"created_at"`
	LastSeen  time.Time `json:"last_seen"`

	key string // KV key, keySession + hex SHA-256 of the id
}

// session is a session in memory.
type session struct {
	key     string
	hash    [sha256.Size]byte
	userID  string
	csrf    string
	created time.Time
	// lastSeen is the unix time in nanoseconds of the last request.
	lastSeen atomic.Int64
	// stored is lastSeen as last written to the KV (guarded by the
	// table's mutex).
	stored int64
}

func (ss *session) rec() sessionRec {
	return sessionRec{UserID: ss.userID, CSRF: ss.csrf, CreatedAt: ss.created, LastSeen: time.Unix(0, ss.lastSeen.Load()).UTC(), key: ss.key}
}

// sessionTable holds the sessions in memory; the KV is their durable copy.
type sessionTable struct {
	gen    atomic.Uint64 // bumped after sessions are removed
	mu     sync.RWMutex
	byHash map[[sha256.Size]byte]*session
	byUser map[string][]*session // oldest first
}

func (t *sessionTable) init() {
	t.byHash = map[[sha256.Size]byte]*session{}
	t.byUser = map[string][]*session{}
}

func (t *sessionTable) len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.byHash)
}

// newSessionID returns a fresh session id and the KV key of its hash.
func newSessionID() (id string, h [sha256.Size]byte, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", h, fmt.Errorf("session id: %w", err)
	}
	id = base64.RawURLEncoding.EncodeToString(b[:])
	return id, sha256.Sum256([]byte(id)), nil
}

// newCSRFToken returns a fresh CSRF token (256 random bits).
func newCSRFToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("csrf token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func sessionKey(h [sha256.Size]byte) string { return keySession + hex.EncodeToString(h[:]) }

// add puts a stored session into the table.
func (t *sessionTable) add(sr sessionRec) error {
	var h [sha256.Size]byte
	b, err := hex.DecodeString(strings.TrimPrefix(sr.key, keySession))
	if err != nil || len(b) != sha256.Size {
		return fmt.Errorf("session key %q: not a SHA-256", sr.key)
	}
	copy(h[:], b)
	ss := &session{key: sr.key, hash: h, userID: sr.UserID, csrf: sr.CSRF, created: sr.CreatedAt}
	ss.lastSeen.Store(sr.LastSeen.UnixNano())
	ss.stored = sr.LastSeen.UnixNano()
	t.insert(ss)
	return nil
}

func (t *sessionTable) insert(ss *session) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byHash[ss.hash] = ss
	t.byUser[ss.userID] = append(t.byUser[ss.userID], ss)
}

// lookup returns the session of a cookie value.
func (t *sessionTable) lookup(id string) (*session, bool) {
	if len(id) != sessionIDLen {
		return nil, false
	}
	h := sha256.Sum256([]byte(id))
	t.mu.RLock()
	ss, ok := t.byHash[h]
	t.mu.RUnlock()
	return ss, ok
}

// remove drops sessions from the table and returns their KV keys.
func (t *sessionTable) remove(ss ...*session) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer t.gen.Add(1)
	keys := make([]string, 0, len(ss))
	for _, s := range ss {
		if t.byHash[s.hash] != s {
			continue
		}
		delete(t.byHash, s.hash)
		list := slices.DeleteFunc(t.byUser[s.userID], func(x *session) bool { return x == s })
		if len(list) == 0 {
			delete(t.byUser, s.userID)
		} else {
			t.byUser[s.userID] = list
		}
		keys = append(keys, s.key)
	}
	return keys
}

// ofUser returns the sessions of a user, oldest first.
func (t *sessionTable) ofUser(id string) []*session {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return slices.Clone(t.byUser[id])
}

// sweep removes the sessions that ended at now (expired reports it) and
// returns their keys to delete, and the records of sessions used since
// they were last stored, at least every granularity, to write.
func (t *sessionTable) sweep(now time.Time, expired func(*session, time.Time) bool, granularity time.Duration) (puts map[string][]byte, dels []string) {
	var gone []*session
	puts = map[string][]byte{}
	t.mu.Lock()
	for _, ss := range t.byHash {
		switch {
		case expired(ss, now):
			gone = append(gone, ss)
		case ss.lastSeen.Load()-ss.stored >= int64(granularity):
			ss.stored = ss.lastSeen.Load()
			puts[ss.key] = marshal(ss.rec())
		}
	}
	t.mu.Unlock()
	return puts, t.remove(gone...)
}
