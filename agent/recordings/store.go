package recordings

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Recording is a call recording as the API shows it.
type Recording struct {
	Name      string `json:"name" doc:"The recording's name (Asterisk's stored recording): the call's id and a sequence number" example:"pbxcall-5f1c2a9e0b7d4c3a-1"`
	CallID    string `json:"call_id" doc:"The id of the call recorded" example:"pbxcall-5f1c2a9e0b7d4c3a"`
	UserID    string `json:"user_id" doc:"The id of the user who owns the call" example:"01JEQ7H2B3C4D5E6F7G8H9J0K1"`
	Direction string `json:"direction" openapi:"enum=outbound|inbound" doc:"The call's direction from its owner's side" example:"outbound"`
	From      string `json:"from" doc:"The calling party's number" example:"101"`
	FromName  string `json:"from_name,omitempty" doc:"The calling party's name" example:"Jürgen Müller"`
	To        string `json:"to" doc:"The called number" example:"+41441234567"`
	ToName    string `json:"to_name,omitempty" doc:"The called party's name" example:"Muster AG, Reception"`
	Format    string `json:"format" doc:"The file's format (Asterisk's name: wav is 8 kHz 16-bit mono WAVE)" example:"wav"`
	// State is "recording" while the call is recorded (paused included),
	// then "done".
	State     string     `json:"state" openapi:"enum=recording|done" doc:"recording: in progress (or paused); done: the file is complete" example:"done"`
	StartedAt time.Time  `json:"started_at" doc:"When the recording started" example:"2026-12-07T09:31:00Z"`
	EndedAt   *time.Time `json:"ended_at,omitempty" doc:"When the recording stopped" example:"2026-12-07T09:34:12Z"`
	// Duration is the audio recorded, pauses excluded, in seconds.
	Duration int `json:"duration_seconds" doc:"Seconds of audio recorded (pauses excluded); 0 while recording" example:"192"`
	// Size is the file's size in bytes; 0 until known.
	Size int64 `json:"size_bytes,omitempty" doc:"The file's size in bytes, once known" example:"3072044"`
}

// States of a recording.
const (
	StateRecording = "recording"
	StateDone      = "done"
)

// KV is the store namespace of the recordings' metadata: records and a
// time index, written together.
type KV interface {
	phonebook.RangeKV
	WriteBatch(ctx context.Context, puts map[string][]byte, deletes []string) error
}

// Keys: "r/<name>" holds a Recording; "t/<start, 16 hex digits of Unix
// nanoseconds>/<name>" indexes it by start time (sorting as time does),
// and "u/<user id>/<start>/<name>" by owner and start time, so that a
// user's listing reads only their recordings.
const (
	recPrefix  = "r/"
	recEnd     = "r0" // above every record key
	timePrefix = "t/"
	userPrefix = "u/"
)

func recKey(name string) string { return recPrefix + name }

func timeKey(t time.Time) string { return fmt.Sprintf("%016x", uint64(t.UnixNano())) }

// position is a recording's place in either index (and a listing's
// cursor): its start, then its name.
func position(r Recording) string { return timeKey(r.StartedAt) + "/" + r.Name }

func indexKey(r Recording) string { return timePrefix + position(r) }

// userIndex is the prefix of a user's index; "" for a user id that
// cannot be one (with a '/'): such a listing scans the time index.
func userIndex(userID string) string {
	if userID == "" || strings.Contains(userID, "/") {
		return ""
	}
	return userPrefix + userID + "/"
}

// indexKeys are the index entries of r.
func indexKeys(r Recording) []string {
	keys := []string{indexKey(r)}
	if u := userIndex(r.UserID); u != "" {
		keys = append(keys, u+position(r))
	}
	return keys
}

// prefixEnd is the first key above every key starting with prefix (which
// ends in '/'; '0' follows '/').
func prefixEnd(prefix string) string { return prefix[:len(prefix)-1] + "0" }

// ErrNotFound: no recording of that name (that the caller may see).
var ErrNotFound = errors.New("recording not found")

