package number

import (
	"strconv"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Level is one step of a lookup: the keys to read and the match kind a
// single contact found under them yields.
type Level struct {
	Kind phonebook.MatchKind
	Keys []string
}

// Probe is what a lookup for one calling number has to try. The slices are
// shared with the cache: callers must not modify them.
type Probe struct {
	// Skip is true when there is nothing to look up (anonymous, restricted,
	// empty, letters…): the result is phonebook.MatchSkipped.
	Skip bool
	// Clean is the cleaned number ("" when skipped).
	Clean string
	// E164 is the calling number in E.164 form when known. For '+' input
	// taken by the fast path it is the cleaned input as received (a known
	// country code and at most 15 digits, not checked against ranges).
	E164 string
	// Levels are tried in order; the first with at least one contact wins.
	Levels []Level
}

// SkipPresentation reports whether an Asterisk calling presentation value
// (agi_callingpres, CALLERPRES) forbids a lookup: restricted (0x20) or
// unavailable (0x40) — notes/callerid.md §1.4.
func (n *Normalizer) SkipPresentation(pres int) bool { return pres&0x60 != 0 }

var skipProbe = Probe{Skip: true}

// Probe turns a calling number into the ordered lookup levels (hot path).
//
//   - Rejected input → Skip.
//   - An extension (no '+', at most ExtensionMaxLen digits) → one level,
//     extension [ext:<digits>]. Never parsed.
//   - "+digits" with a known country code, at most 15 digits and no
//     national prefix after the code → exact [x:…], e164 [e164:+…],
//     national [nsn:cc:rest] built without the parser.
//   - Anything else is parsed as at write time → exact, then e164 and
//     national when they apply.
//
// Results are cached (LRU) by raw input, so a repeat caller costs a map hit.
func (n *Normalizer) Probe(raw string) Probe {
	if n.cache != nil {
		if p, ok := n.cache.get(raw); ok {
			return p
		}
	}
	p := n.probe(raw)
	if n.cache != nil && !p.Skip {
		n.cache.add(raw, p)
	}
	return p
}

// probe computes a Probe without the cache.
func (n *Normalizer) probe(raw string) Probe {
	c, ok := clean(raw)
	if !ok {
		return skipProbe
	}
	if !c.plus && len(c.s) <= n.extMax {
		key := PrefixExtension + c.s
		return Probe{Clean: c.s, Levels: []Level{{Kind: phonebook.MatchExtension, Keys: []string{key}}}}
	}
	if c.plus && !c.ctx {
		if p, ok := n.fastE164(c.s); ok {
			return p
		}
	}
	pr := n.parse(c.s, c.plus)
	nsnKey := ""
	if pr.nsn != "" {
		nsnKey = PrefixNational + strconv.Itoa(pr.cc) + ":" + pr.nsn
	}
	return buildProbe(c.s, pr.e164, nsnKey)
}

// fastE164 builds the levels for "+digits" without parsing. It declines
// (ok false) when the country code is unknown, the number is longer than
// E.164 allows, or the digits after the code start with the country's
// national prefix (a non-canonical form such as +387 061… that the parser
// would rewrite).
func (n *Normalizer) fastE164(s string) (Probe, bool) {
	d := s[1:]
	if len(d) < 4 || len(d) > 15 {
		return Probe{}, false
	}
	cc, ccLen := 0, 0
	for ccLen < 3 {
		cc = cc*10 + int(d[ccLen]-'0')
		ccLen++
		if n.cc[cc].known {
			break
		}
	}
	info := n.cc[cc]
	if !info.known {
		return Probe{}, false
	}
	rest := d[ccLen:]
	if len(rest) < 2 || (info.ndd != "" && len(rest) >= len(info.ndd) && rest[:len(info.ndd)] == info.ndd) {
		return Probe{}, false
	}
	return buildProbe(s, s, PrefixNational+d[:ccLen]+":"+rest), true
}

// buildProbe lays out the exact/e164/national levels with one allocation
// for the key strings, one for the key slice and one for the levels.
func buildProbe(cleanS, e164, nsnKey string) Probe {
	size := len(PrefixExact) + len(cleanS)
	if e164 != "" {
		size += len(PrefixE164) + len(e164)
	}
	size += len(nsnKey)
	buf := make([]byte, 0, size)
	buf = append(buf, PrefixExact...)
	buf = append(buf, cleanS...)
	if e164 != "" {
		buf = append(buf, PrefixE164...)
		buf = append(buf, e164...)
	}
	buf = append(buf, nsnKey...)
	all := string(buf)

	nLevels := 1
	if e164 != "" {
		nLevels++
	}
	if nsnKey != "" {
		nLevels++
	}
	keys := make([]string, nLevels)
	levels := make([]Level, nLevels)
	off := len(PrefixExact) + len(cleanS)
	keys[0] = all[:off]
	levels[0] = Level{Kind: phonebook.MatchExact, Keys: keys[0:1:1]}
	i := 1
	p := Probe{Clean: all[len(PrefixExact):off]}
	if e164 != "" {
		end := off + len(PrefixE164) + len(e164)
		keys[i] = all[off:end]
		p.E164 = all[off+len(PrefixE164) : end]
		levels[i] = Level{Kind: phonebook.MatchE164, Keys: keys[i : i+1 : i+1]}
		off = end
		i++
	}
	if nsnKey != "" {
		keys[i] = all[off:]
		levels[i] = Level{Kind: phonebook.MatchNational, Keys: keys[i : i+1 : i+1]}
	}
	p.Levels = levels
	return p
}
