package phonebook

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The number index (ix/num/<numkey>) holds, under one key per number key,
// the list of contacts that have it, so that a caller-ID lookup is one
// point read per level (Badger answers those from its bloom filters)
// instead of an iterator seek through every level of the tree. Writers
// read, change and write a list; a bulk operation skips the read of keys
// that a filter proves absent (see numFilter), so a first import stays
// write-only.

// numEntry is one contact in an ix/num list: its id and numValue.
type numEntry struct {
	id  string
	val []byte
}

// decodeNumList parses an ix/num value: entries sorted by id, each
// uvarint(len(id)) id uvarint(len(val)) val.
func decodeNumList(b []byte) ([]numEntry, error) {
	var out []numEntry
	err := walkNumList(b, func(id, val []byte) bool {
		out = append(out, numEntry{id: string(id), val: val})
		return true
	})
	return out, err
}

// walkNumList calls fn for each entry of an ix/num value without copying;
// fn's slices are valid only during the call.
func walkNumList(b []byte, fn func(id, val []byte) bool) error {
	for len(b) > 0 {
		id, rest, err := cutLen(b)
		if err != nil {
			return err
		}
		val, rest2, err := cutLen(rest)
		if err != nil {
			return err
		}
		if !fn(id, val) {
			return nil
		}
		b = rest2
	}
	return nil
}

var errNumList = errors.New("corrupt number index entry")

func cutLen(b []byte) (field, rest []byte, err error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return nil, nil, errNumList
	}
	return b[k : k+int(n)], b[k+int(n):], nil
}

// encodeNumList is the inverse of decodeNumList; es must be sorted by id.
func encodeNumList(es []numEntry) []byte {
	n := 0
	for _, e := range es {
		n += 2*binary.MaxVarintLen16 + len(e.id) + len(e.val)
	}
	b := make([]byte, 0, n)
	for _, e := range es {
		b = binary.AppendUvarint(b, uint64(len(e.id)))
		b = append(b, e.id...)
		b = binary.AppendUvarint(b, uint64(len(e.val)))
		b = append(b, e.val...)
	}
	return b
}

// writeNumbers moves contact id from the lists of oldKeys to those of
// newKeys, with val (its numValue) as the entry; unchanged lists are not
// written. f, when set, proves keys absent without a read and learns the
// keys written.
func writeNumbers(w rw, f *numFilter, id string, val []byte, oldKeys, newKeys []string) error {
	for _, k := range oldKeys {
		if !slices.Contains(newKeys, k) {
			if err := numListEdit(w, f, k, id, nil); err != nil {
				return err
			}
		}
	}
	for _, k := range newKeys {
		if err := numListEdit(w, f, k, id, val); err != nil {
			return err
		}
	}
	return nil
}

// numListEdit sets (val != nil) or removes (val == nil) the entry of id in
// the list under number key k.
func numListEdit(w rw, f *numFilter, k, id string, val []byte) error {
	key := kNum(k)
	var cur []byte
	if f == nil || f.may(key) {
		b, err := w.get(key)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return fmt.Errorf("read number index %q: %w", k, err)
		default:
			cur = b
		}
	}
	es, err := decodeNumList(cur)
	if err != nil {
		return fmt.Errorf("number index %q: %w", k, err)
	}
	i, found := slices.BinarySearchFunc(es, id, func(e numEntry, id string) int {
		return strings.Compare(e.id, id)
	})
	switch {
	case val == nil && !found:
		return nil
	case val == nil:
		es = slices.Delete(es, i, i+1)
	case found && bytes.Equal(es[i].val, val):
		return nil
	case found:
		es[i].val = val
	default:
		es = slices.Insert(es, i, numEntry{id: id, val: val})
	}
	w.noteNum(k, es)
	if len(es) == 0 {
		return w.del(key)
	}
	if f != nil {
		f.add(key)
	}
	return w.set(key, encodeNumList(es))
}
