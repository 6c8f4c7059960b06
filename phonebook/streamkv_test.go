package phonebook

import (
	"bytes"
	"testing"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/ristretto/v2/z"
)

// checkStreamKV fails t unless kv's buffer holds what badger.KVToBuffer
// (proto.Marshal) writes for the pb.KV with the same fields, and Badger
// decodes it back to them (badger.BufferToKVList, as the stream writer).
func checkStreamKV(t *testing.T, kv streamKV) {
	t.Helper()
	ref := z.NewBuffer(1<<10, "test")
	defer func() { _ = ref.Release() }()
	badger.KVToBuffer(&pb.KV{Key: kv.key, Value: kv.val, Version: kv.version, Meta: kv.meta, StreamId: kv.stream}, ref)
	got := z.NewBuffer(1<<10, "test")
	defer func() { _ = got.Release() }()
	kv.marshal(got.SliceAllocate(kv.size()))
	if !bytes.Equal(got.Bytes(), ref.Bytes()) {
		t.Fatalf("encoding of %+v:\n got %x\nwant %x", kv, got.Bytes(), ref.Bytes())
	}
	if kv.size() == 0 {
		return // an empty slice, which Badger skips (a load has no empty key)
	}
	list, err := badger.BufferToKVList(got)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Kv) != 1 {
		t.Fatalf("decoded %d KVs, want 1", len(list.Kv))
	}
	back := list.Kv[0]
	if !bytes.Equal(back.Key, kv.key) || !bytes.Equal(back.Value, kv.val) || back.Version != kv.version ||
		!bytes.Equal(back.Meta, kv.meta) || back.StreamId != kv.stream {
		t.Fatalf("decoded %v from the encoding of %+v", back, kv)
	}
}

// TestStreamKV: the hand encoding of a stream writer's KV is Badger's.
func TestStreamKV(t *testing.T) {
	long := bytes.Repeat([]byte("v"), 300) // a two-byte length
	tests := []struct {
		name string
		kv   streamKV
	}{
		{name: "a load's key", kv: streamKV{key: []byte("c/01JEXAMPLE"), val: []byte("record"), version: 42, stream: 1}},
		{name: "tombstone, no value", kv: streamKV{key: []byte("ix/sort/a\x00b"), version: 1 << 40, meta: []byte{badgerBitDelete}, stream: 1}},
		{name: "long value", kv: streamKV{key: []byte("k"), val: long, version: 1, stream: 1}},
		{name: "zero version and stream", kv: streamKV{key: []byte("k"), val: []byte("v")}},
		{name: "large stream id", kv: streamKV{key: []byte("k"), version: ^uint64(0), stream: ^uint32(0)}},
		{name: "empty", kv: streamKV{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { checkStreamKV(t, tc.kv) })
	}
}

// FuzzStreamKV: the hand encoding equals Badger's (proto.Marshal) for any
// fields.
func FuzzStreamKV(f *testing.F) {
	f.Add([]byte("c/x"), []byte("v"), uint64(7), []byte{1}, uint32(1))
	f.Add([]byte{}, []byte{}, uint64(0), []byte{}, uint32(0))
	f.Fuzz(func(t *testing.T, key, val []byte, version uint64, meta []byte, stream uint32) {
		checkStreamKV(t, streamKV{key: key, val: val, version: version, meta: meta, stream: stream})
	})
}
