package phonebook

import (
	"bytes"
	"context"
	"slices"
)

// nameCountScan bounds the bucket entries a search reads to count its
// matches beyond the page (Page.TotalCapped is set when it runs out).
const nameCountScan = 1 << 16

// nameQuery is one search of the name index.
type nameQuery struct {
	x       *nameIndex
	q       *Query
	check   [][]byte // the words a slot of the driving bucket must still be checked for
	visOK   []int8   // per visibility id: 0 unknown, 1 visible, -1 not
	anyVis  bool
	base    []uint32 // the driving bucket's base slots
	delta   []uint32 // and its delta slots
	checkNo bool     // every slot of the bucket matches the words (one word that is its bucket)
	// The base lists of the other words' buckets, and how far a walk has
	// got in each: a base slot missing from one of them cannot match, which
	// comparing numbers tells before any token is read (slots only grow
	// along a walk, so each position only moves forward).
	others [][]uint32
	opos   []int
}

// inOthers reports whether base slot s is in every other word's bucket.
func (n *nameQuery) inOthers(s uint32) bool {
	for i, l := range n.others {
		p := n.opos[i]
		if p < len(l) && l[p] < s {
			// Gallop, then search the last step.
			step := 1
			for p+step < len(l) && l[p+step] < s {
				p += step
				step *= 2
			}
			hi := min(p+step, len(l))
			j, _ := slices.BinarySearch(l[p:hi], s)
			p += j
			n.opos[i] = p
		}
		if p >= len(l) || l[p] != s {
			return false
		}
	}
	return true
}

// rewind sends the walk's positions in the other lists back to the start.
func (n *nameQuery) rewind() { clear(n.opos) }

// match reports whether slot s is live, visible to the query and has a
// token starting with each word.
func (n *nameQuery) match(s uint32) bool {
	x := n.x
	v := x.vis[s]
	if v == slotDead {
		return false
	}
	if s < x.base && len(n.others) > 0 && !n.inOthers(s) {
		return false
	}
	if !n.anyVis {
		ok := n.visOK[v]
		if ok == 0 {
			ok = -1
			if n.q.visible(x.visStr[v]) {
				ok = 1
			}
			n.visOK[v] = ok
		}
		if ok < 0 {
			return false
		}
	}
	if n.checkNo {
		return true
	}
	toks := x.tokensOf(s)
	for _, w := range n.check {
		found := false
		for _, t := range toks {
			if bytes.HasPrefix(x.token(t), w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// walk calls fn for each slot of the driving bucket (base and delta
// merged) in key order, from positions bi and di, until fn returns false.
func (n *nameQuery) walk(bi, di int, fn func(s uint32) bool) {
	x := n.x
	for bi < len(n.base) || di < len(n.delta) {
		var s uint32
		switch {
		case di >= len(n.delta):
			s = n.base[bi]
			bi++
		case bi >= len(n.base) || bytes.Compare(x.key(n.delta[di]), x.key(n.base[bi])) < 0:
			s = n.delta[di]
			di++
		default:
			s = n.base[bi]
			bi++
		}
		if !fn(s) {
			return
		}
	}
}

// after returns the positions in the base and delta lists of the first
// slots whose keys follow the cursor key c.
func (n *nameQuery) after(c []byte) (bi, di int) {
	x := n.x
	// Base slots are numbered in key order: find the first base slot
	// after c, then its place in the bucket.
	lo, hi := 0, int(x.base)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bytes.Compare(x.key(uint32(m)), c) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	bi, _ = slices.BinarySearch(n.base, uint32(lo))
	lo, hi = 0, len(n.delta)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bytes.Compare(x.key(n.delta[m]), c) <= 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	di = lo
	return bi, di
}

// searchNames answers a name query (words from searchWords) from the
// index: up to limit hits after the cursor, in display-name order, and
// (count set) the total, exact up to the query's count cap.
func (x *nameIndex) searchNames(ctx context.Context, q *Query, words []string, after *hit, limit int, count bool) (result, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := &nameQuery{x: x, q: q, visOK: make([]int8, len(x.visStr))}
	n.anyVis = q.Source == "" && q.VisibleTo == "" && q.Scope == "" && q.Owner == ""
	driver := -1
	for i, w := range words {
		c := wordBucket(w)
		b, d := x.baseList(c), x.delta[c]
		if driver < 0 || len(b)+len(d) < len(n.base)+len(n.delta) {
			driver, n.base, n.delta = i, b, d
		}
	}
	for i, w := range words {
		if i != driver || len(w) > nameBucketLen {
			n.check = append(n.check, []byte(w))
		}
		if c := wordBucket(w); i != driver && c != wordBucket(words[driver]) {
			n.others = append(n.others, x.baseList(c))
		}
	}
	n.opos = make([]int, len(n.others))
	n.checkNo = len(n.check) == 0
	var r result
	bi, di := 0, 0
	if after != nil {
		bi, di = n.after([]byte(after.sort + sep + after.id))
	}
	capN := q.countCap()
	fromStart := after == nil
	read, fullAt := 0, 0
	counted := 0 // matches from the start, when the walk started there
	exhausted := false
	var err error
	n.walk(bi, di, func(s uint32) bool {
		if read++; read%4096 == 0 {
			if err = ctx.Err(); err != nil {
				return false
			}
		}
		if r.more && read-fullAt > nameCountScan {
			exhausted = true
			return false
		}
		if !n.match(s) {
			return true
		}
		counted++
		if len(r.hits) < limit {
			k := x.key(s)
			i := bytes.LastIndexByte(k, 0)
			r.hits = append(r.hits, hit{string(k[:i]), string(k[i+1:])})
			return true
		}
		if !r.more {
			r.more, fullAt = true, read
		}
		// Count on from here (a walk from the start), up to the cap.
		return count && fromStart && counted <= capN
	})
	if err != nil || !count {
		return r, err
	}
	if !fromStart {
		counted, read, exhausted = 0, 0, false
		n.rewind()
		n.walk(0, 0, func(s uint32) bool {
			if read++; read > nameCountScan {
				exhausted = true
				return false
			}
			if n.match(s) {
				counted++
			}
			return counted <= capN
		})
	}
	r.total, r.capped = min(counted, capN), counted > capN || exhausted
	return r, ctx.Err()
}
