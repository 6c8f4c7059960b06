package fias

import (
	"maps"
	"slices"
	"strings"
)

// Definitions are record definitions as LR records carry them: for each
// record type, the field ids it may carry, in order.
type Definitions map[string][]string

// OurDefinitions are the records this side exchanges and their fields:
// what it sends in LR at link start (docs/hotel.md#the-pms-link-fias).
// From the PMS: GI, GO, GC, RE, WR, WC, PA, DS, DE; to the PMS: RE, WA,
// PS, DR.
func OurDefinitions() Definitions {
	return Definitions{
		"GI": {"RN", "G#", "GN", "GF", "GL", "GA", "GD", "GV", "GS", "SF", "DA", "TI"},
		"GO": {"RN", "G#", "GS", "SF", "DA", "TI"},
		"GC": {"RN", "G#", "GN", "GF", "GL", "GA", "GD", "GV", "GS", "RO", "DA", "TI"},
		"RE": {"RN", "RS", "DN", "ML", "CS", "DA", "TI"},
		"WR": {"RN", "DA", "TI"},
		"WC": {"RN", "DA", "TI"},
		"WA": {"RN", "DA", "TI", "AS"},
		"PS": {"RN", "PT", "DA", "TI", "DD", "DU", "TA", "P#"},
		"PA": {"RN", "AS", "P#", "DA", "TI"},
		"DR": {"DA", "TI"},
		"DS": {"DA", "TI"},
		"DE": {"DA", "TI"},
	}
}

// Records returns d as LR records, ordered by record type
// ("LR|RIGI|FLRNG#GN…|").
func (d Definitions) Records() []Record {
	var out []Record
	for _, typ := range slices.Sorted(maps.Keys(d)) {
		out = append(out, NewRecord("LR", "RI", typ, "FL", strings.Join(d[typ], "")))
	}
	return out
}

// Learn adds the definition an LR record carries (RI the record type, FL
// the field ids run together); it reports false for an LR without a
// valid RI or FL.
func (d Definitions) Learn(lr Record) bool {
	typ, fl := lr.Value("RI"), lr.Value("FL")
	if !validID(typ) || fl == "" || len(fl)%2 != 0 {
		return false
	}
	var ids []string
	for i := 0; i < len(fl); i += 2 {
		if !validID(fl[i : i+2]) {
			return false
		}
		ids = append(ids, fl[i:i+2])
	}
	d[typ] = ids
	return true
}

// Filter returns r with only the fields d declares for its type; r as it
// is when d has no definition of it (the peer declared nothing, so it
// takes what the specification allows).
func (d Definitions) Filter(r Record) Record {
	ids, ok := d[r.Type]
	if !ok {
		return r
	}
	out := Record{Type: r.Type}
	for _, f := range r.Fields {
		if slices.Contains(ids, f.ID) {
			out.Fields = append(out.Fields, f)
		}
	}
	return out
}
