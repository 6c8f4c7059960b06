package phonebook

import (
	"bytes"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
)

// TestChunkVersionsUnique writes one key in two chunks of one operation:
// each chunk commits at a version of its own, so Badger holds two versions
// of the key rather than two values at one version (which one a read finds
// would then depend on the order of Badger's tables), and the published
// version is the last chunk's.
func TestChunkVersionsUnique(t *testing.T) {
	s := openTest(t, t.TempDir())
	pub := s.pub.Load()
	w := newChunkWriter(s.db, pub+1)
	key := []byte("kv/test/k")
	if err := w.set(key, []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := w.commitAsync(); err != nil {
		t.Fatal(err)
	}
	if v, err := w.get(key); err != nil || string(v) != "first" {
		t.Fatalf("read your writes across chunks: %q, %v", v, err)
	}
	if err := w.set(key, []byte("second")); err != nil {
		t.Fatal(err)
	}
	last, err := w.publish()
	w.discard()
	if err != nil {
		t.Fatal(err)
	}
	if last != pub+2 {
		t.Fatalf("published version %d, want %d (the second chunk's)", last, pub+2)
	}
	txn := s.db.NewTransactionAt(last, false)
	defer txn.Discard()
	it := txn.NewIterator(badger.IteratorOptions{AllVersions: true})
	defer it.Close()
	var versions []uint64
	var vals []string
	for it.Seek(key); it.ValidForPrefix(key); it.Next() {
		if !bytes.Equal(it.Item().Key(), key) {
			break
		}
		v, err := it.Item().ValueCopy(nil)
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, it.Item().Version())
		vals = append(vals, string(v))
	}
	if len(versions) != 2 || versions[0] != pub+2 || versions[1] != pub+1 || vals[0] != "second" || vals[1] != "first" {
		t.Fatalf("versions %v values %q, want [%d %d] [second first]", versions, vals, pub+2, pub+1)
	}
	pv, err := getU64(txn, keyPublished)
	if err != nil || pv != last {
		t.Fatalf("keyPublished %d, %v; want %d", pv, err, last)
	}
}
