package rating

import (
	"sort"

	"github.com/pbxagent/pbxagent/agent/hotel"
)

// index is the prefix lookup of a set of rate tables: per table, a map
// from prefix to the winning rate's position (the highest weight, then
// the first), and the tables in the order they are tried.
type index struct {
	// tables and rates identify the slices the index was built from.
	tables sliceID[hotel.RateTable]
	rates  []sliceID[hotel.Rate]
	// order lists the tables by specificity (both trunk and class named,
	// trunk, class, neither), stable.
	order []tableIndex
}

// sliceID identifies a slice by its first element's address and its
// length.
type sliceID[T any] struct {
	first *T
	n     int
}

func idOf[T any](s []T) sliceID[T] {
	if len(s) == 0 {
		return sliceID[T]{}
	}
	return sliceID[T]{first: &s[0], n: len(s)}
}

// tableIndex is one table's prefixes.
type tableIndex struct {
	pos     int            // the table's position in the slice
	rates   map[string]int // prefix → position of its rate in Rates
	longest int            // the longest prefix's length
}

// specificity ranks a table: 0 names both trunk and class, 1 the trunk,
// 2 the class, 3 neither.
func specificity(t *hotel.RateTable) int {
	switch {
	case t.Trunk != "" && t.Class != "":
		return 0
	case t.Trunk != "":
		return 1
	case t.Class != "":
		return 2
	}
	return 3
}

func buildIndex(tables []hotel.RateTable) *index {
	ix := &index{tables: idOf(tables), rates: make([]sliceID[hotel.Rate], 0, len(tables)),
		order: make([]tableIndex, 0, len(tables))}
	for i := range tables {
		t := &tables[i]
		ix.rates = append(ix.rates, idOf(t.Rates))
		ti := tableIndex{pos: i, rates: make(map[string]int, len(t.Rates))}
		for j := range t.Rates {
			p := t.Rates[j].Prefix
			if p == "" {
				continue
			}
			if k, ok := ti.rates[p]; ok && t.Rates[k].Weight >= t.Rates[j].Weight {
				continue
			}
			ti.rates[p] = j
			ti.longest = max(ti.longest, len(p))
		}
		ix.order = append(ix.order, ti)
	}
	sort.SliceStable(ix.order, func(a, b int) bool {
		return specificity(&tables[ix.order[a].pos]) < specificity(&tables[ix.order[b].pos])
	})
	return ix
}

// sameAs reports whether tables are the slices the index was built from.
func (ix *index) sameAs(tables []hotel.RateTable) bool {
	if ix.tables != idOf(tables) {
		return false
	}
	for i := range tables {
		if ix.rates[i] != idOf(tables[i].Rates) {
			return false
		}
	}
	return true
}

// lookup finds the table and the rate for c; false when no table that
// applies holds a prefix of the number. A rate whose prefix changed in
// place since the index was built is not trusted: the index is rebuilt
// for this lookup.
func (ix *index) lookup(tables []hotel.RateTable, c hotel.CallRecord) (*hotel.RateTable, *hotel.Rate, bool) {
	num := normalize(c.Number)
	for _, ti := range ix.order {
		t := &tables[ti.pos]
		if (t.Trunk != "" && t.Trunk != c.Trunk) || (t.Class != "" && t.Class != c.Class) {
			continue
		}
		for n := min(len(num), ti.longest); n > 0; n-- {
			j, ok := ti.rates[num[:n]]
			if !ok {
				continue
			}
			if j >= len(t.Rates) || t.Rates[j].Prefix != num[:n] {
				return buildIndex(tables).lookup(tables, c)
			}
			return t, &t.Rates[j], true
		}
	}
	return nil, nil, false
}
