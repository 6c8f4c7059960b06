package number

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"slices"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Validity without the regexp engine.
//
// phonenumbers.IsValidNumber decides validity from the metadata alone: a
// national significant number (NSN) is valid for a region when it matches
// the region's general description and at least one number-type
// description (fixed line, mobile, toll free, …), each a national-number
// regexp plus a list of possible lengths; for a country code shared by
// several regions the region is chosen first, by a leading-digits regexp
// (a prefix match) or, for regions without one, by validity itself. Every
// one of these tests is a regular language over the digits, so each is
// compiled here, once, into a deterministic automaton (DFA): the state it
// is in after reading a prefix of the NSN is exactly the class of that
// prefix — which continuations the metadata accepts — so the result for
// every prefix is known in advance and a number is checked by one table
// walk per description instead of a regexp match per description (with a
// pattern string built and a cache lookup each time). The result is the
// same as the library's by construction (the same language, decided
// without backtracking), and validate_test.go checks it against the
// library over generated numbers of every country code and region.
// A pattern that cannot be compiled this way (an empty-width assertion,
// too many states) leaves its country code on the library.

// maxDFAStates bounds the states of one description's automaton; the
// metadata's patterns need far fewer (they are alternations of digit
// classes with bounded repeats).
const maxDFAStates = 1 << 14

var errUnsupported = errors.New("pattern not supported by the digit automaton")

// dfa is a deterministic automaton over the digits 0–9 recognising one
// metadata pattern: next[s][d] is the state after digit d (-1: no
// continuation can match), accept[s] whether the input read so far
// matches. State 0 is the start.
type dfa struct {
	next   [][10]int32
	accept []bool
}

// full reports whether the whole of digits matches (a "^(?:p)$" match).
func (a *dfa) full(digits []byte) bool {
	s := int32(0)
	for _, c := range digits {
		if s = a.next[s][c-'0']; s < 0 {
			return false
		}
	}
	return a.accept[s]
}

// prefix reports whether some prefix of digits, the empty one included,
// matches (a "^(?:p)" match).
func (a *dfa) prefix(digits []byte) bool {
	s := int32(0)
	for _, c := range digits {
		if a.accept[s] {
			return true
		}
		if s = a.next[s][c-'0']; s < 0 {
			return false
		}
	}
	return a.accept[s]
}

// compileDFA builds the automaton of pattern (Go regexp syntax, as the
// library compiles it) by the subset construction over its NFA.
func compileDFA(pattern string) (*dfa, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", pattern, err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, fmt.Errorf("compile %q: %w", pattern, err)
	}
	for i := range prog.Inst {
		switch prog.Inst[i].Op {
		case syntax.InstAlt, syntax.InstAltMatch, syntax.InstCapture, syntax.InstNop,
			syntax.InstFail, syntax.InstMatch, syntax.InstRune, syntax.InstRune1,
			syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
		default:
			return nil, fmt.Errorf("%q: %w", pattern, errUnsupported)
		}
	}
	b := dfaBuilder{prog: prog, seen: make([]uint32, len(prog.Inst)), index: map[string]int32{}}
	a := &dfa{}
	start := b.closure(nil, uint32(prog.Start))
	b.state(a, start)
	for s := 0; s < len(b.sets); s++ {
		set := b.sets[s]
		for d := 0; d < 10; d++ {
			b.gen++
			var next []uint32
			for _, pc := range set {
				in := &prog.Inst[pc]
				if matchDigit(in, rune('0'+d)) {
					next = b.closure(next, in.Out)
				}
			}
			if len(next) == 0 {
				a.next[s][d] = -1
				continue
			}
			a.next[s][d] = b.state(a, next)
			if len(b.sets) > maxDFAStates {
				return nil, fmt.Errorf("%q: more than %d states: %w", pattern, maxDFAStates, errUnsupported)
			}
		}
	}
	return a, nil
}

// dfaBuilder holds the subset construction's state.
type dfaBuilder struct {
	prog  *syntax.Prog
	seen  []uint32 // seen[pc] == gen: pc already in the set being built
	gen   uint32
	sets  [][]uint32 // state → sorted instruction set
	index map[string]int32
}

// closure adds pc and everything reachable from it without consuming a
// digit to set; only consuming and matching instructions are kept.
func (b *dfaBuilder) closure(set []uint32, pc uint32) []uint32 {
	if b.gen == 0 {
		b.gen = 1
	}
	stack := []uint32{pc}
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if b.seen[pc] == b.gen {
			continue
		}
		b.seen[pc] = b.gen
		in := &b.prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			stack = append(stack, in.Arg, in.Out)
		case syntax.InstCapture, syntax.InstNop:
			stack = append(stack, in.Out)
		case syntax.InstFail:
		default:
			set = append(set, pc)
		}
	}
	return set
}

// state returns the state of an instruction set, adding it if new.
func (b *dfaBuilder) state(a *dfa, set []uint32) int32 {
	slices.Sort(set)
	key := make([]byte, 0, 4*len(set))
	for _, pc := range set {
		key = append(key, byte(pc), byte(pc>>8), byte(pc>>16), byte(pc>>24))
	}
	if s, ok := b.index[string(key)]; ok {
		return s
	}
	s := int32(len(b.sets))
	b.index[string(key)] = s
	b.sets = append(b.sets, set)
	acc := false
	for _, pc := range set {
		if b.prog.Inst[pc].Op == syntax.InstMatch {
			acc = true
		}
	}
	a.next = append(a.next, [10]int32{})
	a.accept = append(a.accept, acc)
	return s
}

func matchDigit(in *syntax.Inst, r rune) bool {
	switch in.Op {
	case syntax.InstRune, syntax.InstRune1:
		return in.MatchRune(r)
	case syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
		return true
	}
	return false
}

