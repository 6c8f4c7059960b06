package phonebook

import "encoding/binary"

// streamKV is one key for Badger's stream writer, which takes each as a
// protobuf-encoded pb.KV in a z.Buffer slice (badger.KVToBuffer). It is
// encoded here by hand: proto.Marshal through reflection cost 3–4 % of a
// load's CPU, and the fields a load sets are few. The encoding is the
// one proto.Marshal writes (pb.KV in badgerpb4.proto: key = 1, value = 2,
// version = 4, meta = 6, stream_id = 10; proto3 leaves out empty and zero
// fields, in field order), which TestStreamKV and FuzzStreamKV check
// against badger.KVToBuffer.
type streamKV struct {
	key, val []byte
	version  uint64
	meta     []byte
	stream   uint32
}

// Wire types of the protobuf encoding.
const (
	wireVarint = 0
	wireBytes  = 2
)

// Wire tags: field number << 3 | wire type.
const (
	tagKVKey     = 1<<3 | wireBytes
	tagKVValue   = 2<<3 | wireBytes
	tagKVVersion = 4<<3 | wireVarint
	tagKVMeta    = 6<<3 | wireBytes
	tagKVStream  = 10<<3 | wireVarint
)

// size returns the length of kv's encoding.
func (kv *streamKV) size() int {
	n := 0
	for _, b := range [...][]byte{kv.key, kv.val, kv.meta} {
		if len(b) > 0 {
			n += 1 + uvarintLen(uint64(len(b))) + len(b)
		}
	}
	if kv.version != 0 {
		n += 1 + uvarintLen(kv.version)
	}
	if kv.stream != 0 {
		n += 1 + uvarintLen(uint64(kv.stream))
	}
	return n
}

// marshal writes kv's encoding into out, which is exactly size() long.
func (kv *streamKV) marshal(out []byte) {
	b := out[:0]
	field := func(tag byte, v []byte) {
		if len(v) > 0 {
			b = append(b, tag)
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	field(tagKVKey, kv.key)
	field(tagKVValue, kv.val)
	if kv.version != 0 {
		b = append(b, tagKVVersion)
		b = binary.AppendUvarint(b, kv.version)
	}
	field(tagKVMeta, kv.meta)
	if kv.stream != 0 {
		b = append(b, tagKVStream)
		b = binary.AppendUvarint(b, uint64(kv.stream))
	}
	if len(b) != len(out) || (len(b) > 0 && &b[0] != &out[0]) {
		panic("phonebook: streamKV.marshal: size mismatch") // a bug here, never input
	}
}

// uvarintLen is the length of x as a uvarint.
func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}