// ValidName reports whether name can be a recording's name: letters,
// digits, '-', '_' and '.', not starting with '.', at most 200.
func ValidName(name string) bool {
	if name == "" || len(name) > 200 || name[0] == '.' {
		return false
	}
	for _, c := range []byte(name) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// validCursor reports whether c has the shape of an index key without
// its prefix (cursors come from clients).
func validCursor(c string) bool {
	ts, name, ok := strings.Cut(c, "/")
	if !ok || len(ts) != 16 || !ValidName(name) {
		return false
	}
	_, err := hex.DecodeString(ts)
	return err == nil
}

func (s *Service) get(ctx context.Context, name string) (Recording, error) {
	if !ValidName(name) {
		return Recording{}, ErrNotFound
	}
	b, err := s.kv.Get(ctx, recKey(name))
	if errors.Is(err, phonebook.ErrNotFound) {
		return Recording{}, ErrNotFound
	}
	if err != nil {
		return Recording{}, fmt.Errorf("recording %s: %w", name, err)
	}
	var r Recording
	if err := json.Unmarshal(b, &r); err != nil {
		return Recording{}, fmt.Errorf("recording %s: %w", name, err)
	}
	return r, nil
}

func (s *Service) put(ctx context.Context, r Recording) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("recording %s: %w", r.Name, err)
	}
	puts := map[string][]byte{recKey(r.Name): b}
	for _, k := range indexKeys(r) {
		puts[k] = []byte(r.Name)
	}
	if err := s.kv.WriteBatch(ctx, puts, nil); err != nil {
		return fmt.Errorf("store recording %s: %w", r.Name, err)
	}
	return nil
}

func (s *Service) remove(ctx context.Context, r Recording) error {
	if err := s.kv.WriteBatch(ctx, nil, append(indexKeys(r), recKey(r.Name))); err != nil {
		return fmt.Errorf("remove recording %s: %w", r.Name, err)
	}
	return nil
}

// Listing limits.
const (
	defaultLimit = 100
	maxLimit     = 1000
	// maxScan bounds the index entries one listing reads; past it the
	// page ends early with a cursor to go on from.
	maxScan = 20_000
)

// Filter selects recordings; zero fields select everything.
type Filter struct {
	// UserID and CallID select the call's owner and the call.
	UserID, CallID string
	// Since and Until bound the start: Since <= started < Until.
	Since, Until time.Time
	// Limit caps the page (default 100, at most 1000).
	Limit int
	// Cursor continues a listing: the next_cursor of the previous page.
	Cursor string
}

// Page is a page of recordings, newest first.
type Page struct {
	Recordings []Recording `json:"recordings" doc:"The recordings of this page, newest first"`
	NextCursor string      `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next (older) page; absent on the last page" example:"188f0a3c2b1d4e5f/pbxcall-5f1c2a9e0b7d4c3a-1"`
}

// List returns the recordings matching f, newest first.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	if f.Limit <= 0 {
		f.Limit = defaultLimit
	}
	f.Limit = min(f.Limit, maxLimit)
	base := timePrefix
	if u := userIndex(f.UserID); u != "" {
		base = u
	}
	from, to := base, prefixEnd(base)
	if !f.Since.IsZero() {
		from = base + timeKey(f.Since)
	}
	if !f.Until.IsZero() {
		to = base + timeKey(f.Until)
	}
	if f.Cursor != "" {
		if !validCursor(f.Cursor) {
			return Page{}, errBadCursor
		}
		if c := base + f.Cursor; c < to {
			to = c // exclusive: the cursor is the last one returned
		}
	}
	page := Page{Recordings: []Recording{}}
	scanned := 0
	err := s.kv.Range(ctx, from, to, true, func(k string, v []byte) error {
		scanned++
		r, err := s.get(ctx, string(v))
		if errors.Is(err, ErrNotFound) {
			return nil // removed meanwhile
		}
		if err != nil {
			return err
		}
		if (f.UserID == "" || r.UserID == f.UserID) && (f.CallID == "" || r.CallID == f.CallID) {
			if len(page.Recordings) == f.Limit {
				page.NextCursor = position(page.Recordings[len(page.Recordings)-1])
				return phonebook.ErrStopRange
			}
			page.Recordings = append(page.Recordings, r)
		}
		if scanned >= maxScan {
			page.NextCursor = strings.TrimPrefix(k, base)
			return phonebook.ErrStopRange
		}
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("list recordings: %w", err)
	}
	return page, nil
}

// errBadCursor is a cursor this API did not hand out.
var errBadCursor = errors.New("not a cursor from this API")
