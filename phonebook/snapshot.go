package phonebook

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	badger "github.com/dgraph-io/badger/v4"
)

// snapshotMagic starts a snapshot (format version 1).
const snapshotMagic = "PBS1"

// snapshotFrameOps is how many records one frame of a snapshot holds.
const snapshotFrameOps = 4096

// ErrNotEmpty is returned by Restore on a store that has contacts.
var ErrNotEmpty = errors.New("the store is not empty")

// Snapshot writes the store's logical content (the records a change unit
// carries: contacts, source versions, overlays, source mappings,
// key-value entries) as of its published state to w, and returns the
// replication log position that state reflects. The format: the magic,
// the position (uvarint), then frames (uvarint length and an encoded Unit
// of set ops), then a zero length.
func (s *Store) Snapshot(ctx context.Context, w io.Writer) (seq uint64, err error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	var n [binary.MaxVarintLen64]byte
	frame := &Unit{Kind: UnitBulk}
	flush := func() error {
		if len(frame.Ops) == 0 {
			return nil
		}
		b := frame.Encode()
		if _, err := bw.Write(n[:binary.PutUvarint(n[:], uint64(len(b)))]); err != nil {
			return err
		}
		_, err := bw.Write(b)
		frame.Ops = frame.Ops[:0]
		return err
	}
	err = s.view(func(txn *badger.Txn) error {
		v, err := getU64(txn, keyReplSeq)
		if err != nil && !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		seq = v
		if _, err := bw.WriteString(snapshotMagic); err != nil {
			return err
		}
		if _, err := bw.Write(n[:binary.PutUvarint(n[:], seq)]); err != nil {
			return err
		}
		for _, p := range []string{pfxContact, pfxSrcVer, pfxOverlay, pfxSource, pfxKV} {
			err := txnScan(txn, []byte(p), func(k []byte, val func() ([]byte, error)) error {
				v, err := val()
				if err != nil {
					return err
				}
				frame.Ops = append(frame.Ops, UnitOp{Key: bytes.Clone(k), Val: v})
				if len(frame.Ops) >= snapshotFrameOps {
					if err := ctx.Err(); err != nil {
						return err
					}
					return flush()
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		if err := flush(); err != nil {
			return err
		}
		_, err = bw.Write([]byte{0})
		return err
	})
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return 0, fmt.Errorf("snapshot: %w", err)
	}
	return seq, nil
}

// Restore fills an empty store (ErrNotEmpty otherwise) from a snapshot
// written by Snapshot, whole or not at all, through the same write code as
// ApplyUnit (so every index is built), and returns the replication log
// position it reflects.
func (s *Store) Restore(ctx context.Context, r io.Reader) (uint64, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != snapshotMagic {
		return 0, fmt.Errorf("restore: not a snapshot (bad magic)")
	}
	seq, err := binary.ReadUvarint(br)
	if err != nil {
		return 0, fmt.Errorf("restore: read the log position: %w", err)
	}
	if seq == 0 {
		seq = 1 // a snapshot of a store that applied nothing yet; its units start at 1
	}
	_, err = s.bulk(ctx, func(b *Batch) error {
		nonEmpty := errors.New("non-empty")
		err := b.w.scan([]byte(pfxContact), func([]byte, func() ([]byte, error)) error { return nonEmpty })
		if errors.Is(err, nonEmpty) {
			return ErrNotEmpty
		}
		if err != nil {
			return err
		}
		for i := 0; ; i++ {
			size, err := binary.ReadUvarint(br)
			if err != nil {
				return fmt.Errorf("frame %d: %w", i, err)
			}
			if size == 0 {
				return nil
			}
			if size > 1<<30 {
				return fmt.Errorf("frame %d: %d bytes", i, size)
			}
			buf := make([]byte, size)
			if _, err := io.ReadFull(br, buf); err != nil {
				return fmt.Errorf("frame %d: %w", i, err)
			}
			u, err := DecodeUnit(buf)
			if err != nil {
				return fmt.Errorf("frame %d: %w", i, err)
			}
			if err := b.replay(u.Ops); err != nil {
				return fmt.Errorf("frame %d: %w", i, err)
			}
		}
	}, &replay{seq: seq})
	if errors.Is(err, errApplied) {
		err = fmt.Errorf("it has applied the log to position %d or beyond: %w", seq, ErrNotEmpty)
	}
	if err != nil {
		return 0, fmt.Errorf("restore: %w", err)
	}
	return seq, nil
}
