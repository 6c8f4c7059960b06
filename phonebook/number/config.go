package number

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Config configures a Normalizer. The zero value is usable: no default
// region (only numbers with '+' parse), extensions up to 6 digits, no trunk
// prefixes, valid numbers only, a 64 Ki entry probe cache.
type Config struct {
	// DefaultRegion is the ISO 3166 alpha-2 region numbers without '+' are
	// read in, e.g. "BA", "DE", "US" (case-insensitive). "" means only
	// +E.164 input parses; national forms then match exactly or not at all.
	DefaultRegion string
	// ExtensionMaxLen: numbers of at most this many digits without '+' are
	// internal extensions that match exactly only. 0 means 6; at most 15.
	ExtensionMaxLen int
	// TrunkPrefixes are digits the PBX puts in front of outside numbers
	// (e.g. "0" or "9"). When a number without '+' does not validate as
	// given and starts with one of them, it is parsed again without it.
	TrunkPrefixes []string
	// AcceptPossible gives numbers that are only possible (right length for
	// the country, not in a known range) an E.164 key too. Without it they
	// are reachable only on the national level.
	AcceptPossible bool
	// CacheSize bounds the raw→Probe cache (entries). 0 means 65536; a
	// negative value disables the cache.
	CacheSize int
}

// Defaults for the zero Config.
const (
	DefaultExtensionMaxLen = 6
	DefaultCacheSize       = 1 << 16
	maxExtensionMaxLen     = 15
)

// Normalizer turns raw numbers into index keys. It is safe for concurrent
// use; create it with New.
type Normalizer struct {
	region     string
	extMax     int
	trunks     []string
	acceptPoss bool
	// cc[c] describes country calling code c (1..999) for the +digits fast
	// path: known code, and its national (trunk) prefix if any.
	cc    [1000]ccInfo
	cache *lru // nil when disabled
	// Parser-free national and international forms for the default region,
	// set only when the region passes regionFastPaths' self-check.
	regionCC string // the region's country code digits
	ndd      string // national (trunk) prefix, e.g. "0"
	idd      string // international prefix, e.g. "00"
	// regionValid is the compiled validity test of the default region
	// (validate.go); nil when there is none or it did not compile.
	regionValid *regionValidator
	// libraryOnly makes validDerived ask phonenumbers instead of the
	// compiled automata (tests compare the two).
	libraryOnly bool
}

type ccInfo struct {
	known bool   // an assigned country calling code
	fast  bool   // the parser-free paths may be used (see fastCodes)
	ndd   string // national prefix of the code's main region
}

// fastCodes reports, per country calling code, whether the parser reads
// the E.164 form of every example number the metadata has for the code
// back to that number, and the code splits off the digits as the
// parser-free paths do. Computed once per process (about 2 500 parses);
// read-only afterwards.
var fastCodes = sync.OnceValue(func() *[1000]bool {
	var ok, bad [1000]bool
	known := phonenumbers.GetSupportedCallingCodes()
	check := func(ex *phonenumbers.PhoneNumber) {
		if ex == nil || !phonenumbers.IsValidNumber(ex) {
			return
		}
		cc := int(ex.GetCountryCode())
		if cc <= 0 || cc >= len(ok) {
			return
		}
		e := phonenumbers.Format(ex, phonenumbers.E164)
		split := 0
		for l := 1; l <= 3 && l < len(e); l++ {
			if c, _ := strconv.Atoi(e[1 : 1+l]); known[c] {
				split = c
				break
			}
		}
		p, err := phonenumbers.Parse(e, "ZZ")
		if split != cc || err != nil || p.GetCountryCode() != ex.GetCountryCode() ||
			phonenumbers.GetNationalSignificantNumber(p) != phonenumbers.GetNationalSignificantNumber(ex) {
			bad[cc] = true
			return
		}
		ok[cc] = true
	}
	for region := range phonenumbers.GetSupportedRegions() {
		for _, t := range exampleTypes {
			check(phonenumbers.GetExampleNumberForType(region, t))
		}
	}
	for c := range phonenumbers.GetSupportedGlobalNetworkCallingCodes() {
		check(phonenumbers.GetExampleNumberForNonGeoEntity(c))
	}
	for i := range ok {
		ok[i] = ok[i] && !bad[i]
	}
	return &ok
})

