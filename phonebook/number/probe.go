package number

import (
	"strconv"

	"github.com/pbxagent/pbxagent/phonebook"
)

// Level is one step of a lookup: the keys to read and the match kind a
// single contact found under them yields. It is the store's ProbeLevel, so
// Probe.Levels passes to the store without copying.
type Level = phonebook.ProbeLevel

// Probe is what a lookup for one calling number has to try. The slices are
// shared with the cache: callers must not modify them.
type Probe struct {
	// Skip is true when there is nothing to look up (anonymous, restricted,
	// empty, letters…): the result is phonebook.MatchSkipped.
	Skip bool
	// Clean is the cleaned number ("" when skipped).
	Clean string
	// E164 is the calling number in E.164 form when known. On the fast
	// paths (see Probe) it is derived without checking number ranges.
	E164 string
	// Levels are tried in order; the first with at least one contact wins.
	Levels []Level
}

// SkipPresentation reports whether an Asterisk calling presentation value
// (agi_callingpres, CALLERPRES) forbids a lookup: restricted (0x20) or
// unavailable (0x40) — the presentation bits of Asterisk's
// include/asterisk/callerid.h (AST_PRES_RESTRICTION).
func (n *Normalizer) SkipPresentation(pres int) bool { return pres&0x60 != 0 }

var skipProbe = Probe{Skip: true}

// Probe turns a calling number into the ordered lookup levels (hot path).
//
//   - Rejected input → Skip.
//   - An extension (no '+', at most ExtensionMaxLen digits) → one level,
//     extension [ext:<digits>]. Never parsed.
//   - "+digits", "<IDD>digits" and "<national prefix>digits" (the last two
//     for the default region, when it passed the self-check in New and the
//     number does not start with a trunk prefix) with a known country code,
//     at most 15 digits and no national prefix after the code → exact
//     [x:…], e164 [e164:+…], national [nsn:cc:rest], built without the
//     parser. A key built this way can only meet a stored key of the very
//     same number; in odd cases it may miss where the parser would match.
//   - Anything else is parsed as at write time → exact, then e164 and
//     national when they apply.
//
// Results (except Skip) are cached in an LRU keyed by the raw input, so a
// repeat caller costs a map hit.
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
	var buf cleanBuf
	c, ok := clean(raw, &buf)
	if !ok {
		return skipProbe
	}
	b := c.b
	if !c.plus && len(b) <= n.extMax {
		k := make([]byte, 0, len(PrefixExtension)+len(b))
		k = append(append(k, PrefixExtension...), b...)
		key := string(k)
		l := &probeLevel1{}
		l.keys[0] = key
		l.levels[0] = Level{Kind: phonebook.MatchExtension, Keys: l.keys[:]}
		return Probe{Clean: key[len(PrefixExtension):], Levels: l.levels[:]}
	}
	if p, ok := n.fast(c); ok {
		return p
	}
	s := string(b)
	pr := n.parse(s, c.plus)
	if pr.nsn == "" {
		return buildProbe(b, pr.e164, "", "")
	}
	return buildProbe(b, pr.e164, strconv.Itoa(pr.cc), pr.nsn)
}

// e164Buf holds derived E.164 digits on the caller's stack.
type e164Buf [maxDigits + 8]byte

// fast tries the parser-free paths of Probe.
func (n *Normalizer) fast(c cleaned) (Probe, bool) {
	var e e164Buf
	d, ccLen, _, ok := n.derive(c, &e)
	if !ok {
		return Probe{}, false
	}
	var f e164Buf
	plus := append(append(f[:0], '+'), d...)
	return buildProbeBytes(c.b, plus, d[:ccLen], d[ccLen:]), true
}

// derive returns the E.164 digits (country code first, no '+') of a
// cleaned number in "+digits", "<IDD>digits" or "<national prefix>digits"
// form, and the length of its country code, without the parser. It
// declines (ok false) for numbers with a phone-context, starting with a
// trunk prefix, or failing splitCC. national reports the national-prefix
// form.
func (n *Normalizer) derive(c cleaned, e *e164Buf) (d []byte, ccLen int, national, ok bool) {
	b := c.b
	switch {
	case c.plus && !c.ctx:
		d = b[1:]
	case c.plus:
		return nil, 0, false, false
	default:
		for _, tp := range n.trunks {
			if len(b) >= len(tp) && string(b[:len(tp)]) == tp {
				return nil, 0, false, false
			}
		}
		switch {
		case n.idd != "" && len(b) > len(n.idd) && string(b[:len(n.idd)]) == n.idd:
			d = b[len(n.idd):]
		case n.ndd != "" && len(b) > len(n.ndd) && string(b[:len(n.ndd)]) == n.ndd:
			rest := b[len(n.ndd):]
			if rest[0] == '0' {
				return nil, 0, false, false
			}
			d = append(append(e[:0], n.regionCC...), rest...)
			national = true
		default:
			return nil, 0, false, false
		}
	}
	ccLen, ok = n.splitCC(d)
	return d, ccLen, national, ok
}

// splitCC finds the country code at the start of the E.164 digits d. It
// declines (ok false) when the code is unknown or not trusted for the fast
// path, the number is shorter than 4 or longer than 15 digits, or the
// digits after the code start with that country's national prefix (a
// non-canonical form such as +387 061… that the parser would rewrite).
func (n *Normalizer) splitCC(d []byte) (ccLen int, ok bool) {
	if len(d) < 4 || len(d) > 15 || d[0] == '0' {
		return 0, false
	}
	cc := 0
	for ccLen < 3 {
		cc = cc*10 + int(d[ccLen]-'0')
		ccLen++
		if n.cc[cc].known {
			break
		}
	}
	info := n.cc[cc]
	if !info.known || !info.fast {
		return 0, false
	}
	rest := d[ccLen:]
	if len(rest) < 2 || (info.ndd != "" && len(rest) >= len(info.ndd) && string(rest[:len(info.ndd)]) == info.ndd) {
		return 0, false
	}
	return ccLen, true
}

// probeLevel1 backs the slices of a one-level Probe (an extension).
type probeLevel1 struct {
	levels [1]Level
	keys   [1]string
}

// probeLevels backs the slices of one Probe with a single allocation.
type probeLevels struct {
	levels [3]Level
	keys   [3]string
}

// buildProbe lays out the exact/e164/national levels; e164 and the nsn
// parts may be empty.
func buildProbe(cleanB []byte, e164, cc, nsn string) Probe {
	var e [maxDigits + 8]byte
	return buildProbeBytes(cleanB, append(e[:0], e164...), []byte(cc), []byte(nsn))
}

// buildProbeBytes is buildProbe on byte slices: one allocation for all key
// strings and one for the levels and key slices.
func buildProbeBytes(cleanB, e164, cc, nsn []byte) Probe {
	k := layoutKeys(cleanB, e164, cc, nsn)
	l := &probeLevels{}
	l.keys[0] = k.exactKey()
	l.levels[0] = Level{Kind: phonebook.MatchExact, Keys: l.keys[0:1:1]}
	i := 1
	p := Probe{Clean: k.clean(), E164: k.e164Value()}
	if k.hasE164 {
		l.keys[i] = k.e164Key()
		l.levels[i] = Level{Kind: phonebook.MatchE164, Keys: l.keys[i : i+1 : i+1]}
		i++
	}
	if k.hasNSN {
		l.keys[i] = k.nsnKey()
		l.levels[i] = Level{Kind: phonebook.MatchNational, Keys: l.keys[i : i+1 : i+1]}
		i++
	}
	p.Levels = l.levels[:i:i]
	return p
}
