package replica

import (
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
)

// Message headers of a unit's chunks.
const (
	hdrUnit  = "Pbx-Unit"  // the unit's id (unique per publish)
	hdrChunk = "Pbx-Chunk" // the chunk's index, from 0
	hdrFinal = "Pbx-Final" // "1" on the last chunk: the commit marker
	hdrTime  = "Pbx-Time"  // on the commit marker: when it was published (Unix ns)
	hdrNode  = "Pbx-Node"  // the writer's node id
	hdrLease = "Pbx-Lease" // the writer's lease revision
	hdrSize  = "Pbx-Size"  // on the first chunk: the unit's size in bytes
	// hdrAbandon, "1", marks a message that is no unit's chunk: a new
	// writer publishes it when the stream ends in the middle of a unit,
	// which every node then drops (see Node.abandonTail). To a node of
	// an earlier version it is the first chunk of a unit that never ends.
	hdrAbandon = "Pbx-Abandon"
)

// maxPrealloc bounds what a follower reserves for a unit from its first
// chunk's size header.
const maxPrealloc = 1 << 30

// chunks cuts data into pieces of at most size bytes (at least one piece).
func chunks(data []byte, size int) [][]byte {
	var out [][]byte
	for len(data) > size {
		out = append(out, data[:size:size])
		data = data[size:]
	}
	return append(out, data)
}

// chunkInfo is what a message's headers say of its place in a unit.
type chunkInfo struct {
	unit    string
	index   int
	final   bool
	time    int64
	size    int    // the unit's size, from the first chunk (0: unknown)
	node    string // the writer's node id
	abandon bool   // an abandon marker, not a chunk
}

// parseChunk reads a chunk's headers.
func parseChunk(h nats.Header) (chunkInfo, error) {
	ci := chunkInfo{unit: h.Get(hdrUnit), final: h.Get(hdrFinal) == "1", node: h.Get(hdrNode), abandon: h.Get(hdrAbandon) == "1"}
	if ci.unit == "" {
		return ci, fmt.Errorf("header %s missing", hdrUnit)
	}
	i, err := strconv.Atoi(h.Get(hdrChunk))
	if err != nil || i < 0 {
		return ci, fmt.Errorf("header %s: %q is not a chunk index", hdrChunk, h.Get(hdrChunk))
	}
	ci.index = i
	if s, err := strconv.Atoi(h.Get(hdrSize)); err == nil && s > 0 && s <= maxPrealloc {
		ci.size = s
	}
	if ci.final {
		if ci.time, err = strconv.ParseInt(h.Get(hdrTime), 10, 64); err != nil {
			return ci, fmt.Errorf("header %s: %q is not a time", hdrTime, h.Get(hdrTime))
		}
	}
	return ci, nil
}

// assembler rebuilds units from their chunks, which a writer publishes
// back to back. A unit whose chunks stop before its commit marker (its
// writer died or lost the lease) is dropped when the next unit starts.
type assembler struct {
	unit string
	next int
	buf  []byte
}

// add takes one chunk; it returns the whole unit's bytes with the commit
// marker, else nil. A chunk out of order drops what was gathered.
func (a *assembler) add(ci chunkInfo, data []byte) []byte {
	if ci.index == 0 {
		a.unit, a.next, a.buf = ci.unit, 0, a.buf[:0]
		if ci.size > cap(a.buf) {
			a.buf = make([]byte, 0, ci.size) // one allocation for a large unit
		}
	} else if ci.unit != a.unit || ci.index != a.next {
		a.unit, a.next, a.buf = "", 0, a.buf[:0] // an orphan: ignore until a unit starts
		return nil
	}
	a.buf = append(a.buf, data...)
	a.next++
	if !ci.final {
		return nil
	}
	out := a.buf
	a.unit, a.next, a.buf = "", 0, nil
	return out
}