// descMatcher is one PhoneNumberDesc: its possible lengths and its
// national-number pattern (isNumberMatchingDesc).
type descMatcher struct {
	lengths uint32 // bit l set: NSN length l allowed
	re      *dfa
}

func compileDesc(d *phonenumbers.PhoneNumberDesc) (descMatcher, error) {
	m := descMatcher{lengths: ^uint32(0)}
	if d == nil {
		return descMatcher{}, nil
	}
	if len(d.PossibleLength) > 0 {
		m.lengths = 0
		for _, l := range d.PossibleLength {
			if l > 0 && l < 32 {
				m.lengths |= 1 << l
			}
		}
	}
	re, err := compileDFA(d.GetNationalNumberPattern())
	if err != nil {
		return descMatcher{}, err
	}
	m.re = re
	return m, nil
}

func (m *descMatcher) match(nsn []byte) bool {
	return m.re != nil && len(nsn) < 32 && m.lengths&(1<<len(nsn)) != 0 && m.re.full(nsn)
}

// regionValidator decides IsValidNumberForRegion for one region's
// metadata: the general description and any type description
// (getNumberTypeHelper(…) != UNKNOWN).
type regionValidator struct {
	id      string
	general descMatcher
	types   []descMatcher
	leading *dfa // the region's leading digits; nil when it has none
}

func compileRegion(md *phonenumbers.PhoneMetadata) (*regionValidator, error) {
	v := &regionValidator{id: md.GetId()}
	var err error
	if v.general, err = compileDesc(md.GetGeneralDesc()); err != nil {
		return nil, err
	}
	descs := []*phonenumbers.PhoneNumberDesc{
		md.GetPremiumRate(), md.GetTollFree(), md.GetSharedCost(), md.GetVoip(),
		md.GetPersonalNumber(), md.GetPager(), md.GetUan(), md.GetVoicemail(), md.GetFixedLine(),
	}
	if !md.GetSameMobileAndFixedLinePattern() {
		descs = append(descs, md.GetMobile())
	}
	for _, d := range descs {
		m, err := compileDesc(d)
		if err != nil {
			return nil, err
		}
		if m.re != nil && m.lengths != 0 {
			v.types = append(v.types, m)
		}
	}
	if ld := md.GetLeadingDigits(); ld != "" {
		if v.leading, err = compileDFA(ld); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// valid reports whether nsn is a valid number of the region.
func (v *regionValidator) valid(nsn []byte) bool {
	if !v.general.match(nsn) {
		return false
	}
	for i := range v.types {
		if v.types[i].match(nsn) {
			return true
		}
	}
	return false
}

// ccValidator decides IsValidNumber for one country calling code: the
// regions sharing it in the library's order, chosen as
// getRegionCodeForNumberFromRegionList does.
type ccValidator struct {
	regions []*regionValidator
}

// valid reports whether nsn (no leading zero) is valid for the code.
func (v *ccValidator) valid(nsn []byte) bool {
	if len(v.regions) == 1 {
		return v.regions[0].valid(nsn)
	}
	for _, r := range v.regions {
		if r.leading != nil {
			if r.leading.prefix(nsn) {
				return r.valid(nsn)
			}
		} else if r.valid(nsn) {
			return true
		}
	}
	return false
}

// region returns the validator of the region with the given id, or nil.
func (v *ccValidator) region(id string) *regionValidator {
	for _, r := range v.regions {
		if r.id == id {
			return r
		}
	}
	return nil
}

// metadataIndex maps region ids and non-geographic country codes to the
// metadata the library itself uses (its embedded collection).
type metadataIndex struct {
	regions map[string]*phonenumbers.PhoneMetadata
	nonGeo  map[int]*phonenumbers.PhoneMetadata
}

var loadMetadataIndex = sync.OnceValues(func() (*metadataIndex, error) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return nil, fmt.Errorf("phone number metadata: %w", err)
	}
	ix := &metadataIndex{regions: map[string]*phonenumbers.PhoneMetadata{}, nonGeo: map[int]*phonenumbers.PhoneMetadata{}}
	for _, md := range coll.GetMetadata() {
		if md.GetId() == "001" {
			ix.nonGeo[int(md.GetCountryCode())] = md
		} else {
			ix.regions[md.GetId()] = md
		}
	}
	return ix, nil
})

// ccValidators holds the compiled validator of each country calling code,
// built on first use (about a millisecond a code) and read-only after:
// a pure function of the embedded metadata.
var ccValidators [1000]struct {
	once sync.Once
	v    *ccValidator
}

// validatorFor returns the compiled validator of country code cc, or nil
// when the code is unknown or its metadata does not compile (the caller
// then asks the library).
func validatorFor(cc int) *ccValidator {
	if cc <= 0 || cc >= len(ccValidators) {
		return nil
	}
	e := &ccValidators[cc]
	e.once.Do(func() { e.v, _ = compileCC(cc) })
	return e.v
}

func compileCC(cc int) (*ccValidator, error) {
	ix, err := loadMetadataIndex()
	if err != nil {
		return nil, err
	}
	ids := phonenumbers.GetRegionCodesForCountryCode(cc)
	if len(ids) == 0 {
		return nil, fmt.Errorf("country code %d: no regions", cc)
	}
	v := &ccValidator{}
	for _, id := range ids {
		md := ix.regions[id]
		if id == "001" {
			md = ix.nonGeo[cc]
		}
		if md == nil {
			return nil, fmt.Errorf("country code %d: no metadata for region %s", cc, id)
		}
		r, err := compileRegion(md)
		if err != nil {
			return nil, fmt.Errorf("country code %d, region %s: %w", cc, id, err)
		}
		v.regions = append(v.regions, r)
	}
	return v, nil
}