// New validates cfg and returns a Normalizer. Errors name the offending
// Config field.
func New(cfg Config) (*Normalizer, error) {
	n := &Normalizer{acceptPoss: cfg.AcceptPossible}
	if cfg.DefaultRegion != "" {
		r := strings.ToUpper(strings.TrimSpace(cfg.DefaultRegion))
		if !phonenumbers.GetSupportedRegions()[r] {
			return nil, fmt.Errorf("number: Config.DefaultRegion: unknown region %q (want an ISO 3166 alpha-2 code such as BA, DE, US)", cfg.DefaultRegion)
		}
		n.region = r
	}
	switch {
	case cfg.ExtensionMaxLen == 0:
		n.extMax = DefaultExtensionMaxLen
	case cfg.ExtensionMaxLen < 0 || cfg.ExtensionMaxLen > maxExtensionMaxLen:
		return nil, fmt.Errorf("number: Config.ExtensionMaxLen: %d out of range 1..%d", cfg.ExtensionMaxLen, maxExtensionMaxLen)
	default:
		n.extMax = cfg.ExtensionMaxLen
	}
	for i, p := range cfg.TrunkPrefixes {
		if p == "" || len(p) > 4 || strings.Trim(p, "0123456789") != "" {
			return nil, fmt.Errorf("number: Config.TrunkPrefixes[%d]: %q is not 1 to 4 digits", i, p)
		}
		n.trunks = append(n.trunks, p)
	}
	switch {
	case cfg.CacheSize == 0:
		n.cache = newLRU(DefaultCacheSize)
	case cfg.CacheSize > 0:
		n.cache = newLRU(cfg.CacheSize)
	}
	fast := fastCodes()
	for c := range phonenumbers.GetSupportedCallingCodes() {
		if c <= 0 || c >= len(n.cc) {
			continue
		}
		info := ccInfo{known: true, fast: fast[c]}
		if reg := phonenumbers.GetRegionCodeForCountryCode(c); reg != "" && reg != "001" {
			info.ndd = phonenumbers.GetNddPrefixForRegion(reg, true)
		}
		n.cc[c] = info
	}
	if n.region != "" {
		n.regionFastPaths()
		if v := validatorFor(phonenumbers.GetCountryCodeForRegion(n.region)); v != nil {
			n.regionValid = v.region(n.region)
		}
	}
	return n, nil
}

// exampleTypes are the number types regionFastPaths checks.
var exampleTypes = []phonenumbers.PhoneNumberType{
	phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE,
	phonenumbers.SHARED_COST, phonenumbers.VOIP, phonenumbers.PERSONAL_NUMBER, phonenumbers.PAGER,
	phonenumbers.UAN, phonenumbers.VOICEMAIL,
}

// regionFastPaths enables Probe's parser-free handling of "<national
// prefix><nsn>" and "<IDD><cc><nsn>" for the default region, but only when
// the parser itself reads every example number of the region the same way
// in those forms (regions with carrier codes or conditional prefixes fail
// the check and always use the parser).
func (n *Normalizer) regionFastPaths() {
	cc := phonenumbers.GetCountryCodeForRegion(n.region)
	if cc <= 0 {
		return
	}
	ccs := strconv.Itoa(cc)
	same := func(s string, want *phonenumbers.PhoneNumber) bool {
		got, err := phonenumbers.Parse(s, n.region)
		return err == nil && got.GetCountryCode() == want.GetCountryCode() &&
			phonenumbers.GetNationalSignificantNumber(got) == phonenumbers.GetNationalSignificantNumber(want)
	}
	if ndd := phonenumbers.GetNddPrefixForRegion(n.region, true); ndd != "" && strings.Trim(ndd, "0123456789") == "" {
		ok, seen := true, 0
		for _, t := range exampleTypes {
			ex := phonenumbers.GetExampleNumberForType(n.region, t)
			if ex == nil || int(ex.GetCountryCode()) != cc {
				continue
			}
			seen++
			nsn := phonenumbers.GetNationalSignificantNumber(ex)
			if nsn == "" || nsn[0] == '0' || !same(ndd+nsn, ex) {
				ok = false
				break
			}
		}
		if ok && seen > 0 {
			n.ndd = ndd
		}
	}
	if ex := phonenumbers.GetExampleNumber("CH"); ex != nil {
		out := phonenumbers.FormatOutOfCountryCallingNumber(ex, n.region)
		if cc == 41 {
			out = phonenumbers.FormatOutOfCountryCallingNumber(phonenumbers.GetExampleNumber("DE"), n.region)
		}
		if i := strings.IndexByte(out, ' '); i > 0 && strings.Trim(out[:i], "0123456789") == "" {
			// Some regions' IDD is a pattern (HK: 00, 001, 0080…): accept the
			// prefix only if it reads an example of every country code right.
			idd, ok := out[:i], true
			for c := range phonenumbers.GetSupportedCallingCodes() {
				ex := phonenumbers.GetExampleNumberForNonGeoEntity(c)
				if r := phonenumbers.GetRegionCodeForCountryCode(c); ex == nil && r != "" && r != "001" {
					ex = phonenumbers.GetExampleNumber(r)
				}
				if ex == nil {
					continue
				}
				if !same(idd+strconv.Itoa(c)+phonenumbers.GetNationalSignificantNumber(ex), ex) {
					ok = false
					break
				}
			}
			if ok {
				n.idd = idd
			}
		}
	}
	if n.ndd != "" || n.idd != "" {
		n.regionCC = ccs
	}
}

// Region returns the configured default region ("" if none).
func (n *Normalizer) Region() string { return n.region }

// ExtensionMaxLen returns the effective extension length limit.
func (n *Normalizer) ExtensionMaxLen() int { return n.extMax }
