package phonebook

import (
	"hash/maphash"
	"math/bits"
)

// numFilter is a Bloom filter over the ix/num keys that exist, kept so a
// bulk operation need not read a number key to learn it is new: with 1 M
// contacts that is six million reads saved on a first import. It only
// ever answers "maybe" or "certainly not": keys are added, never removed
// (a deleted key costs one needless read), and a full filter grows by
// chaining a larger one. It is guarded by the store's writer lock.
type numFilter struct {
	seed   maphash.Seed
	parts  []*bloom
	filled int // keys added to the newest part
}

type bloom struct {
	bits []uint64
	mask uint64 // len(bits)*64 - 1 (a power of two)
	cap  int    // keys this part takes at about 1 % false positives
}

// bloomK is the number of probes per key (about 1 % false positives at 10
// bits per key).
const bloomK = 7

func newBloom(capacity int) *bloom {
	nbits := uint64(max(capacity, 1024)) * 10
	nbits = 1 << bits.Len64(nbits-1) // round up to a power of two
	return &bloom{bits: make([]uint64, nbits/64), mask: nbits - 1, cap: int(nbits / 10)}
}

func newNumFilter(capacity int) *numFilter {
	return &numFilter{seed: maphash.MakeSeed(), parts: []*bloom{newBloom(capacity)}}
}

func (f *numFilter) hash(k []byte) (h1, h2 uint64) {
	h := maphash.Bytes(f.seed, k)
	return h, h>>32 | h<<32 | 1
}

// may reports whether k may exist (false: it certainly does not).
func (f *numFilter) may(k []byte) bool {
	h1, h2 := f.hash(k)
	for _, p := range f.parts {
		if p.has(h1, h2) {
			return true
		}
	}
	return false
}

// add records that k exists.
func (f *numFilter) add(k []byte) {
	last := f.parts[len(f.parts)-1]
	if f.filled >= last.cap {
		last = newBloom(2 * last.cap)
		f.parts = append(f.parts, last)
		f.filled = 0
	}
	h1, h2 := f.hash(k)
	last.set(h1, h2)
	f.filled++
}

func (b *bloom) has(h1, h2 uint64) bool {
	for i := uint64(0); i < bloomK; i++ {
		x := (h1 + i*h2) & b.mask
		if b.bits[x/64]&(1<<(x%64)) == 0 {
			return false
		}
	}
	return true
}

func (b *bloom) set(h1, h2 uint64) {
	for i := uint64(0); i < bloomK; i++ {
		x := (h1 + i*h2) & b.mask
		b.bits[x/64] |= 1 << (x % 64)
	}
}

// sizeBytes is the filter's memory.
func (f *numFilter) sizeBytes() int {
	n := 0
	for _, p := range f.parts {
		n += 8 * len(p.bits)
	}
	return n
}
