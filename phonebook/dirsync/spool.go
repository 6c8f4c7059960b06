package dirsync

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pbxagent/pbxagent/phonebook"
)

// SpoolDirName is the directory in the data dir where a run's stream is
// spooled before it is applied.
const SpoolDirName = "sync-spool"

// spool is a Sink that writes a run's stream to a temporary file (mode
// 0600), so that the download happens without holding the store's writer
// lock and in constant memory; the engine then applies the file in one
// store round.
type spool struct {
	f       *os.File
	w       *bufio.Writer
	buf     []byte
	upserts int
	ops     int
	// In a full round: the committed row hashes and the source name; an
	// upsert equal to its committed version is spooled as a bare 'S' (seen,
	// unchanged) record. cur tracks the round's own changes.
	base   map[string]uint64
	cur    map[string]uint64
	source string
}

func newSpool(dir string) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	f, err := os.CreateTemp(dir, "run-*.spool") // CreateTemp uses mode 0600
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return &spool{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// cleanSpools removes spool files left by a process that died mid-run.
func cleanSpools(dir string) {
	m, _ := filepath.Glob(filepath.Join(dir, "run-*.spool"))
	for _, p := range m {
		os.Remove(p)
	}
}

func (s *spool) put(op byte, payload []byte) error {
	s.buf = append(s.buf[:0], op)
	s.buf = binary.AppendUvarint(s.buf, uint64(len(payload)))
	if _, err := s.w.Write(s.buf); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if _, err := s.w.Write(payload); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	s.ops++
	return nil
}

// Upsert implements Sink.
func (s *spool) Upsert(ctx context.Context, c *phonebook.Contact) error {
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
	s.upserts++
	if s.base != nil {
		c.Source, c.Scope, c.Owner = s.source, phonebook.ScopeGlobal, ""
		h := contactHash(c)
		old, ok := s.cur[c.ExternalID]
		if !ok {
			old = s.base[c.ExternalID]
		}
		if old == h {
			return s.put('S', []byte(c.ExternalID))
		}
		s.cur[c.ExternalID] = h
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("spool %q: %w", c.ExternalID, err)
	}
	return s.put('U', b)
}

// Delete implements Sink.
func (s *spool) Delete(ctx context.Context, ext string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.cur != nil {
		s.cur[ext] = 0
	}
	return s.put('D', []byte(ext))
}

// replay feeds the spooled stream into sink, calling hook after each op.
func (s *spool) replay(ctx context.Context, sink *roundSink, hook func(n int)) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	r := bufio.NewReaderSize(s.f, 256<<10)
	var payload []byte
	for n := 1; ; n++ {
		op, err := r.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		l, err := binary.ReadUvarint(r)
		if err != nil || l > 64<<20 {
			return fmt.Errorf("spool: corrupt record %d", n)
		}
		if uint64(cap(payload)) < l {
			payload = make([]byte, l)
		}
		payload = payload[:l]
		if _, err := io.ReadFull(r, payload); err != nil {
			return fmt.Errorf("spool: record %d: %w", n, err)
		}
		switch op {
		case 'U':
			c := &phonebook.Contact{}
			if err := json.Unmarshal(payload, c); err != nil {
				return fmt.Errorf("spool: record %d: %w", n, err)
			}
			err = sink.Upsert(ctx, c)
		case 'D':
			err = sink.Delete(ctx, string(payload))
		case 'S':
			sink.unchanged(string(payload))
		default:
			return fmt.Errorf("spool: corrupt record %d", n)
		}
		if err != nil {
			return err
		}
		if hook != nil {
			hook(n)
		}
	}
}

// remove closes and deletes the file.
func (s *spool) remove() {
	s.f.Close()
	os.Remove(s.f.Name())
}
